"""Golden values: the KPIs and output hashes of each shipped scenario under one seed.

    python -m tests.golden                 # compare every scenario with tests/golden/runs.json
    python -m tests.golden --update        # regenerate (all, or the scenarios named)

Each entry pins a full-length run: its KPIs (``run_scenario(...).kpis``) and the
SHA-256 of ``timeseries.csv``, ``events.csv`` and ``deals.csv`` exactly as
``sim.outputs`` writes them. Regenerate only when a change of behaviour is
deliberate, and say in the commit why the outputs moved (docs/testing.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

from sim.outputs import FLOAT_FORMAT, csv_text
from sim.runner import RunResult, run_scenario
from sim.scenario import available_scenarios

GOLDEN_FILE = Path(__file__).resolve().parent / "golden" / "runs.json"
SEED = 0
KPI_RELATIVE_TOLERANCE = 1e-9


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def output_hashes(result: RunResult) -> dict[str, str]:
    """SHA-256 of each CSV output, byte for byte as ``sim.outputs.write_run`` writes it."""
    return {"timeseries.csv": _sha256(csv_text(result.timeseries, FLOAT_FORMAT)),
            "events.csv": _sha256(csv_text(result.events)),
            "deals.csv": _sha256(csv_text(result.deals))}


def measure(name: str, seed: int = SEED) -> dict:
    """The golden entry of scenario ``name``: a full-length run under ``seed``."""
    result = run_scenario(name, seed=seed)
    return {"seed": seed, "steps": result.steps, "kpis": result.kpis,
            "sha256": output_hashes(result)}


def load() -> dict[str, dict]:
    return json.loads(GOLDEN_FILE.read_text()) if GOLDEN_FILE.exists() else {}


def save(goldens: dict[str, dict]) -> None:
    GOLDEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN_FILE.write_text(json.dumps(dict(sorted(goldens.items())), indent=2) + "\n")


def kpis_moved(expected: dict[str, float], actual: dict[str, float]) -> list[str]:
    """One line per KPI that moved beyond the tolerance, appeared or disappeared."""
    lines = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            lines.append(f"  {key}: {expected[key]:.10g} -> (gone)")
        elif key not in expected:
            lines.append(f"  {key}: (new) -> {actual[key]:.10g}")
        elif not math.isclose(expected[key], actual[key], rel_tol=KPI_RELATIVE_TOLERANCE,
                              abs_tol=1e-12):
            old, new = expected[key], actual[key]
            change = f"{100 * (new / old - 1):+.4g}%" if old else f"{new - old:+.4g}"
            lines.append(f"  {key}: {old:.10g} -> {new:.10g} ({change})")
    return lines


def differences(expected: dict, actual: dict) -> list[str]:
    """What changed between two golden entries of one scenario, readable; empty if nothing."""
    lines = [f"  {key}: {expected.get(key)} -> {actual[key]}" for key in ("seed", "steps")
             if expected.get(key) != actual[key]]
    lines += kpis_moved(expected.get("kpis", {}), actual["kpis"])
    old_hashes = expected.get("sha256", {})
    lines += [f"  {file} hash changed: {old_hashes.get(file, '(none)')[:12]} -> {digest[:12]}"
              for file, digest in actual["sha256"].items() if old_hashes.get(file) != digest]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all shipped)")
    parser.add_argument("--update", action="store_true",
                        help="write the new values to tests/golden/runs.json")
    args = parser.parse_args(argv)
    shipped = available_scenarios()
    unknown = sorted(set(args.scenarios) - set(shipped))
    if unknown:
        parser.error(f"unknown scenarios {unknown}; shipped: {', '.join(shipped)}")
    goldens = load()
    changed = 0
    for name in args.scenarios or shipped:
        actual = measure(name, goldens.get(name, {}).get("seed", SEED))
        lines = differences(goldens[name], actual) if name in goldens else ["  (new entry)"]
        changed += bool(lines)
        print(f"{name}: {'changed' if lines else 'unchanged'}", *lines, sep="\n")
        goldens[name] = actual
    if args.update:
        stale = [name for name in goldens if name not in shipped]
        for name in stale:
            print(f"{name}: no longer shipped, dropped")
            del goldens[name]
        save(goldens)
        print(f"wrote {GOLDEN_FILE}")
        return 0
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
