"""Time a 10-year (520-step) default run beside Mesa's Boltzmann wealth model.

Both run in this process on this machine, so their ratio is meaningful even on
a noisy shared machine. Prints agent-steps per second for each.

    python -m benchmarks.core_benchmark [--repeats 5]
"""

from __future__ import annotations

import argparse

from benchmarks.timing import STEPS, compare, time_steps
from sim.model import StandoffModel
from sim.scenario import load_scenario


def time_standoff(scenario) -> tuple[float, int]:
    model = StandoffModel(scenario, seed=1)
    return time_steps(model), len(model.agents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenario", default="baseline_2025")
    parser.add_argument("--all-ai", action="store_true", help="every state plays (policy ai)")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    if args.all_ai:
        scenario = load_scenario(args.scenario, overrides={
            f"regions.{code}.policy": "ai" for code in scenario.regions})
    ours_s, theirs_s, agents = compare(lambda: time_standoff(scenario), args.repeats)
    label = f"{args.scenario}{' (all states ai)' if args.all_ai else ''}"
    print(f"{label}: {STEPS} steps, {agents} agents, median of {args.repeats} runs")
    print(f"  Rare Earth Standoff   {ours_s:6.3f} s   {agents * STEPS / ours_s:10,.0f} "
          "agent-steps/s")
    print(f"  Mesa Boltzmann wealth {theirs_s:6.3f} s   {agents * STEPS / theirs_s:10,.0f} "
          f"agent-steps/s  (same agent count)")
    print(f"  target: whole run under 1 s -> {'met' if ours_s < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
