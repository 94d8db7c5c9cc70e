"""The facts table: the model's facts over seeds beside the record's.

``crisis_facts`` is a pure function of the model's series and the recorded
tables; ``window_of`` reads the calendar of the facts off the scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.replay import facts as f
from sim.replay import history as h
from sim.scenario import Scenario

PRICES_SOURCE = "data/prices_history.csv"
QUOTAS_SOURCE = "data/china_export_quotas.csv"
PRODUCT_NAMES = {"ndpr_oxide": "Nd oxide (NdPr)", "dytb_oxide": "Dy oxide (Dy/Tb)"}
GAP_STAND_IN = {"ndpr_oxide": "la_oxide"}  # La oxide: the same 15% duty class as Nd


def quota_events(scenario: Scenario, china: str) -> list[tuple[pd.Timestamp, float]]:
    """China's export-quota changes in the timeline, by date (inf: no quota)."""
    events = [(pd.Timestamp(c.date), np.inf if c.tonnes_per_year == "none"
               else float(c.tonnes_per_year))
              for c in scenario.timeline.values()
              if c.type == "export_quota" and c.exporter == china]
    return sorted(events)


def window_of(scenario: Scenario) -> f.Window:
    """The facts' calendar (the record's years); the cut is the first timeline event
    that lowers China's quota (else the default cut)."""
    events = quota_events(scenario, scenario.china)
    for (_, before), (when, after) in zip(events, events[1:], strict=False):
        if after < before:
            return f.Window(cut=when)
    return f.Window()


def export_duty(scenario: Scenario, product: str) -> float:
    """China's export duty on ``product`` at the start (percent)."""
    duty = 0.0
    for change in scenario.policy.values():
        if (change.type == "export_duty" and change.exporter == scenario.china
                and (change.products == "all" or product in change.products)):
            duty = change.percent
    return duty


def crisis_facts(series: pd.DataFrame, scenario: Scenario, record_prices: pd.DataFrame,
                 record_quotas: pd.DataFrame, products: tuple[str, ...],
                 quota_products: tuple[str, ...]) -> pd.DataFrame:
    """The stylised facts of the crisis, one row each (``facts.FACT_COLUMNS``)."""
    window = window_of(scenario)
    prices = f.market_prices(series, scenario.china)
    ratios = f.price_ratio(prices)
    record_ratios = h.recorded_ratios(record_prices)
    rows = []
    for product in products:
        name = PRODUCT_NAMES.get(product, product)
        outside = prices[(prices["product"] == product) & (prices["market"] == "outside_china")]
        base, peak = h.first_quote(record_prices, product), h.peak_quote(
            record_prices, product, until=window.crisis_end)
        rows.append(f.fact_row(
            "peak multiple outside China over the base year", name, "x",
            f.peak_multiple(outside, window), peak["value"] / base["value"],
            f"{peak['value']:g} ({peak['period']} {peak['date']:%Y-%m}) / {base['value']:g} "
            f"({base['period']} {base['date']:%Y-%m})", PRICES_SOURCE,
            "within a factor of 2", lambda m, r: r / 2 <= m <= 2 * r))
        record_months = (peak["date"] - window.cut).days / f.DAYS_PER_MONTH
        rows.append(f.fact_row(
            f"months from the quota cut ({window.cut:%Y-%m-%d}) to the peak", name, "months",
            f.months_to_peak(outside, window), record_months,
            f"peak dated {peak['date']:%Y-%m} ({peak['precision']})", PRICES_SOURCE,
            "at least 3 and within 6 of the record", lambda m, r: m >= 3 and abs(m - r) <= 6))
        end = h.quote_near(record_prices, product, window.crisis_end)
        rows.append(f.fact_row(
            f"share of the peak lost by the end of {window.crisis_end.year}", name, "share",
            f.share_of_peak_lost(outside, window), 1 - end / peak["value"],
            f"{end:g} at the end of {window.crisis_end.year}", PRICES_SOURCE,
            "more than 0.5", lambda m, r: m > 0.5))
        gap = ratios[ratios["product"] == product]
        stand_in = GAP_STAND_IN.get(product, product)
        own = record_ratios[record_ratios["product"] == stand_in]
        widened = own[own["date"].dt.year.isin(window.widening_years)]
        base_ratio = 1 + export_duty(scenario, product) / 100
        record_wide = widened["ratio"].max() / base_ratio if not widened.empty else np.nan
        years = "-".join(str(y) for y in (window.widening_years[0], window.widening_years[-1]))
        rows.append(f.fact_row(
            f"export/domestic gap widening: highest yearly ratio {years} over "
            f"{window.base_year}", name, "x",
            f.gap_change(gap, (window.base_year,), window.widening_years),
            record_wide, f"{stand_in} {widened['ratio'].max():.2f} over 1 + duty "
            f"({base_ratio:.2f})" if not widened.empty else "no paired quotes",
            PRICES_SOURCE, "above 1.05", lambda m, r: m > 1.05))
        later = record_ratios[record_ratios["date"].dt.year.isin(window.narrowing_years)]
        crisis = record_ratios[record_ratios["date"].dt.year.isin(window.widening_years)]
        record_narrow = (later["ratio"].mean() / crisis["ratio"].max()
                         if not later.empty and not crisis.empty else np.nan)
        later_years = "-".join(str(y) for y in (window.narrowing_years[0],
                                                window.narrowing_years[-1]))
        rows.append(f.fact_row(
            f"export/domestic gap narrowing: mean ratio {later_years} over the highest "
            f"of {years}", name, "x",
            f.gap_change(gap, window.widening_years, window.narrowing_years, after_how="mean"),
            record_narrow, "all products' paired quotes (La, Dy, NdPr)", PRICES_SOURCE,
            "below 0.95", lambda m, r: m < 0.95))
    exports = f.yearly_exports(series, scenario.china, quota_products)
    quota = f.yearly_quota(series, scenario.china, quota_products)
    record = record_quotas[record_quotas["year"].isin(window.below_quota_years)]
    record_ratio = (record["actual_exports_t"] / record["quota_t"]).max()
    periods = ", ".join(f"{y}: {p}" for y, p in zip(record["year"], record["exports_period"],
                                                     strict=True))
    rows.append(f.fact_row(
        "highest exports/quota ratio in " + ", ".join(map(str, window.below_quota_years)),
        "raw materials (" + ", ".join(quota_products) + ")", "share",
        f.exports_to_quota(exports, quota, window.below_quota_years), record_ratio,
        f"exports {periods}", QUOTAS_SOURCE, "below 1 (exports under the quota)",
        lambda m, r: m < 1))
    return pd.DataFrame(rows, columns=f.FACT_COLUMNS)
