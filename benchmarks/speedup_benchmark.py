"""Time the 520-step run of this code against an earlier revision, in one run.

    python -m benchmarks.speedup_benchmark [--rev 62df314] [--repeats 7] [--scenario NAME]

The earlier revision is extracted with ``git archive`` into a temporary folder;
both sides run in fresh processes, alternated (old, new, old, new, ...), so a
busy machine slows both alike and their ratio stays meaningful. Each process
first runs two weeks untimed (imports, and loading the compiled loops, happen
once per process, as in a sweep worker), then times a whole run: building the
model and its steps. The median of the repeats is reported, and the time of
that first, cold two-week run beside it. The default revision is the code
before the speed-up of the model's phases.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.revision import ROOT, export_revision

BEFORE = "62df314"  # the code before the speed-up
TIME_ONE = """
import sys, time
sys.path.insert(0, {root!r})
cold = time.perf_counter()
from sim.model import StandoffModel
from sim.scenario import load_scenario
scenario = load_scenario({scenario!r})
warm_up = StandoffModel(scenario, seed=2)
for _ in range(2):
    warm_up.step()
cold = time.perf_counter() - cold
wall, cpu = time.perf_counter(), time.process_time()
model = StandoffModel(scenario, seed=1)
for _ in range({steps}):
    model.step()
print(time.perf_counter() - wall, time.process_time() - cpu, cold)
"""


def time_once(root: Path, scenario: str, steps: int) -> tuple[float, float, float]:
    """Wall-clock and CPU seconds of a warm run, and the cold start, in a fresh process."""
    code = TIME_ONE.format(root=str(root), scenario=scenario, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=root).stdout
    wall, cpu, cold = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu), float(cold)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default=BEFORE, help="earlier revision (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--scenario", default="baseline_2025")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp)
        export_revision(args.rev, old_root)
        old, new = [], []
        for _ in range(args.repeats):
            old.append(time_once(old_root, args.scenario, args.steps))
            new.append(time_once(ROOT, args.scenario, args.steps))
    print(f"{args.scenario}, {args.steps} steps (model built and run), median of "
          f"{args.repeats} alternated runs")
    print(f"  {'':22s} {'wall s':>8s} {'CPU s':>8s} {'cold start s':>13s}")
    medians = []
    for label, runs in ((f"revision {args.rev}", old), ("this code", new)):
        wall, cpu, cold = (statistics.median(r[i] for r in runs) for i in (0, 1, 2))
        medians.append((wall, cpu))
        print(f"  {label:22s} {wall:8.3f} {cpu:8.3f} {cold:13.2f}")
    (old_wall, old_cpu), (new_wall, new_cpu) = medians
    ratio = new_wall / old_wall
    print(f"  ratio (wall) {ratio:.2f}, (CPU) {new_cpu / old_cpu:.2f}; target at most 0.50: "
          f"{'met' if ratio <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
