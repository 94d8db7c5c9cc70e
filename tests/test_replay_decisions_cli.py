"""A run replays from its seed and its decision log on the command line, byte for byte."""

from __future__ import annotations

import json

from tests.test_cli import run_cli

FILES = ("timeseries.csv", "events.csv", "deals.csv", "decisions.jsonl")
RUN = ("run", "--scenario", "framework_deal", "--steps", "80", "--seed", "3", "--no-progress")


def test_a_run_replayed_from_its_decision_log_writes_the_same_files(tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    proc = run_cli(*RUN, "--out", str(first))
    assert proc.returncode == 0, proc.stderr
    log = (first / "decisions.jsonl").read_text().splitlines()
    assert log and {json.loads(line)["source"] for line in log} >= {"ai"}
    proc = run_cli(*RUN, "--out", str(again), "--decisions", str(first / "decisions.jsonl"))
    assert proc.returncode == 0, proc.stderr
    for name in FILES:
        assert (again / name).read_bytes() == (first / name).read_bytes(), name


def test_a_bad_decision_log_is_one_line_and_exit_status_2(tmp_path):
    bad = tmp_path / "decisions.jsonl"
    bad.write_text('{"step": 3, "source": "ai", "decision": {"state": "US", "levers": '
                   '[{"type": "tariff", "importer": "US", "exporters": "all", '
                   '"products": "all", "percent": 5000}]}}\n')
    proc = run_cli(*RUN, "--out", str(tmp_path / "out"), "--decisions", str(bad))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 1" in lines[0] and "1000" in lines[0]
    assert not (tmp_path / "out").exists()
