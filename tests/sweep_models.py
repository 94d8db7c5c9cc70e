"""Models with known answers, run through the sweep machinery by the sweep tests."""

from __future__ import annotations

import math
import os
import time


def ishigami(params: dict, seed: int) -> dict:
    """Ishigami & Homma (1990), a = 7, b = 0.1: S1 = .3139, .4424, 0; ST = .5576, .4424, .2437."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def noisy(params: dict, seed: int) -> dict:
    """A value that depends on the parameters and the seed, slowly enough to be interrupted."""
    time.sleep(params.get("sleep_s", 0.0))
    return {"y": params["x"] * 2 + (seed % 1000) / 1000, "seed_part": (seed % 1000) / 1000}


def flaky(params: dict, seed: int) -> dict:
    """Raises for x == 3 and hangs for x == 4; otherwise returns x squared."""
    if params["x"] == 3:
        raise ValueError("x = 3 is not allowed by this model")
    if params["x"] == 4:
        time.sleep(60)
    return {"y": params["x"] ** 2}


def crashing(params: dict, seed: int) -> dict:
    """Kills its own worker process for x == 3 (as running out of memory would)."""
    if params["x"] == 3:
        os._exit(1)
    time.sleep(0.05)
    return {"y": params["x"] ** 2}


def failing(params: dict, seed: int) -> dict:
    """Raises for x == 3 unless ``fixed`` is set; otherwise returns x squared."""
    if params["x"] == 3 and not params.get("fixed"):
        raise ValueError("x = 3 fails until it is fixed")
    return {"y": params["x"] ** 2}

