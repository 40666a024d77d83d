"""The sliding-window throttle: never more than rpm in any rolling minute, nothing lost."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import httpx
import pytest
import respx

from flexorch_client import (
    AnswerAwareThrottle,
    AsyncFlexOrchClient,
    FlexOrchClient,
    SlidingWindowThrottle,
    Throttle,
)
from tests.client._client_helpers import BASE, KEY, FakeTime, error_body, max_in_window


class ThreadSafeFakeTime(FakeTime):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds
        time.sleep(0)  # let other threads run


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
    assert max_in_window(stamps) == min(rpm, 50)


def test_over_the_limit_waits_for_the_window_to_slide() -> None:
    fake = ThreadSafeFakeTime()
    throttle = SlidingWindowThrottle(60, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(150):
        throttle.acquire()
        stamps.append(fake.clock())
    assert max_in_window(stamps) == 60
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
    assert max_in_window(stamps) <= 10
    assert ticks > 0


def test_pause_holds_every_caller() -> None:
    fake = FakeTime()
    throttle = SlidingWindowThrottle(100, clock=fake.clock, sleep=fake.sleep)
    throttle.pause(5)
    throttle.acquire()
    assert fake.now == pytest.approx(1005)


def test_a_request_counts_from_its_answer() -> None:
    fake = FakeTime()
    throttle = SlidingWindowThrottle(1, window_seconds=10, clock=fake.clock, sleep=fake.sleep)
    throttle.acquire()
    fake.now += 3  # the answer took 3 s; the server counted it somewhere in between
    throttle.answered()
    throttle.acquire()
    assert fake.sleeps == [10.0] and fake.now == pytest.approx(1013)


def test_an_answer_without_acquire_counts_one_more_request() -> None:
    fake = FakeTime()
    throttle = SlidingWindowThrottle(2, window_seconds=10, clock=fake.clock, sleep=fake.sleep)
    throttle.answered()
    throttle.acquire()
    assert fake.sleeps == []
    throttle.acquire()
    assert fake.sleeps == [10.0]


def test_window_seconds_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SlidingWindowThrottle(5, window_seconds=0)


class CountingThrottle:
    def __init__(self) -> None:
        self.calls = 0
        self.answers = 0

    def acquire(self) -> None:
        self.calls += 1

    async def aacquire(self) -> None:
        self.calls += 1

    def answered(self) -> None:
        self.answers += 1


def test_every_attempt_passes_through_the_throttle(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/usage").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(500),
            httpx.Response(200, json={}),
        ]
    )
    throttle = CountingThrottle()
    assert isinstance(throttle, AnswerAwareThrottle)
    client = make_client(rpm=None, throttle=throttle)
    client.usage.get()
    # A failed send is answered too: the server may have counted it.
    assert throttle.calls == throttle.answers == 3


def test_a_throttle_without_answered_still_works(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    class AcquireOnly:
        def acquire(self) -> None:
            pass

        async def aacquire(self) -> None:
            pass

    api.get("/usage").respond(200, json={})
    assert isinstance(AcquireOnly(), Throttle)
    make_client(rpm=None, throttle=AcquireOnly()).usage.get()


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
    assert client.throttle.window_seconds == 60  # the documented shape names no window
    assert client.stats.requests == 3


def test_window_is_learned_and_the_lookup_counts(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    api.get("/usage/rate-limits").respond(
        200, json={"data": {"plan": "starter", "limit": 2, "used": 1, "window_seconds": 10}}
    )
    api.get("/usage").respond(200, json={"data": {}})
    client = FlexOrchClient(KEY, base_url=BASE, sleep=fake_time.sleep, clock=fake_time.clock)
    client.usage.get()
    assert isinstance(client.throttle, SlidingWindowThrottle)
    assert client.throttle.window_seconds == 10
    assert fake_time.sleeps == []
    # The lookup and the first call fill the window of 2.
    client.usage.get()
    assert fake_time.sleeps == [10.0]


def test_concurrent_first_calls_wait_for_the_limit_lookup(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    events: list[str] = []

    def lookup(_: httpx.Request) -> httpx.Response:
        events.append("lookup sent")
        time.sleep(0.2)  # long enough for every other thread to reach the transport
        events.append("lookup answered")
        return httpx.Response(200, json={"data": {"plan": "starter", "limit": 100}})

    def usage(_: httpx.Request) -> httpx.Response:
        events.append("usage")
        return httpx.Response(200, json={"data": {}})

    api.get("/usage/rate-limits").mock(side_effect=lookup)
    api.get("/usage").mock(side_effect=usage)
    client = FlexOrchClient(KEY, base_url=BASE, sleep=fake_time.sleep, clock=fake_time.clock)
    threads = [threading.Thread(target=client.usage.get) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    # Nothing went out unthrottled while the limit was being learned.
    assert events == ["lookup sent", "lookup answered"] + ["usage"] * 5


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


def _failing_then_learned_lookup(api: respx.MockRouter) -> respx.Route:
    down = httpx.Response(503, json=error_body("UNAVAILABLE"))
    learned = httpx.Response(200, json={"data": {"plan": "starter", "limit": 30}})
    api.get("/usage").respond(200, json={"data": {}})
    return api.get("/usage/rate-limits").mock(side_effect=[down, down, learned])


def test_a_failed_limit_lookup_is_retried_a_minute_later_and_warned_once(
    api: respx.MockRouter, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    lookups = _failing_then_learned_lookup(api)
    client = FlexOrchClient(
        KEY, base_url=BASE, sleep=fake_time.sleep, clock=fake_time.clock, max_retries=0
    )
    with caplog.at_level(logging.DEBUG, logger="flexorch_client"):
        client.usage.get()
        client.usage.get()
        assert lookups.call_count == 1 and client.throttle is None  # unthrottled meanwhile
        fake_time.now += 60
        client.usage.get()
        assert lookups.call_count == 2 and client.throttle is None
        fake_time.now += 59
        client.usage.get()
        assert lookups.call_count == 2
        fake_time.now += 1
        client.usage.get()
    assert lookups.call_count == 3
    assert isinstance(client.throttle, SlidingWindowThrottle) and client.throttle.rpm == 30
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "rate limit" in warnings[0].getMessage()


@pytest.mark.anyio
async def test_async_client_retries_a_failed_limit_lookup_too(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    lookups = _failing_then_learned_lookup(api)
    async with AsyncFlexOrchClient(
        KEY, base_url=BASE, sleep=fake_time.asleep, clock=fake_time.clock, max_retries=0
    ) as client:
        for _ in range(3):
            await client.usage.get()
            fake_time.now += 60
    assert lookups.call_count == 3
    assert isinstance(client.throttle, SlidingWindowThrottle)


def test_clients_given_the_same_key_rpm_and_window_share_one_throttle() -> None:
    url = "http://127.0.0.1:9/v1"
    with (
        FlexOrchClient("dfx_share", base_url=url, rpm=7, rate_window_seconds=10) as first,
        FlexOrchClient("dfx_share", base_url=url, rpm=7, rate_window_seconds=10) as second,
        FlexOrchClient("dfx_other", base_url=url, rpm=7, rate_window_seconds=10) as other,
    ):
        assert isinstance(first.throttle, SlidingWindowThrottle)
        assert (first.throttle.rpm, first.throttle.window_seconds) == (7, 10)
        assert first.throttle is second.throttle
        assert other.throttle is not first.throttle
