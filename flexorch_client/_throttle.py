"""Client-side request throttling.

`SlidingWindowThrottle` keeps the timestamps of the last `rpm` requests, so no
rolling window of 60 s ever holds more than `rpm` of them, across every thread
and asyncio task that shares the instance.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from ._constants import RATE_WINDOW_SECONDS

__all__ = ["PausableThrottle", "SlidingWindowThrottle", "Throttle", "shared_throttle"]


@runtime_checkable
class Throttle(Protocol):
    """Anything that can make a caller wait for its turn to send a request.

    Implement it to share a limit between processes (e.g. backed by Redis)
    and pass it as `FlexOrchClient(throttle=...)`.
    """

    def acquire(self) -> None:
        """Block the calling thread until one request may be sent."""

    async def aacquire(self) -> None:
        """Wait, without blocking the event loop, until one request may be sent."""


@runtime_checkable
class PausableThrottle(Throttle, Protocol):
    """A throttle that can also be told to hold every caller for a while."""

    def pause(self, seconds: float) -> None:
        """Let no request through for `seconds` (a server said Retry-After)."""


class SlidingWindowThrottle:
    """At most `rpm` acquisitions in any rolling `window` seconds, process-wide.

    Args:
        rpm: requests allowed per window; must be >= 1.
        window: window length in seconds (60 for "per minute").
        clock: monotonic clock; injectable for tests.
        sleep: blocking sleep used by `acquire`.
        async_sleep: coroutine sleep used by `aacquire`.
    """

    def __init__(
        self,
        rpm: int,
        *,
        window: float = RATE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rpm < 1:
            raise ValueError("rpm must be at least 1")
        self.rpm = rpm
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._paused_until = float("-inf")

    def __repr__(self) -> str:
        return f"SlidingWindowThrottle(rpm={self.rpm}, window={self.window})"

    def _reserve(self) -> float:
        """Take a slot and return 0, or return how long to wait before asking again.

        The lock is held only for this bookkeeping, never while waiting, so the
        async path cannot stall the event loop behind a sleeping thread.
        """
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) < self.rpm:
                self._sent.append(now)
                return 0.0
            return self._sent[0] + self.window - now

    def acquire(self) -> None:
        while (wait := self._reserve()) > 0:
            self._sleep(wait)

    async def aacquire(self) -> None:
        while (wait := self._reserve()) > 0:
            await self._async_sleep(wait)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))


_shared: dict[tuple[str, int], SlidingWindowThrottle] = {}
_shared_lock = threading.Lock()


def shared_throttle(key: str, rpm: int) -> SlidingWindowThrottle:
    """The process-wide throttle for one account, so several clients built for
    the same credentials (e.g. one per pipeline task) share one budget."""
    with _shared_lock:
        throttle = _shared.get((key, rpm))
        if throttle is None:
            throttle = _shared[(key, rpm)] = SlidingWindowThrottle(rpm)
        return throttle
