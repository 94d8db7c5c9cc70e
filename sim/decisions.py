"""One decision interface for every state, AI, scripted or human.

A ``Decision`` is what one state does in one week: the levers it sets, the
offers and threats it makes, and its answers to offers addressed to it. The
model checks it against what that state may do (``problems``), applies it in
the state's turn of the negotiate phase and logs it (``DecisionRecord``), so a
run is reproducible from its scenario, its seed and the list of decisions
(``DecisionDesk.replay``). A decision that is refused raises
``DecisionRefused`` naming what is wrong and what is allowed, and changes
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationError

from sim.scenario import levers as lv
from sim.scenario.types import RegionCode, Strict

if TYPE_CHECKING:
    from sim.interfaces import World

# The levers a state may set, each with the field that names the state it belongs to.
LeverChange = Annotated[
    lv.ExportQuota | lv.MiningQuota | lv.ExportDuty | lv.Tariff | lv.Licensing | lv.PriceFloor
    | lv.Subsidy | lv.Stockpile | lv.CapacityInvestment,
    Field(discriminator="type"),
]
OWNER_FIELD = {"export_quota": "exporter", "mining_quota": "state", "export_duty": "exporter",
               "tariff": "importer", "licensing": "exporter", "price_floor": "state",
               "subsidy": "state", "stockpile": "state", "capacity_investment": "actor"}
SOURCES = {"ai": "ai", "scripted": "scripted", "human": "player"}  # policy -> news source


class Answer(Strict):
    """A state's answer to an open offer addressed to it."""

    offer: str = Field(pattern=r"^O[0-9]+$", description="Id of the offer answered (O1, O2...).")
    reply: Literal["accept", "reject", "counter"]
    counter: lv.Offer | None = Field(None, description="The counter-offer (reply counter only).")
    reason: str = Field("", max_length=300, description="Why, in words, for the news.")


class Decision(Strict):
    """What one state does this week: levers, offers, answers, threats."""

    state: RegionCode
    levers: list[LeverChange] = Field([], description="Its own levers (own state only).")
    offers: list[lv.Offer] = Field([], description="Packages it proposes (it is a party).")
    answers: list[Answer] = Field([], description="Answers to open offers addressed to it.")
    threats: list[lv.Threat] = Field([], description="Threats it makes (it is the actor).")

    @property
    def empty(self) -> bool:
        return not (self.levers or self.offers or self.answers or self.threats)


class DecisionRecord(Strict):
    """A decision as the log keeps it: the week it was applied and who made it."""

    step: int
    source: str
    decision: Decision


class DecisionRefused(ValueError):
    """A decision the state may not make; nothing was changed."""

    def __init__(self, state: str, problems: list[str]):
        self.state, self.problems = state, problems
        super().__init__(f"decision of {state} refused: " + "; ".join(problems))


def as_decision(decision: Decision | dict) -> Decision:
    """A validated ``Decision``; a dict that does not validate is refused with its errors."""
    if isinstance(decision, Decision):
        return decision
    try:
        return Decision.model_validate(decision)
    except ValidationError as error:
        state = decision.get("state", "?") if isinstance(decision, dict) else "?"
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise DecisionRefused(str(state), problems) from None


def owner(change: lv.LeverBase) -> str | None:
    """The state a lever belongs to."""
    return getattr(change, OWNER_FIELD[change.type])


def problems(model: World, decision: Decision) -> list[str]:
    """What ``decision`` asks that its state may not do (empty: it may do all of it)."""
    found: list[str] = []
    code = decision.state
    if code not in model.region_index:
        return [f"state {code!r} is not in this scenario; allowed: {', '.join(model.regions)}"]
    me = model.states[model.region_index[code]]
    allowed = ", ".join(model.regions)
    for group in ("levers", "offers", "threats"):
        for k, change in enumerate(getattr(decision, group)):
            found += [f"{group}.{k}.{field}: unknown region {value!r}; allowed: {allowed}"
                      for field, value in lv.regions_named(change)
                      if value not in model.region_index]
    for k, answer in enumerate(decision.answers):
        if answer.counter is not None:
            found += [f"answers.{k}.counter.{field}: unknown region {value!r}; allowed: "
                      f"{allowed}" for field, value in lv.regions_named(answer.counter)
                      if value not in model.region_index]
    if found:
        return found
    for k, change in enumerate(decision.levers):
        found += _lever_problems(model, me, change, f"levers.{k}")
    for k, offer in enumerate(decision.offers):
        where = f"offers.{k}"
        if offer.actor != code:
            found.append(f"{where}.actor: {offer.actor!r}; a decision of {code} proposes as "
                         f"{code} only")
        if code not in (offer.tariff_by, offer.licences_by):
            found.append(f"{where}: {code} is neither tariff_by nor licences_by; a state offers "
                         "only packages it is a party to")
    for k, threat in enumerate(decision.threats):
        if threat.actor != code:
            found.append(f"threats.{k}.actor: {threat.actor!r}; a decision of {code} threatens "
                         f"as {code} only")
        if threat.target == code:
            found.append(f"threats.{k}.target: a state cannot threaten itself")
    open_to_me = model.diplomacy.open_offers_to(code)
    answered: set[str] = set()
    for k, answer in enumerate(decision.answers):
        found += _answer_problems(model, code, answer, open_to_me, answered, f"answers.{k}")
        answered.add(answer.offer)
    return found


def _lever_problems(model: World, me, change, where: str) -> list[str]:
    code, belongs = me.code, owner(change)
    if change.actor is not None and change.actor != code:
        return [f"{where}.actor: {change.actor!r}; a decision of {code} acts as {code} only"]
    if change.type == "capacity_investment" or belongs == code:
        return []
    allies_ai = [a for a in me.allies
                 if model.states[model.region_index[a]].policy_mode == "ai"]
    if change.type == "stockpile" and belongs in allies_ai:
        return []  # allies that both play coordinate their stockpiles
    field = OWNER_FIELD[change.type]
    extra = f" (or a stockpile of an AI ally: {', '.join(allies_ai)})" if allies_ai else ""
    return [f"{where}.{field}: {belongs!r} is another state's {change.type} lever; {code} may "
            f"set only its own ({field} = {code!r}){extra}"]


def _answer_problems(model: World, code: str, answer: Answer, open_to_me: dict,
                     answered: set[str], where: str) -> list[str]:
    offer = model.diplomacy.offers.get(answer.offer)
    if offer is None or answer.offer not in open_to_me and offer.addressee == code:
        shown = ", ".join(open_to_me) or "none"
        return [f"{where}.offer: {answer.offer} is not an open offer; open offers to {code}: "
                f"{shown}"]
    if offer.addressee != code:
        return [f"{where}.offer: {answer.offer} is addressed to {offer.addressee}, not {code}; "
                f"only its addressee answers an offer"]
    if answer.offer in answered:
        return [f"{where}.offer: {answer.offer} is answered twice"]
    if (answer.reply == "counter") != (answer.counter is not None):
        return [f"{where}.counter: a counter-offer goes with reply 'counter' and only with it"]
    if answer.counter is not None:
        counter, terms = answer.counter, offer.terms
        if counter.actor != code or {counter.tariff_by, counter.licences_by} != {
                terms.tariff_by, terms.licences_by}:
            return [f"{where}.counter: a counter-offer is made by {code} between the same two "
                    f"states ({terms.tariff_by}, {terms.licences_by}), with the same sides"]
        if (counter.tariff_by, counter.licences_by) != (terms.tariff_by, terms.licences_by):
            return [f"{where}.counter: tariff_by must stay {terms.tariff_by} and licences_by "
                    f"{terms.licences_by}"]
        if offer.counters_left <= 0:
            return [f"{where}.reply: no counter-offers left on {answer.offer}; allowed: "
                    "accept or reject"]
    return []


class DecisionDesk:
    """Takes each state's decision in its turn of the negotiate phase, applies and logs it.

    AI and scripted states decide for themselves (``State.decide``); a human
    state's decisions are those submitted for it (``submit``). Under ``replay``
    no state decides: the logged decisions are applied in their weeks instead.
    """

    def __init__(self, model: World):
        self.model = model
        self.log: list[DecisionRecord] = []
        self.submitted: dict[str, list[Decision]] = {code: [] for code in model.regions}
        self.replaying: dict[tuple[int, str], list[DecisionRecord]] | None = None

    def submit(self, decision: Decision | dict, explore: bool = False) -> Decision:
        """Queue a human state's decision for its next turn; refused ones change nothing.

        ``explore``: a person exploring acts for any state, AI or scripted too (as
        the browser view's offer control does); the decision is applied in that
        state's turn before its own.
        """
        decision = as_decision(decision)
        code = decision.state
        state = self.model.states[self.model.region_index[code]] if (
            code in self.model.region_index) else None
        if state is not None and state.policy_mode != "human" and not explore:
            human = [s.code for s in self.model.states if s.policy_mode == "human"]
            raise DecisionRefused(code, [
                f"{code} plays by policy {state.policy_mode!r}; decisions are submitted only "
                f"for states whose policy is 'human' (here: {', '.join(human) or 'none'})"])
        found = problems(self.model, decision)
        if found:
            raise DecisionRefused(code, found)
        self.submitted[code].append(decision)
        return decision

    def replay(self, records: list[DecisionRecord]) -> None:
        """Apply ``records`` in their weeks instead of letting any state decide."""
        self.replaying = {}
        for record in records:
            self.replaying.setdefault((record.step, record.decision.state), []).append(record)

    def turn(self, state) -> None:
        """``state``'s turn of the negotiate phase this week."""
        step = self.model.steps
        if self.replaying is not None:
            for record in self.replaying.get((step, state.code), ()):
                self._apply(record)
            return
        queued, self.submitted[state.code] = self.submitted[state.code], []
        for decision in queued:
            self._apply(DecisionRecord(step=step, source="player", decision=decision))
        if state.policy_mode == "human":
            self.model.diplomacy.read(state.code, step)  # its team has read its letters
            return
        decision = state.decide()
        if decision is not None and not decision.empty:
            found = problems(self.model, decision)
            if found:  # a state's own rules made it: a fault of the model, not of a player
                raise DecisionRefused(state.code, found)
            self._apply(DecisionRecord(step=step, source=SOURCES[state.policy_mode],
                                       decision=decision), checked=True)

    def _apply(self, record: DecisionRecord, checked: bool = False) -> None:
        """Log ``record`` and carry it out: answers, levers, threats, offers, in that order.

        A submitted decision that is no longer allowed when its turn comes (an offer
        lapsed meanwhile) is logged as refused and changes nothing; ``checked``: its
        maker has just checked it.
        """
        self.log.append(record)
        model, decision, source = self.model, record.decision, record.source
        found = [] if checked else problems(model, decision)
        if found:
            model.changes.log("decision_refused", source, decision.state, decision.state,
                              f"{decision.state}'s decision is refused: " + "; ".join(found))
            return
        diplomacy = model.diplomacy
        for answer in decision.answers:
            diplomacy.answer(decision.state, answer, source)
        for change in decision.levers:
            diplomacy.check_breach(change, decision.state)
            model.apply_change(change, source=source)
        for change in (*decision.threats, *decision.offers):
            model.apply_change(change, source=source)


class DecisionLogError(ValueError):
    """A decision log file that cannot be read; the message names the line and the fault."""


def log_text(records: list[DecisionRecord]) -> str:
    """A decision log as JSON lines (``decisions.jsonl``), one record a line."""
    return "".join(record.model_dump_json(exclude_defaults=True) + "\n" for record in records)


def read_log(path) -> list[DecisionRecord]:
    """The records of a ``decisions.jsonl`` file written by ``log_text``."""
    from pathlib import Path

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DecisionLogError(f"{path}: cannot read the decision log ({error})") from None
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(DecisionRecord.model_validate_json(line))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the line"
            raise DecisionLogError(f"{path} line {number}: {where}: {first['msg']}; each "
                                   "line is one decision record as decisions.jsonl holds "
                                   "them") from None
    return records
