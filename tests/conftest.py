"""Shared fixtures: scenarios and short seeded runs, built once per session."""

from __future__ import annotations

import functools

import pytest

from sim.model import StandoffModel
from sim.scenario import load_scenario


@functools.cache
def scenario(name: str = "baseline_2025", **overrides):
    return load_scenario(name, overrides=overrides or None)


@functools.cache
def finished_model(name: str, seed: int, steps: int) -> StandoffModel:
    """A model of ``name`` run ``steps`` weeks; shared, so never mutate it."""
    return StandoffModel(scenario(name), seed=seed).run(steps)


@pytest.fixture(scope="session")
def baseline():
    return scenario("baseline_2025")


def run_with(name: str, steps: int, seed: int = 0, overrides: dict | None = None):
    return StandoffModel(load_scenario(name, overrides=overrides), seed=seed).run(steps)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "golden: full-length run of a shipped scenario compared with tests/golden "
        "(python -m tests.golden --update regenerates)")
