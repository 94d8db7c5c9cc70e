"""Scenario files: loading, extends, overrides, and the malformed corpus."""

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import ScenarioError, available_scenarios, load_scenario

BAD = sorted((Path(__file__).parent / "bad_scenarios").glob("*.toml"))


def _expectation(path: Path) -> tuple[str, str]:
    """The key a corpus file must be refused for, and a fragment of the message why."""
    first, second = path.read_text().splitlines()[:2]
    assert first.startswith("# expect: ") and second.startswith("# message: "), (
        f"{path.name} must open with '# expect: KEY' and '# message: TEXT'")
    return first.removeprefix("# expect: ").strip(), second.removeprefix("# message: ").strip()


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_malformed_scenario_is_refused_naming_file_key_and_reason(path, capsys):
    key, reason = _expectation(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(f"{path}: {key}")]
    assert lines, f"no line names {path} and {key!r}:\n{err}"
    assert any(reason in line for line in lines), f"no line gives {reason!r}:\n{err}"
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    assert any(m.startswith(key) for m in refused.value.messages)


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
