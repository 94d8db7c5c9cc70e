"""Fixtures of the browser tests: a served view and Debian's Chromium.

One server per test module (per xdist worker) on a free port, started with its
real PID recorded and killed at the end; scenarios come from a temporary folder
(``RES_SCENARIO_DIR``): a copy of baseline_2025 and a small scenario that
extends it.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from sim.view.harness import ROOT, ServedView, launch_chromium, open_view

TIMEOUT_MS = 60_000
OUTPUT = ROOT / "test-output"
SECOND_SCENARIO = """\
# A small variant for the browser tests: the baseline world with no policy at all.
extends = "baseline_2025.toml"
replace = ["policy", "timeline"]
name = "calm_test"
title = "Calm test world"
steps = 104
"""


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copy(ROOT / "scenarios" / "baseline_2025.toml", folder / "baseline_2025.toml")
    (folder / "calm_test.toml").write_text(SECOND_SCENARIO)
    return folder


@pytest.fixture(scope="module")
def server(scenario_dir, tmp_path_factory):
    log = tmp_path_factory.mktemp("view-log") / "server.log"
    view = ServedView(scenario="baseline_2025", env={"RES_SCENARIO_DIR": str(scenario_dir)},
                      log_path=log)
    view.start()
    pid = view.pid
    try:
        yield view
    finally:
        view.stop()
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        pass  # the server's process group is gone
    else:
        os.killpg(pid, signal.SIGKILL)
        pytest.fail(f"server process group {pid} outlived the tests")


@pytest.fixture(scope="module")
def chromium():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


def new_page(browser, viewport=(1500, 1100)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def view_page(chromium, server):
    context, page = new_page(chromium)
    open_view(page, server.url)
    yield page
    context.close()
