"""Helpers of the classroom tests: a served classroom and a plain HTTP client.

``ThreadedClassroom`` serves the app with uvicorn in a thread of the test
process (real HTTP on loopback); ``ProcessClassroom`` runs ``run.py
classroom`` as its own process group, so a test can kill it with SIGKILL and
start it again on the same data folder.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sim.view.harness import ROOT, free_port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reply:
    def __init__(self, status: int, body: bytes, headers):
        self.status, self.body, self.headers = status, body, headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Http:
    """GET and POST (form or JSON) against ``base``, redirects not followed."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(_NoRedirect)

    def _open(self, request) -> Reply:
        try:
            with self.opener.open(request, timeout=60) as reply:
                return Reply(reply.status, reply.read(), reply.headers)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), error.headers)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def get(self, path: str) -> Reply:
        return self._open(urllib.request.Request(self.url(path)))

    def post_bytes(self, path: str, data: bytes, kind: str = "application/json") -> Reply:
        return self._open(urllib.request.Request(self.url(path), data=data, method="POST",
                                                 headers={"content-type": kind}))

    def post(self, path: str, form: dict | None = None, body: dict | None = None) -> Reply:
        if body is not None:
            data, kind = json.dumps(body).encode(), "application/json"
        else:
            data = urllib.parse.urlencode(form or {}).encode()
            kind = "application/x-www-form-urlencoded"
        return self._open(urllib.request.Request(self.url(path), data=data, method="POST",
                                                 headers={"content-type": kind}))


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


class ThreadedClassroom:
    """The classroom app on uvicorn in a background thread."""

    def __init__(self, data: Path, tick_seconds: float = 0.1):
        import uvicorn

        from sim.classroom.server import create_app

        self.app = create_app(data, tick_seconds=tick_seconds)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.http = Http(f"http://127.0.0.1:{self.port}")

    @property
    def admin(self) -> str:
        return f"/admin/{self.app.state.admin_secret}"

    def __enter__(self) -> ThreadedClassroom:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the classroom server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class ProcessClassroom:
    """``run.py classroom`` in its own process group on ``data``, killable with SIGKILL."""

    def __init__(self, data: Path, log: Path, port: int | None = None):
        self.data, self.log = data, log
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.admin = ""
        self.http = Http(f"http://127.0.0.1:{self.port}")

    def start(self, timeout: float = 120) -> ProcessClassroom:
        out = open(self.log, "a")  # noqa: SIM115 (the child writes it after we return)
        self.proc = subprocess.Popen(
            [sys.executable, "run.py", "classroom", "--data", str(self.data), "--port",
             str(self.port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=out,
            start_new_session=True, text=True)
        deadline = time.monotonic() + timeout
        while not self.admin:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError(f"the classroom server exited; see {self.log}")
            found = re.search(r"(/admin/[A-Za-z0-9_-]+)", line)
            if found:
                self.admin = found.group(1)
            if time.monotonic() > deadline:
                raise RuntimeError("the classroom server printed no instructor link")
        while True:
            try:
                if self.http.get("/").status == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the classroom server does not answer")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean shutdown of any kind."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def export_replays(export: bytes, store, workdir: Path) -> dict:
    """Check the debrief export of ``store``'s first game against a replay of its scenario
    from its seed and decision log: the same timeseries, events and deals, byte for byte.
    Returns the export's ``game.json``."""
    import io
    import zipfile

    from sim.classroom.debrief import replay_scenario
    from sim.decisions import read_log
    from sim.outputs import FLOAT_FORMAT, csv_text
    from sim.runner import run_scenario

    files = zipfile.ZipFile(io.BytesIO(export))
    summary = json.loads(files.read("game.json"))
    log_path = workdir / "decisions.jsonl"
    log_path.write_bytes(files.read("decisions.jsonl"))
    game = store.games()[0]
    replay = run_scenario(replay_scenario(game, store), seed=summary["seed"],
                          steps=summary["weeks_played"], decisions=read_log(log_path))
    assert files.read("timeseries.csv").decode() == csv_text(replay.timeseries, FLOAT_FORMAT)
    assert files.read("events.csv").decode() == csv_text(replay.events)
    assert files.read("deals.csv").decode() == csv_text(replay.deals)
    return summary
