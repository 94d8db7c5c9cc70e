"""States: hold the policy levers of their region.

A ``scripted`` state changes its levers only through timeline events. Every
change a state makes goes through ``model.apply_change``, which logs it.
"""

from __future__ import annotations

import mesa


class State(mesa.Agent):
    def __init__(self, model, code: str, spec, region: int):
        super().__init__(model)
        self.code = code
        self.name = spec.name
        self.region = region
        self.policy_mode = spec.policy

    def decide(self) -> None:
        """A scripted state leaves its levers to the timeline."""
        return None
