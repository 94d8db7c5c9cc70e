"""Schema of how firms run and expand their plants: ``[production]`` and ``[investment]``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.types import Strict
from sim.world import Stage

Margin = Annotated[float, Field(ge=-1, le=5)]  # (revenue - cost) / cost


class Utilisation(Strict):
    """How a firm's target utilisation follows its margin over cost (margins as shares)."""

    full_output_margin: Margin = Field(
        0.2, description="Margin at which a firm runs at full capacity."
    )
    minimum_output_margin: Margin = Field(
        -0.2, description="Margin at which it runs at min_utilisation; in between, output "
        "rises in a straight line."
    )
    shut_in_margin: Annotated[float, Field(ge=-1, le=0)] = Field(
        -0.3, description="Margin below which it starts shutting in even its minimum output."
    )
    shut_in_width: Annotated[float, Field(gt=0, le=5)] = Field(
        0.4, description="Fall of margin below shut_in_margin over which output falls to zero."
    )

    @model_validator(mode="after")
    def _ordered(self):
        if self.full_output_margin <= self.minimum_output_margin:
            raise ValueError("full_output_margin must be above minimum_output_margin")
        return self


class Production(Strict):
    ndpr_per_t_magnet: Annotated[float, Field(gt=0, le=1)] = Field(
        0.31, description="t NdPr oxide per t NdFeB magnet."
    )
    dytb_per_t_magnet: Annotated[float, Field(ge=0, le=1)] = Field(
        0.012, description="t Dy/Tb oxide per t NdFeB magnet."
    )
    dytb_thrift_elasticity: Annotated[float, Field(ge=0, le=3)] = Field(
        0.4, description="How strongly magnet makers cut Dy/Tb content when it is dear."
    )
    dytb_min_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.3, description="Lowest Dy/Tb content reachable, as a share of the base recipe."
    )
    dytb_max_share: Annotated[float, Field(ge=1, le=10)] = Field(
        1.5, description="Highest Dy/Tb content magnet makers use when it is cheap, as a share "
        "of the base recipe."
    )
    dytb_thrift_weeks: Annotated[float, Field(ge=1, le=520)] = Field(
        26.0, description="Weeks over which Dy/Tb content moves to its target (each week it "
        "closes 1/this of the gap)."
    )
    utilisation_ramp: Annotated[float, Field(gt=0, le=1)] = Field(
        0.25, description="Share of the gap to target utilisation closed per week."
    )
    output_noise: Annotated[float, Field(ge=0, le=0.5)] = Field(
        0.03, description="Std. dev. of weekly operational output noise."
    )
    utilisation: Utilisation = Field(
        default_factory=Utilisation, description="Target utilisation by margin (see its section)."
    )


class Investment(Strict):
    lead_time_years: dict[Stage, Annotated[float, Field(ge=0, le=20)]] = Field(
        default_factory=lambda: {"mining": 7.0, "refining": 4.0, "magnets": 2.5},
        description="Decision-to-production lead time by stage (years).",
    )
    hurdle_margin: Annotated[float, Field(ge=0, le=5)] = Field(
        0.05, description="Expected margin on new capacity (share, over the cost of new supply) "
        "above which firms expand."
    )
    capital_charge_share: Annotated[float, Field(ge=0, le=5)] = Field(
        0.3, description="Capital charge of new capacity (annualised capital cost and return "
        "on it), as a share of the firm's own operating cost per kg."
    )
    growth_per_excess_margin: Annotated[float, Field(ge=0, le=10)] = Field(
        0.5, description="Capacity growth a firm decides per year (share of its capacity) per "
        "unit of expected margin above the hurdle."
    )
    max_growth_per_year: Annotated[float, Field(ge=0, le=2)] = Field(
        0.25, description="Highest capacity growth a firm decides in a year (share of its "
        "capacity)."
    )
    pipeline_weight: Annotated[float, Field(ge=0, le=10)] = Field(
        1.0, description="Margin a firm takes off its expected margin per share of its "
        "capacity already under construction (so it does not build twice for one shortage)."
    )
    expansion_share: Annotated[float, Field(gt=0, le=2)] = Field(
        0.05, description="Size of one project as a share of current capacity: a firm commits "
        "once its set-aside growth reaches it."
    )
    min_expansion_t_per_year: Annotated[float, Field(ge=0, le=1e6)] = Field(
        100.0, description="Smallest expansion a firm builds (t/yr of output), however small "
        "the firm."
    )
    margin_memory_weeks: Annotated[float, Field(ge=1, le=520)] = Field(
        26.0, description="Weeks over which a firm's remembered margin follows its margin."
    )
    mining_quota_raise_margin: Annotated[float, Field(ge=-1, le=5)] = Field(
        0.2, description="Remembered margin of a state's miners (capacity-weighted share) "
        "above which a mining quota set with raise_with_demand is raised each January."
    )
    initial_pipeline_share: Annotated[float, Field(ge=0, le=2)] = Field(
        1.0, description="Capacity under construction at the start, as a share of what a "
        "market growing at the demand growth rate holds: each firm's projects land one a year "
        "over its stage's lead time, each one year's growth of its capacity."
    )
