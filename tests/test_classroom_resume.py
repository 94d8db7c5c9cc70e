"""A classroom server killed with SIGKILL mid-round and between rounds resumes exactly."""

from __future__ import annotations

import json

import pytest

from sim.classroom.game import Classroom
from sim.classroom.server import briefing_data
from sim.classroom.store import Store
from tests.classroom_http import ProcessClassroom
from tests.test_classroom_server import create_game, join, tariff

pytestmark = pytest.mark.slow


def test_killed_server_resumes_with_nothing_lost(tmp_path):
    data, log = tmp_path / "data", tmp_path / "server.log"
    server = ProcessClassroom(data, log).start()
    try:
        http = server.http
        instructor = create_game(http, server.admin, rounds=3, seconds=900)
        us = join(http, instructor, "Eagles", "US")
        eu = join(http, instructor, "Stars", "EU")
        http.post(f"{instructor}/start")
        assert http.post(f"{us}/decide", body={"round": 1, "decision": tariff("US", 60)}
                         ).json()["ok"]
        deadline = Store(data / "classroom.db").games()[0].deadline
        before = {link: http.get(f"{link}/briefing.json").json() for link in (us, eu)}

        server.kill()  # in the middle of round 1
        admin = server.admin
        server = ProcessClassroom(data, log).start()
        http = server.http
        assert server.admin == admin  # the instructor link survives a restart
        after = http.get(f"{instructor}/status.json").json()
        assert (after["status"], after["round"]) == ("running", 1)
        assert Store(data / "classroom.db").games()[0].deadline == deadline  # the same timer
        assert http.get(f"{us}/status.json").json()["revision"] == 1  # its decision kept
        assert {link: http.get(f"{link}/briefing.json").json() for link in (us, eu)} == before
        assert http.post(f"{eu}/decide", body={"round": 1, "decision": tariff("EU", 30)}
                         ).json()["ok"]
        http.post(f"{instructor}/advance")
        between = {link: http.get(f"{link}/briefing.json").json() for link in (us, eu)}
        assert between[us]["round"] == 2

        server.kill()  # between rounds 1 and 2
        server = ProcessClassroom(data, log).start()
        http = server.http
        assert {link: http.get(f"{link}/briefing.json").json() for link in (us, eu)} == between
        http.post(f"{us}/decide", body={"round": 2, "decision": tariff("US", 10)})
        http.post(f"{instructor}/advance")
        http.post(f"{instructor}/advance")
        final = http.get(f"{us}/briefing.json").json()
        assert http.get(f"{instructor}/status.json").json()["status"] == "finished"
    finally:
        server.stop()
    store = Store(data / "classroom.db")
    assert [(d.round, d.revision) for d in store.decisions(1)] == [(1, 1), (1, 1), (2, 1)]
    replayed = Classroom(store).model(store.games()[0])  # from seed and stored decisions
    assert json.loads(json.dumps(briefing_data(replayed.briefing("US")))) == final["briefing"]
