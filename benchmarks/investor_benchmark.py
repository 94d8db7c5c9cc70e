"""Time 520 steps of investor_frenzy with 10,000 investors beside Mesa's Boltzmann model.

Agent-steps: each individual investor's weekly decision is one agent-step (the
three strategy agents that hold them are containers and are not counted), plus
one per other Mesa agent (states, firms, manufacturers) per step. The Boltzmann
wealth model runs in the same process with the same number of agents.

    python -m benchmarks.investor_benchmark [--investors 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse

from benchmarks.timing import STEPS, compare, time_steps
from sim.model import StandoffModel
from sim.scenario import load_scenario

SPLIT = {"fundamentalists": 0.4, "trend_followers": 0.4, "news_traders": 0.2}


def crowd_overrides(investors: int) -> dict:
    """Investor counts by kind summing to ``investors`` (capital as in the scenario)."""
    counts = {kind: int(investors * share) for kind, share in SPLIT.items()}
    counts["news_traders"] += investors - sum(counts.values())
    return {f"finance.{kind}.count": n for kind, n in counts.items()}


def time_standoff(scenario) -> tuple[float, int]:
    model = StandoffModel(scenario, seed=1)
    seconds = time_steps(model)
    others = len(model.agents) - len(model.exchange.groups)
    return seconds, len(model.exchange.crowd) + others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario("investor_frenzy", overrides=crowd_overrides(args.investors))
    ours_s, theirs_s, agents = compare(lambda: time_standoff(scenario), args.repeats)
    ours_rate, theirs_rate = agents * STEPS / ours_s, agents * STEPS / theirs_s
    print(f"investor_frenzy with {args.investors:,} investors: {STEPS} steps, {agents:,} agents, "
          f"median of {args.repeats} runs")
    print(f"  Rare Earth Standoff   {ours_s:7.3f} s   {ours_rate:12,.0f} agent-steps/s")
    print(f"  Mesa Boltzmann wealth {theirs_s:7.3f} s   {theirs_rate:12,.0f} agent-steps/s  "
          "(same agent count)")
    print(f"  target: at least Boltzmann's agent-steps/s -> "
          f"{'met' if ours_rate >= theirs_rate else 'NOT met'} ({ours_rate / theirs_rate:.1f}x)")


if __name__ == "__main__":
    main()
