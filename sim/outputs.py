"""Writing a run to disk: tidy table (Parquet and CSV), news, deals, decision log, summary,
charts.

Everything is written into a temporary folder beside the target and renamed
into place at the end, so an interrupted or failed run leaves no partial
output directory behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from sim.charts import write_charts
from sim.decisions import log_text
from sim.recorder import METRICS
from sim.runner import RunResult

FLOAT_FORMAT = "%.10g"


def write_run(result: RunResult, out_dir: Path, overwrite: bool = False) -> Path:
    """Write all outputs of ``result`` into ``out_dir`` atomically."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} exists and is not empty; pass --overwrite to replace it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        _write_all(result, staging)
        if out_dir.exists():
            trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
            out_dir.rename(trash / "old")
            staging.rename(out_dir)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def csv_text(frame: pd.DataFrame, float_format: str | None = None) -> str:
    """A table as the CSV every output of the product uses (no index, ``\\n`` lines)."""
    return frame.to_csv(index=False, float_format=float_format, lineterminator="\n")


def _write_all(result: RunResult, folder: Path) -> None:
    table = result.timeseries
    table.to_parquet(folder / "timeseries.parquet", index=False)
    (folder / "timeseries.csv").write_text(csv_text(table, FLOAT_FORMAT), encoding="utf-8")
    (folder / "events.csv").write_text(csv_text(result.events), encoding="utf-8")
    (folder / "deals.csv").write_text(csv_text(result.deals), encoding="utf-8")
    (folder / "decisions.jsonl").write_text(log_text(list(result.decisions)), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(summary(result), indent=2) + "\n")
    write_charts(table, result.scenario, folder)


def summary(result: RunResult) -> dict:
    from sim import __version__

    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "seed": result.seed,
        "steps": result.steps,
        "start_date": scenario.start_date.isoformat(),
        "end_date": (result.timeseries["date"].iloc[-1].date().isoformat()
                     if len(result.timeseries) else None),
        "version": __version__,
        "headline": result.kpis,
        "events": len(result.events),
        "deals": result.deals[["deal", "tariff_by", "licences_by", "signed_date", "status",
                               "defected_by"]].to_dict(orient="records"),
        "metrics": {name: {"unit": spec.unit, "meaning": spec.meaning}
                    for name, spec in METRICS.items()},
    }
