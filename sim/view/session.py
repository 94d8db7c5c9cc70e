"""One browser session's run: its model, its charts and what it downloads.

Every browser tab gets its own ``ViewSession`` (created inside the page
component), so two people exploring at once never step each other's runs.
All model access goes through the session's lock: the Play thread, button
handlers and downloads may run in different threads.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sim.charts import CHARTS, charts_for
from sim.headlines import DisplayNames
from sim.model import StandoffModel
from sim.outputs import FLOAT_FORMAT, csv_text
from sim.scenario import Scenario, ScenarioError, available_scenarios, load_scenario
from sim.scenario.loader import resolve
from sim.view.chart_base import LiveChart, Snapshot

SCENARIO_ENV = "RES_SCENARIO"  # scenario the page opens with (name or path to a .toml)
SCENARIO_DIR_ENV = "RES_SCENARIO_DIR"  # list scenarios from this folder instead of scenarios/
DEFAULT_SCENARIO = "baseline_2025"
GROWTH_KEY = "demand.growth_percent_per_year"


def scenario_choices() -> tuple[dict[str, str], str]:
    """Scenario picker entries (display name -> name or path for ``load_scenario``) and
    the entry the page opens with.

    Every ``*.toml`` in ``scenarios/`` (or in ``$RES_SCENARIO_DIR``), plus the
    scenario the server was started with (``$RES_SCENARIO``) if it lives elsewhere.
    """
    folder = os.environ.get(SCENARIO_DIR_ENV)
    if folder:
        choices = {p.stem: str(p) for p in sorted(Path(folder).glob("*.toml"))}
    else:
        choices = {name: name for name in available_scenarios()}
    initial = os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO
    path = Path(initial)
    if path.suffix != ".toml" and "/" not in initial:  # a name
        choices.setdefault(initial, initial)
        return choices, initial
    key = path.stem
    known = choices.get(key)
    if known is not None and _same_file(known, path):
        return choices, key
    if known is not None:
        key = f"{path.stem} ({initial})"
    choices[key] = initial
    return choices, key


def _same_file(source: str, path: Path) -> bool:
    try:
        return resolve(source).resolve() == path.resolve()
    except OSError:
        return False


@dataclass(frozen=True)
class RunSettings:
    """What Reset builds: a scenario, a seed, and structural overrides."""

    scenario: str  # key of scenario_choices()
    seed: int | None = None  # None: the scenario's own seed
    overrides: dict = field(default_factory=dict)


class ViewSession:
    def __init__(self, settings: RunSettings | None = None):
        self.lock = threading.RLock()
        self.choices, initial = scenario_choices()
        self.settings = settings or RunSettings(initial)
        self.generation = 0  # bumped by every reset: charts and widgets start afresh
        self._drawn = threading.Condition()
        self._drawn_tick = -1
        self.playing = False  # set by Play: frames then put off background redraws
        self._waiting: dict[str, int] = {}  # frames each stale chart has waited
        self.model: StandoffModel
        self.charts: dict[str, LiveChart] = {}
        self.reset(self.settings)

    # -- building and running ---------------------------------------------------------
    def load(self, key: str, overrides: dict | None = None) -> Scenario:
        """Load a scenario of the picker (raises ``ScenarioError``)."""
        source = self.choices.get(key)
        if source is None:
            raise ScenarioError(key, [f"unknown scenario; choose one of {', '.join(self.choices)}"])
        return load_scenario(source, overrides=overrides or None)

    def reset(self, settings: RunSettings) -> None:
        scenario = self.load(settings.scenario, settings.overrides)
        model = StandoffModel(scenario, seed=settings.seed)
        with self.lock:
            self.model = model
            self.settings = settings
            self.generation += 1
            snap = Snapshot(model)
            self.charts = {spec.name: spec.build(snap) for spec in charts_for(snap)}
            self._waiting = {}
            self.names = DisplayNames.from_scenario(scenario)

    def step(self, weeks: int = 1) -> int:
        """Advance ``weeks`` weeks; return the new week number."""
        with self.lock:
            for _ in range(weeks):
                self.model.step()
            return self.model.steps

    def apply(self, change, acting_for: str | None = None) -> int:
        """Decide ``change`` for ``acting_for`` (default: the state the lever belongs to),
        as a person exploring may for any state: checked now (``DecisionRefused``, changing
        nothing), applied in that state's turn next week and kept in the decision log, so
        the session replays from it. Returns the week it takes effect."""
        from sim.decisions import Decision, owner

        with self.lock:
            state = acting_for or owner(change)
            self.model.submit(Decision(state=state, levers=[change]), explore=True)
            return self.model.steps + 1

    def offer(self, offer) -> None:
        """Send ``offer`` as its proposer (any state): posted in that state's turn next
        week and answered by the other side the week after (raises ``DecisionRefused``)."""
        from sim.decisions import Decision

        with self.lock:
            self.model.submit(Decision(state=offer.actor, offers=[offer]), explore=True)

    @property
    def steps(self) -> int:
        return self.model.steps

    @property
    def end_steps(self) -> int:
        return self.model.spec.steps

    # -- pacing Play: the loop waits for the page to draw each frame ------------------
    def mark_drawn(self, tick: int) -> None:
        with self._drawn:
            self._drawn_tick = max(self._drawn_tick, tick)
            self._drawn.notify_all()

    def wait_drawn(self, tick: int, timeout: float) -> bool:
        with self._drawn:
            return self._drawn.wait_for(lambda: self._drawn_tick >= tick, timeout=timeout)

    # -- what the page shows ----------------------------------------------------------
    def frames(self) -> dict[str, bytes]:
        """One PNG per live chart for the model as it is now.

        While ``playing``, a frame redraws at most one chart's background (a full
        matplotlib draw, 100-500 ms, against a few ms for a blitted frame): when the
        time window grows, every chart needs one at once, and Play would stall.
        The others are redrawn in the following frames, the longest-waiting first;
        until then their data is clipped to the old axes. ``stale`` says whether
        any chart still waits.
        """
        with self.lock:
            snap = Snapshot(self.model)
            order = sorted(self.charts, key=lambda name: -self._waiting.get(name, 0))
            budget = 1 if self.playing else len(order)
            pictures = {}
            for name in order:
                chart = self.charts[name]
                pictures[name] = chart.frame(snap, redraw=budget > 0)
                budget -= chart.redrawn
                if chart.stale:
                    self._waiting[name] = self._waiting.get(name, 0) + 1
                else:
                    self._waiting.pop(name, None)
            return {name: pictures[name] for name in self.charts}

    @property
    def stale(self) -> bool:
        """Does a chart on the page still wait for its background redraw."""
        with self.lock:
            return any(chart.stale for chart in self.charts.values())

    def file_stem(self) -> str:
        with self.lock:
            return f"{self.model.spec.name}-seed{self.model.seed}-week{self.model.steps}"

    def csv_bytes(self) -> bytes:
        """The run's tidy table, formatted exactly like ``run.py run`` writes it."""
        with self.lock:
            table = self.model.timeseries()
        return csv_text(table, FLOAT_FORMAT).encode("utf-8")

    def decisions_bytes(self) -> bytes:
        """The decision log so far, as ``run.py run`` writes decisions.jsonl (replay it with
        ``run.py run --decisions``)."""
        from sim.decisions import log_text

        with self.lock:
            return log_text(self.model.decisions.log).encode("utf-8")

    def news_bytes(self) -> bytes:
        """The news log so far, as ``run.py run`` writes events.csv."""
        with self.lock:
            events = self.model.events()
        return csv_text(events).encode("utf-8")

    def charts_png(self, dpi: int = 150) -> bytes:
        """All live charts in one PNG, laid out as on the page (two columns)."""
        from PIL import Image

        with self.lock:
            snap = Snapshot(self.model)
            pictures = {name: Image.open(io.BytesIO(chart.full_png(snap, dpi=dpi)))
                        for name, chart in self.charts.items()}
        columns = [[pictures[spec.name] for spec in CHARTS
                    if spec.column == column and spec.name in pictures] for column in (0, 1)]
        columns = [column for column in columns if column]
        widths = [max(image.width for image in column) for column in columns]
        height = max(sum(image.height for image in column) for column in columns)
        sheet = Image.new("RGB", (sum(widths), height), "white")
        x = 0
        for column, width in zip(columns, widths, strict=True):
            y = 0
            for image in column:
                sheet.paste(image, (x, y))
                y += image.height
            x += width
        out = io.BytesIO()
        sheet.save(out, format="png", optimize=False)
        return out.getvalue()
