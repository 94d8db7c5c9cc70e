"""The generated references stay in step with the code; every field is used."""

import re
from pathlib import Path

from sim.recorder import metrics_markdown
from sim.scenario import diplomacy, levers, schema
from sim.scenario.reference import reference_markdown

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTATION_ONLY = {"name", "title", "description", "question", "headline", "type", "date"}


def test_scenario_reference_is_current():
    assert (ROOT / "docs" / "scenario_reference.md").read_text() == reference_markdown(), (
        "run: python run.py fields > docs/scenario_reference.md")


def test_metrics_reference_is_current():
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics_markdown(), (
        "run: python run.py metrics > docs/metrics.md")


def _schema_fields():
    classes = [schema.Scenario, schema.Region, schema.Market, schema.Demand, schema.Production,
               schema.Investment, schema.Miner, schema.Refiner, schema.MagnetMaker,
               schema.Manufacturer, diplomacy.Goals, diplomacy.Strategy, diplomacy.Negotiation,
               *levers.CHANGE_TYPES]
    for cls in classes:
        for name in cls.model_fields:
            yield cls.__name__, name


def test_every_scenario_field_is_read_by_the_model():
    code = "\n".join(p.read_text() for folder in ("sim", "agents")
                     for p in (ROOT / folder).rglob("*.py") if "scenario" not in p.parts)
    unused = [f"{cls}.{name}" for cls, name in _schema_fields()
              if name not in DOCUMENTATION_ONLY
              and not re.search(rf"\.{name}\b|\"{name}\"|'{name}'", code)]
    assert unused == [], f"scenario fields nothing reads: {unused}"


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    assert "run.py" in blocks[0] and "pytest" not in blocks[0]
    assert "test" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1].strip().split()[-1] in ci or "scripts/test.sh" in ci
