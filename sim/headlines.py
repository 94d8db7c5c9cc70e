"""Plain-language headlines for policy changes, for the news feed."""

from __future__ import annotations

from sim.scenario import levers as lv


def _names(value) -> str:
    return "all products" if value == "all" else ", ".join(value)


def _places(value) -> str:
    return "all" if value == "all" else ", ".join(value)


def headline(change: lv.LeverBase) -> str:
    if change.headline:
        return change.headline
    match change:
        case lv.ExportQuota(tonnes_per_year="none"):
            return f"{change.exporter} lifts its export quota on {_names(change.products)}"
        case lv.ExportQuota():
            return (f"{change.exporter} sets an export quota of {change.tonnes_per_year:,.0f} t/yr "
                    f"on {_names(change.products)}")
        case lv.ExportDuty():
            return (f"{change.exporter} export duty on {_names(change.products)}: "
                    f"{change.percent:g}%")
        case lv.Tariff():
            return (f"{change.importer} tariff on {_names(change.products)} from "
                    f"{_places(change.exporters)}: {change.percent:g}%")
        case lv.Licensing(controlled=False):
            return (f"{change.exporter} lifts export licensing on {_names(change.products)} to "
                    f"{_places(change.destinations)}")
        case lv.Licensing():
            return (f"{change.exporter} licenses exports of {_names(change.products)} to "
                    f"{_places(change.destinations)}: civil approval "
                    f"{change.civil_approval_percent:g}%, military "
                    f"{change.military_approval_percent:g}%, delay {change.delay_days:g} days")
        case lv.PriceFloor():
            return f"{change.state} price floor for its {change.product}: ${change.usd_per_kg:g}/kg"
        case lv.Subsidy():
            return f"{change.state} subsidy for {change.stage}: ${change.usd_per_kg:g}/kg"
        case lv.Stockpile():
            return (f"{change.state} stockpile of {change.product}: "
                    f"target {change.target_t:,.0f} t, buying {change.buy_t_per_year:,.0f} t/yr, "
                    "releasing "
                    f"{change.release_t_per_year:,.0f} t/yr")
        case lv.CapacityInvestment():
            return (f"{change.firm}: {change.capacity_t_per_year:,.0f} t/yr of new "
                    f"{change.stage} capacity in {change.region}")
        case lv.Disruption():
            return (f"Disruption: {change.stage} in {change.region} at "
                    f"{change.output_percent:g}% for {change.weeks} weeks")
        case lv.Threat():
            return (f"{change.actor} threatens a {change.percent:g}% tariff on {change.target} in "
                    f"{change.deadline_weeks} weeks unless civil licence approvals reach "
                    f"{change.demand_civil_approval_percent:g}%")
        case lv.Offer() | lv.Deal():
            verb = "offers" if change.type == "offer" else "signs"
            return (f"{change.actor} {verb} a framework: {change.tariff_by} tariff on "
                    f"{change.licences_by} down to {change.tariff_to_percent:g}% in "
                    f"{change.tariff_steps} steps, civil licences at "
                    f"{change.civil_approval_percent:g}%, military at "
                    f"{change.military_approval_percent:g}%")
        case lv.DemandShock():
            return (f"Demand shock: {change.segment} demand in {change.region} "
                    f"x{change.factor:g}")
        case _:
            return f"{change.actor or ''} announcement".strip()


def actor_of(change: lv.LeverBase) -> str:
    if change.actor:
        return change.actor
    for field in ("exporter", "importer", "state", "region", "tariff_by"):
        value = getattr(change, field, None)
        if isinstance(value, str):
            return value
    return ""


def subject_of(change: lv.LeverBase) -> str:
    for field in ("target", "licences_by", "firm", "products", "product", "stage", "segment"):
        value = getattr(change, field, None)
        if value:
            return value if isinstance(value, str) else ",".join(value)
    return ""
