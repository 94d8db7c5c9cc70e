"""The command line: ``run``, ``validate``, ``fields``, ``metrics``, ``serve``,
``classroom`` (and ``sweep``, ``analyze``, ``replay``).

Bad input (scenario files, arguments) ends with one message per problem on
stderr and exit status 2, never a traceback, and no partial output.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from sim.arguments import positive_int
from sim.replay import command as replay_cli
from sim.sweep import cli as sweep_cli

EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A problem with what the user asked for; printed, exit status 2."""


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1, got {value}")
    return value


def _port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got {value}")
    return value


def _override(text: str) -> tuple[str, object]:
    """``key.path=value`` where value is TOML (numbers, "strings", true, [lists])."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word is taken as a string
    return key.strip(), value


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: what is wrong and where to look."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="run.py",
        description="Rare Earth Standoff: an agent-based game of the rare-earth supply chain. "
        "With no command, serves the browser view on the default scenario.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=OneLineParser)
    add_commands(commands)
    return parser


def add_commands(commands) -> None:
    """Add every subcommand; each parser names its handler with ``set_defaults(handler=...)``.

    A new command is one more ``commands.add_parser(...)`` here with its handler,
    a function of the parsed arguments that returns the exit status.
    """
    run = commands.add_parser("run", help="run a scenario headless and write its outputs")
    run.add_argument("--scenario", default="baseline_2025",
                     help="scenario name in scenarios/ or path to a .toml (default: %(default)s)")
    run.add_argument("--steps", type=positive_int, default=None,
                     help="weeks to simulate (default: the scenario's steps)")
    run.add_argument("--seed", type=_seed, default=None,
                     help="random seed (default: the scenario's seed)")
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: out/SCENARIO-seedSEED)")
    run.add_argument("--set", dest="overrides", type=_override, action="append", default=[],
                     metavar="KEY=VALUE",
                     help="override a scenario field, e.g. --set demand.growth_percent_per_year=6")
    run.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--decisions", type=Path, default=None, metavar="DECISIONS.jsonl",
                     help="replay a run: apply this decision log (decisions.jsonl of an earlier "
                     "run, same scenario and seed) instead of letting the states decide")
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("paths", nargs="+", help="scenario names or .toml paths")
    validate.set_defaults(handler=_validate)

    commands.add_parser("fields", help="print the reference of every scenario field (Markdown)"
                        ).set_defaults(handler=_fields)
    commands.add_parser("metrics", help="print the reference of every output metric (Markdown)"
                        ).set_defaults(handler=_metrics)

    serve = commands.add_parser("serve", help="serve the browser view")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8765, help="port (default: %(default)s)")
    serve.add_argument("--scenario", default="baseline_2025", help="scenario to open first")
    serve.set_defaults(handler=_serve)

    classroom = commands.add_parser("classroom", help="serve the classroom game: teams play "
                                    "states in their own browsers, round by round")
    classroom.add_argument("--scenario", default="baseline_2025",
                           help="scenario offered first for new games (default: %(default)s)")
    classroom.add_argument("--host", default="127.0.0.1", help="address to listen on "
                           "(0.0.0.0: every network of this machine; default: %(default)s)")
    classroom.add_argument("--port", type=_port, default=8766, help="port (default: %(default)s)")
    classroom.add_argument("--data", type=Path, default=Path("classroom-data"),
                           help="folder of the game database (default: %(default)s)")
    classroom.set_defaults(handler=_classroom)
    sweep_cli.add_commands(commands)  # sweep, analyze
    replay_cli.add_commands(commands)  # replay


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            args = parser.parse_args(["serve"])
        return args.handler(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args) -> int:
    from sim.outputs import write_run
    from sim.runner import run_scenario
    from sim.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(args.scenario, overrides=dict(args.overrides))
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    seed = scenario.seed if args.seed is None else args.seed
    out = args.out or Path("out") / f"{scenario.name}-seed{seed}"
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is a file; give a folder")
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise CliError(f"--out {out} exists and is not empty; pass --overwrite to replace it")
    decisions = None
    if args.decisions is not None:
        from sim.decisions import DecisionLogError, read_log

        try:
            decisions = read_log(args.decisions)
        except DecisionLogError as exc:
            raise CliError(str(exc)) from None
    progress = not args.no_progress and sys.stderr.isatty()
    result = run_scenario(scenario, seed=seed, steps=args.steps, progress=progress,
                          decisions=decisions)
    write_run(result, out, overwrite=args.overwrite)
    print(f"{scenario.name} seed {seed}: {result.steps} weeks -> {out}/")
    return 0


def _validate(args) -> int:
    from sim.scenario import ScenarioError, load_scenario

    failed = False
    for path in args.paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print(str(exc), file=sys.stderr)
            failed = True
        else:
            print(f"{path}: ok ({scenario.name}, {scenario.steps} weeks, "
                  f"{len(scenario.regions)} regions, {len(scenario.timeline)} timeline events)")
    return EXIT_BAD_INPUT if failed else 0


def _fields(args) -> int:
    from sim.scenario.reference import reference_markdown

    print(reference_markdown(), end="")
    return 0


def _metrics(args) -> int:
    from sim.recorder import metrics_markdown

    print(metrics_markdown(), end="")
    return 0


def _serve(args) -> int:
    from sim.scenario import ScenarioError, load_scenario

    try:
        load_scenario(args.scenario)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    from sim.view.server import serve

    return serve(host=args.host, port=args.port, scenario=args.scenario)


def _classroom(args) -> int:
    from sim.scenario import ScenarioError, load_scenario

    try:
        load_scenario(args.scenario)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    if args.data.exists() and not args.data.is_dir():
        raise CliError(f"--data {args.data} is a file; give a folder for the game database")
    try:
        args.data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--data {args.data}: cannot create the folder ({exc.strerror})") from None
    from sim.classroom.server import serve

    return serve(data=args.data, host=args.host, port=args.port, scenario=args.scenario)
