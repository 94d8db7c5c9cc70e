"""Miners: produce concentrate (t REO) with the deposit's NdPr and Dy/Tb shares.

Concentrate is sold on its payable content: a miner gets the regional
concentrate price times the oxide value of its own ore over the oxide value of
the world's separation feed (both at the region's oxide prices), so a mine rich
in Dy/Tb earns more per t REO than one of light rare earths, and a heavy-rare-
earth mine cuts output when Dy/Tb is cheap. Under a mining quota, miners do not
expand while their state's mining capacity already covers the quota. The rules
are written once, in ``agents.firm_rules``.
"""

from __future__ import annotations

from agents import firm_rules as fr
from agents.firm import Firm, book_column


class Miner(Firm):
    stage = "mining"

    ndpr_share = book_column(fr.NDPR_SHARE, "NdPr oxide share of the ore's REO content.")
    dytb_share = book_column(fr.DYTB_SHARE, "Dy/Tb oxide share of the ore's REO content.")

    def _own_column(self, model, spec, region):
        return {fr.NDPR_SHARE: spec.ndpr_share, fr.DYTB_SHARE: spec.dytb_share}


def operational_shocks(miners: list[Miner], noise: float) -> list[float]:
    """Each mine's output multiplier this week, 1 + noise x N(0, 1) from its own stream
    (at least 0); all 1 without noise."""
    if not noise:
        return [1.0] * len(miners)
    shocks = [1.0 + noise * miner.luck.standard_normal() for miner in miners]
    return [0.0 if shock < 0.0 else shock for shock in shocks]
