"""The classroom game in real headless Chromium: an instructor and three teams, each in
its own browser context, play three rounds while the AI plays the other states; the
server is killed with SIGKILL mid-round and between rounds and restarted on the same
port and data. Screenshots of a team's round page (phone-sized), the instructor's page
and the debrief page land in test-output/classroom/.
"""

from __future__ import annotations

import time

import pytest

from sim.classroom.store import Store
from tests.browser.conftest import OUTPUT, TIMEOUT_MS, new_page
from tests.classroom_http import ProcessClassroom, export_replays

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TEAMS = [("Eagles", "US"), ("Stars", "EU"), ("Sakura", "JP")]
PHONE = (390, 844)
SHOTS = OUTPUT / "classroom"


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => { const e = document.querySelector(sel);"
        " return e && e.innerText.includes(text); }", arg=[selector, text], timeout=TIMEOUT_MS)


def submit_tariff(page, round_: int, percent: int) -> None:
    wait_text(page, "body", f"Round {round_} of 3")
    page.locator("select[name=tariff_on]").select_option("CN")
    page.locator("input[name=tariff_percent]").fill(str(percent))
    page.get_by_role("button", name="Submit decisions").click()
    wait_text(page, "#notice", f"Decision for round {round_} saved")


def test_instructor_and_three_teams_play_three_rounds(chromium, tmp_path):
    data, log = tmp_path / "data", tmp_path / "server.log"
    server = ProcessClassroom(data, log).start()
    base = f"http://127.0.0.1:{server.port}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    contexts = []
    try:
        context, teacher = new_page(chromium)
        contexts.append(context)
        teacher.goto(base + server.admin)
        teacher.locator("input[name=rounds]").fill("3")
        teacher.locator("input[name=round_seconds]").fill("900")
        teacher.get_by_role("button", name="Create game").click()
        code = teacher.locator("#join-code").inner_text().strip()
        assert len(code) == 6

        teams = {}
        for k, (name, state) in enumerate(TEAMS):
            context, page = new_page(chromium, viewport=PHONE if k == 0 else (1100, 900))
            contexts.append(context)
            page.goto(base + "/")
            page.locator("input[name=code]").fill(code)
            page.get_by_role("button", name="Next").click()
            page.locator("input[name=name]").fill(name)
            page.locator("select[name=state]").select_option(state)
            page.get_by_role("button", name="Join").click()
            wait_text(page, "body", "Waiting for the instructor")
            teams[state] = page
        wait_text(teacher, "#teams", "Sakura")  # the instructor's page follows the joins

        teacher.get_by_role("button", name="start").click()
        for page in teams.values():  # each page opens round 1 by itself when the game starts;
            wait_text(page, "body", "Round 1 of 3")  # scripts run on it only after that
        us = teams["US"]
        # a hand-made request from the US team's page for the EU's state is refused
        forged = us.evaluate("""async () => { const r = await fetch(location.pathname +
            '/decide', {method: 'POST', headers: {'content-type': 'application/json'},
            body: JSON.stringify({round: 1, decision: {state: 'EU', levers: []}})});
            return [r.status, (await r.json()).error]; }""")
        assert forged[0] == 422 and "decides for US only" in forged[1]
        # nor can it read another team's briefing by naming the EU's state or team ids
        read = us.evaluate("""async () => {
            const own = await fetch(location.pathname + '/briefing.json?state=EU&team_id=2');
            const guessed = await fetch('/t/' + 'x'.repeat(43) + '/briefing.json');
            return [(await own.json()).state, guessed.status]; }""")
        assert read == ["US", 404]

        delays = []
        for round_ in (1, 2, 3):
            for k, page in enumerate(teams.values()):
                if round_ == 2 and k == 1:  # kill the server in the middle of round 2
                    server.kill()
                    server = ProcessClassroom(data, log, port=server.port).start()
                submit_tariff(page, round_, 20 + 10 * round_ + k)
            # the instructor's page follows the submissions by itself (its status version
            # counts them); reloading it by hand would race the page's own navigation
            teacher.wait_for_function(
                "n => { const e = document.querySelector('#teams');"
                " return e && e.innerText.split('submitted').length - 1 === n; }",
                arg=len(TEAMS), timeout=TIMEOUT_MS)
            if round_ == 2:  # the US decision made before the kill is still there
                assert "saved" in us.locator("#saved").inner_text()
            if round_ == 3:
                us.screenshot(path=str(SHOTS / "team_round_page.png"), full_page=True)
            teacher.get_by_role("button", name="advance").click()
            started = time.monotonic()
            for page in teams.values():
                wait_text(page, "body", f"Round {round_ + 1} of 3" if round_ < 3
                          else "The game is over")
                delays.append(time.monotonic() - started)
            if round_ == 1:  # kill it between rounds 1 and 2
                server.kill()
                server = ProcessClassroom(data, log, port=server.port).start()
                us.reload()
                wait_text(us, "body", "Round 2 of 3")
                assert "Briefing: week 13 " in us.inner_text("#briefing")
        wait_text(teacher, "body", "The game is over (3 rounds played)")
        teacher.screenshot(path=str(SHOTS / "instructor_page.png"), full_page=True)
        teacher.get_by_role("link", name="Debrief").click()
        wait_text(teacher, "#questions", "The midstream bottleneck")
        teacher.screenshot(path=str(SHOTS / "debrief_page.png"), full_page=True)
        assert max(delays) < 15  # every team's page followed the round (1 s polling)
        # the export of the game played (and twice killed) replays from seed and decisions
        export = teacher.request.get(teacher.url.rsplit("/debrief", 1)[0] + "/debrief.zip")
        assert export.ok
        export_replays(export.body(), Store(data / "classroom.db"), tmp_path)
    finally:
        for context in contexts:
            context.close()
        server.stop()
