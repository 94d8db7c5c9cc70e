"""``run.py sweep`` and ``run.py analyze``: added to the main command line by ``add_commands``.

Bad input (a spec, a folder of another sweep, arguments) ends with one line per
problem and exit status 2; an interrupted sweep keeps what finished and says
how to resume.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.arguments import positive_int

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
METHODS = ("sobol", "morris", "summary")


def add_commands(commands) -> None:
    """Add ``sweep`` and ``analyze`` to the main parser's subparsers."""
    sweep = commands.add_parser(
        "sweep", help="run a parameter sweep (resumes an interrupted one in the same --out)",
        description="Run every run of a sweep spec; results go to --out as Parquet chunks "
        "with a manifest. The same command on the same --out resumes, running only what is "
        "missing.")
    sweep.add_argument("spec", type=Path, help="sweep spec (.toml), e.g. "
                       "scenarios/sweeps/quick_sweep.toml")
    sweep.add_argument("--out", type=Path, default=None,
                       help="results folder (default: out/sweeps/SPEC_NAME)")
    sweep.add_argument("--workers", type=positive_int, default=None,
                       help="local worker processes (default: every core)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786")
    sweep.add_argument("--chunk-runs", type=positive_int, default=200,
                       help="runs per result chunk (default: %(default)s; a chunk is also "
                       "written every 30 s)")
    sweep.add_argument("--retry-failed", action="store_true",
                       help="run again the runs recorded as failed or timed out (after a fix)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=dispatch)

    analyze = commands.add_parser(
        "analyze", help="sensitivity analysis of a finished sweep (CSV, PNG, summary)")
    analyze.add_argument("folder", type=Path, help="a sweep's --out folder")
    analyze.add_argument("--method", choices=METHODS, default="summary",
                         help="sobol or morris (needs that design) or summary (any design; "
                         "rank correlations); default: %(default)s")
    analyze.add_argument("--outcome", action="append", default=None, metavar="NAME",
                         help="only this outcome (repeatable; default: all)")
    analyze.add_argument("--out", type=Path, default=None,
                         help="where to write (default: FOLDER/analysis-METHOD)")
    analyze.set_defaults(handler=dispatch)


def dispatch(args) -> int:
    """Run the ``sweep`` or ``analyze`` command parsed into ``args``."""
    from sim.sweep.analysis import AnalysisError
    from sim.sweep.execute import SchedulerError
    from sim.sweep.load import SpecError
    from sim.sweep.store import StoreError

    try:
        return _sweep(args) if args.command == "sweep" else _analyze(args)
    except (SpecError, StoreError, AnalysisError, SchedulerError) as exc:
        print(str(exc) if isinstance(exc, SpecError) else f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _sweep(args) -> int:
    from sim.sweep.execute import run_sweep
    from sim.sweep.load import load_spec

    sweep = load_spec(args.spec)
    out = args.out or Path("out") / "sweeps" / args.spec.stem
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} is a file; give a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        state = run_sweep(sweep, out, workers=args.workers, scheduler=args.scheduler,
                          chunk_runs=args.chunk_runs, progress=progress,
                          spec_text=args.spec.read_text(), retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        print(f"interrupted; finished runs are saved in {out}/: run the same command to "
              "resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    if state.ran == 0:
        print(f"{out}/: all {state.total} runs already done")
        return 0
    ok = state.ran - state.failed - state.timed_out
    print(f"{out}/: {state.ran} runs in {state.seconds:.1f} s ({ok} ok, {state.failed} "
          f"failed, {state.timed_out} timed out); {state.done_before + state.ran} of "
          f"{state.total} done")
    return 0


def _analyze(args) -> int:
    from sim.sweep.analysis import analyze

    report = analyze(args.folder, method=args.method, outcomes=args.outcome, out=args.out)
    print(report.summary, end="")
    print(f"-> {report.folder}/")
    return 0
