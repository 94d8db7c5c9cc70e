"""The KPI-only run path of sweeps: it records only what its figures need, and gives the
same figures as a full run."""

import pytest

from sim.kpis import KPI_METRICS
from sim.metrics import METRICS, READ_DURING_RUN
from sim.model import StandoffModel
from sim.runner import SeriesRequest, run_kpis, run_scenario
from sim.scenario import load_scenario

WEEKS = 120


@pytest.mark.parametrize("name", ["baseline_2025", "escalation", "framework_deal",
                                  "allied_buildout", "investor_frenzy"])
def test_a_kpi_only_run_gives_the_full_runs_figures(name):
    scenario = load_scenario(name)
    full = run_scenario(scenario, seed=3, steps=WEEKS)
    lean = run_kpis(scenario, seed=3, steps=WEEKS,
                    series=[SeriesRequest(metric="consumption", region="US", product="magnet")])
    assert lean.kpis == full.kpis
    rows = full.timeseries.query("metric == 'consumption' and region == 'US' "
                                 "and product == 'magnet'")
    assert lean.series["value"].tolist() == rows["value"].tolist()


def test_only_the_asked_metrics_and_those_agents_read_are_recorded():
    model = StandoffModel(load_scenario("escalation"), seed=1, metrics=["hype"])
    model.run(20)
    assert set(model.recorder.names) == {"hype", *READ_DURING_RUN}
    assert len(model.recorder.names) < len(METRICS)
    assert set(model.timeseries()["metric"]) <= {"hype", *READ_DURING_RUN}
    with pytest.raises(KeyError, match="'price' was not recorded in this run"):
        model.recorder.stacked("price")
    assert set(KPI_METRICS) <= set(METRICS)
