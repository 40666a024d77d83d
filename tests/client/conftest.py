"""Fixtures for the client's unit tests: a mocked API and clients that never really sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from flexorch_client import AsyncFlexOrchClient, FlexOrchClient
from tests.client._client_helpers import BASE, KEY, FakeTime


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time: FakeTime) -> Callable[..., FlexOrchClient]:
    """A sync client on the mocked API; rpm=0 unless given, so no rate-limit lookup."""

    def _make(**kwargs: Any) -> FlexOrchClient:
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("rpm", 0)
        return FlexOrchClient(base_url=BASE, sleep=fake_time.sleep, clock=fake_time.clock, **kwargs)

    return _make


@pytest.fixture
def make_async_client(fake_time: FakeTime) -> Callable[..., AsyncFlexOrchClient]:
    def _make(**kwargs: Any) -> AsyncFlexOrchClient:
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("rpm", 0)
        return AsyncFlexOrchClient(
            base_url=BASE, sleep=fake_time.asleep, clock=fake_time.clock, **kwargs
        )

    return _make
