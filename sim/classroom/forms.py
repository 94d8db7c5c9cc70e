"""A team's decision form: the fields of the round page, read into a decision payload.

Each group of fields is one lever, offer or answer; a group left blank changes
nothing. The payload is checked by the model's rules afterwards
(``game.checked_decision``); this module only turns text into numbers, and
refuses text that is not a number with the name of the field.
"""

from __future__ import annotations

import json

from sim.world import PRODUCTS, STAGES

CONTROLLED = ["dytb_oxide", "magnet"]  # the goods licensing and frameworks are about


class FormError(ValueError):
    """A form field that cannot be read; the message names the field."""


def _number(form: dict[str, str], name: str, label: str) -> float | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise FormError(f"{label}: {text!r} is not a number") from None


def _choice(form: dict[str, str], name: str, allowed: tuple[str, ...] | list[str],
            label: str) -> str:
    value = form.get(name, "").strip()
    if value not in allowed:
        raise FormError(f"{label}: {value!r}; allowed: {', '.join(allowed)}")
    return value


def decision_payload(form: dict[str, str], me: str, regions: list[str],
                     offers: dict | None = None) -> dict:
    """The decision of state ``me`` that the round page's ``form`` asks for; ``offers`` are
    the terms of the offers open to it, by id (a counter-offer keeps their sides)."""
    offers = offers or {}
    others = [code for code in regions if code != me]
    if form.get("advanced", "").strip():
        try:
            payload = json.loads(form["advanced"])
        except json.JSONDecodeError as error:
            raise FormError(f"decision as JSON: {error.msg} at character {error.pos}") from None
        if not isinstance(payload, dict):
            raise FormError("decision as JSON: expected an object {...}")
        return payload
    levers, offers_made, answers = [], [], []
    percent = _number(form, "tariff_percent", "tariff")
    if percent is not None:
        exporter = _choice(form, "tariff_on", ["all", *others], "tariff on")
        levers.append({"type": "tariff", "importer": me, "products": "all", "percent": percent,
                       "exporters": "all" if exporter == "all" else [exporter]})
    civil = _number(form, "licence_civil", "civil licence approval")
    if civil is not None:
        to = _choice(form, "licence_to", ["all", *others], "licences for")
        military = _number(form, "licence_military", "military licence approval")
        delay = _number(form, "licence_delay", "licence delay")
        levers.append({"type": "licensing", "exporter": me, "products": CONTROLLED,
                       "destinations": "all" if to == "all" else [to],
                       "civil_approval_percent": civil,
                       "military_approval_percent": 0.0 if military is None else military,
                       "delay_days": 0.0 if delay is None else delay})
    quota = _number(form, "quota_t", "export quota")
    if quota is not None:
        product = _choice(form, "quota_product", PRODUCTS, "export quota product")
        levers.append({"type": "export_quota", "exporter": me, "products": [product],
                       "tonnes_per_year": quota})
    subsidy = _number(form, "subsidy_usd", "subsidy")
    if subsidy is not None:
        stage = _choice(form, "subsidy_stage", STAGES, "subsidy stage")
        levers.append({"type": "subsidy", "state": me, "stage": stage, "usd_per_kg": subsidy})
    target = _number(form, "stockpile_t", "stockpile target")
    if target is not None:
        product = _choice(form, "stockpile_product", PRODUCTS, "stockpile product")
        buy = _number(form, "stockpile_buy", "stockpile buying")
        release = _number(form, "stockpile_release", "stockpile release")
        levers.append({"type": "stockpile", "state": me, "product": product, "target_t": target,
                       "buy_t_per_year": buy or 0.0, "release_t_per_year": release or 0.0})
    tariff_to = _number(form, "offer_tariff", "offer: tariff after the cuts")
    if tariff_to is not None:
        partner = _choice(form, "offer_to", others, "offer to")
        role = _choice(form, "offer_role", ("tariff", "licences"), "in the offer, I give")
        approval = _number(form, "offer_civil", "offer: civil approval")
        offers_made.append({"type": "offer", "actor": me,
                       "tariff_by": me if role == "tariff" else partner,
                       "licences_by": partner if role == "tariff" else me,
                       "tariff_to_percent": tariff_to, "products": CONTROLLED,
                       "civil_approval_percent": 90.0 if approval is None else approval})
    threats = []
    threat = _number(form, "threat_percent", "threat: extra tariff")
    if threat is not None:
        target = _choice(form, "threat_target", others, "threaten")
        weeks = _number(form, "threat_weeks", "threat: deadline weeks")
        demand = _number(form, "threat_approval", "threat: civil approval demanded")
        threats.append({"type": "threat", "actor": me, "target": target, "percent": threat,
                        "deadline_weeks": 4 if weeks is None else int(weeks),
                        "demand_civil_approval_percent": 90.0 if demand is None else demand})
    for key in sorted(form):
        reply = form[key]
        if not key.startswith("answer_") or reply not in ("accept", "reject", "counter"):
            continue
        offer = key.removeprefix("answer_")
        answer = {"offer": offer, "reply": reply,
                  "reason": form.get("reason", "").strip()[:300]}
        if reply == "counter":
            answer["counter"] = _counter(form, offer, me, offers.get(offer))
        answers.append(answer)
    return {"state": me, "levers": levers, "offers": offers_made, "answers": answers,
            "threats": threats}


def _counter(form: dict[str, str], offer: str, me: str, terms) -> dict:
    """A counter-offer to ``offer``: the same two sides, the tariff and approval asked."""
    if terms is None:
        raise FormError(f"counter to {offer}: it is not an offer open to {me}")
    tariff = _number(form, f"counter_tariff_{offer}", f"counter to {offer}: tariff")
    civil = _number(form, f"counter_civil_{offer}", f"counter to {offer}: civil approval")
    return {"type": "offer", "actor": me, "tariff_by": terms.tariff_by,
            "licences_by": terms.licences_by, "products": list(terms.products),
            "tariff_to_percent": terms.tariff_to_percent if tariff is None else tariff,
            "civil_approval_percent": terms.civil_approval_percent if civil is None else civil}
