"""Per-key rolling-window request counter (60 s unless the `rate_window_seconds` knob says)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass
class Window:
    limit: int
    used: int
    remaining: int
    reset_in_seconds: int
    seconds: int


class RateLimiter:
    """The window length comes with each call, not at construction, so the knob can change
    while the server runs; hits older than the current length simply stop counting."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float, seconds: int) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - seconds:
            hits.popleft()
        return hits

    def _window(self, hits: deque[float], limit: int, now: float, seconds: int) -> Window:
        reset = math.ceil(hits[0] + seconds - now) if hits else 0
        used = len(hits)
        return Window(limit, used, max(limit - used, 0), max(reset, 0), seconds)

    def hit(self, key: str, limit: int, seconds: int) -> tuple[bool, Window]:
        """Count one request; False (and nothing counted) when the window is full."""
        now = time.monotonic()
        with self._lock:
            hits = self._trim(key, now, seconds)
            if len(hits) >= limit:
                window = self._window(hits, limit, now, seconds)
                # Retry-After is whole seconds: 0 would invite an immediate, refused retry.
                window.reset_in_seconds = max(window.reset_in_seconds, 1)
                return False, window
            hits.append(now)
            return True, self._window(hits, limit, now, seconds)
