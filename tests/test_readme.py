"""The README as a newcomer reads it: its Python example runs as written, its links
stay inside the project and resolve."""

import re
from pathlib import Path

import matplotlib
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_python_example_runs_as_written_and_plots_against_dates(tmp_path, monkeypatch):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = python_blocks(README)
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)  # a notebook anywhere, not the project folder
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - the README's code
    prices = namespace["prices"]
    assert pd.api.types.is_datetime64_any_dtype(prices["date"])
    ax = plt.gca()
    assert ax.get_lines(), "the example draws a line per region"
    assert ax.xaxis.get_converter() is not None  # a time axis, not category labels
    model = namespace["model"]
    assert model.steps == 53
    assert any(item.source == "player" and item.kind == "tariff" for item in model.news.items)
    plt.close("all")


def test_links_and_paths_stay_inside_the_project():
    assert "../" not in README and "/work/" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), f"README links to a missing file: {target}"


def test_the_reference_data_ships_with_its_sources():
    data = ROOT / "data"
    assert (data / "README.md").exists()
    tables = sorted(data.glob("*.csv"))
    assert len(tables) >= 7
    for table in tables:
        frame = pd.read_csv(table)
        assert "source" in frame.columns and frame["source"].notna().all(), table.name
