"""Measures of how a run's market behaves, to hold it against the record.

Each takes a finished model's recorder series (or the model) and returns
plain arrays or numbers: weekly log-price changes and their reversals, jumps
in where importers buy, and the weeks a shock or a change of route terms
touched the market. The market-realism tests and the docs use them.
"""

from __future__ import annotations

import numpy as np

# Changes that move route terms or supply at once: a week with one of them (or
# the week after, when the new terms first trade) is not a quiet week.
ROUTE_CHANGES = frozenset({"export_quota", "export_duty", "tariff", "licensing", "deal",
                           "disruption", "disruption_end", "demand_shock", "stockpile"})


def weekly_log_changes(prices: np.ndarray) -> np.ndarray:
    """Week-on-week log-price changes (steps - 1 x the price's axes)."""
    return np.diff(np.log(prices), axis=0)


def reversals(changes: np.ndarray, threshold: float = 0.03) -> np.ndarray:
    """Weeks where a move beyond ``threshold`` is followed by one beyond it the other way."""
    big = np.abs(changes) > threshold
    flipped = np.sign(changes[1:]) != np.sign(changes[:-1])
    return big[1:] & big[:-1] & flipped


def change_steps(model, kinds: frozenset[str] = ROUTE_CHANGES) -> set[int]:
    """Steps at which the news log records one of ``kinds``."""
    return {item.step for item in model.news.items if item.kind in kinds}


def shock_weeks(model, steps: int, after: int = 26,
                kinds: frozenset[str] = ROUTE_CHANGES) -> np.ndarray:
    """Boolean per step: a change of ``kinds`` happened within ``after`` weeks before.

    A disruption counts for its whole length (until its end is logged) plus ``after``.
    """
    return _within(change_steps(model, kinds), steps, after)


def _within(starts, steps: int, after: int) -> np.ndarray:
    """Boolean per step: one of ``starts`` is at most ``after`` steps before it."""
    marked = np.zeros(steps, dtype=bool)
    for step in starts:
        marked[step:min(step + after + 1, steps)] = True
    return marked


def import_shares(shares: np.ndarray) -> np.ndarray:
    """Each foreign source's share of what an importer bought abroad.

    ``shares`` is steps x source x importer x product (``sourcing_share``,
    the importer's own market included); the result leaves the own market
    out (zero where nothing was imported).
    """
    n = shares.shape[1]
    foreign = shares * ~np.eye(n, dtype=bool)[np.newaxis, :, :, np.newaxis]
    total = foreign.sum(axis=1, keepdims=True)
    return np.divide(foreign, total, out=np.zeros_like(foreign), where=total > 1e-12)


def new_source_weeks(model, steps: int, after: int = 8) -> np.ndarray:
    """Boolean per step: a region's first capacity at a stage came online within ``after``
    weeks before (a new source whose first output goes to the spot market)."""
    capacity = model.recorder.stacked("capacity")[:steps]  # steps x region x stage
    first = ((capacity[1:] > 0) & (capacity[:-1] <= 0)).any(axis=(1, 2))
    return _within(np.flatnonzero(first) + 1, steps, after)


def share_jumps(shares: np.ndarray, obtained: np.ndarray, quiet: np.ndarray,
                stock: np.ndarray | None = None, minimum_t: float = 1.0) -> np.ndarray:
    """Largest week-on-week change of any source's share, per quiet week (points of 1).

    ``shares`` is steps x source x importer x product (e.g. ``import_shares``),
    ``obtained`` steps x importer x product (t); only importers with at least
    ``minimum_t`` in both weeks count, and only weeks ``quiet`` marks (both
    weeks free of route changes). With ``stock`` (steps x region x product,
    end of week), a source running dry (its stock halving in the week, or under
    ``minimum_t``) is a cause, not a switch: its share changes that week and the
    next do not count.
    """
    change = np.abs(np.diff(shares, axis=0))  # steps - 1 x source x importer x product
    if stock is not None:
        dry = (stock[1:] < 0.5 * stock[:-1]) | (np.minimum(stock[1:], stock[:-1]) < minimum_t)
        dry[1:] |= dry[:-1]  # its buyers feel it the week after too
        change = np.where(dry[:, :, np.newaxis, :], 0.0, change)
    jumps = change.max(axis=1)  # steps - 1 x importer x product
    buying = (obtained[1:] >= minimum_t) & (obtained[:-1] >= minimum_t)
    worst = np.where(buying, jumps, 0.0).max(axis=(1, 2))
    return worst[quiet[1:] & quiet[:-1]]
