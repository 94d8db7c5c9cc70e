"""The SLURM/PBS helper: the job scripts it would submit (no real batch system needed)."""

from __future__ import annotations

import sys

import pytest

from sim.sweep.cluster import _minutes, hpc_cluster, main


def test_slurm_job_script_runs_one_worker_process_per_core():
    cluster = hpc_cluster("slurm", cores=8, memory="16GB", walltime="02:00:00",
                          queue="normal", account="proj42", job_directives=("--qos=long",))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    lines = script.splitlines()
    for directive in ("#SBATCH -p normal", "#SBATCH -A proj42", "#SBATCH --cpus-per-task=8",
                      "#SBATCH -t 02:00:00", "#SBATCH --qos=long"):
        assert directive in lines, directive
    assert any(line.startswith("#SBATCH --mem=") for line in lines)
    worker = next(line for line in lines if "distributed.cli.dask_worker" in line)
    assert worker.startswith(sys.executable), "workers use this environment's Python"
    assert cluster.scheduler_address.split("://")[0] in worker
    for flag in ("--nworkers 8", "--nthreads 1", "--lifetime 115m", "--lifetime-stagger 2m"):
        assert flag in worker, flag


def test_pbs_job_script_and_print_script_command(capsys):
    assert main(["pbs", "--cores", "4", "--memory", "8GB", "--walltime", "00:30:00",
                 "--queue", "workq", "--print-script"]) == 0
    script = capsys.readouterr().out
    assert "#PBS -q workq" in script
    assert "#PBS -l walltime=00:30:00" in script
    assert "#PBS -l select=1:ncpus=4" in script or "#PBS -l nodes=1:ppn=4" in script
    assert "--lifetime 25m" in script and "--nworkers 4" in script


def test_walltime_forms():
    assert _minutes("02:00:00") == 120
    assert _minutes("1-00:30:00") == 24 * 60 + 30
    assert _minutes("45:00") == 45
    with pytest.raises(SystemExit):
        main(["slurm", "--cores", "2", "--memory", "4GB", "--walltime", "soon"])
