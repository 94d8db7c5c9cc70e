"""Parameter sweeps and sensitivity analysis, on a laptop or a Dask cluster.

From Python::

    from sim.sweep import run_to_table
    table = run_to_table({"scenario": "baseline_2025", "steps": 52,
                          "design": {"method": "lhs", "samples": 8},
                          "parameters": {"market.price_smoothing": {"range": [0.2, 0.8]}}},
                         out="out/my_sweep", workers=2)      # one row per run

The names below are imported on first use, so ``run.py`` starts fast.
"""

from __future__ import annotations

import importlib

_API = {
    "SweepSpec": "sim.sweep.spec",
    "Sweep": "sim.sweep.load",
    "SpecError": "sim.sweep.load",
    "load_spec": "sim.sweep.load",
    "prepare": "sim.sweep.load",
    "run_sweep": "sim.sweep.execute",
    "run_to_table": "sim.sweep.execute",
    "read_runs": "sim.sweep.store",
    "read_series": "sim.sweep.store",
    "read_manifest": "sim.sweep.store",
    "design_table": "sim.sweep.store",
    "analyze": "sim.sweep.analysis",
}

__all__ = list(_API)


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
