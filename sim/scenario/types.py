"""Building blocks shared by every scenario schema: the strict base and common types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Unknown keys, NaN and infinity refused; instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Frac = Annotated[float, Field(ge=0, le=1)]
UsdPerKg = Annotated[float, Field(ge=0, le=1e5)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
RegionCode = Annotated[str, Field(pattern=r"^[A-Z]{2,4}$")]
