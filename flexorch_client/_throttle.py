"""Client-side request throttling.

`SlidingWindowThrottle` keeps the timestamps of the last `rpm` requests, so no
rolling window (60 s, or the length the server reports) ever holds more than
`rpm` of them, across every thread and asyncio task that shares the instance.

The server counts a request when it arrives, which is some time after the client
sent it; a window that opened from send times would open a little before the
server's does and meet 429s at every boundary. So the transport reports each
answer (`answered()`), and from then on the request counts from its answer time,
which is never earlier than when the server counted it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from ._constants import RATE_WINDOW_SECONDS

__all__ = [
    "AnswerAwareThrottle",
    "PausableThrottle",
    "SlidingWindowThrottle",
    "Throttle",
    "shared_throttle",
]


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


@runtime_checkable
class AnswerAwareThrottle(Throttle, Protocol):
    """A throttle that wants to know when each request it let through was answered."""

    def answered(self) -> None:
        """A request has just been answered (or failed); count it from now.

        Also called once for a request sent without `acquire`, such as the
        rate-limit lookup made before the throttle existed."""


class SlidingWindowThrottle:
    """At most `rpm` acquisitions in any rolling `window_seconds`, process-wide.

    Args:
        rpm: requests allowed per window; must be >= 1.
        window_seconds: window length (60 for "per minute"); must be > 0.
        clock: monotonic clock; injectable for tests.
        sleep: blocking sleep used by `acquire`.
        async_sleep: coroutine sleep used by `aacquire`.
    """

    def __init__(
        self,
        rpm: int,
        *,
        window_seconds: float = RATE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rpm < 1:
            raise ValueError("rpm must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.rpm = rpm
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        # Every request that still counts, oldest first; `_unanswered` holds the
        # send-time stamps among them that `answered()` has yet to move to now.
        self._sent: deque[float] = deque()
        self._unanswered: deque[float] = deque()
        self._paused_until = float("-inf")

    def __repr__(self) -> str:
        return f"SlidingWindowThrottle(rpm={self.rpm}, window_seconds={self.window_seconds})"

    def _trim(self, now: float) -> None:
        cutoff = now - self.window_seconds
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()
        # A request still unanswered a whole window after it was sent stops
        # counting here too; its answer, when it comes, counts afresh.
        while self._unanswered and self._unanswered[0] <= cutoff:
            self._unanswered.popleft()

    def _reserve(self) -> float:
        """Take a slot and return 0, or return how long to wait before asking again.

        The lock is held only for this bookkeeping, never while waiting, so the
        async path cannot stall the event loop behind a sleeping thread.
        """
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            self._trim(now)
            if len(self._sent) < self.rpm:
                self._sent.append(now)
                self._unanswered.append(now)
                return 0.0
            return self._sent[0] + self.window_seconds - now

    def acquire(self) -> None:
        while (wait := self._reserve()) > 0:
            self._sleep(wait)

    async def aacquire(self) -> None:
        while (wait := self._reserve()) > 0:
            await self._async_sleep(wait)

    def answered(self) -> None:
        with self._lock:
            now = self._clock()
            self._trim(now)
            # Which unanswered request this answer belongs to does not matter, only
            # how many stamps lie where; moving the oldest keeps the count highest.
            if self._unanswered:
                self._sent.remove(self._unanswered.popleft())
            self._sent.append(now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))


_shared: dict[tuple[str, int, float], SlidingWindowThrottle] = {}
_shared_lock = threading.Lock()


def shared_throttle(
    key: str, rpm: int, window_seconds: float = RATE_WINDOW_SECONDS
) -> SlidingWindowThrottle:
    """The process-wide throttle for one account, so several clients built for
    the same credentials (e.g. one per pipeline task) share one budget."""
    with _shared_lock:
        throttle = _shared.get((key, rpm, window_seconds))
        if throttle is None:
            throttle = _shared[(key, rpm, window_seconds)] = SlidingWindowThrottle(
                rpm, window_seconds=window_seconds
            )
        return throttle
