"""Dask workers on a SLURM or PBS cluster, through ``dask-jobqueue``.

On the cluster's login node::

    python -m sim.sweep.cluster slurm --jobs 4 --cores 8 --memory 16GB \\
        --walltime 02:00:00 --queue normal --print-script      # look first
    python -m sim.sweep.cluster slurm --jobs 4 --cores 8 --memory 16GB \\
        --walltime 02:00:00 --queue normal                     # prints the address

then, in another shell, ``python run.py sweep SPEC --out DIR --scheduler ADDRESS``.
Workers end before their job's wall time (``--lifetime``, staggered) and the
cluster replaces them; a run on a worker that is lost is retried by Dask, and
a sweep stopped for good resumes with the same command.
"""

from __future__ import annotations

import argparse
import sys
import time

KINDS = ("slurm", "pbs")


def hpc_cluster(kind: str, *, cores: int, memory: str, walltime: str,
                queue: str | None = None, account: str | None = None,
                lifetime: str = "auto", job_directives: tuple[str, ...] = (),
                python: str | None = None):
    """A ``SLURMCluster`` or ``PBSCluster``: one process per core, one thread each.

    ``lifetime="auto"`` ends each worker 5 minutes before ``walltime`` (staggered
    by 2 minutes) so no run is cut off by the batch system.
    """
    from dask_jobqueue import PBSCluster, SLURMCluster

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    cls = SLURMCluster if kind == "slurm" else PBSCluster
    if lifetime == "auto":
        lifetime = f"{max(_minutes(walltime) - 5, 1)}m"
    options = {"cores": cores, "processes": cores, "memory": memory, "walltime": walltime,
               "queue": queue, "account": account,
               "worker_extra_args": ["--lifetime", lifetime, "--lifetime-stagger", "2m"],
               "job_extra_directives": list(job_directives),
               "scheduler_options": {"dashboard_address": None}}
    if python:
        options["python"] = python
    return cls(**options)


def _minutes(walltime: str) -> int:
    """Minutes in ``HH:MM:SS`` (or ``MM:SS``, or ``DD-HH:MM:SS``)."""
    days, _, clock = walltime.rpartition("-")
    parts = [int(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, _ = parts
    return (int(days or 0) * 24 + hours) * 60 + minutes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.sweep.cluster",
        description="Start Dask workers on SLURM or PBS and print the scheduler address "
        "for run.py sweep --scheduler.")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--jobs", type=int, default=1, help="batch jobs to submit")
    parser.add_argument("--cores", type=int, required=True, help="cores per job")
    parser.add_argument("--memory", required=True, help="memory per job, e.g. 16GB")
    parser.add_argument("--walltime", required=True, help="per job, HH:MM:SS")
    parser.add_argument("--queue", default=None)
    parser.add_argument("--account", default=None)
    parser.add_argument("--directive", action="append", default=[],
                        help="extra #SBATCH/#PBS directive (repeatable)")
    parser.add_argument("--print-script", action="store_true",
                        help="print the job script and exit without submitting")
    args = parser.parse_args(argv)
    try:
        _minutes(args.walltime)
    except ValueError:
        parser.error(f"--walltime: expected HH:MM:SS, got {args.walltime!r}")
    cluster = hpc_cluster(args.kind, cores=args.cores, memory=args.memory,
                          walltime=args.walltime, queue=args.queue, account=args.account,
                          job_directives=tuple(args.directive))
    try:
        if args.print_script:
            print(cluster.job_script())
            return 0
        cluster.scale(jobs=args.jobs)
        print(f"scheduler: {cluster.scheduler_address}", flush=True)
        print("run: python run.py sweep SPEC --out DIR --scheduler "
              f"{cluster.scheduler_address}\nCtrl-C stops the workers.", file=sys.stderr)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
