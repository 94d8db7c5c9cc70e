"""The scenario field reference, generated from the schema (docs/scenario_reference.md)."""

from __future__ import annotations

import types
import typing

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.scenario import behaviour, diplomacy, schema
from sim.scenario import finance as fin
from sim.scenario import levers as lv

FINANCE_SECTIONS = [
    ("[finance]", fin.Finance, "finance."),
    ("[finance.listings.NAME]", fin.Listing, "finance.listings.NAME."),
    ("[finance.etfs.NAME]", fin.Etf, "finance.etfs.NAME."),
    ("[finance.fundamentalists]", fin.Fundamentalists, "finance.fundamentalists."),
    ("[finance.trend_followers]", fin.TrendFollowers, "finance.trend_followers."),
    ("[finance.news_traders]", fin.NewsTraders, "finance.news_traders."),
    ("[finance.trading]", fin.Trading, "finance.trading."),
    ("[finance.valuation]", fin.Valuation, "finance.valuation."),
    ("[finance.capital]", fin.Capital, "finance.capital."),
    ("[finance.switching]", fin.Switching, "finance.switching."),
    ("[finance.market_index]", fin.MarketIndex, "finance.market_index."),
    ("[finance.stockpiles.NAME]", fin.OxideStockpile, "finance.stockpiles.NAME."),
]

SECTIONS = [
    ("Top level", schema.Scenario, ""),
    ("[regions.CODE]", schema.Region, "regions.CODE."),
    ("[regions.CODE.goals]", diplomacy.Goals, "regions.CODE.goals."),
    ("[regions.CODE.strategy]", diplomacy.Strategy, "regions.CODE.strategy."),
    ("[negotiation]", diplomacy.Negotiation, "negotiation."),
    ("[market]", schema.Market, "market."),
    ("[demand]", schema.Demand, "demand."),
    ("[production]", schema.Production, "production."),
    ("[production.utilisation]", behaviour.Utilisation, "production.utilisation."),
    ("[investment]", schema.Investment, "investment."),
    ("[miners.NAME]", schema.Miner, "miners.NAME."),
    ("[refiners.NAME]", schema.Refiner, "refiners.NAME."),
    ("[magnet_makers.NAME]", schema.MagnetMaker, "magnet_makers.NAME."),
    ("[manufacturers.NAME]", schema.Manufacturer, "manufacturers.NAME."),
    ("[smuggling]", schema.Smuggling, "smuggling."),
    *FINANCE_SECTIONS,
]

INTRO = """# Scenario reference

Generated from the schema by `python run.py fields`; a test keeps it in step.

A scenario is a TOML file in `scenarios/`. Units: tonnes (t), concentrate in
t of rare-earth oxide (t REO); capacities, demand and quotas in t per year;
prices in USD/kg; tariffs, duties and approvals in percent; one step is one
week. Unknown keys, wrong types, NaN or infinity and values out of range are
refused with a message naming the key.

- `extends = "NAME"` starts from another scenario (a name in `scenarios/` or a
  path). Tables merge key by key, the child winning; lists and values replace.
- `replace = ["timeline", "policy"]` drops those inherited tables first.
- `[policy.NAME]` holds the levers in force at the start and
  `[timeline.NAME]` dated changes (`date = YYYY-MM-DD`, inside the run); both
  take a `type` from the change types below.
"""


def _type_text(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_text(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return " or ".join(repr(a).replace("'", '"') for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        if all(isinstance(m, type) and issubclass(m, lv.LeverBase) for m in members
               if m is not type(None)) and len(members) > 3:
            return "change table (see change types)"
        parts = [_type_text(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(parts)
    if origin in (list,):
        return f"list of {_type_text(typing.get_args(annotation)[0])}"
    if origin in (dict,):
        key, value = typing.get_args(annotation)
        return f"table of {_type_text(key)} to {_type_text(value)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return getattr(annotation, "__name__", str(annotation))


def _range_text(field) -> str:
    metadata = list(field.metadata)
    for arg in typing.get_args(field.annotation):  # constraints inside ``X | None``
        if typing.get_origin(arg) is typing.Annotated:
            metadata += list(arg.__metadata__)
    bounds = []
    for meta in metadata:
        for cls, attr, sign in ((Ge, "ge", ">="), (Gt, "gt", ">"), (Le, "le", "<="),
                                (Lt, "lt", "<")):
            if isinstance(meta, cls):
                bounds.append(f"{sign} {getattr(meta, attr):g}")
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if hasattr(meta, "metadata"):
                continue
            value = getattr(meta, attr, None) if type(meta).__name__ == "FieldInfo" else None
            if value is not None:
                bounds.append(f"{sign} {value:g}")
    return ", ".join(dict.fromkeys(bounds))


def _default_text(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        return "see its section" if isinstance(value, BaseModel) else f"`{value}`"
    if field.default is PydanticUndefined or field.default is None:
        return "none"
    return f"`{field.default}`"


def _table(model: type[BaseModel], prefix: str) -> list[str]:
    rows = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        doc = (field.description or "").replace("|", "/")
        rows.append(f"| `{prefix}{name}` | {_type_text(field.annotation)} | "
                    f"{_default_text(field)} | {_range_text(field)} | {doc} |")
    return rows


def reference_markdown() -> str:
    lines = [INTRO]
    for title, model, prefix in SECTIONS:
        lines += [f"## {title}", ""]
        if model.__doc__ and model not in (schema.Scenario,):
            lines += [model.__doc__.strip().splitlines()[0], ""]
        lines += _table(model, prefix) + [""]
    lines += ["## Change types for `[policy.NAME]` and `[timeline.NAME]`", ""]
    for change in lv.CHANGE_TYPES:
        kind = typing.get_args(change.model_fields["type"].annotation)[0]
        lines += [f"### type = \"{kind}\"", "", change.__doc__.strip(), ""]
        lines += _table(change, "") + [""]
    return "\n".join(lines)
