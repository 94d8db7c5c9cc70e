"""A sweep's folder: the manifest, result chunks written atomically, and reading them back.

Layout of ``DIR``::

    manifest.json          the spec, the design (run id, point, replicate, seed,
                           parameters), code version, hashes of spec and scenario
    runs/chunk-NNNNNN.parquet     one row per finished run (ok, error or timeout)
    series/chunk-NNNNNN.parquet   sampled time series of the runs in the same chunk

A chunk is written to a hidden temporary file and renamed into place, series
first and runs last, so a run counts as done exactly when its row is in a
``runs`` chunk; on resume, leftovers of an interrupted write are removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

MANIFEST = "manifest.json"
FORMAT = 1
ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}
SERIES_SCHEMA = pa.schema([("run_id", pa.int64()), ("step", pa.int64()),
                           ("metric", pa.string()), ("region", pa.string()),
                           ("partner", pa.string()), ("product", pa.string()),
                           ("value", pa.float64())])


class StoreError(ValueError):
    """The folder cannot take this sweep (another sweep's results, not a sweep folder)."""


def code_version() -> str:
    """The package version and, in a git checkout, the commit (``+dirty`` if modified)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version("rare-earth-standoff")
    except PackageNotFoundError:
        text = "unknown"
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, timeout=10, check=True)
        return f"{text}+{commit.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        return text


def runs_schema(kinds: dict[str, str], outcomes: tuple[str, ...]) -> pa.Schema:
    fields = [("run_id", pa.int64()), ("point", pa.int64()), ("replicate", pa.int64()),
              ("seed", pa.int64())]
    fields += [(name, ARROW_TYPES[kind]) for name, kind in kinds.items()]
    fields += [("status", pa.string()), ("error", pa.string()), ("traceback", pa.string()),
               ("seconds", pa.float64())]
    fields += [(name, pa.float64()) for name in outcomes]
    return pa.schema(fields)


def write_atomic(path: Path, write) -> None:
    """``write(tmp_path)``, flushed to disk, then renamed to ``path``."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Store:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.runs_dir = self.folder / "runs"
        self.series_dir = self.folder / "series"
        self._next_chunk = 0

    # -- the manifest ---------------------------------------------------------
    def manifest(self) -> dict | None:
        path = self.folder / MANIFEST
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: unreadable manifest ({exc})") from None

    def open(self, sweep, spec_text: str | None = None) -> dict:
        """Start a new sweep folder, or check that an existing one holds this same sweep."""
        existing = self.manifest()
        if existing is None:
            if self.folder.exists() and any(self.folder.iterdir()):
                raise StoreError(f"{self.folder} exists and is not a sweep folder (no "
                                 f"{MANIFEST}); give an empty or new folder")
            return self._create(sweep, spec_text)
        if existing.get("format") != FORMAT:
            raise StoreError(f"{self.folder}: manifest format {existing.get('format')} is not "
                             f"{FORMAT}")
        if existing["spec_hash"] != sweep.spec_hash:
            changed = _changed_keys(existing["spec"], sweep.spec.model_dump(mode="json"))
            raise StoreError(
                f"{self.folder} holds results of a different spec (changed: "
                f"{', '.join(changed) or 'the design points'}); use a new --out folder, or "
                "restore the spec to resume")
        if existing["scenario_hash"] != sweep.scenario_hash:
            raise StoreError(
                f"{self.folder} holds results of a different base scenario "
                f"({existing['spec'].get('scenario')} changed since the sweep started); use a "
                "new --out folder, or restore the scenario to resume")
        self._recover()
        return existing

    def _create(self, sweep, spec_text: str | None) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "code_version": code_version(),
            "spec_source": sweep.source,
            "spec": sweep.spec.model_dump(mode="json"),
            "spec_text": spec_text,
            "spec_hash": sweep.spec_hash,
            "scenario_hash": sweep.scenario_hash,
            "parameters": sweep.kinds,
            "outcomes": list(sweep.outcomes),
            "design": {"columns": list(sweep.runs.columns),
                       "rows": sweep.runs.to_numpy().tolist()},
            "unit_points": None if sweep.unit is None else sweep.unit.tolist(),
        }
        write_atomic(self.folder / MANIFEST,
                     lambda tmp: tmp.write_text(json.dumps(manifest, indent=1, default=_plain)))
        self.runs_dir.mkdir(exist_ok=True)
        self.series_dir.mkdir(exist_ok=True)
        return manifest

    # -- chunks ----------------------------------------------------------------
    def _recover(self) -> None:
        """Drop temporary files and series chunks whose runs chunk was never written."""
        self.runs_dir.mkdir(exist_ok=True)
        self.series_dir.mkdir(exist_ok=True)
        for folder in (self.runs_dir, self.series_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink()
        runs = {p.name for p in self.runs_dir.glob("chunk-*.parquet")}
        for series in self.series_dir.glob("chunk-*.parquet"):
            if series.name not in runs:
                series.unlink()

    def drop_unfinished(self) -> int:
        """Remove the rows of runs that failed or timed out (and any series of theirs),
        chunk by chunk, each rewritten atomically; return how many were removed."""
        removed = 0
        for path in sorted(self.runs_dir.glob("chunk-*.parquet")):
            table = pq.read_table(path)
            ok = pc.equal(table.column("status"), "ok")
            kept = table.filter(ok)
            if kept.num_rows == table.num_rows:
                continue
            removed += table.num_rows - kept.num_rows
            series = self.series_dir / path.name
            if series.exists():
                ids = pa.array(kept.column("run_id").to_pylist(), type=pa.int64())
                sampled = pq.read_table(series)
                sampled = sampled.filter(pc.is_in(sampled.column("run_id"), ids))
                write_atomic(series, lambda tmp, table=sampled: pq.write_table(table, tmp))
            write_atomic(path, lambda tmp, table=kept: pq.write_table(table, tmp))
        return removed

    def done_ids(self) -> set[int]:
        ids: set[int] = set()
        for path in sorted(self.runs_dir.glob("chunk-*.parquet")):
            ids.update(pq.read_table(path, columns=["run_id"]).column(0).to_pylist())
        return ids

    def write_chunk(self, rows: list[dict], series: list[pd.DataFrame],
                    schema: pa.Schema) -> None:
        existing = [int(p.stem.split("-")[1]) for p in self.runs_dir.glob("chunk-*.parquet")]
        number = max([self._next_chunk - 1, *existing], default=-1) + 1
        self._next_chunk = number + 1
        name = f"chunk-{number:06d}.parquet"
        if series:
            table = pa.Table.from_pandas(pd.concat(series, ignore_index=True),
                                         schema=SERIES_SCHEMA, preserve_index=False)
            write_atomic(self.series_dir / name, lambda tmp: pq.write_table(table, tmp))
        runs = pa.Table.from_pylist(rows, schema=schema)
        write_atomic(self.runs_dir / name, lambda tmp: pq.write_table(runs, tmp))


def read_runs(folder: str | Path) -> pd.DataFrame:
    """Every finished run of a sweep folder, one row each, ordered by run id."""
    folder = Path(folder)
    if not list((folder / "runs").glob("chunk-*.parquet")):
        return _empty_runs(folder)
    table = pd.read_parquet(folder / "runs")
    return table.sort_values("run_id", ignore_index=True)


def read_series(folder: str | Path) -> pd.DataFrame:
    """The sampled time series of a sweep folder (long table), ordered by run and step."""
    folder = Path(folder)
    if not list((folder / "series").glob("chunk-*.parquet")):
        return SERIES_SCHEMA.empty_table().to_pandas()
    table = pd.read_parquet(folder / "series")
    return table.sort_values(["run_id", "metric", "region", "partner", "product", "step"],
                             ignore_index=True, kind="stable")


def read_manifest(folder: str | Path) -> dict:
    manifest = Store(folder).manifest()
    if manifest is None:
        raise StoreError(f"{folder} is not a sweep folder (no {MANIFEST})")
    return manifest


def design_table(manifest: dict) -> pd.DataFrame:
    design = manifest["design"]
    return pd.DataFrame(design["rows"], columns=design["columns"])


def _empty_runs(folder: Path) -> pd.DataFrame:
    manifest = read_manifest(folder)
    schema = runs_schema(manifest["parameters"], tuple(manifest["outcomes"]))
    return schema.empty_table().to_pandas()


def _changed_keys(old: dict, new: dict, prefix: str = "") -> list[str]:
    keys = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += _changed_keys(a, b, f"{prefix}{key}.")
        elif a != b and key not in ("title", "description"):
            keys.append(f"{prefix}{key}")
    return keys


def _plain(value: Any):
    return value.item() if hasattr(value, "item") else str(value)
