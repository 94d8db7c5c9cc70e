"""Plain-language headlines for policy changes, and the names news is told in.

The news log (``events.csv``) keeps the scenario's ids: region codes (``US``)
and firm ids (``mp_fort_worth``), so a log can be replayed and joined to the
tidy table. What people read, the view's news feed, uses ``DisplayNames``:
each region's ``name`` from the scenario ("the United States", "the rest of the
world") and a name derived from each firm's id ("MP Fort Worth"), since
scenarios give firms no display name. ``headline(change)`` writes a change's
log text; ``headline(change, names)`` the same sentence in display names.
"""

from __future__ import annotations

import re

from sim.scenario import levers as lv

PRODUCT_NAMES = {"concentrate": "concentrate", "ndpr_oxide": "NdPr oxide",
                 "dytb_oxide": "Dy/Tb oxide", "magnet": "magnets"}
ACRONYMS = {"mp": "MP", "dod": "DoD", "etf": "ETF", "ree": "REE", "ndpr": "NdPr",
            "dytb": "Dy/Tb", "uk": "UK", "usa": "USA", "ev": "EV"}
SMALL_WORDS = {"of", "and", "the", "for", "in", "on", "at", "de"}
# names read with "the" in running text ("in the United States", "the rest of the world")
ARTICLE_FIRST = ("united ", "european ", "rest of ", "republic ", "people's ", "democratic ")
ARTICLE_LAST = ("states", "union", "kingdom", "emirates", "islands", "netherlands",
                "philippines")
SNAKE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PROGRAMME_ID = re.compile(r"^([a-z]+)_([a-z]+)_(mining|refining|magnets)_programme$")


class IdNames:
    """Names as the log writes them: the scenario's codes and ids, unchanged."""

    def region(self, code: str) -> str:
        return code

    def subject(self, code: str) -> str:
        """A region as the subject that opens a sentence."""
        return code

    def phrase(self, code: str) -> str:
        """A region inside a sentence ("in ROW")."""
        return code

    def places(self, value, everyone: str = "all") -> str:
        return "all" if value == "all" else ", ".join(value)

    def region_or_all(self, value: str) -> str:
        return value

    def products(self, value) -> str:
        return "all products" if value == "all" else ", ".join(value)

    def product(self, value: str) -> str:
        return value

    def firm(self, ident: str) -> str:
        return ident


class DisplayNames(IdNames):
    """Names for people: region names from the scenario, firm names derived from ids."""

    def __init__(self, regions: dict[str, str], firms: dict[str, str] | None = None):
        self.regions = dict(regions)
        self.firms = dict(firms or {})
        codes = "|".join(re.escape(code) for code in sorted(self.regions, key=len, reverse=True))
        self._code = re.compile(rf"(?<![\w/-])({codes})(?![\w/-])") if codes else None

    @classmethod
    def from_scenario(cls, scenario) -> DisplayNames:
        return cls({code: region.name for code, region in scenario.regions.items()})

    def region(self, code: str) -> str:
        name = self.regions.get(code, code)
        return "Rest of the world" if name.lower() in ("rest of world", "rest of the world") \
            else name

    def phrase(self, code: str) -> str:
        name = self.region(code)
        lower = name.lower()
        if lower.startswith("rest of"):
            return "the " + lower
        if lower.startswith(ARTICLE_FIRST) or lower.endswith(ARTICLE_LAST):
            return "the " + name
        return name

    def subject(self, code: str) -> str:
        text = self.phrase(code)
        return text[:1].upper() + text[1:]

    def places(self, value, everyone: str = "everywhere") -> str:
        if value == "all":
            return everyone
        return _join([self.phrase(code) for code in value])

    def region_or_all(self, value: str) -> str:
        return "all regions" if value == "all" else self.phrase(value)

    def products(self, value) -> str:
        return "all products" if value == "all" else _join([self.product(p) for p in value])

    def product(self, value: str) -> str:
        return PRODUCT_NAMES.get(value, value)

    def firm(self, ident: str) -> str:
        if ident in self.firms:
            return self.firms[ident]
        programme = PROGRAMME_ID.match(ident)
        if programme and programme[1].upper() in self.regions:
            funder, host, stage = programme[1].upper(), programme[2].upper(), programme[3]
            where = "" if host == funder else f" in {self.phrase(host)}"
            return f"{self.region(funder)} {stage} programme{where}"
        return readable_id(ident, self.regions)

    def rewrite(self, text: str) -> str:
        """Replace the ids and region codes in a generated sentence by display names."""
        text = SNAKE_ID.sub(lambda m: PRODUCT_NAMES.get(m[0]) or self.firm(m[0]), text)
        if self._code is None:
            return text

        def name(match: re.Match) -> str:
            before = text[: match.start()].rstrip()
            opens = not before or before[-1] in ".;!?"
            return self.subject(match[1]) if opens else self.phrase(match[1])

        return self._code.sub(name, text)


def readable_id(ident: str, region_codes=()) -> str:
    """A name from a snake_case id: ``mp_fort_worth`` -> "MP Fort Worth"."""
    codes = {code.lower() for code in region_codes}
    words: list[str] = []
    for k, word in enumerate(w for w in ident.split("_") if w):
        if words and word == words[-1].lower():
            continue  # "us_us_..." says the region twice
        if word in codes or word in ACRONYMS or any(ch.isdigit() for ch in word):
            words.append(ACRONYMS.get(word, word.upper()))
        elif k and word in SMALL_WORDS:
            words.append(word)
        else:
            words.append(word.capitalize())
    return " ".join(words)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def headline(change: lv.LeverBase, names: IdNames | None = None) -> str:
    """The news text of a change: its own headline if it has one, else a sentence
    in ``names`` (default: the ids the log keeps)."""
    if change.headline:
        return change.headline
    n = names or IdNames()
    match change:
        case lv.ExportQuota(tonnes_per_year="none"):
            return (f"{n.subject(change.exporter)} lifts its export quota on "
                    f"{n.products(change.products)}")
        case lv.ExportQuota(combined=True):
            return (f"{n.subject(change.exporter)} sets one export quota of "
                    f"{change.tonnes_per_year:,.0f} t/yr across {n.products(change.products)}")
        case lv.ExportQuota():
            return (f"{n.subject(change.exporter)} sets an export quota of "
                    f"{change.tonnes_per_year:,.0f} t/yr on {n.products(change.products)}")
        case lv.MiningQuota(tonnes_per_year="none"):
            return f"{n.subject(change.state)} lifts its mining quota"
        case lv.MiningQuota():
            return (f"{n.subject(change.state)} sets its mining quota at "
                    f"{change.tonnes_per_year:,.0f} t REO/yr")
        case lv.ExportDuty():
            return (f"{n.region(change.exporter)} export duty on {n.products(change.products)}: "
                    f"{change.percent:g}%")
        case lv.Tariff():
            return (f"{n.region(change.importer)} tariff on {n.products(change.products)} from "
                    f"{n.places(change.exporters)}: {change.percent:g}%")
        case lv.Licensing(controlled=False):
            return (f"{n.subject(change.exporter)} lifts export licensing on "
                    f"{n.products(change.products)} to "
                    f"{n.places(change.destinations, 'all destinations')}")
        case lv.Licensing():
            return (f"{n.subject(change.exporter)} licenses exports of "
                    f"{n.products(change.products)} to "
                    f"{n.places(change.destinations, 'all destinations')}: civil approval "
                    f"{change.civil_approval_percent:g}%, military "
                    f"{change.military_approval_percent:g}%, delay {change.delay_days:g} days"
                    + ("; no re-export where it would refuse the destination itself"
                       if change.reexport_controlled else ""))
        case lv.PriceFloor():
            return (f"{n.region(change.state)} price floor for its {n.product(change.product)}: "
                    f"${change.usd_per_kg:g}/kg")
        case lv.Subsidy():
            return f"{n.region(change.state)} subsidy for {change.stage}: ${change.usd_per_kg:g}/kg"
        case lv.Stockpile():
            return (f"{n.region(change.state)} stockpile of {n.product(change.product)}: "
                    f"target {change.target_t:,.0f} t, buying {change.buy_t_per_year:,.0f} t/yr, "
                    "releasing "
                    f"{change.release_t_per_year:,.0f} t/yr")
        case lv.CapacityInvestment():
            return (f"{n.firm(change.firm)}: {change.capacity_t_per_year:,.0f} t/yr of new "
                    f"{change.stage} capacity in {n.phrase(change.region)}")
        case lv.Disruption(firm=str(firm)):
            return (f"Disruption: {n.firm(firm)} ({change.stage} in "
                    f"{n.phrase(change.region)}) at {change.output_percent:g}% for "
                    f"{change.weeks} weeks")
        case lv.Disruption():
            return (f"Disruption: {change.stage} in {n.phrase(change.region)} at "
                    f"{change.output_percent:g}% for {change.weeks} weeks")
        case lv.Threat():
            return (f"{n.subject(change.actor)} threatens a {change.percent:g}% tariff on "
                    f"{n.phrase(change.target)} in "
                    f"{change.deadline_weeks} weeks unless civil licence approvals reach "
                    f"{change.demand_civil_approval_percent:g}%")
        case lv.Offer() | lv.Deal():
            verb = "offers" if change.type == "offer" else "signs"
            return (f"{n.subject(change.actor)} {verb} a framework: {n.region(change.tariff_by)} "
                    f"tariff on {n.phrase(change.licences_by)} down to "
                    f"{change.tariff_to_percent:g}% in "
                    f"{change.tariff_steps} steps, civil licences at "
                    f"{change.civil_approval_percent:g}%, military at "
                    f"{change.military_approval_percent:g}%")
        case lv.DemandShock():
            return (f"Demand shock: {change.segment} demand in {n.region_or_all(change.region)} "
                    f"x{change.factor:g}")
        case _:
            return f"{n.region(change.actor) if change.actor else ''} announcement".strip()


def actor_of(change: lv.LeverBase) -> str:
    if change.actor:
        return change.actor
    for field in ("exporter", "importer", "state", "region", "tariff_by"):
        value = getattr(change, field, None)
        if isinstance(value, str):
            return value
    return ""


def subject_of(change: lv.LeverBase) -> str:
    for field in ("target", "licences_by", "firm", "products", "product", "stage", "segment"):
        value = getattr(change, field, None)
        if value:
            return value if isinstance(value, str) else ",".join(value)
    return ""
