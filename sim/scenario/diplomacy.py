"""Schema of states' goals and strategies and of the negotiation protocol."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.types import Frac, Strict, UsdPerKg

Weight = Annotated[float, Field(ge=0, le=10)]
Value = Annotated[float, Field(ge=0, le=10)]  # in goal-weighted units, as goals are scored 0-1
Points = Annotated[float, Field(ge=0, le=100)]  # percent of licence applications approved
Days = Annotated[float, Field(ge=0, le=365)]
TariffPoints = Annotated[float, Field(ge=0, le=1000)]

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
    offered_tariff_share: Frac = Field(
        0.5, description="A state's first offer to a partner cuts the tariff to this share "
        "of today's; later offers learn from the answers (docs/negotiation.md)."
    )
    offered_civil_approval_percent: Points = Field(
        90.0, description="Civil licence approval (percent) a dove asks for in its offer."
    )
    refining_subsidy_usd_per_kg: UsdPerKg = Field(
        2.0, description="Subsidy to its separation plants at full pain (USD/kg; scaled by pain)."
    )
    magnet_subsidy_usd_per_kg: UsdPerKg = Field(
        5.0, description="Subsidy to its magnet makers at full pain (USD/kg; scaled by pain)."
    )
    dytb_export_cap_share: Frac = Field(
        0.8, description="A hawk under full grievance caps Dy/Tb oxide exports at this share "
        "of their pace over the last export_cap_window_weeks."
    )


class Negotiation(Strict):
    """The rules of the protocol, shared by all states."""

    initial_trust: Frac = Field(0.5, description="Trust between any two states at the start.")
    trust_recovery_per_week: Frac = Field(
        0.01, description="Share of the gap to initial trust recovered each week."
    )
    trust_gain_per_week_of_compliance: Frac = Field(
        0.002, description="Trust the two parties gain each week a deal is kept."
    )
    trust_loss_on_defection: Frac = Field(
        0.3, description="Trust the cheated side loses when it finds a defection."
    )
    trust_gain_on_averted_threat: Frac = Field(
        0.05, description="Trust a threatening state gains in its target when the threat is met."
    )
    trust_loss_on_carried_out_threat: Frac = Field(
        0.15, description="Trust a target loses in the state that carries out its threat."
    )
    standing_loss_per_threat: Frac = Field(
        0.1, description="Standing (0-1) a state loses each time it threatens."
    )
    standing_gain_per_deal: Frac = Field(
        0.05, description="Standing each party gains when it signs a deal."
    )
    standing_loss_on_defection: Frac = Field(
        0.2, description="Standing a state loses when its defection is found."
    )
    standing_recovery_per_week: Frac = Field(
        0.01, description="Share of the gap to the starting standing (0.5) recovered each week."
    )
    detection_lag_weeks: Annotated[int, Field(ge=0, le=104)] = Field(
        8, description="Weeks before a defection can be seen by the other side (an AI "
        "state sees its partner's side this late; others are told this long after it)."
    )
    observation_noise_percent: Points = Field(
        5.0, description="Std. dev. (percentage points) of the noise on what a state's "
        "briefing shows of a partner's side of a deal (approval rate or tariff, seen "
        "detection_lag_weeks late); it suspects a breach beyond suspicion_noise_multiple "
        "times this, and an AI state holds the deal broken when it suspects so "
        "suspicion_weeks weeks running."
    )
    suspicion_noise_multiple: Annotated[float, Field(ge=0, le=10)] = Field(
        2.0, description="How many times observation_noise_percent a partner's side must "
        "look short of its promise before a state suspects a breach (higher: fewer mistaken "
        "suspicions, later findings)."
    )
    suspicion_weeks: Annotated[int, Field(ge=1, le=52)] = Field(
        2, description="Weeks running an AI state must suspect a breach before it holds the "
        "deal broken."
    )
    defection_probability: Frac = Field(
        0.05, description="Base chance per review that a party defects (scaled by "
        "hawkishness and distrust)."
    )
    defection_scale_at_zero_hawkishness: Annotated[float, Field(ge=0, le=2)] = Field(
        0.5, description="Defection chance = defection_probability x (this + hawkishness) x "
        "(1 - trust); at 0.5 a middling hawk defects at the base rate."
    )
    max_counter_offers: Annotated[int, Field(ge=0, le=10)] = Field(
        2, description="Rounds of counter-offers before an offer is rejected."
    )
    offer_open_weeks: Annotated[int, Field(ge=1, le=52)] = Field(
        8, description="Weeks an offer stays open; unanswered by then, it lapses."
    )
    supply_value_at_full_pain: Value = Field(
        2.0, description="Value to the tariff side of a licence fast track from 0 to 100% "
        "approval when it feels full supply pain (scaled by its pain, 0-1): the more it "
        "hurts, the more it pays."
    )
    offer_goodwill_per_trust: Value = Field(
        0.2, description="Value added to an offer per unit of trust in the proposer above "
        "offer_neutral_trust (subtracted below it)."
    )
    offer_neutral_trust: Frac = Field(
        0.5, description="Trust in the proposer at which an offer earns no goodwill."
    )
    deal_standing_value: Value = Field(
        0.2, description="Value of any deal to a state's standing goal."
    )
    deal_consumer_price_value: Value = Field(
        0.1, description="Value of a deal to the importer's consumer-price goal."
    )
    tariff_cut_revenue_cost: Value = Field(
        0.1, description="Cost to the importer's export-revenue goal of cutting its tariff "
        "(per unit share of tariff cut)."
    )
    hawk_deal_aversion: Value = Field(
        0.2, description="Cost to the importer of cutting its tariff, per unit of its "
        "hawkishness and per unit share of tariff cut (100 points)."
    )
    counter_offer_tariff_share: Frac = Field(
        0.5, description="The licensing side's counter-offer asks for this share of the tariff "
        "offered (and splits the difference on civil approval)."
    )
    concession_distrust_weight: Value = Field(
        0.25, description="Weight of distrust of the threatening state against conceding "
        "(a middling state with even goals refuses once its trust falls below about 0.6)."
    )
    concession_delay_days: Days = Field(
        14.0, description="Licence delay (days) a state that concedes grants the threatener."
    )
    threat_tariff_percent: Annotated[float, Field(ge=0, le=1000)] = Field(
        100.0, description="Tariff an importer threatens when it threatens."
    )
    pain_threshold: Frac = Field(
        0.25, description="Supply risk at which an importing state acts (scaled by its "
        "risk tolerance)."
    )
    pain_threshold_scale_at_zero_tolerance: Annotated[float, Field(ge=0, le=2)] = Field(
        0.5, description="A state acts above pain_threshold x (this + risk_tolerance); "
        "at 0.5 a middling one acts at the threshold itself."
    )
    leverage_threshold: Frac = Field(
        0.5, description="World share of separation and magnets that makes a state an "
        "exporter with leverage."
    )
    full_grievance_tariff_percent: Annotated[float, Field(gt=0, le=1000)] = Field(
        100.0, description="Tariff on an exporter's goods (percent) at which its grievance "
        "is full (grievance = tariff / this, at most 1)."
    )
    tighten_min_grievance: Frac = Field(
        0.2, description="Grievance (0-1) above which an exporter may tighten licensing."
    )
    tighten_min_approval_percent: Points = Field(
        15.0, description="It tightens only while civil approval (percent) is above this."
    )
    tighten_step_percent: Points = Field(
        5.0, description="Points of civil approval cut per tightening, before reciprocity."
    )
    tighten_step_per_reciprocity_percent: Points = Field(
        20.0, description="Extra points cut per tightening per unit of reciprocity."
    )
    tighten_floor_percent: Points = Field(
        10.0, description="Civil approval (percent) that tightening never goes below."
    )
    tighten_delay_days: Days = Field(
        14.0, description="Days added to licence delays per tightening."
    )
    ease_max_grievance: Frac = Field(
        0.1, description="Grievance below which an exporter that trusts a partner may ease."
    )
    ease_step_percent: Points = Field(
        10.0, description="Points of civil approval added per easing."
    )
    ease_delay_cut_days: Days = Field(
        7.0, description="Days taken off licence delays per easing."
    )
    max_licence_delay_days: Days = Field(
        120.0, description="Longest licence delay (days) an AI state sets."
    )
    export_cap_min_hawkishness: Frac = Field(
        0.7, description="Hawkishness from which an exporter under full grievance caps its "
        "Dy/Tb oxide exports."
    )
    export_cap_window_weeks: Annotated[int, Field(ge=1, le=520)] = Field(
        52, description="Weeks of past exports whose pace sets the cap."
    )
    retaliation_tariff_percent: TariffPoints = Field(
        25.0, description="Tariff points a cheated state adds to its pre-deal tariff, before "
        "reciprocity."
    )
    retaliation_tariff_per_reciprocity_percent: TariffPoints = Field(
        50.0, description="Extra retaliation tariff points per unit of reciprocity."
    )
    threat_min_hawkishness: Frac = Field(
        0.5, description="Hawkishness from which an importer in pain threatens; below it, it "
        "offers a framework."
    )
    full_pain_price_rise: Annotated[float, Field(gt=0, le=100)] = Field(
        3.0, description="Rise of the magnet price over its start price, as a multiple of it, "
        "felt as full pain (3: four times the start price)."
    )
    destock_share_of_threshold: Frac = Field(
        0.5, description="A state releases its stockpile when its pain falls below this share "
        "of its pain threshold."
    )
    investment_share_of_demand: Annotated[float, Field(ge=0, le=2)] = Field(
        0.1, description="Capacity an anxious state funds per decision, as a share of its "
        "magnet demand."
    )
    investment_cooldown_weeks: Annotated[int, Field(ge=1, le=520)] = Field(
        26, description="Weeks a state waits between capacity programmes."
    )
    funded_feed_ndpr_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.2, description="NdPr share of the REO feed a state assumes when it sizes the "
        "separation plant for its magnet programme (t feed = t NdPr / this)."
    )
    subsidy_min_raise_usd_per_kg: UsdPerKg = Field(
        0.5, description="A state raises a subsidy only when the new level beats the current "
        "one by more than this (USD/kg)."
    )
    stockpile_weeks: Annotated[float, Field(ge=0, le=104)] = Field(
        8.0, description="Weeks of use allies aim to stockpile at full supply risk."
    )
    pain_for_full_stockpile: Annotated[float, Field(gt=0, le=1)] = Field(
        0.5, description="Pain (0-1) at which the stockpile target reaches stockpile_weeks."
    )
    stockpile_raise_factor: Annotated[float, Field(ge=1, le=100)] = Field(
        1.2, description="A new stockpile target is set only when it exceeds the current one "
        "by this factor."
    )
