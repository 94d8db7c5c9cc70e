"""Scenario fields addressed by dotted key path: do they exist, and what type are they."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from sim.scenario import Scenario
from sim.scenario.types import leaf_types

KINDS = ("int", "float", "str", "bool")


def locate(scenario: Scenario, dotted: str) -> tuple[Any, Any]:
    """(current value, declared type) of the field at ``dotted``; ``KeyError`` says why not."""
    node: Any = scenario
    annotation: Any = Scenario
    walked: list[str] = []
    for key in dotted.split("."):
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            if key not in fields:
                raise KeyError(f"no field {key!r} in {'.'.join(walked) or 'the scenario'}; "
                               f"allowed: {', '.join(fields)}")
            annotation, node = fields[key].annotation, getattr(node, key)
        elif isinstance(node, dict):
            if key not in node:
                raise KeyError(f"no {key!r} in {'.'.join(walked)}; the scenario has: "
                               f"{', '.join(map(str, node)) or 'none'}")
            annotation, node = _value_type(annotation), node[key]
        elif node is None:
            raise KeyError(f"{'.'.join(walked)} is not set in the scenario; add it there first")
        else:
            raise KeyError(f"{'.'.join(walked)} is a single value, not a table")
        walked.append(key)
    if isinstance(node, BaseModel | dict | list):
        raise KeyError(f"{dotted} is a table or a list; give the path of a single value")
    return node, annotation


def kind_of(scenario: Scenario, dotted: str) -> str:
    """``int``, ``float``, ``str`` or ``bool``: the type a value at ``dotted`` must have."""
    value, annotation = locate(scenario, dotted)
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    leaves = set(leaf_types(annotation))
    if float in leaves:
        return "float"
    if int in leaves:
        return "int"
    if bool in leaves:
        return "bool"
    return "str"


def coerce(kind: str, value: Any) -> Any:
    """A design value as the field wants it (integer fields take the nearest whole number)."""
    if kind == "int" and not isinstance(value, str):
        return int(round(float(value)))
    if kind == "float" and not isinstance(value, str):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _value_type(annotation: Any) -> Any:
    """The value type of a ``dict[K, V]`` annotation (through Optional and Annotated)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        origin = typing.get_origin(candidate)
        if origin is typing.Annotated:
            return _value_type(typing.get_args(candidate)[0])
        if origin is dict:
            return typing.get_args(candidate)[1]
    return Any
