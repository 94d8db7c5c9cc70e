"""Bargaining emerges: ten-year runs over ten seeds of the scenarios where states play.

For each of ``framework_deal``, ``escalation`` and ``baseline_2025`` with every
state on ``ai``: the median run makes at least five offers and signs at least
two deals; across the seeds offers are countered, accepted and rejected, threats
are carried out and averted, and broken deals are answered.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter

import pytest

from sim.model import StandoffModel
from sim.scenario import load_scenario
from tests.conftest import scenario

SEEDS = range(10)
SCENARIOS = ["framework_deal", "escalation", "all_ai_baseline"]
ANSWERS = ("retaliates", "withdraws")  # headlines of a broken deal's answer


def _spec(name: str):
    if name != "all_ai_baseline":
        return scenario(name)
    codes = scenario("baseline_2025").regions
    return load_scenario("baseline_2025",
                         overrides={f"regions.{code}.policy": "ai" for code in codes})


@functools.cache
def _tally(name: str, seed: int) -> dict:
    model = StandoffModel(_spec(name), seed=seed).run()
    kinds = Counter(n.kind for n in model.news.items)
    threats = Counter(t.status for t in model.diplomacy.threats)
    deals = model.diplomacy.deals
    answered = [n for n in model.news.items if n.kind in ("tariff", "licensing")
                and any(word in n.headline for word in ANSWERS)]
    return {"offers": kinds["offer"], "counters": kinds["counter_offer"],
            "accepted": kinds["offer_accepted"], "rejected": kinds["offer_rejected"],
            "deals": len(deals), "broken": sum(d.status == "broken" for d in deals),
            "answered": len(answered), "carried out": threats["carried out"],
            "averted": threats["averted"]}


def _runs(name: str) -> list[dict]:
    return [_tally(name, seed) for seed in SEEDS]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_the_median_run_makes_offers_and_signs_deals(name):
    runs = _runs(name)
    assert statistics.median(r["offers"] + r["counters"] for r in runs) >= 5
    assert statistics.median(r["deals"] for r in runs) >= 2
    scripted = sum(c.type == "deal" for c in _spec(name).timeline.values())
    assert all(r["deals"] == r["accepted"] + scripted for r in runs)  # else accepted offers
    for kind in ("offers", "counters", "accepted", "rejected"):
        assert sum(r[kind] > 0 for r in runs) >= len(runs) // 2, f"{kind} in most runs"


@pytest.mark.slow
def test_threats_are_carried_out_and_averted_and_broken_deals_are_answered():
    runs = [r for name in SCENARIOS for r in _runs(name)]
    assert sum(r["carried out"] for r in runs) > 0
    assert sum(r["averted"] for r in runs) > 0
    assert sum(r["broken"] for r in runs) > 0
    assert sum(r["answered"] for r in runs) > 0
    for name in ("escalation", "all_ai_baseline"):  # where both sides play, in every run
        assert all(r["offers"] and r["counters"] and r["accepted"] and r["rejected"]
                   for r in _runs(name)), name
