"""Material balance: produced + imported = consumed + exported + smuggled out + change in stock."""

import numpy as np
import pytest

from sim.world import CONC, DYTB, MAGNET, NDPR
from tests.conftest import finished_model

STEPS = 170  # past licensing delays, capacity arrivals and the 2028 stockpile


@pytest.mark.parametrize("name", ["baseline_2025", "escalation", "allied_buildout",
                                  "crisis_2010"])
def test_balance_holds_every_step_for_every_product_and_region(name):
    model = finished_model(name, 0, STEPS)
    rec = model.recorder
    held = rec.stacked("inventory") + rec.stacked("stockpile") + rec.stacked("speculative_stock")
    produced = np.zeros_like(held)
    produced[:, :, CONC] = rec.stacked("production")
    produced[:, :, NDPR:DYTB + 1] = rec.stacked("refining_output")
    produced[:, :, MAGNET] = rec.stacked("magnet_output")
    inflow = produced + rec.stacked("imports")
    outflow = rec.stacked("consumption") + rec.stacked("exports") + rec.stacked("smuggled")
    change = held[1:] - held[:-1]
    residual = inflow[1:] - outflow[1:] - change
    scale = np.maximum(np.abs(held[1:]) + np.abs(inflow[1:]), 1.0)
    assert np.max(np.abs(residual) / scale) < 1e-9
    assert rec.stacked("trade_flow").sum() > 0


@pytest.mark.parametrize("name", ["baseline_2025", "escalation", "allied_buildout"])
def test_the_state_stockpile_path_was_exercised(name):
    assert finished_model(name, 0, STEPS).recorder.stacked("stockpile").max() > 0


def test_other_uses_of_oxide_were_exercised():
    rec = finished_model("crisis_2010", 0, STEPS).recorder
    demand, magnets = rec.stacked("demand"), rec.stacked("magnet_output")
    assert demand[:, :, NDPR].sum() > 1.2 * 0.31 * magnets.sum()  # more than magnets need


def test_speculative_oxide_stocks_were_exercised():
    held = finished_model("baseline_2025", 0, STEPS).recorder.stacked("speculative_stock")
    assert held.max() > 0 and held[-1].sum() < held.sum(axis=(1, 2)).max()  # filled and sold


def test_world_exports_equal_world_imports_plus_goods_in_transit():
    model = finished_model("baseline_2025", 0, STEPS)
    rec = model.recorder
    shipped = rec.stacked("exports").sum(axis=(0, 1))
    landed = rec.stacked("imports").sum(axis=(0, 1))
    in_transit = model.transit.inbound.sum(axis=0)
    assert np.allclose(shipped, landed + in_transit, rtol=1e-9, atol=1e-6)


def test_consumption_never_exceeds_demand():
    rec = finished_model("baseline_2025", 0, STEPS).recorder
    assert np.all(rec.stacked("consumption") <= rec.stacked("demand") + 1e-9)
    assert np.allclose(rec.stacked("unmet_demand"),
                       rec.stacked("demand") - rec.stacked("consumption"), atol=1e-9)
