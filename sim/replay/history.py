"""The recorded series of ``data/``: oxide prices and China's export quotas.

Products are mapped onto the model's: Nd and NdPr oxide to ``ndpr_oxide``, Dy
oxide to ``dytb_oxide`` (La oxide is kept as ``la_oxide`` for the price gap).
A date given as a month is placed on the 15th (``precision = "month"``); a date
given as a year only is placed by its ``period`` where that says more ("early
2010": mid-February, "Q3 avg": mid-August, "mid-2011": 1 July; ``precision =
"quarter"``), else on 1 July (``precision = "year"``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
PRICES_FILE = "prices_history.csv"
QUOTAS_FILE = "china_export_quotas.csv"
FIRMS_FILE = "firms.csv"
PRODUCT_OF = {"nd_oxide": "ndpr_oxide", "ndpr_oxide": "ndpr_oxide",
              "dy_oxide": "dytb_oxide", "la_oxide": "la_oxide"}
MARKET_OF = {"fob_china": "outside_china", "china_domestic": "china"}
PRICE_COLUMNS = ["date", "precision", "product", "market", "value", "low", "high", "period",
                 "source"]
QUOTA_COLUMNS = ["year", "quota_t", "actual_exports_t", "exports_period", "source"]


PERIOD_MONTH = {"early": (2, 15), "q1": (2, 15), "q2": (5, 15), "q3": (8, 15), "q4": (11, 15),
                "mid": (7, 1)}


def parse_date(text: str, period: str = "") -> tuple[pd.Timestamp, str]:
    """``YYYY-MM`` -> the 15th of that month; ``YYYY`` -> placed by ``period`` or 1 July."""
    text = str(text).strip()
    if len(text) == 4:
        words = str(period).lower().replace("-", " ").split()
        for word in words:
            if word in PERIOD_MONTH:
                month, day = PERIOD_MONTH[word]
                return pd.Timestamp(int(text), month, day), "quarter"
        return pd.Timestamp(int(text), 7, 1), "year"
    year, month = text.split("-")[:2]
    return pd.Timestamp(int(year), int(month), 15), "month"


def recorded_prices(data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """USD/kg FOB China and China-domestic quotes of the mapped products.

    ``value`` is the middle of ``low`` and ``high`` where both are given, else the
    one given (a "~$300+" peak has only ``low``, a "<$20" quote only ``high``).
    """
    raw = pd.read_csv(Path(data_dir) / PRICES_FILE, dtype={"date": str})
    rows = raw[(raw["unit"] == "USD/kg") & raw["market"].isin(MARKET_OF)
               & raw["product"].isin(PRODUCT_OF)].copy()
    parsed = [parse_date(d, p) for d, p in zip(rows["date"], rows["period"], strict=True)]
    rows["date"] = [d for d, _ in parsed]
    rows["precision"] = [p for _, p in parsed]
    rows["product"] = rows["product"].map(PRODUCT_OF)
    rows["market"] = rows["market"].map(MARKET_OF)
    rows["value"] = rows[["low", "high"]].mean(axis=1, skipna=True)
    return rows[PRICE_COLUMNS].sort_values(["product", "market", "date"], ignore_index=True)


def recorded_quotas(data_dir: str | Path = DATA_DIR, first_year: int = 2009) -> pd.DataFrame:
    """China's export quota and actual exports by year (the first row of each year).

    From 2009 the file gives one published total a year; where sources differ by a
    few dozen tonnes the first row is kept. A year with no quota has ``quota_t`` NaN.
    """
    raw = pd.read_csv(Path(data_dir) / QUOTAS_FILE)
    rows = raw[raw["year"] >= first_year].drop_duplicates("year", keep="first")
    quota = rows[["quota_t_low", "quota_t_high"]].mean(axis=1, skipna=True)
    return pd.DataFrame({"year": rows["year"].to_numpy(), "quota_t": quota.to_numpy(),
                         "actual_exports_t": rows["actual_exports_t"].to_numpy(dtype=float),
                         "exports_period": rows["exports_period"].fillna("").to_numpy(),
                         "source": rows["source"].to_numpy()})[QUOTA_COLUMNS]


def recorded_ratios(prices: pd.DataFrame, max_days: int = 45) -> pd.DataFrame:
    """Export/domestic price ratios: each domestic quote against the nearest FOB quote
    of the same product within ``max_days`` (same-precision dates only)."""
    pairs = []
    for product, table in prices.groupby("product"):
        fob = table[table["market"] == "outside_china"]
        for _, home in table[table["market"] == "china"].iterrows():
            near = fob[fob["precision"] == home["precision"]]
            if near.empty:
                continue
            gaps = (near["date"] - home["date"]).abs()
            best = near.loc[gaps.idxmin()]
            if gaps.min() <= pd.Timedelta(days=max_days) and home["value"] > 0:
                pairs.append({"date": home["date"], "product": product,
                              "ratio": best["value"] / home["value"],
                              "source": f"{best['source']}; {home['source']}"})
    frame = pd.DataFrame(pairs, columns=["date", "product", "ratio", "source"])
    return frame.sort_values("date", ignore_index=True)


def first_quote(prices: pd.DataFrame, product: str, market: str = "outside_china") -> pd.Series:
    """The earliest quote of ``product`` in ``market`` (the pre-crisis level)."""
    rows = prices[(prices["product"] == product) & (prices["market"] == market)]
    return rows.sort_values("date").iloc[0]


def peak_quote(prices: pd.DataFrame, product: str, market: str = "outside_china",
               until: pd.Timestamp | None = None) -> pd.Series:
    """The highest quote of ``product`` in ``market`` (up to ``until``)."""
    rows = prices[(prices["product"] == product) & (prices["market"] == market)]
    if until is not None:
        rows = rows[rows["date"] <= until]
    return rows.loc[rows["value"].idxmax()]


def quote_near(prices: pd.DataFrame, product: str, when: pd.Timestamp,
               market: str = "outside_china") -> float:
    """The quote of ``product`` nearest ``when`` (NaN when there is none)."""
    rows = prices[(prices["product"] == product) & (prices["market"] == market)]
    if rows.empty:
        return float(np.nan)
    return float(rows.loc[(rows["date"] - when).abs().idxmin(), "value"])


_MONTH_IN_NOTE = re.compile(
    r"(\d{1,2} )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})")


def recorded_share_prices(firm: str, data_dir: str | Path = DATA_DIR) -> pd.DataFrame:
    """``date, value, label``: a firm's recorded share prices (USD/share rows of firms.csv),
    dated by the day or month its note gives, else 1 July of its year."""
    raw = pd.read_csv(Path(data_dir) / FIRMS_FILE)
    rows = raw[(raw["firm"] == firm) & (raw["unit"] == "USD/share")]
    dates = []
    for year, note in zip(rows["year"], rows["note"].fillna(""), strict=True):
        found = _MONTH_IN_NOTE.search(note)
        dates.append(pd.Timestamp(f"{found.group(1) or '15 '}{found.group(2)} {found.group(3)}")
                     if found else pd.Timestamp(int(year), 7, 1))
    return pd.DataFrame({"date": dates, "value": rows["low"].to_numpy(dtype=float),
                         "label": rows["metric"].to_numpy()})
