"""Serve the view on a free port and drive it in headless Chromium (tests, benchmark).

``ServedView`` starts ``python run.py serve`` in its own process group with
its real PID recorded, waits until the page answers, and kills exactly that
process group when done. ``launch_chromium`` starts Debian's Chromium with
flags that work as root and with no network.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium_path() -> str:
    found = os.environ.get("RES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise RuntimeError("Chromium not found: install Debian's chromium "
                           "(scripts/setup.sh --test does) or set RES_CHROMIUM")
    return found


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                      headless=True)


class ServedView:
    """``with ServedView(scenario=..., env={...}) as view: page.goto(view.url)``."""

    def __init__(self, scenario: str = "baseline_2025", env: dict | None = None,
                 log_path: Path | None = None, timeout: float = 120.0):
        self.scenario = scenario
        self.extra_env = env or {}
        self.log_path = log_path
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.pid: int | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> ServedView:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        last_error = None
        for _attempt in range(3):  # another process may grab the port between probe and bind
            self.port = free_port()
            try:
                self._start_once()
                return
            except RuntimeError as exc:
                last_error = exc
                self.stop()
        raise RuntimeError(f"view server did not start: {last_error}")

    def _start_once(self) -> None:
        env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
               "PYTHONUNBUFFERED": "1", **self.extra_env}
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        cmd = [sys.executable, str(ROOT / "run.py"), "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--scenario", self.scenario]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if log is not subprocess.DEVNULL:
            log.close()
        self.pid = self.proc.pid
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with status {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"no answer on {self.url} within {self.timeout:.0f} s")

    def stop(self) -> None:
        """Kill the server's own process group (started by us, led by ``self.pid``)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.proc = None


# -- page helpers ----------------------------------------------------------------------------
def open_view(page, url: str, timeout_ms: float = 90_000) -> None:
    """Load the page and wait until the charts are drawn."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    page.wait_for_selector("img.res-chart-prices", state="visible", timeout=timeout_ms)
    page.wait_for_selector(".res-date", timeout=timeout_ms)
    sidebar_button(page, "Step").wait_for(state="visible", timeout=timeout_ms)


def sidebar_button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def week(page) -> int:
    return int(page.locator(".res-week").first.inner_text())


def chart_src(page, name: str) -> str:
    return page.locator(f"img.res-chart-{name}").first.get_attribute("src") or ""


def wait_for_week(page, target: int, timeout_ms: float = 60_000) -> None:
    """Wait until the page shows week ``target`` or later."""
    page.wait_for_function(
        "t => { const e = document.querySelector('.res-week');"
        " return e && parseInt(e.textContent) >= t; }", arg=target, timeout=timeout_ms)


def settled_week(page, quiet_ms: int = 1500, timeout_ms: float = 60_000) -> int:
    """The week shown once it has not changed for ``quiet_ms`` (late frames landed)."""
    page.wait_for_function(
        """quiet => {
             const e = document.querySelector('.res-week');
             if (!e) return false;
             const now = Date.now(), text = e.textContent;
             if (window.__resWeek !== text) { window.__resWeek = text; window.__resSince = now; }
             return now - window.__resSince >= quiet;
           }""", arg=quiet_ms, timeout=timeout_ms, polling=100)
    return week(page)
