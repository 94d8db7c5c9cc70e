"""Scenario files: loading, extends, overrides, and the malformed corpus."""

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import ScenarioError, available_scenarios, load_scenario

BAD = sorted((Path(__file__).parent / "bad_scenarios").glob("*.toml"))


def test_corpus_is_large_enough():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_malformed_scenario_is_rejected_naming_the_key(path, capsys):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ").strip()
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", available_scenarios())
def test_shipped_scenarios_are_valid(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.question.strip(), "every shipped scenario says what it lets you explore"


def test_extends_merges_tables_and_replace_drops_them():
    free = load_scenario("free_trade")
    base = load_scenario("baseline_2025")
    assert free.miners == base.miners
    assert free.policy == {}
    assert list(free.timeline) == ["kachin_conflict"]
    assert free.title != base.title


def test_child_overrides_one_field_and_keeps_the_rest(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "baseline_2025"\n[miners.mountain_pass]\n'
                     "capacity_t_per_year = 60000\n")
    scenario = load_scenario(child)
    assert scenario.miners["mountain_pass"].capacity_t_per_year == 60000
    assert scenario.miners["mountain_pass"].cost_usd_per_kg == (
        load_scenario("baseline_2025").miners["mountain_pass"].cost_usd_per_kg)
    assert scenario.name == "child"


def test_overrides_are_validated():
    scenario = load_scenario("baseline_2025", overrides={"demand.growth_percent_per_year": 7})
    assert scenario.demand.growth_percent_per_year == 7
    with pytest.raises(ScenarioError, match="demand.growth_percent_per_year"):
        load_scenario("baseline_2025", overrides={"demand.growth_percent_per_year": 700})
    with pytest.raises(ScenarioError, match="demand.grwth"):
        load_scenario("baseline_2025", overrides={"demand.grwth": 1})
