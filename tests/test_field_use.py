"""Every scenario field changes the run: perturb it, run a short seeded run, compare.

The fields come from the schema itself (``tests.schema_fields``), so a field
added later is checked without touching this file. For each field the test
finds a concrete instance (the first firm of each kind, the first timeline
event of each type, an AI state for strategy and goals...), proposes in-range
values (``perturbations``), runs the cheapest scenario where the field
matters, and compares the tidy table, the model's own events (not the echo of
the scenario's changes in the news) and the KPIs with the unperturbed run.
A field that changes none of them fails, named by its path, unless it is on
``NOT_BEHAVIOUR`` below with the reason.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field

import numpy as np
import pytest

from sim.model import StandoffModel
from sim.outputs import summary
from sim.recorder import METRICS
from sim.runner import run_scenario
from sim.scenario import Scenario, ScenarioError, available_scenarios, load_scenario
from sim.world import step_of_date
from tests.schema_fields import SchemaField, perturbations, schema_fields

WEEKS = 52  # default length of a probe run
AFTER_EVENT_WEEKS = 26  # a timeline event's fields: run this long past its date
MAX_TRIES = 3  # valid perturbations tried before a field is declared dead

# Fields that are not behaviour, each with the check that stands in for the run.
NOT_BEHAVIOUR = {
    "name": "the run's label: checked in summary.json below",
    "title": "shown in summary.json and the view: checked in summary.json below",
    "description": "notes for the reader of the scenario file; no output shows it",
    "question": "notes for the reader of the scenario file; no output shows it",
    "regions.*.name": "display name of a state: checked in the view's scorecard below",
    **{f"timeline[{kind}].type": "the tag that picks the change type; each type's own "
       "fields are probed" for kind in ("export_quota", "mining_quota", "export_duty",
                                       "tariff", "licensing", "price_floor", "subsidy", "stockpile",
                                       "capacity_investment", "disruption", "demand_shock",
                                       "announcement", "threat", "offer", "deal")},
}
# Not yet shown to act: no probe context found reaches them. Each is a gap to close with a
# HINTS entry, not a verdict that the field is dead.
NOT_YET_SHOWN = {
    "negotiation.offer_goodwill_per_trust": "moves an offer's value by at most 0.2 x trust "
    "gap; no probed offer sits that close to acceptance",
    "negotiation.export_cap_window_weeks": "no probed run keeps a hawk under maximum pressure "
    "long enough for an export cap",
}
NOT_BEHAVIOUR.update(NOT_YET_SHOWN)
NOT_BEHAVIOUR_SUFFIX = {
    ".headline": "news text of a change: checked to reach events.csv below",
    **{f"timeline[{kind}].actor": "who the news log names as making a change that belongs to "
       "a named state anyway: checked to reach events.csv below"
       for kind in ("export_quota", "mining_quota", "export_duty", "tariff", "licensing",
                    "price_floor", "subsidy", "stockpile", "capacity_investment", "disruption",
                    "demand_shock", "announcement")},
    "timeline[deal].actor": "the proposer of a deal that takes effect at once: named in the "
    "deal register; checked to reach deals.csv below",
}

# Change types no shipped scenario uses: one instance each, added to a scenario's timeline.
SAMPLE_CHANGES = {
    "export_quota": ("free_trade", {"type": "export_quota", "date": "2025-02-03",
                                    "exporter": "CN", "products": ["magnet"],
                                    "tonnes_per_year": 20000}),
    "mining_quota": ("free_trade", {"type": "mining_quota", "date": "2025-02-03",
                                    "state": "CN", "tonnes_per_year": 300000,
                                    "raise_with_demand": True}),
    "export_duty": ("free_trade", {"type": "export_duty", "date": "2025-02-03",
                                   "exporter": "CN", "products": ["ndpr_oxide"],
                                   "percent": 25}),
    "subsidy": ("free_trade", {"type": "subsidy", "date": "2025-02-03", "state": "US",
                               "stage": "magnets", "usd_per_kg": 5.0}),
    "demand_shock": ("free_trade", {"type": "demand_shock", "date": "2025-02-03",
                                    "region": "US", "segment": "ev", "factor": 1.5}),
    "offer": ("escalation", {"type": "offer", "date": "2025-06-02", "actor": "US",
                             "tariff_by": "US", "licences_by": "CN", "tariff_to_percent": 0,
                             "civil_approval_percent": 60, "trusted_partners": ["JP"],
                             "co_investment_t_per_year": 2000}),
}

# Where the generic choice of scenario, length or value does not reach a field's effect.
# Keys: "scenario" and "base" (its overrides), "path" (the instance), "values", "weeks",
# "also" (overrides that go with the perturbation, to keep it valid).
CN_OFFERS = {"timeline.cn_offer": {"type": "offer", "date": "2025-06-02", "actor": "CN",
                                   "tariff_by": "US", "licences_by": "CN",
                                   "tariff_to_percent": 0, "civil_approval_percent": 90}}
US_OFFERS = {"timeline.us_offer": {"type": "offer", "date": "2025-06-02", "actor": "US",
                                   "tariff_by": "US", "licences_by": "CN",
                                   "tariff_to_percent": 100, "civil_approval_percent": 90}}
DEFECTING = {"regions.CN.strategy.hawkishness": 1.0, "negotiation.defection_probability": 1.0,
             "regions.US.policy": "ai"}
HINTS: dict[str, dict] = {
    # the default run length is not a behaviour of its weeks: a shorter scenario runs fewer
    "steps": {"scenario": "free_trade", "values": [20], "weeks": 30},
    # an importer weighs supply and prices when it answers an exporter's offer
    **{f"regions.*.goals.{goal}": {"scenario": "escalation", "base": CN_OFFERS,
                                   "path": f"regions.US.goals.{goal}", "values": [10.0, 0.0]}
       for goal in ("supply_security", "consumer_prices")},
    # defection: a hawkish China breaks the Busan framework, a while later the US sees it
    **{f"negotiation.{name}": {"scenario": "framework_deal", "base": DEFECTING, "weeks": 120}
       for name in ("trust_gain_per_week_of_compliance", "trust_loss_on_defection",
                    "detection_lag_weeks")},
    "negotiation.defection_probability": {"scenario": "framework_deal", "values": [1.0],
                                          "weeks": 120},
    # an AI US judges China's side of the deal by its briefing: a blur wider than half the
    # breach hides it
    "negotiation.observation_noise_percent": {"scenario": "framework_deal", "base": DEFECTING,
                                              "weeks": 120, "values": [30.0]},
    "negotiation.max_counter_offers": {"scenario": "escalation", "base": US_OFFERS,
                                       "values": [0]},
    # an exporter weighs revenue, standing and leverage when it answers a threat
    **{f"regions.*.goals.{goal}": {"scenario": "framework_deal", "values": [10.0, 0.0],
                                   "path": f"regions.CN.goals.{goal}"}
       for goal in ("export_revenue", "leverage", "standing")},
    # an importer's pain near its threshold: supply risk, not dear magnets (which pin pain
    # at its maximum for years once licensing splits the price outside China)
    **{name: {"scenario": "allied_buildout", "weeks": 156,
              "base": {"negotiation.full_pain_price_rise": 100.0}}
       for name in ("regions.*.strategy.risk_tolerance",
                    "negotiation.destock_share_of_threshold")},
    # scarcity prices only unmet use: a world short of magnets outside China (no deal:
    # the US is left to a team that does nothing)
    "market.scarcity_sensitivity": {"scenario": "escalation", "weeks": 78,
                                    "base": {"regions.US.policy": "human"}},
    # the ETF's weights and outside share sum to one
    "finance.etfs.*.outside_weight": {
        "path": "finance.etfs.metals_mining_etf.outside_weight", "values": [0.93],
        "also": {"finance.etfs.metals_mining_etf.weights": {
            "mp_materials": 0.05, "lynas": 0.01, "china_northern_rare_earth": 0.01}}},
    # bounds that bind only at their extreme
    "production.dytb_min_share": {"values": [1.0]},
    "production.dytb_max_share": {"scenario": "free_trade", "values": [1.0], "weeks": 104},
    "investment.min_expansion_t_per_year": {"values": [5000.0], "weeks": 104},
    # a quota that follows demand is reviewed each January: run into the second year
    "investment.mining_quota_raise_margin": {"values": [-1.0, 5.0], "weeks": 120},
    "timeline[mining_quota].raise_with_demand": {
        "weeks": 60, "base": {"investment.mining_quota_raise_margin": -1.0}},
    "timeline[mining_quota].state": {"values": ["US"]},
    "production.utilisation.shut_in_width": {  # a mine deep in loss
        "base": {"miners.kachin_clays.cost_usd_per_kg": 40.0}, "values": [0.8, 2.0]},
    "finance.valuation.min_value_share": {"values": [1.0]},
    "finance.capital.max_factor": {"values": [1.0]},
    # the floor binds on a listed firm whose shares fell while it would expand
    "finance.capital.min_factor": {"values": [1.0], "base": {
        "investment.hurdle_margin": 0.0, "investment.capital_charge_share": 0.0, **{
            f"timeline.bad_news_{k}": {"type": "announcement", "date": date, "sentiment": -1.0,
                                       "firm": "mountain_pass"}
            for k, date in enumerate(["2025-01-13", "2025-02-10", "2025-03-10"])}}},
    # an offer to a human state that never answers lapses after this many weeks
    "negotiation.offer_open_weeks": {"scenario": "allied_buildout",
                                     "base": {"regions.CN.policy": "human"}, "weeks": 78},
    # easing needs a grievance below the cut-off: at 0 no state is ever eased
    "negotiation.ease_max_grievance": {"scenario": "framework_deal", "values": [0.0]},
    # military end use: a US buyer, under China's licensing that refuses military use
    "manufacturers.*.segment": {"path": "manufacturers.us_ev.segment", "values": ["defence"]},
    "manufacturers.*.military_share": {"path": "manufacturers.us_ev.military_share",
                                       "values": [1.0]},
    # a stockpile target binds only when buying reaches it
    "timeline[stockpile].target_t": {"values": [100.0]},
    # capacity under construction shows once it arrives
    "timeline[capacity_investment].lead_time_years": {"values": [0.1]},
    **{f"timeline[capacity_investment].{name}": {
        "base": {"timeline.nolans_mine.lead_time_years": 0.1},
        "path": f"timeline.nolans_mine.{name}"} for name in ("ndpr_share", "dytb_share")},
    # a threat China answers (the framework scenario's dovish China)
    **{f"timeline[threat].{name}": {"scenario": "framework_deal"}
       for name in ("demand_products", "demand_civil_approval_percent")},
    # the two sides of a package must differ (the schema does not refuse tariff_by ==
    # licences_by, and such a deal stops the run): swap in a third, scripted state
    **{f"timeline[{kind}].{side}": {"values": ["JP"]} for kind in ("offer", "deal")
       for side in ("tariff_by", "licences_by")},
    # speculators' weekly take binds only when it is small against a calm market's moves
    "finance.stockpiles.*.max_take_share_per_week": {"values": [0.005]},
    # other uses of oxide and a one-firm disruption: the 2009 world has both
    "demand.other_uses_t_per_year": {"scenario": "crisis_2010", "weeks": 26,
                                     "values": [{"ndpr_oxide": {"CN": 20000}}]},
    "demand.other_uses_elasticity": {"scenario": "crisis_2010", "weeks": 26, "values": [-1.5]},
    "timeline[disruption].firm": {"scenario": "crisis_2010",
                                  "path": "timeline.clay_campaign.firm",
                                  "values": ["china_light_ree"]},
    # smuggling: only the 2009 world has it, and it runs once the quota of July 2010 bites
    **{f"smuggling{tail}": {"scenario": "crisis_2010", "path": f"smuggling{tail}", "weeks": 104,
                            "values": values}
       for tail, values in (("", [None]), (".exporter", ["JP"]), (".cost_share", [0.1]),
                            (".tonnes_per_year", [{"ndpr_oxide": 3000, "dytb_oxide": 300}]),
                            (".ramp_weeks", [4.0]))},
    "timeline[deal].co_investment_region": {
        "scenario": "framework_deal",
        "base": {"timeline.busan_framework.co_investment_t_per_year": 5000}},
}



AI_SCENARIOS = ["escalation", "framework_deal", "allied_buildout"]
# Where a state's strategy and the negotiation rules act, tried in turn until one shows the
# field at work: (scenario, overrides, weeks).
AI_CONTEXTS = [
    ("escalation", {}, WEEKS),
    ("framework_deal", {}, 60),  # a threat China meets, a framework
    ("escalation", CN_OFFERS, WEEKS),  # the US answers China's offer
    ("escalation", US_OFFERS, WEEKS),  # China answers and counters the US offer
    ("framework_deal", DEFECTING, 120),  # defection, detection, retaliation
    ("allied_buildout", {}, 156),  # importers subsidise, stockpile, destock
    ("escalation", {}, 156),  # export caps under maximum pressure
]
SCENARIO_ORDER = ["baseline_2025", "free_trade", "investor_frenzy", *AI_SCENARIOS]

def _excused(key: str) -> str | None:
    if key in NOT_BEHAVIOUR:
        return NOT_BEHAVIOUR[key]
    return next((why for suffix, why in NOT_BEHAVIOUR_SUFFIX.items() if key.endswith(suffix)),
                None)


FIELDS = {f.key: f for f in schema_fields()}
PROBED = [key for key in FIELDS if _excused(key) is None]


# -- runs ------------------------------------------------------------------------------

def _frozen(overrides: dict) -> str:
    return json.dumps(overrides, sort_keys=True, default=str)


@functools.cache
def _spec(name: str, overrides_json: str) -> Scenario:
    return load_scenario(name, overrides=copy.deepcopy(json.loads(overrides_json)) or None)


ECHO = ["scenario", "timeline"]  # news items that restate the scenario's own changes


@functools.cache
def _outcome(name: str, overrides_json: str, weeks: int) -> tuple:
    """What a run shows, as bytes: every recorded metric (the tidy table's values, their
    labels and dates), the model's own events, the KPIs."""
    spec = _spec(name, overrides_json)
    model = StandoffModel(spec)  # the scenario's own seed, so ``seed`` is probed too
    model.run(min(weeks, spec.steps))  # ``run()`` runs ``spec.steps``; so does a short probe
    rec = model.recorder
    metrics = tuple(rec.stacked(metric).tobytes() for metric in METRICS)
    events = model.events()
    own = events[~events["source"].isin(ECHO)]
    return (metrics, str(rec.labels), np.stack(rec.licensed).tobytes(), tuple(rec.steps),
            spec.start_date, own.to_csv(index=False), json.dumps(model.kpis()))


# -- probes ----------------------------------------------------------------------------

@dataclass
class Probe:
    scenario: str
    path: str  # concrete dotted path, e.g. "miners.china_light_ree.capacity_t_per_year"
    current: object
    values: list
    weeks: int
    base: dict = field(default_factory=dict)  # overrides of the unperturbed run

    also: dict = field(default_factory=dict)  # goes with the perturbation

    def overrides(self, value) -> dict:
        return self.base | self.also | {self.path: value}


def _raw(value):
    """A value as a scenario file would give it (tables of changes as plain tables)."""
    if isinstance(value, dict):
        return {k: _raw(v) for k, v in value.items()}
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_unset=True)
    return value


def _sets(node, rest: list[str], name: str) -> bool:
    """Whether the scenario sets ``name`` itself in ``node``'s sub-table ``rest``."""
    for token in rest:
        node = getattr(node, token, None)
    return node is not None and name in node.model_fields_set


def _pick(entries: dict, rest: list[str], name: str, prefer_ai: bool) -> str | None:
    """Key of the entry to perturb: one that sets the field itself, an AI state if asked."""
    keys = list(entries)
    if prefer_ai:
        keys = [k for k in keys if entries[k].policy == "ai"]
    explicit = [k for k in keys if _sets(entries[k], rest, name)]
    return (explicit or keys or [None])[0]


def _at(spec: Scenario, path: str):
    """(prefix, node, weeks) of a concrete ``path`` given in HINTS."""
    *parents, _ = path.split(".")
    node, weeks = spec, WEEKS
    for token in parents:
        node = node[token] if isinstance(node, dict) else getattr(node, token)
        if parents[0] == "timeline" and getattr(node, "date", None):
            weeks = step_of_date(spec.start_date, node.date) + AFTER_EVENT_WEEKS
    return ".".join(parents), node, weeks


def _instance(spec: Scenario, section: str, name: str):
    """(concrete prefix, node, weeks) of ``section`` in ``spec``, or None if it has none."""
    node, parts, weeks = spec, [], WEEKS
    tokens = section.split(".") if section else []
    for i, token in enumerate(tokens):
        if token.startswith("timeline["):
            kind = token.removeprefix("timeline[").removesuffix("]")
            entries = {k: c for k, c in spec.timeline.items() if c.type == kind}
            if not entries:
                return None
            explicit = [k for k, c in entries.items() if name in c.model_fields_set]
            key = (explicit or list(entries))[0]
            node, parts = entries[key], ["timeline", key]
            weeks = step_of_date(spec.start_date, node.date) + AFTER_EVENT_WEEKS
        elif token == "*":
            key = _pick(node, tokens[i + 1:], name,
                        prefer_ai=parts == ["regions"] and name != "policy")
            if key is None:
                return None
            node, parts = node[key], [*parts, key]
        else:
            node, parts = getattr(node, token), [*parts, token]
        if node is None:
            return None
    return ".".join(parts), node, weeks


def _scenarios_for(f: SchemaField) -> list[tuple[str, dict]]:
    if f.section.startswith("timeline["):
        kind = f.section.removeprefix("timeline[").removesuffix("]")
        if kind in SAMPLE_CHANGES:
            name, sample = SAMPLE_CHANGES[kind]
            return [(name, {f"timeline.sample_{kind}": sample})]
    first = AI_SCENARIOS if f.section.startswith(("regions", "negotiation")) else []
    return [(name, {}) for name in dict.fromkeys([*first, *SCENARIO_ORDER])
            if name in available_scenarios()]


def _valid(name: str, overrides: dict) -> bool:
    try:
        _spec(name, _frozen(overrides))
    except ScenarioError:
        return False
    return True


def find_probes(key: str) -> list[Probe]:
    """Probes of ``key``: one per AI context for strategy and negotiation fields, else one."""
    f, hint = FIELDS[key], HINTS.get(key, {})
    if not hint and f.section.startswith(("regions.*.strategy", "negotiation")):
        contexts = [(name, base | {"__weeks": weeks}) for name, base, weeks in AI_CONTEXTS]
        return [p for context in contexts if (p := _probe(f, {}, [context])) is not None]
    candidates = [(hint["scenario"], {})] if "scenario" in hint else _scenarios_for(f)
    probe = _probe(f, hint, candidates)
    return [] if probe is None else [probe]


def _probe(f: SchemaField, hint: dict, candidates: list) -> Probe | None:
    for name, base in candidates:
        base = base | hint.get("base", {})
        weeks_given = base.pop("__weeks", None)
        spec = _spec(name, _frozen(base))
        found = _at(spec, hint["path"]) if "path" in hint else _instance(spec, f.section, f.name)
        if found is None:
            continue
        prefix, node, weeks = found
        path = f"{prefix}.{f.name}" if prefix else f.name
        current = _raw(getattr(node, f.name))
        proposals = hint.get("values") or perturbations(current, f.info, spec.region_codes)
        probe = Probe(name, path, current, [], hint.get("weeks", weeks_given or weeks), base,
                      hint.get("also", {}))
        probe.values = [v for v in proposals if _valid(name, probe.overrides(v))][:MAX_TRIES]
        if probe.values:
            return probe
    return None


@pytest.mark.parametrize("key", PROBED)
def test_field_changes_the_run(key):
    probes = find_probes(key)
    assert probes, (
        f"{key}: no shipped scenario has an instance with a valid perturbation; add an "
        "entry to SAMPLE_CHANGES or HINTS in tests/test_field_use.py")
    for probe in probes:
        before = _outcome(probe.scenario, _frozen(probe.base), probe.weeks)
        for value in probe.values:
            if before != _outcome(probe.scenario, _frozen(probe.overrides(value)), probe.weeks):
                return
    tried = "; ".join(f"{p.scenario} over {p.weeks} weeks to {p.values!r}" for p in probes)
    pytest.fail(f"{probes[0].path}: changing it from {probes[0].current!r} changed nothing "
                f"(tidy table, model events, KPIs) in {tried}; a dead field, or give it a "
                "HINTS entry")


def test_every_field_is_probed_or_excused_with_a_reason():
    assert set(PROBED) | {k for k in FIELDS if _excused(k)} == set(FIELDS)
    assert len(PROBED) > 150, "the schema walk reaches the nested tables and change types"


# -- descriptive fields: shown where they should be --------------------------------------

def test_name_and_title_reach_the_summary():
    spec = load_scenario("free_trade", overrides={"name": "renamed", "title": "A new title"})
    written = summary(run_scenario(spec, steps=1))
    assert (written["scenario"], written["title"]) == ("renamed", "A new title")


def test_headlines_and_actors_reach_the_news():
    overrides = {"timeline.kachin_conflict.headline": "A headline of its own",
                 "timeline.kachin_conflict.actor": "JP"}
    events = run_scenario(load_scenario("free_trade", overrides=overrides), steps=2).events
    told = events[events["headline"] == "A headline of its own"]
    assert list(told["actor"]) == ["JP"]


def test_a_deals_proposer_reaches_the_deal_register():
    spec = load_scenario("framework_deal", overrides={"timeline.busan_framework.actor": "JP"})
    deals = run_scenario(spec, steps=50).deals
    assert list(deals["proposer"]) == ["JP"]


def test_state_names_reach_the_view_scorecard():
    from sim.view import panels
    from sim.view.chart_base import Snapshot

    spec = load_scenario("free_trade", overrides={"regions.JP.name": "Nippon"})
    model = StandoffModel(spec).run(3)
    html = panels.scorecard_html(Snapshot(model),
                                 {code: r.name for code, r in spec.regions.items()})
    assert "Nippon" in html
