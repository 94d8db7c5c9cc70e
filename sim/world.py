"""Fixed vocabulary of the world: products, stages, segments, and the calendar.

Units used everywhere in the code and in outputs:
- quantities in tonnes (t); concentrate in t of rare-earth oxide (t REO);
- flows in the scenario in t per year, inside the model in t per week;
- prices in USD per kg; tariffs, duties and licence approval in percent;
- time in weeks: one step is one week, step k ends on ``start_date + 7k days``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

Product = Literal["concentrate", "ndpr_oxide", "dytb_oxide", "magnet"]
Stage = Literal["mining", "refining", "magnets"]
Segment = Literal["ev", "wind", "electronics", "industrial", "defence"]

PRODUCTS: tuple[str, ...] = get_args(Product)
STAGES: tuple[str, ...] = get_args(Stage)
SEGMENTS: tuple[str, ...] = get_args(Segment)

CONC, NDPR, DYTB, MAGNET = range(4)
OXIDES = (NDPR, DYTB)
STAGE_OUTPUT = {"mining": CONC, "refining": NDPR, "magnets": MAGNET}

WEEKS_PER_YEAR = 52.0
DAYS_PER_STEP = 7


def step_date(start: dt.date, step: int) -> dt.date:
    """Date at the end of ``step`` (step 0 is the start date)."""
    return start + dt.timedelta(days=DAYS_PER_STEP * step)


def step_of_date(start: dt.date, when: dt.date) -> int:
    """The step during which ``when`` falls; step 1 is the first simulated week."""
    return (when - start).days // DAYS_PER_STEP + 1


def weeks_left_in_year(today: dt.date) -> float:
    """Whole weeks from ``today`` to the end of its calendar year, at least one."""
    year_end = dt.date(today.year, 12, 31)
    return max(1.0, ((year_end - today).days + 1) / DAYS_PER_STEP)
