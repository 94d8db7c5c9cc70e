"""Named random streams split from one root seed.

Each stream is keyed by a stable hash of its name, so adding a stream (or a
firm with its own stream) never changes the draws of the others. Nothing in
the project touches numpy's or Python's global random state.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *names: str) -> np.random.Generator:
    """A generator for ``names`` (e.g. ``"firm", "mountain_pass"``) under ``seed``."""
    key = tuple(zlib.crc32(name.encode()) for name in names)
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))
