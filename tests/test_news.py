"""The news people read: display names instead of ids, each thing said once, and
policy, talks and disruptions kept above routine capacity news. The log itself
(events.csv) keeps the ids."""

from __future__ import annotations

import re

import pytest

from sim.headlines import DisplayNames, headline, readable_id
from sim.news import news_feed
from sim.scenario import available_scenarios
from sim.scenario import levers as lv
from sim.view import panels
from tests.conftest import finished_model, scenario

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def names():
    return DisplayNames.from_scenario(scenario("baseline_2025"))


def test_regions_read_as_names_in_running_text(names):
    assert names.phrase("ROW") == "the rest of the world"
    assert names.phrase("US") == "the United States"
    assert names.subject("US") == "The United States"
    assert names.phrase("CN") == "China"
    assert names.rewrite("US finds that CN broke deal D1") == (
        "The United States finds that China broke deal D1")
    assert names.rewrite("US-Australia framework") == "US-Australia framework"


@pytest.mark.parametrize("ident, name", [
    ("mp_fort_worth", "MP Fort Worth"), ("lynas_malaysia", "Lynas Malaysia"),
    ("iluka_eneabba", "Iluka Eneabba"), ("mp_10x", "MP 10X"),
    ("china_light_ree", "China Light REE"),
    ("us_us_magnets_programme", "United States magnets programme"),
    ("us_au_refining_programme", "United States refining programme in Australia"),
])
def test_firm_names_are_derived_from_their_ids(names, ident, name):
    assert names.firm(ident) == name


def test_readable_id_without_a_scenario():
    assert readable_id("rare_earth_etf") == "Rare Earth ETF"


def test_the_log_keeps_ids_and_the_feed_tells_the_same_change_in_names(names):
    change = lv.Tariff(type="tariff", importer="US", exporters=["CN", "ROW"],
                       products=["dytb_oxide", "magnet"], percent=50)
    assert headline(change) == "US tariff on dytb_oxide, magnet from CN, ROW: 50%"
    assert headline(change, names) == (
        "United States tariff on Dy/Tb oxide and magnets from China and the rest of the "
        "world: 50%")


@pytest.mark.parametrize("name", available_scenarios())
def test_no_internal_ids_in_the_feed(name):
    model = finished_model(name, 0, 260)
    spec = model.spec
    feed = news_feed(list(model.news.items), DisplayNames.from_scenario(spec))
    assert feed
    codes = re.compile(rf"\b({'|'.join(spec.regions)})\b")
    for item in feed:
        assert not SNAKE.search(item.text), item.text
        if item.source not in ("timeline", "scenario"):  # authors may write "US" themselves
            assert not codes.search(item.text), item.text


def test_an_investment_and_the_commitment_it_sets_off_are_one_item():
    model = finished_model("baseline_2025", 0, 30)
    log = list(model.news.items)
    assert [i.kind for i in log if i.payload.get("firm") == "iluka_eneabba"] == [
        "capacity_investment", "investment_decision"]
    feed = news_feed(log, DisplayNames.from_scenario(model.spec))
    eneabba = [item.text for item in feed if "Eneabba" in item.text]
    assert eneabba == ["Iluka's Eneabba refinery under construction (17,500 t/yr) "
                       "(online about Jul 2027)"]


def test_policy_news_stays_in_view_above_routine_capacity_news():
    model = finished_model("baseline_2025", 0, 104)
    feed = news_feed(list(model.news.items), DisplayNames.from_scenario(model.spec))
    html = panels.news_html(feed, model.steps)
    key, routine = html.split("Capacity and investment")
    assert "Policy, talks and disruptions" in key
    for story in ("London framework", "Geneva truce", "Busan deal", "licences for seven heavy"):
        assert story in key, story  # the 2025 events, a year on
    assert "commits to" not in key and "commits to" in routine
    assert all(item.key for item in feed if item.kind in ("tariff", "licensing", "disruption"))


def test_a_combined_quota_and_re_export_conditions_say_so_in_the_news(names):
    quota = lv.ExportQuota(type="export_quota", exporter="CN", products=["ndpr_oxide",
                           "dytb_oxide"], tonnes_per_year=6354, combined=True)
    assert headline(quota, names).startswith("China sets one export quota of 6,354 t/yr across")
    licence = lv.Licensing(type="licensing", exporter="CN", products=["magnet"],
                           destinations=["JP"], civil_approval_percent=40,
                           reexport_controlled=True)
    assert headline(licence, names).endswith(
        "; no re-export where it would refuse the destination itself")
    plain = licence.model_copy(update={"reexport_controlled": False})
    assert "re-export" not in headline(plain, names)
