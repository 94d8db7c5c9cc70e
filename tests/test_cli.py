"""The command line end to end, as a user runs it (real processes, real files)."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def run_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "result"
    proc = run_cli("run", "--scenario", "baseline_2025", "--steps", "30", "--seed", "4",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_run_writes_every_output(run_output):
    names = {p.name for p in run_output.iterdir()}
    assert {"timeseries.parquet", "timeseries.csv", "events.csv", "deals.csv", "summary.json",
            "prices.png", "trade_flows.png", "quotas_tariffs.png", "capacity.png"} <= names


def test_tidy_table_has_the_documented_columns_and_metrics(run_output):
    table = pd.read_parquet(run_output / "timeseries.parquet")
    assert list(table.columns) == ["step", "date", "metric", "region", "partner", "product",
                                   "value"]
    required = {"price", "production", "refining_output", "magnet_output", "demand",
                "unmet_demand", "inventory", "capacity", "trade_flow", "tariff",
                "license_approval_rate", "license_delay_days"}
    assert required <= set(table["metric"])
    assert table["step"].max() == 30
    csv = pd.read_csv(run_output / "timeseries.csv", keep_default_na=False)
    assert len(csv) == len(table)


def test_summary_names_scenario_seed_and_headline(run_output):
    summary = json.loads((run_output / "summary.json").read_text())
    assert summary["scenario"] == "baseline_2025"
    assert summary["seed"] == 4
    assert summary["steps"] == 30
    assert summary["version"]
    assert "price_magnet_outside_china_last_year" in summary["headline"]


def test_events_log_the_timeline(run_output):
    events = pd.read_csv(run_output / "events.csv")
    assert "china_licensing_april" in " ".join(events["detail"].fillna(""))


def test_export_quota_metric_appears_when_a_quota_is_set(tmp_path):
    out = tmp_path / "q"
    proc = run_cli("run", "--steps", "3", "--out", str(out), "--no-progress", "--set",
                   'policy.q = {type = "export_quota", exporter = "CN", products = "all", '
                   "tonnes_per_year = 40000}")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(out / "timeseries.parquet")
    quota = table[table["metric"] == "export_quota"]
    assert set(quota["value"]) == {40000}
    assert set(quota["region"]) == {"CN"}


@pytest.mark.parametrize("args, fragment", [
    (["run", "--steps", "0"], "--steps"),
    (["run", "--steps", "ten"], "--steps"),
    (["run", "--seed", "-1"], "--seed"),
    (["run", "--scenario", "no_such_one"], "no such scenario file"),
    (["run", "--set", "demand.growth_percent_per_year=900"], "demand.growth_percent_per_year"),
    (["run", "--set", "nonsense"], "KEY=VALUE"),
    (["serve", "--port", "70000"], "--port"),
    (["frobnicate"], "invalid choice"),
    (["validate"], "paths"),
])
def test_bad_arguments_exit_2_with_a_message(args, fragment, tmp_path):
    proc = run_cli(*args, "--out", str(tmp_path / "x")) if args[0] == "run" else run_cli(*args)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr  # no usage block
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()


def test_a_busy_port_exits_2_with_one_line_naming_it():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_cli("serve", "--port", str(port))
    assert proc.returncode == 2
    assert proc.stdout == ""  # no "open http://..." for a server that never starts
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(port) in lines[0] and "already in use" in lines[0] and "--port" in lines[0]


def test_a_new_command_plugs_in_through_add_commands():
    from sim import cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    extra = commands.add_parser("hello")
    extra.set_defaults(handler=lambda args: 7)
    assert parser.parse_args(["hello"]).handler(None) == 7
    assert parser.parse_args(["run"]).handler is cli._run


def test_bad_scenario_leaves_no_output_folder(tmp_path):
    bad = ROOT / "tests" / "bad_scenarios" / "negative_capacity.toml"
    proc = run_cli("run", "--scenario", str(bad), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "miners.mountain_pass.capacity_t_per_year" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_without_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    proc = run_cli("run", "--steps", "2", "--out", str(out))
    assert proc.returncode == 2
    assert "--overwrite" in proc.stderr
    assert (out / "precious.txt").read_text() == "keep me"
    proc = run_cli("run", "--steps", "2", "--out", str(out), "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert not (out / "precious.txt").exists()
    assert (out / "timeseries.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_validate_reports_ok_and_help_lists_commands():
    proc = run_cli("validate", "baseline_2025", "free_trade")
    assert proc.returncode == 0
    assert proc.stdout.count(": ok") == 2
    helptext = run_cli("--help").stdout
    for command in ("run", "validate", "serve", "fields"):
        assert command in helptext
