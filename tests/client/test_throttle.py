"""The sliding-window throttle: never more than rpm in any rolling minute, nothing lost."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import httpx
import pytest
import respx

from flexorch_client import FlexOrchClient, SlidingWindowThrottle, Throttle
from tests.client._client_helpers import BASE, KEY, FakeTime, error_body


class ThreadSafeFakeTime(FakeTime):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds
        time.sleep(0)  # let other threads run


def _max_in_window(stamps: list[float], window: float = 60.0) -> int:
    stamps = sorted(stamps)
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


@pytest.mark.parametrize("rpm", [60, 10, 7])
def test_burst_of_fifty_from_twenty_threads_respects_the_limit(rpm: int) -> None:
    fake = ThreadSafeFakeTime()
    throttle = SlidingWindowThrottle(rpm, clock=fake.clock, sleep=fake.sleep)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for _ in range(n):
            throttle.acquire()
            with lock:
                stamps.append(fake.clock())

    counts = [3] * 10 + [2] * 10  # 50 calls
    threads = [threading.Thread(target=worker, args=(n,)) for n in counts]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert time.monotonic() - started < 1.0
    assert len(stamps) == 50
    assert _max_in_window(stamps) == min(rpm, 50)


def test_over_the_limit_waits_for_the_window_to_slide() -> None:
    fake = ThreadSafeFakeTime()
    throttle = SlidingWindowThrottle(60, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(150):
        throttle.acquire()
        stamps.append(fake.clock())
    assert _max_in_window(stamps) == 60
    # The 61st call had to wait for the first to leave the window.
    assert stamps[60] - stamps[0] >= 60.0
    assert stamps[-1] - stamps[0] < 150.0


@pytest.mark.anyio
async def test_async_tasks_share_the_window_without_blocking_the_loop() -> None:
    fake = FakeTime()
    throttle = SlidingWindowThrottle(10, clock=fake.clock, async_sleep=fake.asleep)
    stamps: list[float] = []
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while len(stamps) < 40:
            ticks += 1
            await asyncio.sleep(0)

    async def worker() -> None:
        for _ in range(4):
            await throttle.aacquire()
            stamps.append(fake.clock())
            await asyncio.sleep(0)

    await asyncio.gather(ticker(), *(worker() for _ in range(10)))
    assert len(stamps) == 40
    assert _max_in_window(stamps) <= 10
    assert ticks > 0


def test_pause_holds_every_caller() -> None:
    fake = FakeTime()
    throttle = SlidingWindowThrottle(100, clock=fake.clock, sleep=fake.sleep)
    throttle.pause(5)
    throttle.acquire()
    assert fake.now == pytest.approx(1005)


class CountingThrottle:
    def __init__(self) -> None:
        self.calls = 0

    def acquire(self) -> None:
        self.calls += 1

    async def aacquire(self) -> None:
        self.calls += 1


def test_every_attempt_passes_through_the_throttle(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/usage").mock(side_effect=[httpx.Response(500), httpx.Response(200, json={})])
    throttle = CountingThrottle()
    assert isinstance(throttle, Throttle)
    client = make_client(rpm=None, throttle=throttle)
    client.usage.get()
    assert throttle.calls == 2


def test_rpm_is_learned_once_lazily(api: respx.MockRouter, fake_time: FakeTime) -> None:
    limits = api.get("/usage/rate-limits").respond(
        200, json={"data": {"plan": "starter", "rate_limit": {"rpm": 60, "used": 0}}}
    )
    api.get("/usage").respond(200, json={"data": {"plan": "starter"}})
    client = FlexOrchClient(KEY, base_url=BASE, sleep=fake_time.sleep, clock=fake_time.clock)
    assert limits.call_count == 0  # nothing sent at construction
    client.usage.get()
    client.usage.get()
    assert limits.call_count == 1
    assert isinstance(client.throttle, SlidingWindowThrottle) and client.throttle.rpm == 60
    assert client.stats.requests == 3


def test_unlimited_plan_means_no_throttle(api: respx.MockRouter, fake_time: FakeTime) -> None:
    api.get("/usage/rate-limits").respond(
        200, json={"data": {"plan": "enterprise", "unlimited": True, "limit": None}}
    )
    api.get("/usage").respond(200, json={"data": {}})
    client = FlexOrchClient(KEY, base_url=BASE, sleep=fake_time.sleep, clock=fake_time.clock)
    client.usage.get()
    assert client.throttle is None


def test_rate_limited_response_pauses_the_throttle(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    api.get("/usage").mock(
        side_effect=[
            httpx.Response(
                429, json=error_body("RATE_LIMIT_EXCEEDED"), headers={"Retry-After": "9"}
            ),
            httpx.Response(200, json={}),
        ]
    )
    throttle = SlidingWindowThrottle(1000, clock=fake_time.clock, sleep=fake_time.sleep)
    make_client(rpm=None, throttle=throttle).usage.get()
    # The transport slept 9 s; the throttle was held for the same span, so
    # other threads would have waited too.
    assert fake_time.sleeps == [9.0]
    assert throttle._paused_until == pytest.approx(1009.0)
