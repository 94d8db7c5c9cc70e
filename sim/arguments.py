"""Argument types shared by the command lines (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse


def _whole_number_from(lowest: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < lowest:
        raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1, or a one-line argparse error naming what was given."""
    return _whole_number_from(1, text)


def non_negative_int(text: str) -> int:
    """A whole number of at least 0, or a one-line argparse error naming what was given."""
    return _whole_number_from(0, text)


def share_argument(text: str) -> float:
    """A number above 0 and at most 1, or a one-line argparse error naming what was given."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, got {value:g}")
    return value
