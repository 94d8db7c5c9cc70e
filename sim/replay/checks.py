"""Checks of the 2025 world a calibrated market must still pass (docs/replay.md).

The calibration fits the market settings every scenario shares to the 2010-2011
record; these checks keep the fit from breaking what the 2025 scenarios get
right (the same checks as ``tests/test_market_realism.py``, on seed 0 or 1):

- ``us_magnets_from_china``: before April 2025 the US gets most of its magnets
  from China (``baseline_2025``, noise off);
- ``restriction_splits``: a binding quota on China's NdPr oxide exports lifts the
  price abroad by half and does not lift China's own (``free_trade``);
- ``escalation_us_short``: in the year after China's licensing, the US is
  shorter of magnets in ``escalation`` than under ``framework_deal``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.replay.calibrate import QUIET
from sim.scenario import load_scenario
from sim.world import MAGNET, NDPR, step_of_date

QUOTA_WEEKS = 52


def _model(name: str, overrides: dict, seed: int = 1):
    from sim.model import StandoffModel

    return StandoffModel(load_scenario(name, overrides=overrides), seed=seed)


def us_magnets_from_china(point: dict) -> bool:
    model = _model("baseline_2025", point | QUIET)
    april = step_of_date(model.spec.start_date, dt.date(2025, 4, 1))
    model.run(april)
    shares = model.recorder.stacked("sourcing_share")[:april, model.china,
                                                      model.region_index["US"], MAGNET]
    return bool(shares.min() > 0.5)


def restriction_splits(point: dict) -> bool:
    quota = {"policy.restriction": {"type": "export_quota", "tonnes_per_year": 2000,
                                    "exporter": "CN", "products": ["ndpr_oxide"]}}
    free = _model("free_trade", point | QUIET).run(QUOTA_WEEKS)
    cut = _model("free_trade", point | QUIET | quota).run(QUOTA_WEEKS)
    binding = slice(4, None)

    def china_and_abroad(model):
        prices = model.recorder.stacked("price")[binding, :, NDPR]
        return prices[:, model.china], np.delete(prices, model.china, axis=1).mean(axis=1)

    china_free, abroad_free = china_and_abroad(free)
    china_cut, abroad_cut = china_and_abroad(cut)
    return bool(abroad_cut.max() > 1.5 * abroad_free.max()
                and china_cut.mean() <= china_free.mean())


def escalation_us_short(point: dict) -> bool:
    models = {name: _model(name, point, seed=0) for name in ("escalation", "framework_deal")}
    spec = models["escalation"].spec
    cut = step_of_date(spec.start_date, spec.timeline["china_licensing_april"].date)
    year_after = slice(cut, cut + 52)
    unmet = {}
    for name, model in models.items():
        model.run(cut + 52)
        us = model.region_index["US"]
        short = model.recorder.stacked("unmet_demand")[year_after, us, MAGNET].sum()
        unmet[name] = short / model.recorder.stacked("demand")[year_after, us, MAGNET].sum()
    return bool(unmet["escalation"] > unmet["framework_deal"] + 0.01)


CHECKS = {"us_magnets_from_china": us_magnets_from_china,
          "restriction_splits": restriction_splits,
          "escalation_us_short": escalation_us_short}


def failed_checks(point: dict) -> list[str]:
    """Names of the checks the market ``point`` fails (empty: it passes them all)."""
    return [name for name, check in CHECKS.items() if not check(point)]
