"""The view as a class sees it on a projector: at 1280x720 and 1920x1080, chart
and page text at least 12 px, nothing covering the cards (no Solara badge), news
in display names with policy above capacity news. Screenshots of both sizes go to
test-output/ for a person to look at."""

from __future__ import annotations

import pytest

from sim.view.chart_base import MIN_FONT_PT, LiveChart
from sim.view.harness import open_view, sidebar_button, wait_for_week
from tests.browser.conftest import OUTPUT, TIMEOUT_MS, new_page

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]
MIN_PX = 12

# smallest computed font size of any visible text in the main area, and the element
SMALLEST_PAGE_TEXT = """() => {
  let smallest = [1000, ''];
  const root = document.querySelector('.res-dash-wrap').parentElement;
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest[0]) smallest = [size, el.textContent.trim().slice(0, 60)];
  }
  return smallest;
}"""
# each card scrolled into view: are points along its top and at its bottom corners (where
# a corner badge would sit) its own, with nothing on top of them?
COVERED_CARDS = """() => [...document.querySelectorAll('.res-card')].filter(card => {
  card.scrollIntoView({block: 'start'});
  const r = card.getBoundingClientRect();
  const y = Math.max(r.top, 0) + Math.min(r.height / 2, 40);
  const bottom = Math.min(r.bottom, window.innerHeight) - 12;
  const probes = [[r.left + 20, y], [r.left + r.width / 2, y], [r.right - 20, y],
                  [r.left + 20, bottom], [r.right - 20, bottom]];
  return probes.some(([x, py]) => {
    const top = document.elementFromPoint(x, py);
    return !(top && card.contains(top));
  });
}).map(card => card.className)"""


def chart_scales(page) -> dict[str, float]:
    """Shown width over the PNG's own width, per chart image."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        'img.res-chart')].map(i => [i.className.match(/res-chart-(\\w+)/)[1],
        i.clientWidth / i.naturalWidth]))""")


@pytest.fixture(scope="module")
def year_pages(chromium, server):
    """One page per size, a year into the baseline run."""
    pages = {}
    contexts = []
    for size in SIZES:
        context, page = new_page(chromium, viewport=size)
        contexts.append(context)
        open_view(page, server.url)
        sidebar_button(page, "Step year").click()
        wait_for_week(page, 52, TIMEOUT_MS)
        page.wait_for_function("() => document.querySelector('.res-news-key')"
                               "?.textContent.includes('Busan')", timeout=TIMEOUT_MS)
        page.evaluate("() => Promise.all([...document.querySelectorAll('img.res-chart')]"
                      ".map(i => i.decode().catch(() => null)))")
        pages[size] = page
    yield pages
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_screenshots_of_both_sizes(year_pages, size):
    page = year_pages[size]
    OUTPUT.mkdir(exist_ok=True)
    name = f"view_{size[0]}x{size[1]}"
    page.screenshot(path=str(OUTPUT / f"{name}.png"))
    page.locator(".res-card-news").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / f"{name}_news.png"))
    assert (OUTPUT / f"{name}.png").stat().st_size > 50_000


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_chart_text_is_at_least_12px_on_screen(year_pages, size):
    scales = chart_scales(year_pages[size])
    assert {"prices", "policy", "trade", "capacity"} <= set(scales)
    smallest_px = MIN_FONT_PT * LiveChart.dpi / 72  # in the PNG (test_charts checks texts)
    shown = {name: smallest_px * scale for name, scale in scales.items()}
    assert all(px >= MIN_PX for px in shown.values()), shown


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_page_text_is_at_least_12px(year_pages, size):
    size_px, text = year_pages[size].evaluate(SMALLEST_PAGE_TEXT)
    assert size_px >= MIN_PX, f"{size_px}px: {text!r}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nothing_covers_the_cards(year_pages, size):
    page = year_pages[size]
    assert page.get_by_text("This website runs on").count() == 0
    assert page.evaluate(COVERED_CARDS) == []


def test_news_uses_names_and_keeps_policy_on_top(year_pages):
    page = year_pages[SIZES[0]]
    key = page.locator(".res-news-key").inner_text()
    routine = page.locator(".res-news-routine").inner_text()
    assert "London framework" in key and "Geneva truce" in key
    assert "commits to" in routine and "commits to" not in key
    text = page.locator(".res-card-news").inner_text()
    for internal in ("iluka_eneabba", "mp_fort_worth", "lynas_malaysia", " in ROW"):
        assert internal not in text
    assert text.count("Eneabba refinery under construction") == 1
    box = page.locator(".res-card-news")
    assert box.get_by_text("Policy, talks and disruptions").bounding_box()["y"] < (
        box.get_by_text("Capacity and investment").bounding_box()["y"])


def test_week_0_lists_the_states_and_the_picker_shows_titles(chromium, server):
    context, page = new_page(chromium, viewport=SIZES[0])
    try:
        open_view(page, server.url)
        rows = page.locator(".res-scorecard tr")
        assert rows.count() > 3  # header + every state with magnet users or makers
        assert "United States" in page.locator(".res-scorecard").inner_text()
        page.locator(".res-scenario-select [role=button]").first.click()
        assert "Calm test world" in page.get_by_role("option", name="calm_test").inner_text()
    finally:
        context.close()
