"""Shared test helpers for tests/client (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any

BASE = "https://api.test/v1"
KEY = "dfx_SUPERSECRETKEY123"


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def max_in_window(stamps: list[float], window: float = 60.0) -> int:
    """The most timestamps any half-open rolling window of `window` seconds holds."""
    stamps = sorted(stamps)
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def envelope(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data, "error": None}


def error_body(code: str, message: str = "nope") -> dict[str, Any]:
    return {"status": "error", "data": None, "error": {"code": code, "message": message}}
