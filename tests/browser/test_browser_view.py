"""The browser view in real headless Chromium (Debian's), served by ``run.py serve``
(fixtures in conftest.py). Waits are on page conditions with generous timeouts (the
machine may be loaded); nothing sleeps to decide a result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.view.harness import (
    LOOPBACK_HOSTS,
    ServedView,
    chart_src,
    open_view,
    settled_week,
    sidebar_button,
    wait_for_week,
    week,
)
from tests.browser.conftest import OUTPUT, TIMEOUT_MS, new_page

pytestmark = pytest.mark.browser

def click_step(page, times: int = 1) -> None:
    for _ in range(times):
        start = week(page)
        sidebar_button(page, "Step").click()
        wait_for_week(page, start + 1, TIMEOUT_MS)


def wait_src_change(page, name: str, old: str) -> None:
    page.wait_for_function(
        "([name, old]) => { const i = document.querySelector('img.res-chart-' + name);"
        " return i && i.src && i.src !== old; }", arg=[name, old], timeout=TIMEOUT_MS)


def test_page_loads_with_loopback_only(chromium, server):
    """Every request the page makes goes to the local server, and none fails."""
    context, page = new_page(chromium)
    outside, failed = [], []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in (
                h.strip("[]") for h in LOOPBACK_HOSTS):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    open_view(page, server.url)
    assert page.locator("img.res-chart-prices").get_attribute("src")
    assert outside == [], f"the page needed the internet: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert sockets and all(urlparse(u).hostname == "127.0.0.1" for u in sockets)
    context.close()


def test_step_advances_date_and_redraws_prices(view_page):
    page = view_page
    start = dt.date.fromisoformat(page.locator(".res-date").inner_text())
    before = chart_src(page, "prices")
    click_step(page)
    assert dt.date.fromisoformat(page.locator(".res-date").inner_text()) == (
        start + dt.timedelta(days=7))
    wait_src_change(page, "prices", before)
    assert chart_src(page, "prices") != before


def test_reset_shows_the_chosen_scenario(view_page):
    page = view_page
    assert page.locator(".res-scenario").inner_text() == "baseline_2025"
    click_step(page, 2)
    page.locator(".res-scenario-select [role=button]").first.click()
    page.get_by_role("option", name="calm_test").click()
    # the server has the choice once the sidebar shows the chosen scenario's title
    page.locator(".res-scenario-card").get_by_text("Calm test world").wait_for()
    sidebar_button(page, "Reset").click()
    page.wait_for_function(
        "() => document.querySelector('.res-scenario')?.textContent === 'calm_test'"
        " || document.querySelector('.res-error')", timeout=TIMEOUT_MS)
    errors = page.locator(".res-error")
    assert errors.count() == 0, errors.first.inner_text()
    # the rest of the page follows the scenario's name in later frames on a loaded machine
    page.wait_for_function(
        "() => document.querySelector('.res-week')?.textContent.trim() === '0'"
        " && document.querySelector('.res-headline')?.textContent.includes('of 104')",
        timeout=TIMEOUT_MS)
    page.get_by_text("Rare Earth Standoff · Calm test world").wait_for()
    # the baseline's policy is gone from the news (its widget may update a moment later)
    page.wait_for_function(
        "() => !document.querySelector('.res-news-box').textContent.includes('Section 301')",
        timeout=TIMEOUT_MS)


def test_two_sessions_step_independently(chromium, server):
    ctx_a, page_a = new_page(chromium)
    ctx_b, page_b = new_page(chromium)
    try:
        open_view(page_a, server.url)
        open_view(page_b, server.url)
        click_step(page_a, 3)
        assert week(page_b) == 0
        click_step(page_b)  # B's own run advances from 0, not from A's week 3
        assert week(page_b) == 1
        assert week(page_a) == 3
        click_step(page_a)
        assert week(page_a) == 4
        assert week(page_b) == 1
    finally:
        ctx_a.close()
        ctx_b.close()


def test_play_runs_and_pause_stops(view_page):
    page = view_page
    sidebar_button(page, "Play").click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.res-week').textContent) >= 5",
        timeout=TIMEOUT_MS)
    sidebar_button(page, "Pause").click()
    sidebar_button(page, "Play").wait_for()
    # A frame drawn just before the Pause may still arrive: wait until the page is
    # quiet; from there the run must stand still, and each Step moves exactly one week.
    paused_at = settled_week(page)
    click_step(page)
    stepped = settled_week(page)
    assert stepped == paused_at + 1
    click_step(page)
    assert settled_week(page) == stepped + 1


def test_csv_download_matches_headless_run(view_page, scenario_dir):
    page = view_page
    from sim.model import StandoffModel
    from sim.outputs import FLOAT_FORMAT
    from sim.scenario import load_scenario

    steps = 5
    click_step(page, steps)
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Data (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"baseline_2025-seed0-week{steps}.csv"
    served = Path(download.path()).read_text()

    model = StandoffModel(load_scenario(scenario_dir / "baseline_2025.toml"), seed=0)
    for _ in range(steps):
        model.step()
    expected = model.timeseries().to_csv(index=False, float_format=FLOAT_FORMAT,
                                         lineterminator="\n")
    assert served.splitlines()[0] == "step,date,metric,region,partner,product,value"
    assert len(served.splitlines()) == len(expected.splitlines())
    assert served == expected


def test_chart_download_is_a_png(view_page):
    page = view_page
    click_step(page)
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Charts (PNG)").click()
    download = info.value
    assert download.suggested_filename.endswith("-charts.png")
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_screenshot_after_52_steps(chromium, server):
    """Saves test-output/view_52_steps.png for a person to look at."""
    context, page = new_page(chromium, viewport=(1500, 1900))
    try:
        open_view(page, server.url)
        before = {name: chart_src(page, name) for name in ("prices", "policy", "capacity")}
        sidebar_button(page, "Step year").click()
        wait_for_week(page, 52, TIMEOUT_MS)
        for name, src in before.items():
            wait_src_change(page, name, src)
        settled_week(page)  # late frames have landed
        # An image swapped while it decodes rejects its promise; the newer one is shown.
        page.evaluate("() => Promise.all([...document.querySelectorAll('img.res-chart')]"
                      ".map(i => i.decode().catch(() => null)))")
        OUTPUT.mkdir(exist_ok=True)
        target = OUTPUT / "view_52_steps.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 100_000
    finally:
        context.close()


def test_page_opens_with_the_scenario_given_on_the_command_line(chromium, scenario_dir,
                                                                tmp_path):
    with ServedView(scenario=str(scenario_dir / "calm_test.toml"),
                    env={"RES_SCENARIO_DIR": str(scenario_dir)},
                    log_path=tmp_path / "server.log") as other:
        context, page = new_page(chromium)
        try:
            open_view(page, other.url)
            assert page.locator(".res-scenario").inner_text() == "calm_test"
            assert "of 104" in page.locator(".res-headline").inner_text()
        finally:
            context.close()


def test_a_lever_is_decided_now_applied_next_week_and_shows_in_the_news(view_page):
    page = view_page
    click_step(page)
    page.get_by_role("button", name="Set tariff").click()
    page.get_by_text("Decided: applied in week 2").wait_for()
    click_step(page)  # the US's turn of week 2 applies it
    page.locator(".res-news .res-src-player").first.wait_for()
    item = page.locator(".res-news li", has=page.locator(".res-src-player")).first
    assert "tariff" in item.inner_text().lower()
    page.get_by_text("In force now: US on CN: 50%").wait_for()


def test_a_decision_for_another_states_lever_is_refused_with_the_reason(view_page):
    page = view_page
    page.locator(".res-decide-as [role=button]").first.click()
    page.get_by_role("option", name="US", exact=True).click()
    page.get_by_role("button", name="Set licensing").click()
    refusal = page.get_by_text("Refused, nothing changed")
    refusal.wait_for()
    assert "another state's licensing lever" in refusal.inner_text()
    click_step(page)
    assert page.locator(".res-news .res-src-player").count() == 0
