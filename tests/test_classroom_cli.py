"""``run.py classroom``: bad arguments end with one line and exit status 2."""

from __future__ import annotations

import pytest

from sim.cli import main


@pytest.mark.parametrize("port, says", [("0", "argument --port"),
                                        ("70000", "must be a port number 1-65535")])
def test_a_bad_port_is_refused(port, says, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["classroom", "--port", port])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and says in err and len(err.splitlines()) == 1


def test_an_unknown_scenario_is_refused(capsys):
    assert main(["classroom", "--scenario", "no_such_world"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no_such_world" in err and len(err.splitlines()) == 1


def test_data_that_is_a_file_is_refused(tmp_path, capsys):
    data = tmp_path / "classroom.db"
    data.write_text("")
    assert main(["classroom", "--data", str(data)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --data {data} is a file; give a folder for the game database")
