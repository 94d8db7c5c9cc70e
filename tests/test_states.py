"""States that play: threats, concessions, defection, retaliation, alliances."""

import numpy as np

from sim.scenario.diplomacy import GOALS
from sim.world import DYTB, MAGNET, step_of_date
from tests.conftest import finished_model, run_with, scenario


def _step_of(name: str, event: str) -> int:
    spec = scenario(name)
    return step_of_date(spec.start_date, spec.timeline[event].date)


THREAT = scenario("framework_deal").timeline["us_100_percent_threat"]
THREAT_STEP = _step_of("framework_deal", "us_100_percent_threat")
DEADLINE = THREAT_STEP + THREAT.deadline_weeks
DEAL_STEP = _step_of("framework_deal", "busan_framework")


def _route(model, metric, exporter, dest, product=MAGNET):
    i, j = model.region_index[exporter], model.region_index[dest]
    return model.recorder.stacked(metric)[:, i, j, product]


def _us_tariff_on_china(model):
    us, cn = model.region_index["US"], model.china
    return model.recorder.stacked("tariff")[:, us, cn].mean(axis=1)


def _kinds(model, kind):
    return [n for n in model.news.items if n.kind == kind]


def test_a_threat_met_by_a_concession_averts_the_tariff():
    model = finished_model("framework_deal", 0, 60)
    averted = _kinds(model, "threat_averted")
    assert len(averted) == 1 and THREAT_STEP < averted[0].step <= DEADLINE  # answered by mail
    assert [case.status for case in model.diplomacy.threats] == ["averted"]
    assert not _kinds(model, "threat_carried_out")
    tariff = _us_tariff_on_china(model)
    assert tariff[THREAT_STEP:DEAL_STEP].max() <= tariff[THREAT_STEP - 1]  # no +100%


def test_a_threat_not_met_is_carried_out():
    hawk = run_with("framework_deal", 50, overrides={"regions.CN.strategy.hawkishness": 0.95})
    assert not _kinds(hawk, "threat_averted")
    tariff = _us_tariff_on_china(hawk)
    assert tariff[DEADLINE + 1] >= tariff[THREAT_STEP - 1] + 100


def test_a_detected_defection_lowers_trust_and_triggers_retaliation():
    overrides = {"regions.US.policy": "ai", "regions.CN.strategy.hawkishness": 1.0,
                 "negotiation.defection_probability": 1.0,
                 "negotiation.observation_noise_percent": 0.0,  # it sees the breach as it is
                 "timeline.busan_framework.date": "2027-06-07"}  # after the run: no script
    model = run_with("framework_deal", 120, overrides=overrides)
    deal = model.diplomacy.deals[0]
    assert deal.defected_by == "CN" and deal.status == "broken"
    lag = model.spec.negotiation.detection_lag_weeks
    # the US sees it in its lagged view of China's approvals, short two weeks running
    weeks = model.spec.negotiation.suspicion_weeks
    assert deal.detected_step - deal.defected_step == lag + weeks
    detected = [n for n in _kinds(model, "defection_detected") if n.payload["deal"] == deal.id]
    assert [n.step for n in detected] == [deal.detected_step]
    us, cn = model.region_index["US"], model.china
    trust = model.recorder.stacked("trust")[:, us, cn]
    assert trust[deal.detected_step] <= trust[deal.detected_step - 1] - 0.25
    answered = deal.detected_step + 1  # the finding reaches the US's inbox, read next week
    retaliation = [n for n in model.news.items if n.step == answered
                   and n.kind == "tariff" and n.source == "ai" and n.actor == "US"]
    assert retaliation, "the US answered the defection"
    tariff = _us_tariff_on_china(model)
    assert tariff[answered] > max(tariff[deal.detected_step], deal.before_tariff)


def test_without_a_deal_restrictions_persist_and_investment_outside_china_rises():
    escalation = finished_model("escalation", 0, 260)
    approval = _route(escalation, "license_approval_rate", "CN", "US")
    us, cn = escalation.region_index["US"], escalation.china
    no_deal = escalation.recorder.stacked("deals_in_force")[:, us, cn] == 0
    restricted, eased = approval[20:][no_deal[20:]], approval[20:][~no_deal[20:]]
    assert np.median(restricted) <= 40
    assert eased.size == 0 or np.median(restricted) < np.median(eased)
    framework = finished_model("framework_deal", 0, 260)
    committed = escalation.recorder.stacked("investment_committed")
    outside = np.delete(committed, escalation.china, axis=1).sum(axis=(1, 2))
    assert outside[-1] > outside[30] > 0
    framework_outside = np.delete(framework.recorder.stacked("investment_committed"),
                                  framework.china, axis=1).sum(axis=(1, 2))
    assert outside[-1] > framework_outside[-1]
    capacity = escalation.recorder.stacked("capacity_outside_china")
    assert np.all(capacity[-1] >= capacity[0]) and capacity[-1].sum() > capacity[0].sum()


def test_military_stays_restricted_under_the_framework_while_civil_approvals_rise():
    model = finished_model("framework_deal", 0, 260)
    civil = _route(model, "license_approval_rate", "CN", "US")
    military = _route(model, "military_approval_rate", "CN", "US")
    # the Busan framework, and the deals that replace it, until one is broken
    broken = [d.defected_step for d in model.diplomacy.deals
              if d.signed >= DEAL_STEP and d.defected_step is not None]
    in_force = slice(DEAL_STEP, min([len(civil), *broken]))
    assert in_force.stop - in_force.start > 26, "the deal held for at least half a year"
    assert np.all(military[14:] == 0)
    assert civil[in_force].min() >= 75
    assert civil[DEAL_STEP] > civil[DEAL_STEP - 10]
    register = model.diplomacy.register()
    assert set(register["licences_by"]) == {"CN"}
    assert (register["military_approval_percent"] == 0).all()


def test_allies_co_invest_and_coordinate_stockpiles():
    model = finished_model("allied_buildout", 0, 260)
    funded = [n for n in model.news.items if n.kind == "capacity_investment" and n.source == "ai"]
    funders = {n.actor for n in funded}
    assert {"US", "JP"} <= funders
    assert any(n.payload["region"] != n.actor for n in funded), "someone invested in an ally"
    base = finished_model("baseline_2025", 0, 260)
    assert (model.recorder.stacked("capacity_outside_china")[-1].sum()
            > base.recorder.stacked("capacity_outside_china")[-1].sum())


def test_scorecards_measure_each_goal():
    model = finished_model("escalation", 0, 260)
    scores = model.recorder.stacked("scorecard")
    goal = {name: GOALS.index(name) for name in GOALS}
    us, cn = model.region_index["US"], model.china
    assert np.all((scores >= 0) & (scores <= 1))
    rec = model.recorder
    ndpr, magnets = rec.stacked("refining_output")[1:, :, 0], rec.stacked("magnet_output")[1:]
    share = (ndpr / ndpr.sum(axis=1, keepdims=True)
             + magnets / magnets.sum(axis=1, keepdims=True)) / 2
    assert np.allclose(scores[1:, :, goal["leverage"]], share)
    assert np.all(share[:, cn] > np.delete(share, cn, axis=1).max(axis=1))
    risk = rec.stacked("supply_risk")[:, :, [DYTB, MAGNET]].mean(axis=2)
    forgone = rec.stacked("magnet_use_forgone")
    assert np.allclose(scores[:, :, goal["supply_security"]], 1 - np.maximum(risk, forgone))
    assert forgone[:, us].max() > 0.5  # dear magnets priced most US use out
    magnet = model.recorder.stacked("price")[:, us, MAGNET]
    start = scenario("escalation").market.initial_price_usd_per_kg["magnet"]
    start_us = start.get("US", start["default"])
    assert np.allclose(scores[:, us, goal["consumer_prices"]], start_us / (start_us + magnet))
    licensing = _step_of("escalation", "china_licensing_april")
    under = slice(licensing + 10, licensing + 30)
    security = scores[under, :, goal["supply_security"]]
    jp = model.region_index["JP"]
    assert security[:, jp].max() < 0.9, "licensing hurts Japan, whose magnets come from China"
    assert security[:, cn].min() > security[:, jp].max()


def test_ai_states_also_pull_quotas_and_subsidies():
    model = finished_model("escalation", 0, 260)
    moves = {(n.actor, n.kind) for n in model.news.items if n.source == "ai"}
    assert ("CN", "export_quota") in moves
    assert ("US", "subsidy") in moves
    quota = model.recorder.stacked("export_quota")[-1, model.china]
    assert np.isfinite(quota).any()
