"""Golden tier: each shipped scenario, full length, one seed, gives the pinned KPIs and bytes.

A deliberate change of behaviour regenerates the goldens with
``python -m tests.golden --update`` (see docs/testing.md).
"""

import pytest

from sim.scenario import available_scenarios
from tests import golden

GOLDENS = golden.load()


def test_every_shipped_scenario_has_a_golden_entry():
    assert sorted(GOLDENS) == available_scenarios(), "run: python -m tests.golden --update"


@pytest.mark.golden
@pytest.mark.parametrize("name", available_scenarios())
def test_scenario_matches_its_golden_values(name):
    expected = GOLDENS.get(name)
    if expected is None:
        pytest.fail(f"{name} has no golden entry; run: python -m tests.golden --update {name}")
    actual = golden.measure(name, expected["seed"])
    moved = golden.kpis_moved(expected["kpis"], actual["kpis"])
    assert not moved, f"{name}: KPIs moved (expected -> actual):\n" + "\n".join(moved)
    assert actual["steps"] == expected["steps"]
    changed = golden.differences(expected, actual)
    assert not changed, (f"{name}: KPIs within tolerance, but outputs changed:\n"
                         + "\n".join(changed))
