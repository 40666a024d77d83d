"""Per-key rolling 60-second request counter."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 60


@dataclass
class Window:
    limit: int
    used: int
    remaining: int
    reset_in_seconds: int


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        return hits

    def _window(self, hits: deque[float], limit: int, now: float) -> Window:
        reset = math.ceil(hits[0] + WINDOW_SECONDS - now) if hits else 0
        used = len(hits)
        return Window(limit, used, max(limit - used, 0), max(reset, 0))

    def hit(self, key: str, limit: int) -> tuple[bool, Window]:
        """Count one request; False (and nothing counted) when the window is full."""
        now = time.monotonic()
        with self._lock:
            hits = self._trim(key, now)
            if len(hits) >= limit:
                window = self._window(hits, limit, now)
                window.reset_in_seconds = max(window.reset_in_seconds, 1)
                return False, window
            hits.append(now)
            return True, self._window(hits, limit, now)

    def peek(self, key: str, limit: int) -> Window:
        now = time.monotonic()
        with self._lock:
            return self._window(self._trim(key, now), limit, now)
