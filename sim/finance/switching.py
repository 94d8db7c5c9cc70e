"""Brock-Hommes strategy switching, vectorised over individual investors.

Each strategy's fitness is the remembered return (%/yr) of a typical
follower's positions: last week's convictions (-1..1 per asset, weighted by
market value) times this week's log returns, less the strategy's cost. Each
week a share of investors reconsiders and picks strategy h with probability
exp(intensity x score_h) / sum_k exp(intensity x score_k), where the score
is the fitness plus, for fundamentalists, ``misalignment_weight`` x the
market-value-weighted mean of hype squared: the further prices stray from
values, the more investors expect a correction (Franke and Westerhoff, 2012).

Who reconsiders is drawn first (one uniform per investor, below ``rate``),
then one uniform per reconsidering investor, in crowd order, picks its
strategy from the cumulative probabilities (a numba kernel: one pass over
the crowd). ``fitness_and_chances`` does a week's ``updated_fitness`` and
``choice_probabilities`` in one compiled pass, summing as ``np.add.reduce``
does (``sim.finance.sums``); numpy keeps the exponentials.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.finance.sums import add_reduce
from sim.world import WEEKS_PER_YEAR


def updated_fitness(fitness: np.ndarray, convictions: np.ndarray, weights: np.ndarray,
                    returns: np.ndarray, cost_pct: np.ndarray, memory_weeks: float) -> np.ndarray:
    """Fitness per strategy (%/yr); ``convictions`` strategies x assets, held over ``returns``."""
    earned = 100 * WEEKS_PER_YEAR * np.add.reduce(
        convictions * weights[None, :] * returns[None, :], axis=1) - cost_pct
    return fitness + (earned - fitness) / memory_weeks


def fitness_and_chances(fitness: np.ndarray, convictions: np.ndarray, weights: np.ndarray,
                        returns: np.ndarray, cost_pct: np.ndarray, memory_weeks: float,
                        intensity: float, bonus: float = 0.0, bonus_to: int = -1,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``updated_fitness`` and the ``choice_probabilities`` of the new fitness, the
    strategy ``bonus_to`` (-1: none) scoring ``bonus`` more (the misalignment term)."""
    new, chances = np.empty(fitness.size), np.empty(fitness.size)
    _fitness_into(fitness, convictions, weights, returns, cost_pct, 100 * WEEKS_PER_YEAR,
                  memory_weeks, intensity, bonus, bonus_to, new, chances)
    np.exp(chances, out=chances)
    return new, chances / np.add.reduce(chances)


@njit(cache=True)
def _fitness_into(fitness, convictions, weights, returns, cost_pct, scale, memory_weeks,
                  intensity, bonus, bonus_to, new, logits):
    """new[h] = fitness + ((scale x sum_a conviction x weight x return - cost) - fitness)
    / memory_weeks; logits[h] = intensity x (score - max score), the score being ``new``
    plus ``bonus`` for strategy ``bonus_to``."""
    held = np.empty(returns.size)
    for h in range(fitness.size):
        for a in range(returns.size):
            held[a] = convictions[h, a] * weights[a] * returns[a]
        earned = scale * add_reduce(held) - cost_pct[h]
        new[h] = fitness[h] + (earned - fitness[h]) / memory_weeks
        logits[h] = new[h]
    if bonus_to >= 0:
        logits[bonus_to] += bonus
    top = logits[0]
    for h in range(1, logits.size):
        top = logits[h] if logits[h] > top or logits[h] != logits[h] else top
    for h in range(logits.size):
        logits[h] = intensity * (logits[h] - top)


def misalignment(hype: np.ndarray, weights: np.ndarray) -> float:
    """Market-value-weighted mean squared log gap between prices and values."""
    return float(weights @ hype**2)


def choice_probabilities(fitness: np.ndarray, intensity: float) -> np.ndarray:
    """Logit (discrete choice) shares of the strategies."""
    score = intensity * (fitness - np.maximum.reduce(fitness))
    weights = np.exp(score)
    return weights / np.add.reduce(weights)


def switched(strategy: np.ndarray, rng: np.random.Generator, rate: float,
             probabilities: np.ndarray) -> np.ndarray:
    """New strategy index per investor: a ``rate`` share redraws from ``probabilities``."""
    draws = rng.random(strategy.size)
    movers = np.count_nonzero(draws < rate)
    if movers == 0:
        return strategy
    out = np.empty_like(strategy)
    _redraw_into(strategy, draws, rate, rng.random(movers), probabilities, out)
    return out


@njit(cache=True)
def _redraw_into(strategy, draws, rate, picks, probabilities, out):
    """``out`` = ``strategy``, except that the j-th investor with a draw below ``rate``
    takes the first strategy whose cumulative probability exceeds ``picks[j]`` x the
    total (the last if none does), as ``searchsorted(side="right")`` finds it."""
    cumulative = probabilities.cumsum()
    total = cumulative[-1]
    last = cumulative.size - 1
    j = 0
    for i in range(strategy.size):
        if draws[i] < rate:
            pick, x = 0, picks[j] * total
            while pick < last and not cumulative[pick] > x:
                pick += 1
            out[i] = pick
            j += 1
        else:
            out[i] = strategy[i]
