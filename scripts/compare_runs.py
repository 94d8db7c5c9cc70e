"""Compare the outputs of every shipped scenario between a git revision and the work tree.

    python scripts/compare_runs.py                  # against HEAD, full scenario length
    python scripts/compare_runs.py --rev 62df314 --steps 200 --scenario escalation

Each scenario runs once per side in a fresh process (the revision from a
``git archive`` copy); ``timeseries.csv``, ``events.csv`` and ``deals.csv``
are compared byte for byte. Where they differ, the largest difference of
the tidy table's values, relative to the largest value of its series, is
printed, so a change that only reorders floating-point work shows as
rounding-level (about 1e-10 or less), and a change of behaviour shows as a
large number. Exit status 1 when anything
differs (unless ``--allow SCENARIO`` names it), 0 otherwise.

Reference outputs are cached under ``.cache/compare/REV`` so repeated checks
against the same revision only rerun the work tree.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.revision import export_revision  # noqa: E402

FILES = ("timeseries.csv", "events.csv", "deals.csv")
WRITE = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from sim.outputs import FLOAT_FORMAT, csv_text
from sim.runner import run_scenario
result = run_scenario({scenario!r}, seed={seed}, steps={steps})
out = Path({out!r})
out.mkdir(parents=True, exist_ok=True)
(out / "timeseries.csv").write_text(csv_text(result.timeseries, FLOAT_FORMAT))
(out / "events.csv").write_text(csv_text(result.events))
(out / "deals.csv").write_text(csv_text(result.deals))
"""


def shipped_scenarios(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "scenarios").glob("*.toml"))


def run_side(root: Path, scenario: str, seed: int, steps: int | None, out: Path) -> None:
    code = WRITE.format(root=str(root), scenario=scenario, seed=seed,
                        steps="None" if steps is None else steps, out=str(out))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def largest_difference(before: Path, after: Path) -> str:
    """Largest difference of matching rows of two tidy tables, relative to the series.

    Each difference is divided by the largest absolute value its series (metric,
    region, partner, product) takes over the run, so a stock that passes near
    zero does not inflate a rounding-level change.
    """
    keys = ["step", "metric", "region", "partner", "product"]
    a = pd.read_csv(before, keep_default_na=False)
    b = pd.read_csv(after, keep_default_na=False)
    if len(a) != len(b):
        return f"{len(a)} rows before, {len(b)} after"
    joined = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    if (joined["_merge"] != "both").any():
        return "different series"
    va, vb = joined["value_a"].to_numpy(float), joined["value_b"].to_numpy(float)
    series = joined.groupby(keys[1:])["value_a"].transform(lambda v: v.abs().max())
    scale = np.maximum(series.to_numpy(float), 1e-9)
    rel = np.abs(va - vb) / scale
    worst = int(np.argmax(rel))
    row = joined.iloc[worst]
    return (f"max difference {rel[worst]:.3g} of the series' largest value "
            f"({row['metric']} {row['region']} {row['partner']} {row['product']} "
            f"step {row['step']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="git revision to compare against")
    parser.add_argument("--steps", type=int, default=None, help="weeks (default: scenario's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", action="append", help="only these (default: all shipped)")
    parser.add_argument("--allow", action="append", default=[],
                        help="scenarios whose differences are expected (reported, exit 0)")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.rev],
                         check=True, capture_output=True, text=True).stdout.strip()
    cache = ROOT / ".cache" / "compare" / f"{rev}-seed{args.seed}-steps{args.steps}"
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp) / "rev"
        old_root.mkdir()
        exported = False
        for scenario in args.scenario or shipped_scenarios(ROOT):
            reference = cache / scenario
            if not all((reference / name).exists() for name in FILES):
                if not exported:
                    export_revision(rev, old_root)
                    exported = True
                run_side(old_root, scenario, args.seed, args.steps, reference)
            now = Path(tmp) / "now" / scenario
            run_side(ROOT, scenario, args.seed, args.steps, now)
            same = [(reference / n).read_bytes() == (now / n).read_bytes() for n in FILES]
            verdict = "identical" if all(same) else "DIFFERENT " + ", ".join(
                n for n, s in zip(FILES, same, strict=True) if not s)
            print(f"{scenario:18s} {verdict}")
            if not same[0]:
                print(f"{'':18s} {largest_difference(reference / FILES[0], now / FILES[0])}")
            if not all(same) and scenario not in args.allow:
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
