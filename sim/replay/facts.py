"""Stylised facts of the 2010-2011 crisis: pure functions of DataFrames.

Model series are long tables with ``seed, date, product, value`` (prices) or
``seed, year, ...`` (yearly figures); every fact is computed per seed and then
summarised by the median and the 10-90% range over seeds. The record's value
comes from ``sim.replay.history``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 365.25 / 12
FACT_COLUMNS = ["fact", "product", "unit", "model_median", "model_p10", "model_p90", "record",
                "record_note", "source", "tolerance", "matches"]


@dataclass(frozen=True)
class Window:
    """The calendar of the facts: base year, crisis window, the cut, the years compared."""

    base_year: int = 2009
    crisis_start: pd.Timestamp = pd.Timestamp(2010, 1, 1)
    crisis_end: pd.Timestamp = pd.Timestamp(2012, 12, 31)
    cut: pd.Timestamp = pd.Timestamp(2010, 7, 5)
    below_quota_years: tuple[int, ...] = (2011, 2012)
    widening_years: tuple[int, ...] = (2010, 2011)
    narrowing_years: tuple[int, ...] = (2013, 2014)


# -- model series ----------------------------------------------------------------
def market_prices(series: pd.DataFrame, china: str) -> pd.DataFrame:
    """``seed, date, product, market, value``: China's price and the others' mean.

    Outside China the mean is weighted by each region's use of the product
    (``demand`` rows, as the record's export price is what buyers abroad pay);
    where there are no such rows, or no use, it is the plain mean.
    """
    prices = series[series["metric"] == "price"]
    inside = prices["region"] == china
    keys = ["seed", "date", "product"]
    home = prices[inside].groupby(keys, as_index=False)["value"].mean().assign(market="china")
    others = prices[~inside]
    use = series[series["metric"] == "demand"][[*keys, "region", "value"]]
    others = others.merge(use.rename(columns={"value": "use"}), on=[*keys, "region"],
                          how="left").fillna({"use": 0.0})
    grouped = others.assign(paid=others["value"] * others["use"]).groupby(keys)
    total = grouped["use"].sum()
    weighted = grouped["paid"].sum() / total.where(total > 0)
    away = weighted.fillna(grouped["value"].mean()).rename("value").reset_index()
    away = away.assign(market="outside_china")
    return pd.concat([away, home], ignore_index=True)[[*keys, "market", "value"]]


def price_ratio(prices: pd.DataFrame) -> pd.DataFrame:
    """``seed, date, product, ratio``: the outside-China price over China's."""
    wide = prices.pivot_table(index=["seed", "date", "product"], columns="market",
                              values="value").reset_index()
    wide["ratio"] = wide["outside_china"] / wide["china"]
    return wide[["seed", "date", "product", "ratio"]]


def yearly_exports(series: pd.DataFrame, china: str, products: tuple[str, ...],
                   metric: str = "exports") -> pd.DataFrame:
    """``seed, year, exports_t``: China's exports of ``products`` summed over each year
    (with ``metric="smuggled"``, what was smuggled out beside them)."""
    rows = series[(series["metric"] == metric) & (series["region"] == china)
                  & series["product"].isin(products)]
    rows = rows.assign(year=rows["date"].dt.year)
    return rows.groupby(["seed", "year"], as_index=False)["value"].sum().rename(
        columns={"value": "exports_t"})


def yearly_quota(series: pd.DataFrame, china: str, products: tuple[str, ...]) -> pd.DataFrame:
    """``year, quota_t``: the quota in force in the last week of each year (NaN: none).

    A combined quota (one tonnage across products) counts like a quota on each.
    """
    rows = series[(series["region"] == china) & (
        ((series["metric"] == "export_quota") & series["product"].isin(products))
        | (series["metric"] == "combined_export_quota"))]
    rows = rows.assign(year=rows["date"].dt.year)
    last = rows[rows["date"] == rows.groupby("year")["date"].transform("max")]
    quota = last.groupby("year")["value"].min().replace(np.inf, np.nan)
    return quota.rename("quota_t").reset_index()


# -- facts per seed ----------------------------------------------------------------
def _in(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame["date"] >= start) & (frame["date"] <= end)]


def base_level(prices: pd.DataFrame, year: int) -> pd.Series:
    """Mean price in ``year`` by seed (``prices``: ``seed, date, value`` of one series)."""
    return prices[prices["date"].dt.year == year].groupby("seed")["value"].mean()


def crisis_peak(prices: pd.DataFrame, window: Window) -> pd.DataFrame:
    """``value, date`` of the highest price in the crisis window, by seed."""
    rows = _in(prices, window.crisis_start, window.crisis_end)
    top = rows.loc[rows.groupby("seed")["value"].idxmax()]
    return top.set_index("seed")[["value", "date"]]


def peak_multiple(prices: pd.DataFrame, window: Window) -> pd.Series:
    """Crisis peak over the base year's mean, by seed."""
    return crisis_peak(prices, window)["value"] / base_level(prices, window.base_year)


def months_after(dates: pd.Series, start: pd.Timestamp) -> pd.Series:
    """Months from ``start`` to each date."""
    return (dates - start).dt.days / DAYS_PER_MONTH


def months_to_peak(prices: pd.DataFrame, window: Window) -> pd.Series:
    """Months from the quota cut to the crisis peak, by seed."""
    return months_after(crisis_peak(prices, window)["date"], window.cut)


def share_of_peak_lost(prices: pd.DataFrame, window: Window) -> pd.Series:
    """1 - (last price of the crisis window / crisis peak), by seed."""
    rows = _in(prices, window.crisis_start, window.crisis_end)
    last = rows.loc[rows.groupby("seed")["date"].idxmax()].set_index("seed")["value"]
    return 1.0 - last / crisis_peak(prices, window)["value"]


def exports_to_quota(exports: pd.DataFrame, quota: pd.DataFrame,
                     years: tuple[int, ...]) -> pd.Series:
    """The highest ratio of a year's exports to its quota over ``years``, by seed."""
    table = exports[exports["year"].isin(years)].merge(quota, on="year")
    table = table.assign(ratio=table["exports_t"] / table["quota_t"])
    return table.groupby("seed")["ratio"].max()


def yearly_mean_ratio(ratios: pd.DataFrame) -> pd.DataFrame:
    """``seed, year, ratio``: each year's mean export/domestic ratio."""
    rows = ratios.assign(year=ratios["date"].dt.year)
    return rows.groupby(["seed", "year"], as_index=False)["ratio"].mean()


def gap_change(ratios: pd.DataFrame, before: tuple[int, ...], after: tuple[int, ...],
               after_how: str = "max") -> pd.Series:
    """By seed: the highest yearly mean ratio in ``after`` (or their mean with
    ``after_how="mean"``) over the highest yearly mean ratio in ``before``."""
    yearly = yearly_mean_ratio(ratios)
    first = yearly[yearly["year"].isin(before)].groupby("seed")["ratio"].max()
    then = yearly[yearly["year"].isin(after)].groupby("seed")["ratio"].agg(after_how)
    return then / first


def summarise(values: pd.Series) -> tuple[float, float, float]:
    """Median, 10th and 90th percentile over seeds (NaN when there are none)."""
    clean = values.dropna()
    if clean.empty:
        return (np.nan, np.nan, np.nan)
    median, low, high = np.quantile(clean.to_numpy(dtype=float), [0.5, 0.1, 0.9])
    return float(median), float(low), float(high)


# -- the table ----------------------------------------------------------------------
def fact_row(fact: str, product: str, unit: str, values: pd.Series, record: float,
             record_note: str, source: str, tolerance: str, test) -> dict:
    """One row of the facts table; ``test(median, record) -> bool`` says whether it matches."""
    median, low, high = summarise(values)
    matches = bool(test(median, record)) if np.isfinite(median) else False
    return {"fact": fact, "product": product, "unit": unit, "model_median": median,
            "model_p10": low, "model_p90": high, "record": record, "record_note": record_note,
            "source": source, "tolerance": tolerance, "matches": matches}


def facts_markdown(facts: pd.DataFrame) -> str:
    """The facts table as Markdown, numbers to three significant figures."""
    def number(value) -> str:
        return "" if pd.isna(value) else f"{value:.3g}"

    lines = ["| fact | product | model median (10-90%) | record | tolerance | matches | source |",
             "|---|---|---|---|---|---|---|"]
    for row in facts.itertuples():
        model = f"{number(row.model_median)} ({number(row.model_p10)}-{number(row.model_p90)})"
        record = " ".join(part for part in (number(row.record), f"({row.record_note})"
                                            if row.record_note else "") if part)
        lines.append(f"| {row.fact} [{row.unit}] | {row.product} | {model} | {record} | "
                     f"{row.tolerance} | {'yes' if row.matches else 'no'} | {row.source} |")
    return "\n".join(lines) + "\n"
