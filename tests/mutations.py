"""Break the model on purpose, one line at a time, and check the named tests fail.

    python -m tests.mutations            # every mutation (two at a time)
    python -m tests.mutations 3 7        # only those numbers

Each mutation is applied to a temporary copy of the tree (the working tree is
never touched); the tests named beside it must fail on the copy. Exit status 1
if any mutation survives, i.e. a test that should catch it passes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIELD = "tests/test_field_use.py::test_field_changes_the_run"


@dataclass(frozen=True)
class Mutation:
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation("firms run slightly less of their capacity", "agents/firm.py",
             "(1.0 - self.min_utilisation) * pull", "(1.0 - self.min_utilisation) * pull * 0.999",
             ("tests/test_golden.py::test_scenario_matches_its_golden_values[free_trade]",)),
    Mutation("news headlines in capitals (events.csv only)", "sim/headlines.py",
             "return change.headline", "return change.headline.upper()",
             ("tests/test_golden.py::test_scenario_matches_its_golden_values[free_trade]",)),
    Mutation("the Dy/Tb thrift floor ignores production.dytb_min_share",
             "agents/magnet_maker.py", "low, high = recipe.dytb_min_share,", "low, high = 0.3,",
             (f"{FIELD}[production.dytb_min_share]",)),
    Mutation("a dead field called percent: tariffs ignore their rate", "sim/policy.py",
             "self.tariff_pct[sel] = c.percent", "self.tariff_pct[sel] = 25.0",
             (f"{FIELD}[timeline[tariff].percent]",)),
    Mutation("a dead field called region: listed companies all at home in the first region",
             "sim/finance/exchange.py", "model.region_index[x.region] for x in listed",
             "0 for x in listed", (f"{FIELD}[finance.listings.*.region]",)),
    Mutation("capacity investments ignore their own lead_time_years", "sim/changes.py",
             "rules.lead_time_years[firm.stage] if lead_years is None else lead_years",
             "rules.lead_time_years[firm.stage]",
             ("tests/test_behaviour.py::test_capacity_arrives_only_after_its_lead_time"
              "[mp_heavy_separation]", f"{FIELD}[timeline[capacity_investment].lead_time_years]")),
    Mutation("timeline events land a week late", "sim/model.py",
             "step_of_date(scenario.start_date, change.date)",
             "step_of_date(scenario.start_date, change.date) + 1",
             ("tests/test_behaviour.py::test_capacity_arrives_only_after_its_lead_time"
              "[mp_10x_magnet_plant]",
              "tests/test_states.py::test_a_threat_met_by_a_concession_averts_the_tariff")),
    Mutation("licensing approves every civil licence", "sim/policy.py",
             "c.civil_approval_percent / 100 if c.controlled else 1.0", "1.0",
             ("tests/test_behaviour.py::test_licensing_cut_raises_outside_prices_more_than_"
              "chinas[dytb_oxide]",)),
    Mutation("AI states never concede to a threat", "agents/state.py",
             "if score > 0:", "if score > 10:",
             ("tests/test_states.py::test_a_threat_met_by_a_concession_averts_the_tariff",)),
    Mutation("consumer-price score inverted", "sim/scorecard.py",
             "_relative(self.reference_price, prices[:, MAGNET])",
             "_relative(prices[:, MAGNET], self.reference_price)",
             ("tests/test_states.py::test_scorecards_measure_each_goal",)),
    Mutation("leverage counts magnets only", "sim/scorecard.py",
             "share = (output[:, 1] / world[1] + output[:, MAGNET] / world[MAGNET]) / 2",
             "share = output[:, MAGNET] / world[MAGNET]",
             ("tests/test_states.py::test_scorecards_measure_each_goal",)),
    Mutation("capital factor from the share price, not its ratio to the start",
             "sim/finance/exchange.py", "(self.price / self.start_price) ** rules.elasticity",
             "self.price ** rules.elasticity",
             ("tests/test_investors.py::test_capital_factor_follows_the_share_price_within_"
              "bounds[100.0-False]",)),
    Mutation("price floors are never set", "sim/policy.py",
             "PRODUCTS.index(c.product)] = c.usd_per_kg", "PRODUCTS.index(c.product)] = 0.0",
             ("tests/test_investors.py::test_price_floor_raises_the_fundamental_value_of_the_"
              "firm_it_covers", f"{FIELD}[timeline[price_floor].usd_per_kg]")),
    Mutation("ore composition above one accepted", "sim/scenario/schema.py",
             "self.ndpr_share + self.dytb_share > 1", "self.ndpr_share + self.dytb_share > 2",
             ("tests/test_scenarios.py::test_malformed_scenario_is_refused_naming_file_key_and_"
              "reason[composition_over_one]",)),
    Mutation("scenario errors no longer name the key", "sim/scenario/loader.py",
             "return [f\"{key}: {' or '.join(messages)}\" for key, messages in by_key.items()]",
             "return [' or '.join(messages) for messages in by_key.values()]",
             ("tests/test_scenarios.py::test_malformed_scenario_is_refused_naming_file_key_and_"
              "reason[unknown_top_key]",)),
]


def _copy_tree(target: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for name in files:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def check(number: int, mutation: Mutation) -> tuple[int, bool, str]:
    """Apply ``mutation`` to a copy of the tree; True if every named test fails."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        copy = Path(tmp)
        _copy_tree(copy)
        path = copy / mutation.file
        text = path.read_text()
        if text.count(mutation.old) != 1:
            return number, False, f"the line to mutate is not in {mutation.file} exactly once"
        path.write_text(text.replace(mutation.old, mutation.new))
        survived = []
        for test in mutation.tests:
            run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                  "-p", "no:xdist", test], cwd=copy, capture_output=True,
                                 text=True)
            if run.returncode != 1 or " failed" not in run.stdout:
                survived.append(test)
    return number, not survived, "; ".join(f"passed: {t}" for t in survived)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutations")
    parser.add_argument("numbers", nargs="*", type=int, help="mutations to run (default: all)")
    args = parser.parse_args(argv)
    chosen = [(i, m) for i, m in enumerate(MUTATIONS, 1) if not args.numbers or i in args.numbers]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda item: check(*item), chosen))
    for (number, caught, note), (_, mutation) in zip(results, chosen, strict=True):
        print(f"{number:2d} {'caught  ' if caught else 'SURVIVED'} {mutation.what}"
              f"{': ' + note if note else ''}")
        for test in mutation.tests:
            print(f"     {test}")
    return 0 if all(caught for _, caught, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
