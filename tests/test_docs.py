"""The generated references stay in step with the code (field use: test_field_use.py)."""

import re
from pathlib import Path

from sim.recorder import metrics_markdown
from sim.scenario.reference import reference_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_reference_is_current():
    assert (ROOT / "docs" / "scenario_reference.md").read_text() == reference_markdown(), (
        "run: python run.py fields > docs/scenario_reference.md")


def test_metrics_reference_is_current():
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics_markdown(), (
        "run: python run.py metrics > docs/metrics.md")


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    assert "run.py" in blocks[0] and "pytest" not in blocks[0]
    assert "test" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1].strip().split()[-1] in ci or "scripts/test.sh" in ci
