"""``run.py replay SCENARIO --out DIR [--seeds N]``: the model against history.

Runs the scenario over seeds and writes into DIR the price, quota, gap and
share-price charts, the stylised-facts table (CSV and Markdown) and the
per-seed series (Parquet). Bad input ends with one line and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sim.arguments import non_negative_int, positive_int, share_argument

EXIT_BAD_INPUT = 2
DEFAULT_SEEDS = 10
DEFAULT_SAMPLES = 20
DEFAULT_CALIBRATION_SEEDS = 3
DEFAULT_FINALISTS = 5
DEFAULT_FINAL_SEEDS = 10
OUTPUT_FILES = ("prices.png", "quota.png", "gap.png", "share_price.png", "facts.csv",
                "facts.md", "series.parquet")
US_MINER_RECORD = {"molycorp": "Molycorp"}  # listing -> firm in data/firms.csv


class ReplayError(ValueError):
    """A replay cannot be made as asked; the message says why and what is allowed."""


def add_commands(commands) -> None:
    """Add ``replay`` to the main parser's subparsers."""
    replay = commands.add_parser(
        "replay", help="run a historical scenario over seeds and compare it with the record",
        description="Run SCENARIO (e.g. crisis_2010) over --seeds seeds and write, into "
        "--out, the model's price, quota, price-gap and share-price charts against the "
        "recorded figures of data/, a table of stylised facts (facts.csv, facts.md) and "
        "the per-seed series (series.parquet). See docs/replay.md.")
    replay.add_argument("scenario", help="scenario name in scenarios/ or path to a .toml, "
                        "e.g. crisis_2010")
    replay.add_argument("--out", type=Path, required=True, help="output folder")
    replay.add_argument("--seeds", type=positive_int, default=DEFAULT_SEEDS,
                        help="seeds to run, from the scenario's seed up (default: "
                        "%(default)s)")
    _run_options(replay)
    replay.set_defaults(handler=dispatch)

    calibrate = commands.add_parser(
        "calibrate", help="search market settings for the best fit of a historical scenario",
        description="Run SCENARIO (e.g. crisis_2010) at --samples Latin-hypercube points of "
        "the settings history does not give directly, each over --seeds seeds, and write "
        "into --out the points ranked by their loss against the record (calibration.csv), "
        "the best settings (best.md) and the loss against each setting (loss.png). See "
        "docs/replay.md.")
    calibrate.add_argument("scenario", help="scenario name in scenarios/ or path to a .toml")
    calibrate.add_argument("--out", type=Path, required=True, help="output folder")
    calibrate.add_argument("--samples", type=positive_int, default=DEFAULT_SAMPLES,
                           help="design points (default: %(default)s)")
    calibrate.add_argument("--seeds", type=positive_int, default=DEFAULT_CALIBRATION_SEEDS,
                           help="seeds per point (default: %(default)s)")
    calibrate.add_argument("--design-seed", type=int, default=0,
                           help="root seed of the design (default: %(default)s)")
    calibrate.add_argument("--finalists", type=non_negative_int, default=DEFAULT_FINALISTS,
                           help="best calm points that pass the 2025 checks, run again over "
                           "--final-seeds and ranked by the facts they match, then by loss "
                           "(default: %(default)s; 0: none)")
    calibrate.add_argument("--final-seeds", type=positive_int, default=DEFAULT_FINAL_SEEDS,
                           help="seeds for the finalists (default: %(default)s)")
    calibrate.add_argument("--steady", default="free_trade,baseline_2025",
                           help="scenarios (comma-separated) that must stay calm under the "
                           'same market settings (default: %(default)s; "none" for the '
                           "record only)")
    calibrate.add_argument("--history-only", action="store_true",
                           help="search only the historical world's unknowns, with the "
                           "market settings as the scenario has them")
    calibrate.add_argument("--around", type=share_argument, default=None, metavar="SHARE",
                           help="refine: search each setting only within SHARE (0-1) of "
                           "its range either side of the scenario's value")
    _run_options(calibrate)
    calibrate.set_defaults(handler=dispatch_calibrate)


def _run_options(parser) -> None:
    """--workers, --overwrite and --no-progress, as both commands take them."""
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="worker processes (default: one per seed up to every core)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into a non-empty --out folder")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _checked(args, *extra: str):
    """The scenario of ``args`` (and any ``extra`` scenarios named in it), checked against
    its --out folder; or, for bad input, the exit status after a one-line message."""
    from sim.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(args.scenario)
        loaded = [load_scenario(name) for name in extra]
        check_request(scenario, args.out, args.overwrite)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ReplayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return scenario, loaded, not args.no_progress and sys.stderr.isatty()


def dispatch(args) -> int:
    """Run the ``replay`` command parsed into ``args``."""
    checked = _checked(args)
    if isinstance(checked, int):
        return checked
    scenario, _, progress = checked
    notes = replay(scenario, args.out, seeds=args.seeds, workers=args.workers,
                   progress=progress)
    for note in notes:
        print(note)
    print(f"{scenario.name}: {args.seeds} seeds -> {args.out}/")
    return 0


def dispatch_calibrate(args) -> int:
    """Run the ``calibrate`` command parsed into ``args``."""
    from sim.replay.calibrate import calibrate, write_outputs
    from sim.replay.runs import replay_seeds

    names = [] if args.steady == "none" else [n.strip() for n in args.steady.split(",")]
    checked = _checked(args, *names)
    if isinstance(checked, int):
        return checked
    scenario, steady, progress = checked
    table = calibrate(scenario, args.samples, replay_seeds(scenario, args.seeds),
                      seed=args.design_seed, workers=args.workers, progress=progress,
                      steady=steady, finalists=args.finalists,
                      final_seeds=replay_seeds(scenario, args.final_seeds),
                      history_only=args.history_only, around=args.around)
    write_outputs(table, args.out, scenario)
    best = table.iloc[0]
    print(f"{scenario.name}: {args.samples} points x {args.seeds} seeds -> {args.out}/ "
          f"(best loss {best['loss']:.3g}, {int(best['facts_matched'])} of "
          f"{int(best['facts'])} facts)")
    return 0


def check_request(scenario, out: Path, overwrite: bool) -> None:
    """Refuse what cannot be replayed: no China, a run outside the facts' years, --out."""
    from sim.replay.compare import window_of

    if scenario.china is None:
        raise ReplayError(f"scenario {scenario.name} names no china region; replay compares "
                          "China's prices and exports with the record")
    window = window_of(scenario)
    first, last = window.base_year, window.narrowing_years[-1]
    if scenario.start_date.year > first or scenario.end_date.year <= last:
        raise ReplayError(f"scenario {scenario.name} runs {scenario.start_date} to "
                          f"{scenario.end_date}; replay needs {first} to the end of {last} "
                          "(e.g. crisis_2010)")
    if out.exists() and not out.is_dir():
        raise ReplayError(f"--out {out} is a file; give a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ReplayError(f"--out {out} exists and is not empty; pass --overwrite to write "
                          "into it")


def replay(scenario, out: Path, seeds: int = DEFAULT_SEEDS, workers: int | None = None,
           progress: bool = False) -> list[str]:
    """Run and write every output into ``out``; return notes for the user."""
    from sim.replay import facts as f
    from sim.replay import history as h
    from sim.replay import plots
    from sim.replay.compare import crisis_facts
    from sim.replay.runs import OXIDES, QUOTA_PRODUCTS, replay_seeds, run_seeds, us_miner_listing

    seed_list = replay_seeds(scenario, seeds)
    series = run_seeds(scenario, seed_list, workers=workers, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    series.to_parquet(out / "series.parquet", index=False)
    record_prices, record_quotas = h.recorded_prices(), h.recorded_quotas()
    facts = crisis_facts(series, scenario, record_prices, record_quotas, OXIDES, QUOTA_PRODUCTS)
    facts.to_csv(out / "facts.csv", index=False, float_format="%.6g")
    (out / "facts.md").write_text(
        f"# {scenario.title or scenario.name}: the model against the record\n\n"
        f"{len(seed_list)} seeds ({seed_list[0]}-{seed_list[-1]}); model: median and "
        "10-90% range over seeds; 'matches' compares the median with the tolerance.\n\n"
        + f.facts_markdown(facts))
    prices = f.market_prices(series, scenario.china)
    plots.prices_plot(prices, record_prices, OXIDES, out / "prices.png", len(seed_list))
    smuggled = (f.yearly_exports(series, scenario.china, QUOTA_PRODUCTS, metric="smuggled")
                if scenario.smuggling is not None else None)
    plots.quota_plot(f.yearly_exports(series, scenario.china, QUOTA_PRODUCTS),
                     f.yearly_quota(series, scenario.china, QUOTA_PRODUCTS), record_quotas,
                     out / "quota.png", len(seed_list), smuggled)
    plots.gap_plot(f.price_ratio(prices), h.recorded_ratios(record_prices), OXIDES,
                   out / "gap.png", len(seed_list))
    listing = us_miner_listing(scenario)
    if listing is None:
        return [f"no share_price.png: {scenario.name} lists no US miner in [finance.listings]"]
    shares = series[(series["metric"] == "asset_price") & (series["product"] == listing)]
    firm = US_MINER_RECORD.get(listing)
    record = (h.recorded_share_prices(firm) if firm is not None
              else pd.DataFrame(columns=["date", "value", "label"]))
    plots.share_price_plot(shares, listing, record, out / "share_price.png", len(seed_list))
    return []
