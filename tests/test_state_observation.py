"""States decide on last week's frozen record, so AI importers see what licensing costs them.

Regression tests for states that read an emptied week: they saw no imports
from anyone (so no restricting supplier to threaten or bargain with) and no
magnet use (so every stockpile target came out as zero).
"""

import numpy as np
import pytest

from sim.world import MAGNET, step_of_date
from tests.conftest import finished_model, scenario

STEPS = 78  # into mid-2026: a year past China's April 2025 licensing


def _licensing_step(name: str) -> int:
    """The week China's first licensing of the scenario's timeline takes effect."""
    spec = scenario(name)
    dates = [c.date for c in spec.timeline.values()
             if c.type == "licensing" and c.exporter == spec.china]
    return step_of_date(spec.start_date, min(dates))


def _ai_moves(model, kind: str, actor: str) -> list:
    return [n for n in model.news.items
            if n.source == "ai" and n.kind == kind and n.actor == actor]


@pytest.mark.parametrize(("name", "kind"), [("escalation", "threat"),
                                            ("allied_buildout", "offer")])
def test_an_ai_importer_under_licensing_bargains_with_the_restricting_supplier(name, kind):
    """A hawkish US threatens China, a dovish one offers a framework, after the licensing."""
    model = finished_model(name, 0, STEPS)
    moves = _ai_moves(model, kind, "US")
    assert moves, f"the AI US never made a {kind} in {name}"
    china = model.spec.china
    key = "target" if kind == "threat" else "licences_by"
    assert all(m.payload[key] == china for m in moves)
    assert min(m.step for m in moves) > _licensing_step(name)


def test_ai_stockpile_targets_follow_magnet_use():
    model = finished_model("allied_buildout", 0, STEPS)
    orders = _ai_moves(model, "stockpile", "US")
    assert orders and all(o.payload["target_t"] > 0 for o in orders)
    held = model.recorder.stacked("stockpile")[:, :, MAGNET]
    assert held.max() > 1.0  # the orders were bought, not only announced


def test_the_week_record_is_frozen_once_measured():
    model = finished_model("baseline_2025", 0, 3)
    week = model.week
    for array in (week.use, week.shipped, week.allocation.take, week.approval):
        assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        week.use[0, 0] = 1.0
    assert np.array_equal(week.use, model.recorder.stacked("demand")[-1])
