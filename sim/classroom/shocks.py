"""Shocks the instructor injects: each a timeline change at the first week of a round.

A shock is stored with its game and round and becomes one more entry of the
game's scenario timeline (``timeline.classroom_shock_N``), so a game with
shocks still replays from its scenario, seed and decision log.
"""

from __future__ import annotations

import datetime as dt

from sim.world import DAYS_PER_STEP

DISRUPTED_OUTPUT_PERCENT = 30.0
DISRUPTION_WEEKS = 13
DISCOVERY_T_PER_YEAR = 20_000.0
DISCOVERY_LEAD_YEARS = 3.0
THREAT_TARIFF_PERCENT = 100.0
THREAT_DEADLINE_WEEKS = 8
THREAT_DEMAND_APPROVAL_PERCENT = 90.0

SHOCKS = {
    "mine_accident": f"a mine accident: mining output of the state falls to "
                     f"{DISRUPTED_OUTPUT_PERCENT:g}% for {DISRUPTION_WEEKS} weeks",
    "embargo": "an embargo: China grants the state no export licences for any rare-earth "
               "product",
    "discovery": f"a discovery: a deposit in the state brings {DISCOVERY_T_PER_YEAR:,.0f} t "
                 f"REO/yr of new mining in {DISCOVERY_LEAD_YEARS:g} years",
    "tariff_threat": f"a tariff threat: the state threatens China with a "
                     f"{THREAT_TARIFF_PERCENT:g}% tariff unless civil licence approvals "
                     f"reach {THREAT_DEMAND_APPROVAL_PERCENT:g}% within "
                     f"{THREAT_DEADLINE_WEEKS} weeks",
}
AGAINST_CHINA = ("embargo", "tariff_threat")  # the state named may not be China itself


def round_start(start: dt.date, round_: int, round_weeks: int) -> dt.date:
    """The first day of round ``round_``'s first week."""
    return start + dt.timedelta(days=(round_ - 1) * round_weeks * DAYS_PER_STEP)


def shock_change(kind: str, region: str, china: str, when: dt.date) -> dict:
    """The timeline entry of a shock (as a scenario file would write it)."""
    day = when.isoformat()
    if kind == "mine_accident":
        return {"type": "disruption", "date": day, "region": region, "stage": "mining",
                "output_percent": DISRUPTED_OUTPUT_PERCENT, "weeks": DISRUPTION_WEEKS,
                "headline": f"Mine accident in {region}: mining output falls to "
                            f"{DISRUPTED_OUTPUT_PERCENT:g}% for {DISRUPTION_WEEKS} weeks"}
    if kind == "embargo":
        return {"type": "licensing", "date": day, "exporter": china, "products": "all",
                "destinations": [region], "civil_approval_percent": 0.0,
                "military_approval_percent": 0.0,
                "headline": f"{china} embargoes {region}: no export licences"}
    if kind == "discovery":
        return {"type": "capacity_investment", "date": day, "firm": f"discovery_{region}",
                "region": region, "stage": "mining",
                "capacity_t_per_year": DISCOVERY_T_PER_YEAR,
                "lead_time_years": DISCOVERY_LEAD_YEARS,
                "headline": f"Discovery in {region}: {DISCOVERY_T_PER_YEAR:,.0f} t REO/yr of "
                            f"new mining in {DISCOVERY_LEAD_YEARS:g} years"}
    if kind == "tariff_threat":
        return {"type": "threat", "date": day, "actor": region, "target": china,
                "percent": THREAT_TARIFF_PERCENT, "deadline_weeks": THREAT_DEADLINE_WEEKS,
                "demand_civil_approval_percent": THREAT_DEMAND_APPROVAL_PERCENT,
                "headline": f"{region} threatens {china} with a {THREAT_TARIFF_PERCENT:g}% "
                            f"tariff"}
    raise ValueError(f"shock {kind!r}; allowed: {', '.join(SHOCKS)}")
