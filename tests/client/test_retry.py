"""Retries live in the transport: what is retried, how long it waits, what each attempt carries."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import respx

from flexorch_client import FlexOrchClient, UploadFile
from flexorch_client._retry import backoff_delay, parse_retry_after
from flexorch_client.errors import (
    BadRequestError,
    FileTooLargeError,
    PlanUpgradeRequiredError,
    RateLimitExceededError,
    ServerError,
    TrialExpiredError,
)
from tests.client._client_helpers import FakeTime, envelope, error_body

USAGE = {"plan": "starter", "usage": {"credits": {"used": 1, "limit": 10, "remaining": 9}}}


def _limited(headers: dict[str, str], body: object = None) -> httpx.Response:
    return httpx.Response(429, json=body or error_body("RATE_LIMIT_EXCEEDED"), headers=headers)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Retry-After": "7"}, None, 7.0),
        ({"Retry-After": "2.5"}, None, 2.5),
        ({"retry-after-ms": "1500"}, None, 1.5),
        ({"Retry-After": "1500ms"}, None, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, None, 0.25),
        (
            {},
            {
                "status": "error",
                "data": None,
                "error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow", "reset_in_seconds": 4},
            },
            4.0,
        ),
        (
            {},
            {"error": {"code": "RATE_LIMIT_EXCEEDED"}, "rate_limit": {"reset_in_seconds": 3}},
            3.0,
        ),
    ],
)
def test_every_retry_after_form_sets_the_wait(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    fake_time: FakeTime,
    headers: dict[str, str],
    body: object,
    expected: float,
) -> None:
    api.get("/usage").mock(
        side_effect=[_limited(headers, body), httpx.Response(200, json=envelope(USAGE))]
    )
    client = make_client()
    assert client.usage.get().credits.remaining == 9
    assert fake_time.sleeps == [pytest.approx(expected)]
    assert client.stats.retries == 1
    assert client.stats.rate_limited == 1
    assert client.stats.requests == 2


def test_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": later}, now=now.timestamp) == pytest.approx(30.0)
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": past}, now=now.timestamp) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (429, error_body("RATE_LIMIT_EXCEEDED"), RateLimitExceededError),
        (503, error_body("UNAVAILABLE"), ServerError),
    ],
)
def test_a_retry_after_beyond_the_cap_is_raised_at_once_not_shortened(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    fake_time: FakeTime,
    status: int,
    body: object,
    error: type[Exception],
) -> None:
    route = api.get("/usage").mock(
        side_effect=[
            httpx.Response(status, json=body, headers={"Retry-After": "3600"}),
            httpx.Response(200, json=envelope(USAGE)),
        ]
    )
    client = make_client()
    with pytest.raises(error) as info:
        client.usage.get()
    assert info.value.retry_after == 3600.0  # type: ignore[attr-defined]
    assert route.call_count == 1 and fake_time.sleeps == []
    assert client.stats.retries == 0


def test_a_retry_after_up_to_the_cap_is_waited_out_exactly(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    api.get("/usage").mock(
        side_effect=[
            _limited({"Retry-After": "90"}),
            _limited({"Retry-After": "120"}),
            httpx.Response(200, json=envelope(USAGE)),
        ]
    )
    make_client().usage.get()
    assert fake_time.sleeps == [90.0, 120.0]


def test_backoff_without_hint_is_jittered_exponential_and_capped() -> None:
    rng = random.Random(1)
    for attempt in range(10):
        ceiling = min(8.0, 0.5 * 2**attempt)
        samples = [backoff_delay(attempt, rng) for _ in range(200)]
        assert all(0.0 <= s <= ceiling for s in samples)
        # Full jitter: spread over the whole range, not a fixed value.
        assert max(samples) - min(samples) > ceiling / 2


def test_server_errors_retry_up_to_max_retries_then_raise(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    route = api.get("/usage").respond(503, json=error_body("UNAVAILABLE"))
    client = make_client(max_retries=4)
    with pytest.raises(ServerError):
        client.usage.get()
    assert route.call_count == 5
    assert len(fake_time.sleeps) == 4
    assert all(s <= 8.0 for s in fake_time.sleeps)
    assert client.stats.requests == 5 and client.stats.retries == 4


def test_transient_failures_then_success(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/usage").mock(
        side_effect=[
            httpx.ConnectError("reset"),
            httpx.Response(408),
            httpx.ReadTimeout("slow"),
            httpx.Response(502),
            httpx.Response(200, json={"data": USAGE}),
        ]
    )
    assert make_client(max_retries=4).usage.get().plan == "starter"


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (402, "TRIAL_EXPIRED", TrialExpiredError),
        (403, "PLAN_UPGRADE_REQUIRED", PlanUpgradeRequiredError),
        (413, "FILE_TOO_LARGE", FileTooLargeError),
        (400, "BAD", BadRequestError),
    ],
)
def test_terminal_errors_cost_one_request(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    fake_time: FakeTime,
    status: int,
    code: str,
    cls: type[Exception],
) -> None:
    route = api.post("/data-process/async").respond(status, json=error_body(code))
    with pytest.raises(cls):
        make_client().documents.process([UploadFile("a.pdf", b"%PDF")])
    assert route.call_count == 1
    assert fake_time.sleeps == []


def test_post_keeps_one_idempotency_key_and_resends_the_whole_file(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], tmp_path: Path
) -> None:
    path = tmp_path / "report.txt"
    payload = b"quarterly numbers " * 5000
    path.write_bytes(payload)
    route = api.post("/data-process/async").mock(
        side_effect=[
            httpx.Response(500),
            _limited({"Retry-After": "1"}),
            httpx.ConnectError("reset"),
            httpx.Response(200, json={"data": {"job_id": "job_1", "status": "queued"}}),
        ]
    )
    result = make_client().documents.process(
        [UploadFile.from_path(path), UploadFile("inline.txt", b"inline body")]
    )
    assert result.job_ids == ["job_1"]
    assert route.call_count == 4
    keys = {call.request.headers["Idempotency-Key"] for call in route.calls}
    assert len(keys) == 1 and next(iter(keys))
    for call in route.calls:
        body = call.request.read()
        assert body.count(payload) == 1
        assert b"inline body" in body
        assert body.count(b'name="files"') == 2


def test_separate_posts_get_different_idempotency_keys(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.post("/jobs/job_1/feedback").respond(200, json={"data": {"rating": "positive"}})
    client = make_client()
    client.jobs.feedback("job_1", "positive")
    client.jobs.feedback("job_1", "positive")
    keys = [c.request.headers["Idempotency-Key"] for c in route.calls]
    assert len(set(keys)) == 2


def test_get_carries_no_idempotency_key(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").respond(200, json={"data": USAGE})
    make_client().usage.get()
    assert "Idempotency-Key" not in route.calls[0].request.headers


def test_rate_limit_exhausting_retries_raises_rate_limit_error(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").mock(return_value=_limited({"Retry-After": "1"}))
    client = make_client(max_retries=2)
    with pytest.raises(RateLimitExceededError) as info:
        client.usage.get()
    assert info.value.retry_after == 1.0
    assert route.call_count == 3
    assert client.stats.rate_limited == 3
