"""The model against history: a scenario over seeds set beside the recorded series.

``history`` reads the recorded figures of ``data/``, ``runs`` runs the seeds and
extracts the series, ``facts`` computes the stylised facts (pure functions of
DataFrames), ``plots`` draws the charts and ``command`` is ``run.py replay``
(docs/replay.md).
"""
