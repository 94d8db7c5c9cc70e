"""Time the speculation phase (``Exchange.step`` plus ``Exchange.metrics``) against a revision.

The revision is extracted with ``git archive`` into a temporary directory; each
run is a fresh process of either tree, alternating old and new, and the median
of ``--repeats`` runs is reported with the old/new ratio, so the ratio is
meaningful on a noisy shared machine. The whole run's time is reported too.

    python -m benchmarks.finance_benchmark [--rev 9591a53] [--repeats 5]
        [--scenario baseline_2025 --scenario investor_frenzy] [--steps 520]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.revision import ROOT, export_revision

SCENARIOS = ("baseline_2025", "investor_frenzy")
TIME_RUN = """
import json, sys, time
sys.path.insert(0, {root!r})
from sim.model import StandoffModel
from sim.scenario import load_scenario
model = StandoffModel(load_scenario({scenario!r}), seed=1)
exchange, spent = model.exchange, [0.0]
def timed(method):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start
    return run
exchange.step, exchange.metrics = timed(exchange.step), timed(exchange.metrics)
start = time.perf_counter()
for _ in range({steps}):
    model.step()
print(json.dumps({{"run": time.perf_counter() - start, "finance": spent[0]}}))
"""


def time_run(root: Path, scenario: str, steps: int) -> dict[str, float]:
    """Seconds of the whole run and of the speculation phase, in a fresh process."""
    code = TIME_RUN.format(root=str(root), scenario=scenario, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=root,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="9591a53", help="git revision to compare against")
    parser.add_argument("--scenario", action="append", help=f"default: {', '.join(SCENARIOS)}")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=520)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp)
        export_revision(args.rev, old_root)
        print(f"speculation phase (Exchange.step + metrics) and whole run, {args.steps} steps, "
              f"median of {args.repeats} alternating runs; old = {args.rev}, new = work tree")
        for scenario in args.scenario or SCENARIOS:
            runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
            for _ in range(args.repeats):
                runs["old"].append(time_run(old_root, scenario, args.steps))
                runs["new"].append(time_run(ROOT, scenario, args.steps))
            median = {side: {key: statistics.median(r[key] for r in rs)
                             for key in ("finance", "run")} for side, rs in runs.items()}
            old, new = median["old"], median["new"]
            print(f"{scenario}:")
            for key, label in (("finance", "speculation"), ("run", "whole run")):
                print(f"  {label:12s} old {old[key]:7.3f} s   new {new[key]:7.3f} s   "
                      f"{old[key] / new[key]:5.2f}x faster")


if __name__ == "__main__":
    main()
