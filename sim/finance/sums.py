"""numpy's sum of a 1-d float array, compiled, for kernels that must add as numpy does.

``np.add.reduce`` adds below 8 values in order; up to 128 it keeps eight
running sums, combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)),
then adds the rest in order; beyond, it sums the two halves so (the first a
multiple of 8 long) and adds them; the result is 0 + that sum. A kernel that
sums this way gives the same bits as the numpy expression it replaces
(tests/test_finance_kernels.py checks it against numpy).
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def add_reduce(values):  # pragma: no cover - compiled
    """np.add.reduce(values), bit for bit, for a 1-d float array."""
    return 0.0 + _pairwise(values)


@njit(cache=True)
def _pairwise(values):  # pragma: no cover - compiled
    """numpy's pairwise sum (the module docstring's rule), without the leading 0 +."""
    n = values.size
    if n < 8:
        total = 0.0
        for x in values:
            total += x
        return total
    if n > 128:
        half = n // 2
        half -= half % 8
        return _pairwise(values[:half]) + _pairwise(values[half:])
    r = values[:8].copy()
    i = 8
    while i < n - n % 8:
        for k in range(8):
            r[k] += values[i + k]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        total += values[i]
        i += 1
    return total
