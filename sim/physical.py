"""The physical state of the world: where every tonne is, region x product (t).

Material sits in one of four places: a region's commercial ``stock``, its
state ``stockpile``, speculators' ``hoard`` (oxide held off the market), or
goods ``in transit`` held by licensing delays. ``content`` tracks the NdPr and
Dy/Tb oxide inside each region's concentrate stock, so separation yields what
the feed really holds. The model's phases change this state; the arithmetic
of each movement is a plain array function in ``sim.flows``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.world import CONC


class Transit:
    """Shipments held by licensing delays, keyed by the step they arrive."""

    def __init__(self, n: int, p: int):
        self.n, self.p = n, p
        self.pending: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.inbound = np.zeros((n, p))

    def ship(self, now: int, shipped: np.ndarray, content: np.ndarray,
             delays: np.ndarray, classes: np.ndarray) -> None:
        """``shipped`` exporter x importer x product; ``content`` exporter x importer x 2;
        ``delays`` (weeks, exporter x importer x product) takes the values ``classes``
        (ascending)."""
        k = len(classes)
        arrivals, carried = np.empty((k, self.n, self.p)), np.empty((k, self.n, 2))
        moving = np.zeros(k, dtype=np.bool_)
        _by_delay(shipped, content, delays, classes, arrivals, carried, moving)
        for c in moving.nonzero()[0].tolist():
            due = now + int(classes[c])
            before, before_content = self.pending.get(due, (0.0, 0.0))
            self.pending[due] = (before + arrivals[c], before_content + carried[c])
            self.inbound += arrivals[c]

    def arrive(self, now: int) -> tuple[np.ndarray, np.ndarray]:
        """What lands at ``now``: tonnes (importer x product) and concentrate content."""
        arrivals, content = self.pending.pop(now, (np.zeros((self.n, self.p)),
                                                    np.zeros((self.n, 2))))
        self.inbound = np.maximum(self.inbound - arrivals, 0.0)
        return arrivals, content


class Physical:
    """Every tonne in the world. ``default_grade`` (region x 2) is each region's own ore."""

    def __init__(self, n: int, p: int, default_grade: np.ndarray):
        self.stock = np.zeros((n, p))
        self.stockpile = np.zeros((n, p))
        self.hoard = np.zeros((n, p))
        self.content = np.zeros((n, 2))  # t NdPr, t Dy/Tb inside the concentrate stock
        self.transit = Transit(n, p)
        self.default_grade = default_grade

    def grades(self) -> np.ndarray:
        """NdPr and Dy/Tb shares of each region's concentrate stock (region x 2), within 0-1;
        a region with (almost) none holds its own ore's ``default_grade``."""
        grades = np.empty(self.content.shape)
        _grades_into(self.stock, self.content, self.default_grade, grades)
        return grades


def ore_grades(regions: int, miners: list) -> np.ndarray:
    """Composition of each region's own ore (world average where it mines none), region x 2."""
    weights = np.zeros((regions, len(miners)))
    for j, miner in enumerate(miners):
        weights[miner.region, j] = miner.capacity_t_per_week
    shares = np.array([(m.ndpr_share, m.dytb_share) for m in miners])
    world = weights.sum(axis=0) @ shares / max(weights.sum(), 1e-9)
    totals = weights.sum(axis=1, keepdims=True)
    return np.divide(weights @ shares, totals, out=np.tile(world, (regions, 1)),
                     where=totals > 0)


@njit(cache=True)
def _by_delay(shipped, content, delays, classes, arrivals, carried,
              moving):  # pragma: no cover - compiled
    """Per delay class: what arrives (importer x product), the concentrate's content
    (importer x 2), and whether anything ships with that delay at all."""
    n, _, p = shipped.shape
    for c in range(classes.size):
        delay = classes[c]
        for i in range(n):
            for q in range(p):
                total = 0.0
                for e in range(n):
                    if delays[e, i, q] == delay:
                        total += shipped[e, i, q]
                        if shipped[e, i, q] > 0:
                            moving[c] = True
                arrivals[c, i, q] = total
            for k in range(2):
                total = 0.0
                for e in range(n):
                    total += content[e, i, k] if delays[e, i, CONC] == delay else 0.0
                carried[c, i, k] = total


@njit(cache=True)
def _grades_into(stock, content, default_grade, grades):  # pragma: no cover - compiled
    for r in range(stock.shape[0]):
        conc = stock[r, CONC]
        for k in range(2):
            share = content[r, k] / conc if conc > 1e-9 else default_grade[r, k]
            share = share if share >= 0.0 else 0.0
            grades[r, k] = share if share <= 1.0 else 1.0
