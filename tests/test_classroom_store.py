"""The classroom game's store and rounds: SQLite as the only memory of a game."""

from __future__ import annotations

import sqlite3

import pytest

from sim.classroom.game import ROUND_WEEKS, Classroom, GameError
from sim.classroom.store import Store
from sim.decisions import DecisionRefused
from sim.outputs import csv_text

SCENARIO = "baseline_2025"


def tariff(importer: str, percent: float) -> dict:
    return {"levers": [{"type": "tariff", "importer": importer, "exporters": ["CN"],
                        "products": "all", "percent": percent}]}


@pytest.fixture
def classroom(tmp_path) -> Classroom:
    return Classroom(Store(tmp_path / "classroom.db"))


@pytest.fixture
def game(classroom):
    game = classroom.create(SCENARIO, rounds=3, round_seconds=60, missed="keep")
    teams = [classroom.join(game, name, code) for name, code in
             (("Eagles", "US"), ("Stars", "EU"), ("Sakura", "JP"))]
    classroom.start(game.id)
    return game, teams


def outputs(model) -> tuple[str, str, str]:
    return (csv_text(model.timeseries()), csv_text(model.events()),
            csv_text(model.diplomacy.register()))


def test_secrets_are_long_random_and_distinct(classroom, game):
    game, teams = game
    secrets_ = [game.instructor_secret, classroom.store.admin_secret(), *(t.token for t in teams)]
    assert len(set(secrets_)) == len(secrets_)
    assert all(len(s) >= 43 for s in secrets_)  # 32 bytes of token_urlsafe: 256 bits
    assert all(game.code not in s and t.name not in s for s in secrets_ for t in teams)


def test_one_decision_per_team_and_round_revised_in_place(classroom, game):
    game, (us, *_) = game
    assert classroom.submit(us, 1, tariff("US", 40)) == 1
    assert classroom.submit(us, 1, tariff("US", 60)) == 2
    stored = classroom.store.decisions(game.id, 1)
    assert len(stored) == 1 and stored[0].decision["levers"][0]["percent"] == 60
    with sqlite3.connect(classroom.store.path) as con, pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO decisions (game_id, team_id, round, decision, submitted) "
                    "VALUES (?, ?, 1, '{}', 0)", (game.id, us.id))


def test_decisions_outside_the_round_or_own_state_are_refused(classroom, game):
    game, (us, *_) = game
    with pytest.raises(GameError, match="round 2 are closed .round 1 is open"):
        classroom.submit(us, 2, tariff("US", 40))
    with pytest.raises(DecisionRefused, match="another state's tariff lever"):
        classroom.submit(us, 1, tariff("EU", 40))
    with pytest.raises(DecisionRefused, match="decides for US only"):
        classroom.submit(us, 1, {**tariff("EU", 40), "state": "EU"})
    with pytest.raises(DecisionRefused, match="percent"):
        classroom.submit(us, 1, tariff("US", 5000))
    assert classroom.store.decisions(game.id) == []
    classroom.advance(game.id)
    with pytest.raises(GameError, match="round 1 are closed"):
        classroom.submit(us, 1, tariff("US", 40))


def test_rounds_run_a_quarter_and_a_new_process_resumes_exactly(classroom, game):
    game, (us, eu, jp) = game
    classroom.submit(us, 1, tariff("US", 60))
    classroom.advance(game.id)
    classroom.submit(eu, 2, tariff("EU", 25))
    after = classroom.advance(game.id)
    live = classroom.model(after)
    assert live.steps == 2 * ROUND_WEEKS
    played = [(r.step, r.decision.state) for r in live.decisions.log if r.source == "player"]
    assert played == [(1, "US"), (ROUND_WEEKS + 1, "EU")]  # the first week of each round
    fresh = Classroom(Store(classroom.store.path))  # what a restarted server sees
    resumed = fresh.model(fresh.store.game(game.id))
    assert resumed is not live and outputs(resumed) == outputs(live)
    assert fresh.store.game(game.id).round == 3


def test_missed_deadline_lets_the_ai_play_the_round(classroom):
    game = classroom.create(SCENARIO, rounds=2, round_seconds=60, missed="ai")
    us = classroom.join(game, "Eagles", "US")
    classroom.join(game, "Stars", "EU")
    classroom.start(game.id)
    classroom.submit(us, 1, tariff("US", 60))
    classroom.advance(game.id)
    assert classroom.store.closed_rounds(game.id)[0].ai_states == ["EU"]
    model = classroom.model(classroom.store.game(game.id))
    assert model.states[model.region_index["EU"]].policy_mode == "human"  # back to the team


def test_undo_reopens_the_last_round_and_rebuilds(classroom, game):
    game, (us, *_) = game
    before = outputs(classroom.model(classroom.store.game(game.id)))
    classroom.submit(us, 1, tariff("US", 60))
    classroom.advance(game.id)
    classroom.submit(us, 2, tariff("US", 10))
    undone = classroom.undo(game.id)
    assert undone.round == 1 and undone.status == "running"
    assert [d.round for d in classroom.store.decisions(game.id)] == [1]
    assert outputs(classroom.model(undone)) == before


def test_finished_game_replays_from_seed_and_decision_log(classroom, game):
    from sim.runner import run_scenario

    game, (us, eu, jp) = game
    classroom.submit(us, 1, tariff("US", 60))
    classroom.advance(game.id)
    classroom.submit(jp, 2, tariff("JP", 30))
    classroom.advance(game.id)
    finished = classroom.advance(game.id)
    assert finished.status == "finished"
    model = classroom.model(finished)
    replay = run_scenario(model.spec, seed=game.seed, steps=model.steps,
                          decisions=model.decisions.log)
    assert (csv_text(replay.timeseries), csv_text(replay.events), csv_text(replay.deals)) == (
        outputs(model))


def test_bad_settings_are_refused_with_what_is_allowed(classroom):
    with pytest.raises(GameError, match="1 to"):
        classroom.create(SCENARIO, rounds=10_000, round_seconds=60, missed="keep")
    with pytest.raises(GameError, match="round timer"):
        classroom.create(SCENARIO, rounds=2, round_seconds=1, missed="keep")
    with pytest.raises(GameError, match="allowed: keep, ai"):
        classroom.create(SCENARIO, rounds=2, round_seconds=60, missed="never")
    game = classroom.create(SCENARIO, rounds=2, round_seconds=60, missed="keep")
    classroom.join(game, "Eagles", "US")
    with pytest.raises(GameError, match="already played by team 'Eagles'"):
        classroom.join(game, "Hawks", "US")
    with pytest.raises(GameError, match="allowed: CN, US"):
        classroom.join(game, "Hawks", "XX")


@pytest.mark.parametrize("kind, region, headline", [
    ("mine_accident", "AU", "Mine accident in AU"), ("embargo", "US", "embargoes US"),
    ("discovery", "EU", "Discovery in EU"), ("tariff_threat", "JP", "JP threatens CN")])
def test_a_shock_strikes_in_the_first_week_of_the_open_round(classroom, game, kind, region,
                                                             headline):
    game, _ = game
    classroom.advance(game.id)
    classroom.shock(game.id, kind, region)
    model = classroom.model(classroom.advance(game.id))
    struck = [n.step for n in model.news.items if headline in n.headline]
    assert struck and struck[0] == ROUND_WEEKS + 1  # round 2's first week


def test_undo_drops_the_shocks_of_the_round_undone(classroom, game):
    game, _ = game
    classroom.shock(game.id, "mine_accident", "AU")
    classroom.advance(game.id)
    classroom.shock(game.id, "discovery", "EU")
    classroom.undo(game.id)
    assert [(k.round, k.kind) for k in classroom.store.shocks(game.id)] == [
        (1, "mine_accident")]
    with pytest.raises(GameError, match="allowed: mine_accident, embargo"):
        classroom.shock(game.id, "volcano", "AU")


def test_a_late_team_takes_over_from_the_ai_and_the_game_still_resumes(classroom, game):
    game, (us, *_) = game
    classroom.advance(game.id)
    live = outputs(classroom.model(classroom.store.game(game.id)))
    late = classroom.join(classroom.store.game(game.id), "Kangaroos", "AU")
    assert classroom.store.closed_rounds(game.id)[0].ai_states == ["AU"]
    rebuilt = classroom.model(classroom.store.game(game.id))
    assert outputs(rebuilt) == live  # the AI played AU until now, as it did
    assert rebuilt.states[rebuilt.region_index["AU"]].policy_mode == "human"
    classroom.submit(late, 2, tariff("AU", 15))
    after = classroom.model(classroom.advance(game.id))
    assert ("AU", "player") in {(r.decision.state, r.source) for r in after.decisions.log}
    fresh = Classroom(Store(classroom.store.path))
    assert outputs(fresh.model(fresh.store.game(game.id))) == outputs(after)


def test_a_crash_while_a_round_closes_leaves_it_open_and_nothing_half_done(classroom, game):
    game, (us, *_) = game
    classroom.submit(us, 1, tariff("US", 60))
    model = classroom.model(classroom.store.game(game.id))
    before = outputs(model)

    def dies_in_week_five(steps):
        for _ in range(4):
            model.step()
        raise KeyboardInterrupt  # the process is stopped in the middle of the round

    model.run = dies_in_week_five
    with pytest.raises(KeyboardInterrupt):
        classroom.advance(game.id)
    assert classroom.store.game(game.id).round == 1
    assert classroom.store.closed_rounds(game.id) == []
    rebuilt = classroom.model(classroom.store.game(game.id))
    assert rebuilt is not model and outputs(rebuilt) == before
    assert classroom.advance(game.id).round == 2


def test_undo_after_ending_early_goes_on_with_the_open_round(classroom, game):
    game, (us, *_) = game
    classroom.advance(game.id)
    classroom.submit(us, 2, tariff("US", 60))
    assert classroom.end(game.id).status == "finished"
    with pytest.raises(GameError, match="decisions for round 2 are closed"):
        classroom.submit(us, 2, tariff("US", 70))
    resumed = classroom.undo(game.id)
    assert (resumed.status, resumed.round) == ("running", 2)
    assert len(classroom.store.decisions(game.id, 2)) == 1  # nothing was dropped
