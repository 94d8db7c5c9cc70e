"""Bargaining emerges: ten-year runs over ten seeds of the scenarios where states play.

For each of ``framework_deal``, ``escalation`` and ``baseline_2025`` with every
state on ``ai``: every run has offers, counter-offers, acceptances and
rejections; the median run makes at least five offers and signs at least two
deals; across the seeds deals are broken and answered, and threats are both
averted and carried out.
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
    cheats = {d.id: d.defected_by for d in deals}
    judged = [(n.kind, cheats[n.payload["deal"]] == n.subject) for n in model.news.items
              if n.kind in ("defection_detected", "defection_suspected")]
    return {"offers": kinds["offer"], "counters": kinds["counter_offer"],
            "suspected": kinds["defection_suspected"],
            "mislabelled": sum((kind == "defection_detected") != guilty for kind, guilty in judged),
            "accepted": kinds["offer_accepted"], "rejected": kinds["offer_rejected"],
            "deals": len(deals), "broken": sum(d.status == "broken" for d in deals),
            "answered": len(answered), "carried out": threats["carried out"],
            "averted": threats["averted"]}


def _runs(name: str) -> list[dict]:
    return [_tally(name, seed) for seed in SEEDS]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_run_bargains_and_the_median_run_signs_deals(name):
    runs = _runs(name)
    for seed, run in zip(SEEDS, runs, strict=True):
        missing = [kind for kind in ("offers", "counters", "accepted", "rejected")
                   if not run[kind]]
        assert not missing, f"{name} seed {seed}: no {', '.join(missing)}"
    assert statistics.median(r["offers"] for r in runs) >= 5
    assert statistics.median(r["deals"] for r in runs) >= 2
    scripted = sum(c.type == "deal" for c in _spec(name).timeline.values())
    assert all(r["deals"] == r["accepted"] + scripted for r in runs)  # else accepted offers
    assert sum(r["broken"] for r in runs) > 0
    assert sum(r["answered"] for r in runs) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_threats_are_both_averted_and_carried_out_across_the_seeds(name):
    runs = _runs(name)
    assert sum(r["averted"] for r in runs) > 0
    assert sum(r["carried out"] for r in runs) > 0


@pytest.mark.slow
def test_states_judge_deals_by_what_they_see_and_sometimes_misjudge():
    """AI states find breaches in their blurred briefing: now and then they hold a partner
    that kept its word to have broken it, and the news says which was which."""
    runs = [r for name in SCENARIOS for r in _runs(name)]
    assert sum(r["suspected"] for r in runs) > 0
    assert not any(r["mislabelled"] for r in runs)
