"""Building blocks shared by every scenario schema: the strict base and common types."""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    """Unknown keys, NaN and infinity refused; instances immutable.

    ``true``/``false`` are refused where a number is meant (pydantic would
    otherwise read ``seed = true`` as 1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        problems = []
        for key, value in data.items():
            field = cls.model_fields.get(key) if isinstance(key, str) else None
            if field is None or not isinstance(value, bool | dict | list):
                continue
            if _numbers_without_booleans(field.annotation):
                where = _boolean_inside(value, (key,))
                if where is not None:
                    problems.append(where)
        if problems:
            raise BooleanForNumber(problems)
        return data


class BooleanForNumber(ValueError):
    """``true``/``false`` given where a number is meant; ``paths`` relative to the model."""

    def __init__(self, paths: list[tuple[str, ...]]):
        self.paths = paths
        super().__init__("; ".join(f"{'.'.join(p)}: {BOOLEAN_MESSAGE}" for p in paths))


BOOLEAN_MESSAGE = "a number is needed, not true/false"


def _boolean_inside(value: Any, path: tuple[str, ...]) -> tuple[str, ...] | None:
    """Path to the first boolean in ``value`` (``()`` if it is one), else None."""
    if isinstance(value, bool):
        return path
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = _boolean_inside(item, (*path, str(key)))
        if found is not None:
            return found
    return None


@functools.cache
def _numbers_without_booleans(annotation: Any) -> bool:
    """True if the type takes numbers, no booleans and no nested model."""
    leaves = list(leaf_types(annotation))
    if any(leaf is bool or (isinstance(leaf, type) and issubclass(leaf, BaseModel))
           for leaf in leaves):
        return False
    return any(leaf in (int, float) for leaf in leaves)


def leaf_types(annotation: Any):
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        yield from leaf_types(typing.get_args(annotation)[0])
    elif origin is typing.Literal:
        yield from (type(arg) for arg in typing.get_args(annotation))
    elif origin is dict:
        yield from leaf_types(typing.get_args(annotation)[1])
    elif origin in (list, tuple, set, frozenset, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from leaf_types(arg)
    else:
        yield annotation


Frac = Annotated[float, Field(ge=0, le=1)]
UsdPerKg = Annotated[float, Field(ge=0, le=1e5)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
RegionCode = Annotated[str, Field(pattern=r"^[A-Z]{2,4}$")]
