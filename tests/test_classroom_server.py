"""The classroom server over real HTTP: three teams play, the rest is AI; who may do what."""

from __future__ import annotations

import re

import pytest

from sim.classroom.game import ROUND_WEEKS, Classroom
from sim.classroom.store import Store
from tests.classroom_http import Http, ThreadedClassroom, export_replays, path_of

SCENARIO = "baseline_2025"
TEAMS = {"Eagles": "US", "Stars": "EU", "Sakura": "JP"}


def create_game(http: Http, admin: str, rounds: int = 3, seconds: int = 600,
                missed: str = "keep", scenario: str = SCENARIO) -> str:
    reply = http.post(f"{admin}/games", {"scenario": scenario, "rounds": rounds,
                                         "round_seconds": seconds, "missed": missed})
    assert reply.status == 303, reply.text
    return path_of(reply.location)


def join(http: Http, instructor: str, name: str, state: str) -> str:
    code = http.get(f"{instructor}/status.json").json()["code"]
    reply = http.post("/join", {"code": code, "name": name, "state": state})
    assert reply.status == 303, reply.text
    return path_of(reply.location)


def tariff(importer: str, percent: float) -> dict:
    return {"levers": [{"type": "tariff", "importer": importer, "exporters": ["CN"],
                        "products": "all", "percent": percent}]}


@pytest.fixture
def served(tmp_path):
    with ThreadedClassroom(tmp_path / "data") as served:
        yield served


@pytest.fixture
def game(served):
    http = served.http
    instructor = create_game(http, served.admin)
    teams = {state: join(http, instructor, name, state) for name, state in TEAMS.items()}
    assert http.post(f"{instructor}/start").status == 303
    return http, instructor, teams


def test_three_teams_play_three_rounds_with_the_others_ai(served, game):
    http, instructor, teams = game
    for round_ in (1, 2, 3):
        for state, link in teams.items():
            page = http.get(link)
            assert page.status == 200 and f"Round {round_} of 3" in page.text
            assert f"<title>{state}: " in page.text
            assert f"Briefing: week {(round_ - 1) * ROUND_WEEKS} " in page.text
            saved = http.post(f"{link}/decide", {"round": round_, "tariff_on": "CN",
                                                 "tariff_percent": 20 + 10 * round_})
            assert saved.status == 303  # then the round page, so a reload posts nothing
            assert f"Decision for round {round_} saved" in http.get(saved.location).text
        status = http.get(f"{instructor}/status.json").json()
        assert [t["submitted"] for t in status["teams"]] == [True] * len(TEAMS)
        assert http.post(f"{instructor}/advance").status == 303
    assert http.get(f"{instructor}/status.json").json()["status"] == "finished"
    classroom = served.app.state.classroom
    game_row = classroom.store.games()[0]
    model = classroom.model(game_row)
    assert model.steps == 3 * ROUND_WEEKS
    policies = {s.code: s.policy_mode for s in model.states}
    assert {c for c, p in policies.items() if p == "human"} == set(TEAMS.values())
    assert set(policies.values()) == {"human", "ai"}
    played = sorted((r.step, r.decision.state) for r in model.decisions.log
                    if r.source == "player")
    assert played == sorted((k * ROUND_WEEKS + 1, s) for k in range(3) for s in TEAMS.values())
    assert len(classroom.store.decisions(game_row.id)) == 3 * len(TEAMS)


def test_a_team_reads_and_decides_for_its_own_state_only(served, game):
    http, instructor, teams = game
    us, eu = teams["US"], teams["EU"]
    mine = http.get(f"{us}/briefing.json").json()
    assert mine["state"] == "US" and mine["briefing"]["state"] == "US"
    eu_team_id = next(t.id for t in served.app.state.classroom.store.teams(1) if t.state == "EU")
    forged = [
        {"round": 1, "decision": {"state": "EU", **tariff("EU", 90)}},
        {"round": 1, "decision": tariff("EU", 90), "team_id": eu_team_id, "state": "EU",
         "token": eu.rsplit("/", 1)[-1]},
        {"round": 1, "decision": {"state": "US", "levers": [{
            "type": "licensing", "exporter": "EU", "products": ["magnet"],
            "civil_approval_percent": 0}]}},
    ]
    for body in forged:
        reply = http.post(f"{us}/decide", body=body)
        assert reply.status == 422 and reply.json()["ok"] is False, body
    assert "decides for US only" in http.post(f"{us}/decide", body=forged[0]).json()["error"]
    assert "another state's tariff lever" in http.post(f"{us}/decide",
                                                       body=forged[1]).json()["error"]
    assert served.app.state.classroom.store.decisions(1) == []
    assert http.get(f"{eu}/status.json").json()["revision"] == 0
    # links that are not a team's, or a team's link used as an instructor's
    for path in ("/t/" + "x" * 43, "/t/" + "x" * 43 + "/briefing.json",
                 "/g/" + us.rsplit("/", 1)[-1], "/admin/" + us.rsplit("/", 1)[-1]):
        assert http.get(path).status == 404, path
    assert http.post("/t/" + "x" * 43 + "/decide", body={"round": 1, "decision": {}}).status \
        == 404
    assert http.post(f"/g/{us.rsplit('/', 1)[-1]}/advance").status == 404
    assert http.get(f"{instructor}/status.json").json()["round"] == 1


def test_out_of_range_and_out_of_round_decisions_are_refused(served, game):
    http, instructor, teams = game
    us = teams["US"]
    too_high = http.post(f"{us}/decide", {"round": 1, "tariff_on": "CN", "tariff_percent": 5000})
    assert too_high.status == 422 and "less than or equal to 1000" in too_high.text
    words = http.post(f"{us}/decide", {"round": 1, "tariff_on": "CN", "tariff_percent": "lots"})
    assert words.status == 422 and "tariff: &#x27;lots&#x27; is not a number" in words.text
    ahead = http.post(f"{us}/decide", body={"round": 2, "decision": tariff("US", 30)})
    assert ahead.status == 422 and "round 2 are closed (round 1 is open)" in ahead.json()["error"]
    answer = http.post(f"{us}/decide", body={"round": 1, "decision": {
        "answers": [{"offer": "O999", "reply": "accept"}]}})
    assert answer.status == 422 and "O999 is not an open offer" in answer.json()["error"]
    for raw in (b"\xff\xfe{", b"[1, 2]", b'{"round": true, "decision": {}}',
                b'{"round": 1, "decision": {"levers": "all"}}', b"x" * 70_000):
        assert http.post_bytes(f"{us}/decide", raw).status == 422, raw[:40]
    assert http.post(f"{us}/decide", body={"round": 1, "decision": tariff("US", 30)}).json() == {
        "ok": True, "round": 1, "revision": 1}
    http.post(f"{instructor}/advance")
    late = http.post(f"{us}/decide", body={"round": 1, "decision": tariff("US", 40)})
    assert late.status == 422 and "round 1 are closed (round 2 is open)" in late.json()["error"]


def test_two_games_at_once_are_isolated(served, game):
    http, first, teams = game
    second = create_game(http, served.admin, rounds=2)
    other_us = join(http, second, "Hawks", "US")  # the same state, another game
    http.post(f"{second}/start")
    http.post(f"{other_us}/decide", body={"round": 1, "decision": tariff("US", 80)})
    http.post(f"{first}/advance")
    assert http.get(f"{first}/status.json").json()["round"] == 2
    assert http.get(f"{second}/status.json").json()["round"] == 1
    assert http.get(f"{teams['US']}/status.json").json()["revision"] == 0
    assert http.get(f"{other_us}/status.json").json()["revision"] == 1
    # a team of one game is not a team of the other, whatever its body says
    reply = http.post(f"{teams['US']}/decide", body={"round": 1, "game": 2,
                                                      "decision": tariff("US", 10)})
    assert reply.status == 422  # round 1 of its own game is closed
    assert http.get(f"{other_us}/status.json").json()["revision"] == 1


def test_instructor_timer_pause_extend_and_missed_deadline(served):
    http = served.http
    instructor = create_game(http, served.admin, rounds=2, seconds=30, missed="ai")
    us = join(http, instructor, "Eagles", "US")
    join(http, instructor, "Stars", "EU")
    http.post(f"{instructor}/start")
    http.post(f"{us}/decide", body={"round": 1, "decision": tariff("US", 30)})
    http.post(f"{instructor}/pause")
    paused = http.get(f"{instructor}/status.json").json()
    assert paused["status"] == "paused"
    http.post(f"{instructor}/extend", {"seconds": 60})
    extended = http.get(f"{instructor}/status.json").json()["seconds_left"]
    assert extended == pytest.approx(paused["seconds_left"] + 60, abs=0.2)
    refused = http.post(f"{instructor}/extend", {"seconds": 7})
    assert refused.status == 409 and "allowed: 30, 60, 120, 300" in refused.text
    http.post(f"{instructor}/resume")
    classroom: Classroom = served.app.state.classroom
    game = classroom.store.games()[0]
    classroom.store.set_game(game.id, deadline=0.0)  # the deadline has passed
    for _ in range(200):
        if http.get(f"{instructor}/status.json").json()["round"] == 2:
            break
        __import__("time").sleep(0.05)
    assert http.get(f"{instructor}/status.json").json()["round"] == 2
    assert classroom.store.closed_rounds(game.id)[0].ai_states == ["EU"]  # EU missed it
    page = http.get(instructor).text
    assert re.search(r"Stars</td><td>European Union</td><td>waiting", page)
    assert http.post(f"{instructor}/undo").status == 303
    assert http.get(f"{instructor}/status.json").json()["round"] == 1
    assert len(Store(classroom.store.path).decisions(game.id, 1)) == 1  # the US one is kept


def test_debrief_export_matches_a_replay_from_seed_and_decisions(served, game):
    import io
    import zipfile

    import pandas as pd

    http, instructor, teams = game
    refused = http.post(f"{instructor}/shock", {"kind": "embargo", "region": "CN"})
    assert refused.status == 409 and "embargo in &#x27;CN&#x27;; allowed: US" in refused.text
    assert http.post(f"{instructor}/shock", {"kind": "embargo", "region": "JP"}).status == 200
    assert "News flash" in http.get(teams["JP"]).text
    for round_, state in enumerate(TEAMS.values(), start=1):
        if round_ == 2:
            http.post(f"{instructor}/shock", {"kind": "mine_accident", "region": "AU"})
        http.post(f"{teams[state]}/decide", body={"round": round_,
                                                   "decision": tariff(state, 50 + round_)})
        http.post(f"{instructor}/advance")
    page = http.get(f"{instructor}/debrief")
    assert page.status == 200 and "The midstream bottleneck" in page.text
    assert http.get(f"/g/{'y' * 43}/debrief.zip").status == 404
    reply = http.get(f"{instructor}/debrief.zip")
    assert reply.status == 200 and reply.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(reply.body))
    names = set(files.namelist())
    assert {"timeseries.csv", "events.csv", "deals.csv", "team_decisions.csv", "report.html",
            "scorecards.png", "prices.png", "decisions.jsonl"} <= names
    store = served.app.state.classroom.store
    summary = export_replays(reply.body, store, store.path.parent)
    assert [(k["round"], k["kind"]) for k in summary["shocks"]] == [(1, "embargo"),
                                                                    (2, "mine_accident")]
    events = files.read("events.csv").decode()
    assert "embargoes JP" in events and "Mine accident in AU" in events
    table = pd.read_csv(io.BytesIO(files.read("team_decisions.csv")))
    submitted = table[table["status"].str.startswith("submitted")]
    assert list(zip(submitted["round"], submitted["state"], strict=True)) == list(
        enumerate(TEAMS.values(), start=1))  # each round, the one team that submitted
    assert set(table["status"]) - set(submitted["status"]) == {"missed: levers kept"}
    assert len(table) == 3 * len(TEAMS)


def test_offers_counter_offers_and_threats_from_the_form(served, game):
    http, instructor, teams = game
    us, eu = teams["US"], teams["EU"]
    made = http.post(f"{eu}/decide", {"round": 1, "offer_to": "US", "offer_role": "tariff",
                                      "offer_tariff": 5, "offer_civil": 80,
                                      "threat_target": "CN", "threat_percent": 50,
                                      "threat_weeks": 6, "threat_approval": 85})
    assert made.status == 303
    store = served.app.state.classroom.store
    stored = store.decisions(1, 1)[0].decision
    assert stored["offers"][0]["tariff_by"] == "EU" and stored["offers"][0]["licences_by"] == "US"
    assert stored["threats"][0]["target"] == "CN" and stored["threats"][0]["deadline_weeks"] == 6
    http.post(f"{instructor}/advance")
    waiting = http.get(f"{us}/briefing.json").json()["briefing"]["offers"]
    from_eu = [o for o in waiting if o["proposer"] == "EU"]
    assert from_eu, waiting  # the EU team's offer is open to the US team at the next round
    offer = from_eu[0]["id"]
    assert f'name="counter_tariff_{offer}"' in http.get(us).text
    countered = http.post(f"{us}/decide", {"round": 2, f"answer_{offer}": "counter",
                                           f"counter_tariff_{offer}": 0,
                                           f"counter_civil_{offer}": 70, "reason": "lower"})
    assert countered.status == 303, countered.text
    answer = store.decisions(1, 2)[0].decision["answers"][0]
    assert answer["reply"] == "counter" and answer["counter"]["tariff_by"] == "EU"
    assert answer["counter"]["actor"] == "US" and answer["counter"]["tariff_to_percent"] == 0
    bogus = http.post(f"{us}/decide", {"round": 2, "answer_O999": "counter"})
    assert bogus.status == 422 and "counter to O999: it is not an offer open to US" in bogus.text


def test_the_instructor_page_shows_the_join_link_as_a_qr_code(served, game):
    import qrcode

    from sim.classroom.pages import join_qr

    http, instructor, _ = game
    page = http.get(instructor).text
    join_url = re.search(r"Teams join at <b>([^<]+)</b>", page).group(1).replace("&amp;", "&")
    assert "code=" in join_url
    assert join_qr(join_url) in page  # the QR code on the page is the join link's
    qr = qrcode.QRCode()
    qr.add_data(join_url)
    qr.make(fit=True)
    assert sum(row.count(True) for row in qr.get_matrix()) > 100  # a real code of the link
    assert join_qr(join_url) != join_qr(join_url.replace("code=", "code=X"))
