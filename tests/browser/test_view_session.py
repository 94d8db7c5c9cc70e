"""The browser view's Python side without a browser: sessions, charts, downloads."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sim.model import StandoffModel
from sim.outputs import FLOAT_FORMAT
from sim.scenario import ScenarioError, load_scenario
from sim.view import chart_base as charts
from sim.view import session
from sim.view.session import GROWTH_KEY, RunSettings, ViewSession


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv(session.SCENARIO_DIR_ENV, raising=False)
    monkeypatch.delenv(session.SCENARIO_ENV, raising=False)
    return monkeypatch


def test_choices_list_every_shipped_scenario_and_open_the_default(env):
    from sim.scenario import available_scenarios

    choices, initial = session.scenario_choices()
    assert set(available_scenarios()) <= set(choices)
    assert initial == "baseline_2025"


def test_choices_come_from_the_override_folder(env, tmp_path):
    (tmp_path / "one.toml").write_text("")
    (tmp_path / "two.toml").write_text("")
    env.setenv(session.SCENARIO_DIR_ENV, str(tmp_path))
    env.setenv(session.SCENARIO_ENV, "two")
    choices, initial = session.scenario_choices()
    assert choices == {"one": str(tmp_path / "one.toml"), "two": str(tmp_path / "two.toml")}
    assert initial == "two"


def test_a_scenario_given_by_path_is_the_one_that_opens(env, tmp_path):
    from sim.scenario.loader import SCENARIO_DIR

    copy = tmp_path / "baseline_2025.toml"  # same name as a shipped one, another file
    copy.write_text((SCENARIO_DIR / "baseline_2025.toml").read_text())
    env.setenv(session.SCENARIO_ENV, str(copy))
    choices, initial = session.scenario_choices()
    assert choices[initial] == str(copy)
    assert choices["baseline_2025"] == "baseline_2025"


def test_sessions_are_independent_and_reset_applies_settings(env):
    a, b = ViewSession(), ViewSession()
    a.step(3)
    assert (a.steps, b.steps) == (3, 0)
    a.reset(RunSettings("baseline_2025", seed=7, overrides={GROWTH_KEY: 9.0}))
    assert a.steps == 0 and a.model.seed == 7
    assert a.model.spec.demand.growth_percent_per_year == 9.0
    with pytest.raises(ScenarioError):
        a.reset(RunSettings("no_such_scenario"))
    assert a.model.seed == 7  # a failed reset keeps the run


def test_csv_matches_a_headless_run(env):
    view = ViewSession()
    view.step(4)
    model = StandoffModel(load_scenario("baseline_2025"), seed=0)
    for _ in range(4):
        model.step()
    expected = model.timeseries().to_csv(index=False, float_format=FLOAT_FORMAT,
                                         lineterminator="\n")
    assert view.csv_bytes().decode() == expected


def test_frames_are_pngs_and_change_with_the_run(env):
    view = ViewSession()
    first = view.frames()
    assert {"prices", "policy", "trade", "capacity"} <= set(first)
    view.step()
    second = view.frames()
    for png in second.values():
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert second["prices"] != first["prices"]
    sheet = Image.open(io.BytesIO(view.charts_png(dpi=80)))
    assert sheet.width > 600 and sheet.height > 400


def test_blitted_frame_equals_a_full_draw(env):
    """The saved background plus the data artists give the same picture as a full draw."""
    view = ViewSession()
    view.step(30)
    for name, chart in view.charts.items():
        snap = charts.Snapshot(view.model)
        chart.frame(snap)  # draws and saves the background
        blitted = Image.open(io.BytesIO(chart.frame(snap))).convert("RGB")
        chart._key = None  # force a full draw
        full = Image.open(io.BytesIO(chart.frame(snap))).convert("RGB")
        assert blitted.tobytes() == full.tobytes(), name


@pytest.mark.parametrize("steps, weeks", [(0, 26), (26, 26), (27, 52), (520, 520),
                                          (521, 780), (6000, 6240)])
def test_time_window_grows_in_steps(steps, weeks):
    assert charts.window_weeks(steps) == weeks


def test_sticky_limits_keep_a_range_that_fits():
    first = charts.sticky_limits(None, 50.0, 60.0)
    assert first[0] <= 50 and first[1] >= 60
    assert charts.sticky_limits(first, 51.0, 59.0) == first
    wider = charts.sticky_limits(first, 40.0, 90.0)
    assert wider[0] <= 40 and wider[1] >= 90


def test_goals_panel_shows_scores_and_the_deal_register():
    from sim.model import StandoffModel
    from sim.scenario import load_scenario
    from sim.view import panels
    from sim.view.chart_base import Snapshot

    model = StandoffModel(load_scenario("framework_deal"), seed=0).run(50)
    html = panels.goals_html(Snapshot(model), {"CN": "ai", "US": "scripted"},
                             list(model.diplomacy.deals))
    assert "supply security" in html and "<b>CN</b>" in html
    assert "D1" in html and "US ↔ CN" in html and "in force" in html


def test_investor_mix_slider_becomes_valid_crowd_overrides():
    from sim.model import StandoffModel
    from sim.scenario import load_scenario
    from sim.view.controls import _crowd, _structural_overrides

    base = load_scenario("baseline_2025")
    crowd, total, share = _crowd(base)
    defaults = {"growth": base.demand.growth_percent_per_year, "investors": total,
                "speculators": share, "crowd": crowd}
    same = _structural_overrides(defaults, {"growth": defaults["growth"], "speculators": share})
    assert same == {}
    overrides = _structural_overrides(defaults, {"growth": 6.0, "speculators": 80.0})
    assert overrides["demand.growth_percent_per_year"] == 6.0
    mixed = load_scenario("baseline_2025", overrides=overrides)
    new_crowd, new_total, new_share = _crowd(mixed)
    assert new_total == total and new_share == 80
    model = StandoffModel(mixed, seed=0)
    assert len(model.exchange.crowd) == total


def test_while_playing_a_frame_redraws_one_chart_background_and_the_rest_follow(env):
    view = ViewSession(RunSettings("baseline_2025", seed=0))
    view.frames()
    view.step(30)  # the time window grows: every time chart needs a new background
    view.playing = True
    view.frames()
    assert sum(chart.redrawn for chart in view.charts.values()) == 1
    assert view.stale
    for _ in range(len(view.charts)):
        view.frames()
    assert not view.stale
    view.step(30)
    view.playing = False  # a Step or the frame after Play: everything at once
    view.frames()
    assert not view.stale


def test_a_person_offers_as_one_state_and_sees_the_ai_answer(env):
    """The view's offer control: the US (scripted here) offers, the AI China answers."""
    from sim.scenario import levers as lv
    from sim.view import panels
    from sim.view.chart_base import Snapshot

    view = ViewSession(RunSettings("framework_deal", seed=0))
    view.step(20)
    view.offer(lv.Offer(type="offer", actor="US", tariff_by="US", licences_by="CN",
                        tariff_to_percent=0.0, civil_approval_percent=60.0))
    view.step(2)  # posted in the US's turn, answered by China the week after
    news = view.model.news.items
    sent = [n for n in news if n.kind == "offer" and n.source == "player"]
    assert [(n.step, n.actor) for n in sent] == [(21, "US")]
    offer_id = sent[0].payload["offer_id"]
    answer = [n for n in news if offer_id in (n.payload.get("offer"), n.payload.get("answers"))]
    assert [(n.actor, n.source, n.step) for n in answer] == [("CN", "ai", 22)]
    moves = panels.talks(news, view.names)
    assert any("offers a framework" in text for _, text in moves)
    html = panels.goals_html(Snapshot(view.model), {"CN": "ai"}, list(view.model.diplomacy.deals),
                             moves)
    assert "Talks" in html and "China" in html


def test_levers_are_decisions_and_a_session_replays_from_its_decision_log(env):
    """A lever pulled in the view is a decision of its state: refused when that state may
    not make it, else applied in its turn next week and logged, so the session replays."""
    from sim.decisions import DecisionRecord, DecisionRefused
    from sim.outputs import csv_text
    from sim.scenario import levers as lv

    view = ViewSession(RunSettings("framework_deal", seed=0))
    view.step(10)
    tariff = lv.Tariff(type="tariff", importer="US", exporters=["CN"], products="all",
                       percent=60.0)
    assert view.apply(tariff) == view.steps + 1
    china = view.model.spec.china
    licensing = lv.Licensing(type="licensing", exporter=china, products=["magnet"],
                             destinations="all", civil_approval_percent=10.0)
    with pytest.raises(DecisionRefused, match="another state's licensing lever"):
        view.apply(licensing, acting_for="US")
    view.step()
    assert view.model.diplomacy.tariff_level("US", china) == pytest.approx(60.0)
    view.step(5)
    played = [r for r in view.model.decisions.log if r.source == "player"]
    assert [(r.step, r.decision.state, r.decision.levers) for r in played] == [
        (11, "US", [tariff])]
    records = [DecisionRecord.model_validate_json(line)
               for line in view.decisions_bytes().decode().splitlines()]
    replayed = StandoffModel(view.model.spec, seed=0)
    replayed.decisions.replay(records)
    replayed.run(view.steps)
    assert replayed.steps == view.steps
    for table in ("timeseries", "events"):
        assert (csv_text(getattr(replayed, table)(), FLOAT_FORMAT)
                == csv_text(getattr(view.model, table)(), FLOAT_FORMAT)), table
