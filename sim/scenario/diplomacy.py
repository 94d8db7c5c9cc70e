"""Schema of states' goals and strategies and of the negotiation protocol."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.types import Frac, Strict

Weight = Annotated[float, Field(ge=0, le=10)]

GOALS = ("supply_security", "export_revenue", "consumer_prices", "leverage", "standing")


class Goals(Strict):
    """How much a state cares about each goal (weights, normalised on use)."""

    supply_security: Weight = Field(1.0, description="Its industry and defence get material.")
    export_revenue: Weight = Field(1.0, description="Export earnings and domestic value added.")
    consumer_prices: Weight = Field(1.0, description="Low magnet prices at home.")
    leverage: Weight = Field(1.0, description="Others depend on its supply.")
    standing: Weight = Field(1.0, description="Diplomatic standing: deals kept, few threats.")


class Strategy(Strict):
    """How an AI state plays (sweepable)."""

    hawkishness: Frac = Field(0.5, description="Propensity to escalate, threaten and defect.")
    patience_weeks: Annotated[int, Field(ge=1, le=104)] = Field(
        12, description="Deadline of its threats and wait between escalations."
    )
    reciprocity: Frac = Field(0.7, description="How strongly it answers hostile moves in kind.")
    risk_tolerance: Frac = Field(
        0.5, description="Supply risk it bears before it negotiates, invests or stockpiles."
    )
    review_weeks: Annotated[int, Field(ge=1, le=52)] = Field(
        4, description="How often it reviews its levers."
    )


class Negotiation(Strict):
    """The rules of the protocol, shared by all states."""

    initial_trust: Frac = Field(0.5, description="Trust between any two states at the start.")
    trust_recovery_per_week: Frac = Field(
        0.01, description="Share of the gap to initial trust recovered each week."
    )
    trust_gain_per_week_of_compliance: Frac = Field(0.002)
    trust_loss_on_defection: Frac = Field(0.3)
    detection_lag_weeks: Annotated[int, Field(ge=0, le=104)] = Field(
        8, description="Weeks before a defection is seen by the other side."
    )
    defection_probability: Frac = Field(
        0.05, description="Base chance per review that a party defects (scaled by "
        "hawkishness and distrust)."
    )
    max_counter_offers: Annotated[int, Field(ge=0, le=10)] = 2
    threat_tariff_percent: Annotated[float, Field(ge=0, le=1000)] = Field(
        100.0, description="Tariff an importer threatens when it threatens."
    )
    pain_threshold: Frac = Field(
        0.25, description="Supply risk at which an importing state acts (scaled by its "
        "risk tolerance)."
    )
    leverage_threshold: Frac = Field(
        0.5, description="World share of separation and magnets that makes a state an "
        "exporter with leverage."
    )
    investment_share_of_demand: Annotated[float, Field(ge=0, le=2)] = Field(
        0.1, description="Capacity an anxious state funds per decision, as a share of its "
        "magnet demand."
    )
    investment_cooldown_weeks: Annotated[int, Field(ge=1, le=520)] = 26
    stockpile_weeks: Annotated[float, Field(ge=0, le=104)] = Field(
        8.0, description="Weeks of use allies aim to stockpile at full supply risk."
    )
