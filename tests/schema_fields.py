"""Every scenario field, read from the schema, and in-range perturbations of its value.

``schema_fields()`` walks the pydantic classes from ``Scenario`` down: nested
tables, tables of named entries (``miners.*``) and the change types of
``[timeline.NAME]`` (``timeline[tariff]``), so a field added to any of them is
listed without touching this module. ``perturbations()`` proposes new values a
field allows (numbers scaled or shifted, booleans flipped, literals and region
codes swapped, lists shortened, tables rescaled); pydantic decides which are valid.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario import Scenario
from sim.scenario.levers import LeverBase


@dataclass(frozen=True)
class SchemaField:
    """One field of one schema class, where it sits: ``section`` uses ``*`` for a named
    entry and ``timeline[TYPE]`` for a change type."""

    section: str
    name: str
    info: FieldInfo

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}" if self.section else self.name


def _model_in(annotation) -> type[BaseModel] | None:
    """The schema class of a table field (``X`` or ``X | None``), else None."""
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    for arg in (annotation, *(typing.get_args(annotation) if optional else ())):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _change_types(annotation) -> list[type[LeverBase]]:
    """Members of a discriminated union of change types, else []."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    members = typing.get_args(annotation) if typing.get_origin(annotation) in (
        typing.Union, types.UnionType) else ()
    if members and all(isinstance(m, type) and issubclass(m, LeverBase) for m in members):
        return list(members)
    return []


def change_type_name(change: type[LeverBase]) -> str:
    return typing.get_args(change.model_fields["type"].annotation)[0]


def _walk(model: type[BaseModel], section: str) -> Iterator[SchemaField]:
    for name, info in model.model_fields.items():
        path = f"{section}.{name}" if section else name
        table = _model_in(info.annotation)
        if table is not None:
            if type(None) in typing.get_args(info.annotation):
                yield SchemaField(section, name, info)  # the optional table itself: on or off
            yield from _walk(table, path)
            continue
        if typing.get_origin(info.annotation) is dict:
            value = typing.get_args(info.annotation)[1]
            if _model_in(value) is not None:
                yield from _walk(_model_in(value), f"{path}.*")
                continue
            changes = _change_types(value)
            if changes:
                yield SchemaField(section, name, info)  # the table as a whole
                if name == "timeline":  # policy holds the same types; each is probed once
                    for change in changes:
                        yield from _walk(change, f"timeline[{change_type_name(change)}]")
                continue
        yield SchemaField(section, name, info)


def schema_fields() -> list[SchemaField]:
    return list(_walk(Scenario, ""))


# -- perturbations -------------------------------------------------------------------

def _unwrap(annotation) -> list:
    """The alternatives of a (possibly optional, annotated) field type, None dropped."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) if arg is not type(None)
                for a in _unwrap(arg)]
    return [annotation]


def _bounds(info_or_type) -> tuple[float, float]:
    metadata = list(getattr(info_or_type, "metadata", []))
    stack = [getattr(info_or_type, "annotation", info_or_type)]
    while stack:
        arg = stack.pop()
        if typing.get_origin(arg) is typing.Annotated:
            metadata += list(arg.__metadata__)
            stack.append(typing.get_args(arg)[0])
        elif typing.get_origin(arg) in (typing.Union, types.UnionType):
            stack.extend(typing.get_args(arg))
    low, high = -1e6, 1e6
    for meta in metadata:
        for item in (meta, *getattr(meta, "metadata", [])):
            if isinstance(item, Ge | Gt):
                low = max(low, float(getattr(item, "ge", getattr(item, "gt", low))))
            if isinstance(item, Le | Lt):
                high = min(high, float(getattr(item, "le", getattr(item, "lt", high))))
    return low, high


def _numbers(value: float | None, low: float, high: float, integer: bool) -> list:
    mid = low + (high - low) / 2 if high - low < 1e5 else max(low, 0) + 1
    base = [] if value is None else [value * 2, value / 2, value + 1, value - 1]
    out = []
    for x in [*base, mid, low + (high - low) / 4, high]:
        x = round(x) if integer else float(x)
        if low <= x <= high and x != value and x not in out:
            out.append(x)
    return out


def _literals(annotation) -> list:
    return [v for alt in _unwrap(annotation) if typing.get_origin(alt) is typing.Literal
            for v in typing.get_args(alt)]


def _is_region_code(annotation, info: FieldInfo | None = None) -> bool:
    """A region code (``RegionCode``: two to four capitals), alone or in a list or union."""
    return "A-Z" in repr(annotation) + repr(getattr(info, "metadata", ""))


def perturbations(value: Any, info: FieldInfo, regions: list[str]) -> list:
    """New values for a field now at ``value``, most telling first; some may be invalid."""
    annotation = info.annotation
    alternatives = _unwrap(annotation)
    literals = [v for v in _literals(annotation) if v != value]
    if isinstance(value, bool) or bool in alternatives:
        return [not value]
    if isinstance(value, dt.date) or dt.date in alternatives:
        return [] if value is None else [value + dt.timedelta(days=7),
                                         value - dt.timedelta(days=7)]
    if isinstance(value, dict):
        return _dict_perturbations(value)
    if isinstance(value, list) or any(typing.get_origin(a) is list for a in alternatives):
        return _list_perturbations(value, alternatives, regions) + literals
    if isinstance(value, int | float) or (value is None and (int in alternatives
                                                             or float in alternatives)):
        low, high = _bounds(info)
        integer = int in alternatives and float not in alternatives
        return _numbers(value, low, high, integer) + literals
    if _is_region_code(annotation, info):
        return [code for code in regions if code != value] + literals
    if literals:
        return literals
    return [f"{value}_changed" if value else "changed"]


def _dict_perturbations(table: dict) -> list[dict]:
    def scaled(node, factor):
        if isinstance(node, dict):
            return {k: scaled(v, factor) for k, v in node.items()}
        return node * factor if isinstance(node, int | float) else node

    values = list(table.values())
    rotated = dict(zip(table, values[1:] + values[:1], strict=True))
    out = [scaled(table, 2.0), scaled(table, 0.5), rotated, dict(list(table.items())[:-1])]
    return [t for t in out if t != table]


def _list_perturbations(value, alternatives, regions: list[str]) -> list:
    items = [a for alt in alternatives if typing.get_origin(alt) is list
             for a in _literals(typing.get_args(alt)[0])]
    region_list = any(typing.get_origin(alt) is list and _is_region_code(typing.get_args(alt)[0])
                      for alt in alternatives)
    pool = items or (regions if region_list else [])
    if not isinstance(value, list):  # "all" or None
        return [[x] for x in pool]
    out = [value[:-1], value[1:]] if value else []
    out += [[*value, x] for x in pool if x not in value]
    out += [[x] for x in pool if [x] != value]
    return [v for v in out if v != value]
