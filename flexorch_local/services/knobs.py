"""Fault and timing knobs that can change while the server runs."""

from __future__ import annotations

import random
import threading
from typing import Any

from flexorch_local.config import KNOB_NAMES, LocalSettings


class Knobs:
    def __init__(self, settings: LocalSettings) -> None:
        self._lock = threading.Lock()
        self.values: dict[str, Any] = {name: getattr(settings, name) for name in KNOB_NAMES}
        self._rng = random.Random(settings.seed)

    def get(self, name: str) -> Any:
        return self.values[name]

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.values.update(changes)
            if "seed" in changes:
                self._rng = random.Random(changes["seed"])
            return dict(self.values)

    def roll(self, rate_name: str) -> bool:
        """True with the probability held by the named rate knob (seeded, reproducible)."""
        rate = float(self.values[rate_name] or 0)
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate
