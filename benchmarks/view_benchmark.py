"""How live the browser view feels: step-to-chart latency and Play speed.

Starts ``python run.py serve`` on a free port, drives headless Chromium with
Playwright and prints:

- Step latency: from the click on Step (dispatched in the page) until the week
  label and every chart image have their new picture decoded and painted;
  median and 90th percentile of 20 clicks on the default scenario;
- Play: weeks advanced per second and chart redraws per second over a few
  seconds of Play, at the default speed (from week 0 and from week 260) and at
  the maximum speed.

Run: ``.venv/bin/python benchmarks/view_benchmark.py [--clicks 20] [--seconds 5]``.
A script, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from sim.view.harness import (  # noqa: E402
    ServedView,
    launch_chromium,
    open_view,
    sidebar_button,
    wait_for_week,
    week,
)

CHARTS = ("prices", "policy", "trade", "capacity")

# Click Step in the page and resolve when the week label and all charts show the new
# state (every chart whose picture changed, waiting for its decode and the next paint).
STEP_JS = """
async (charts) => {
  const imgs = charts.map(n => document.querySelector('img.res-chart-' + n));
  const weekEl = document.querySelector('.res-week');
  const before = imgs.map(i => i.src);
  const week0 = weekEl.textContent;
  const button = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim().toUpperCase() === 'STEP');
  const t0 = performance.now();
  button.click();
  const deadline = t0 + 5000;
  // all charts of one step arrive in one render; allow 400 ms after the week label for
  // charts whose picture did not change at all
  let weekAt = null;
  while (performance.now() < deadline) {
    await new Promise(r => requestAnimationFrame(r));
    const w = document.querySelector('.res-week');
    if (weekAt === null && w && w.textContent !== week0) weekAt = performance.now();
    const changed = charts.map(n => document.querySelector('img.res-chart-' + n).src)
        .map((s, k) => s !== before[k]);
    if (weekAt !== null && (changed.every(Boolean) || performance.now() - weekAt > 400)) {
      const now = charts.map(n => document.querySelector('img.res-chart-' + n));
      await Promise.all(now.filter((img, k) => changed[k]).map(img => img.decode()));
      await new Promise(r => requestAnimationFrame(r));
      return {ms: performance.now() - t0, changed: changed.filter(Boolean).length};
    }
  }
  return {ms: null, changed: 0};
}
"""

# Count how often the price chart's picture changes while the run plays.
WATCH_JS = """
() => {
  window.__resFrames = 0;
  const img = document.querySelector('img.res-chart-prices');
  new MutationObserver(() => { window.__resFrames += 1; })
    .observe(img, {attributes: true, attributeFilter: ['src']});
}
"""


def measure_steps(page, clicks: int) -> list[float]:
    for _ in range(3):  # warm up: first frames draw the chart backgrounds
        page.evaluate(STEP_JS, list(CHARTS))
    times = []
    for _ in range(clicks):
        result = page.evaluate(STEP_JS, list(CHARTS))
        if result["ms"] is None:
            raise RuntimeError("a Step did not update the page within 5 s")
        times.append(result["ms"])
    return times


def measure_play(page, seconds: float) -> tuple[float, float]:
    page.evaluate(WATCH_JS)
    sidebar_button(page, "Play").click()
    sidebar_button(page, "Pause").wait_for(timeout=30_000)
    time.sleep(1.0)  # let the loop reach its pace
    w0, f0, t0 = week(page), page.evaluate("window.__resFrames"), time.perf_counter()
    time.sleep(seconds)
    w1, f1, t1 = week(page), page.evaluate("window.__resFrames"), time.perf_counter()
    sidebar_button(page, "Pause").click()
    sidebar_button(page, "Play").wait_for(timeout=30_000)
    return (w1 - w0) / (t1 - t0), (f1 - f0) / (t1 - t0)


def set_max_speed(page) -> None:
    slider = page.locator(".res-speed .v-slider__thumb-container").first
    slider.focus()
    page.keyboard.press("End")
    page.get_by_text("Speed: 52 weeks/s").wait_for(timeout=30_000)


def reset(page) -> None:
    sidebar_button(page, "Reset").click()
    wait_for_week(page, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--scenario", default="baseline_2025")
    args = parser.parse_args(argv)

    with ServedView(scenario=args.scenario) as view, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        started = time.perf_counter()
        open_view(page, view.url)
        print(f"server pid {view.pid} at {view.url}; page ready in "
              f"{time.perf_counter() - started:.1f} s")

        times = measure_steps(page, args.clicks)
        q90 = sorted(times)[max(0, int(round(0.9 * len(times))) - 1)]
        print(f"Step -> all charts updated: median {statistics.median(times):.0f} ms, "
              f"p90 {q90:.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms "
              f"({len(times)} clicks, scenario {args.scenario})")

        reset(page)
        rate, frames = measure_play(page, args.seconds)
        print(f"Play at default speed (13 weeks/s): {rate:.1f} weeks/s, "
              f"price chart redrawn {frames:.1f} times/s")

        reset(page)
        for target in range(52, 261, 52):  # later in the run: fewer axis rescales
            sidebar_button(page, "Step year").click()
            wait_for_week(page, target)
        rate, frames = measure_play(page, args.seconds)
        print(f"Play at default speed from week 260: {rate:.1f} weeks/s, "
              f"price chart redrawn {frames:.1f} times/s")

        reset(page)
        set_max_speed(page)
        rate, frames = measure_play(page, args.seconds)
        print(f"Play at maximum speed (52 weeks/s): {rate:.1f} weeks/s, "
              f"price chart redrawn {frames:.1f} times/s")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
