"""The client against a real flexorch-local over HTTP (fixtures from tests/conftest.py)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from flexorch_client import (
    AsyncFlexOrchClient,
    FlexOrchClient,
    SlidingWindowThrottle,
    UploadFile,
    Usage,
)
from flexorch_client.errors import (
    InvalidAPIKeyError,
    NotFoundError,
    QuotaExceededError,
    RateLimitExceededError,
    TrialExpiredError,
    UnsupportedFileError,
)
from tests.client._client_helpers import max_in_window

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "documents"
GOOD = [
    "contract_lease_88_harbor_street.txt",
    "invoice_solaris_2024-3391.html",
    "expense_report_berlin_2024-05.txt",
]


def _files(names: list[str]) -> list[UploadFile]:
    return [UploadFile.from_path(SAMPLES / n) for n in names]


@pytest.fixture
def client(flexorch_local_url: str, make_account: Callable[..., str]) -> Iterator[FlexOrchClient]:
    with FlexOrchClient(make_account("pro"), base_url=flexorch_local_url, rpm=0) as c:
        yield c


def test_upload_wait_build_export_round_trip(client: FlexOrchClient, tmp_path: Path) -> None:
    result = client.documents.process(_files(GOOD))
    assert len(result.jobs) == len(GOOD) and result.rejected == []
    assert all(j.job_id.startswith("job_") for j in result.jobs)
    done = client.jobs.wait(result.job_ids, timeout=120, min_interval=0.2, max_interval=1)
    assert done.timed_out == [] and len(done.completed) == len(GOOD)
    job = done.jobs[result.job_ids[0]]
    assert job.quality is not None and job.quality.grade in "ABCD"
    assert job.execution_id

    build = client.datasets.build_from_execution(job.execution_id, name="http-test")
    built = client.jobs.wait([build.job_id], timeout=120, min_interval=0.2, max_interval=1)
    dataset_id = built.jobs[build.job_id].dataset_id
    assert dataset_id

    dest = tmp_path / "out.jsonl"
    exported = client.datasets.export(dataset_id, "jsonl", dest)
    data = dest.read_bytes()
    assert exported.bytes_written == len(data) > 0
    assert exported.sha256 == hashlib.sha256(data).hexdigest()
    # The working route is remembered: a second export costs exactly one request.
    before = client.stats.requests
    client.datasets.export(dataset_id, "csv", io.BytesIO())
    assert client.stats.requests - before == 1


def test_duplicate_and_rejected_files(client: FlexOrchClient) -> None:
    first = client.documents.process(_files(GOOD[:1]))
    again = client.documents.process(_files([GOOD[0], "bad_customer_export.csv"]))
    dup = next(j for j in again.jobs if j.is_duplicate)
    assert dup.existing_job_id == first.job_ids[0]
    assert [r.filename for r in again.rejected] == ["bad_customer_export.csv"]


def test_request_economy_for_many_jobs(client: FlexOrchClient) -> None:
    uploads = [
        UploadFile(f"note_{i}.txt", f"Invoice {i} total 12.50 EUR".encode()) for i in range(30)
    ]
    before = client.stats.requests
    result = client.documents.process(uploads)
    done = client.jobs.wait(result.job_ids, timeout=120, min_interval=0.2, max_interval=1)
    assert len(done.completed) + len(done.failed) == 30
    spent = client.stats.requests - before
    # One upload plus a list page per round; the official SDK needs 30 uploads
    # and 30 GETs per polling round.
    assert spent < 30, spent


def test_quota_exceeded_is_terminal_and_costs_one_request(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    with FlexOrchClient(
        make_account("starter", credits=1), base_url=flexorch_local_url, rpm=0
    ) as c:
        verdict = c.credits.estimate(2)
        assert not verdict.sufficient and verdict.affordable == 1
        before = c.stats.requests
        with pytest.raises(QuotaExceededError) as info:
            c.documents.process(_files(GOOD[:2]))
        assert c.stats.requests - before == 1
        assert info.value.request_id


def test_rate_limit_is_learned_and_mapped(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    key = make_account("starter", rpm=3)
    with FlexOrchClient(key, base_url=flexorch_local_url) as c:
        c.usage.get()
        assert isinstance(c.throttle, SlidingWindowThrottle) and c.throttle.rpm == 3
    with FlexOrchClient(key, base_url=flexorch_local_url, rpm=0, max_retries=0) as raw:
        with pytest.raises(RateLimitExceededError) as info:
            for _ in range(5):
                raw.usage.get()
        assert info.value.retryable and info.value.retry_after is not None
        assert raw.stats.rate_limited == 1


def test_terminal_errors_over_http(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    with FlexOrchClient("dfx_not_a_real_key", base_url=flexorch_local_url, rpm=0) as c:
        with pytest.raises(InvalidAPIKeyError) as info:
            c.usage.get()
        assert info.value.request_id and "dfx_not_a_real_key" not in str(info.value)
    expired = make_account("trial", trial_ends_at="2000-01-01T00:00:00Z")
    with (
        FlexOrchClient(expired, base_url=flexorch_local_url, rpm=0) as c,
        pytest.raises(TrialExpiredError),
    ):
        c.documents.process(_files(GOOD[:1]))
    with FlexOrchClient(make_account("pro"), base_url=flexorch_local_url, rpm=0) as c:
        with pytest.raises(NotFoundError):
            c.jobs.get("job_does_not_exist")
        with pytest.raises(UnsupportedFileError):
            c.documents.process(_files(["bad_customer_export.csv"]))


def test_injected_server_errors_are_retried(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    root = flexorch_local_url.rsplit("/v1", 1)[0]
    knobs = httpx.get(f"{root}/_local/knobs").json()
    httpx.put(f"{root}/_local/knobs", json={"error_rate": 0.5, "seed": 7})
    try:
        with FlexOrchClient(
            make_account("pro"), base_url=flexorch_local_url, rpm=0, max_retries=8
        ) as c:
            for _ in range(10):
                c.usage.get()
            assert c.stats.retries > 0
    finally:
        httpx.put(f"{root}/_local/knobs", json={"error_rate": knobs.get("error_rate", 0)})


@pytest.mark.anyio
async def test_async_client_over_http(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    async with AsyncFlexOrchClient(make_account("pro"), base_url=flexorch_local_url) as c:
        result = await c.documents.process(_files(GOOD[:2]))
        done = await c.jobs.wait(result.job_ids, timeout=120, min_interval=0.2, max_interval=1)
        assert done.timed_out == []
        limits = await c.usage.rate_limits()
        assert limits.plan == "pro"


SHORT_WINDOW = 2


@pytest.fixture
def short_window(flexorch_local_url: str) -> Iterator[None]:
    """The shared server's rate window cut to SHORT_WINDOW seconds for one test."""
    root = flexorch_local_url.rsplit("/v1", 1)[0]
    before = httpx.get(f"{root}/_local/knobs").json()["rate_window_seconds"]
    httpx.put(f"{root}/_local/knobs", json={"rate_window_seconds": SHORT_WINDOW}).raise_for_status()
    try:
        yield
    finally:
        httpx.put(f"{root}/_local/knobs", json={"rate_window_seconds": before})


class Wire:
    """When each request left and each answer arrived, as httpx event hooks see them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[float] = []
        self.answers: list[tuple[float, int, str | None]] = []

    def _on_request(self, _: httpx.Request) -> None:
        with self._lock:
            self.sent.append(time.monotonic())

    def _on_response(self, response: httpx.Response) -> None:
        with self._lock:
            self.answers.append(
                (time.monotonic(), response.status_code, response.headers.get("Retry-After"))
            )

    def client(self) -> httpx.Client:
        return httpx.Client(
            timeout=30,
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )

    def async_client(self) -> httpx.AsyncClient:
        async def on_request(request: httpx.Request) -> None:
            self._on_request(request)

        async def on_response(response: httpx.Response) -> None:
            self._on_response(response)

        return httpx.AsyncClient(
            timeout=30, event_hooks={"request": [on_request], "response": [on_response]}
        )


def _assert_burst_met_no_limit(
    wire: Wire, client: FlexOrchClient | AsyncFlexOrchClient, results: list[Usage], elapsed: float
) -> None:
    """`results` of calls made on an account of 10 per SHORT_WINDOW by a client that learned it."""
    throttle = client.throttle
    assert isinstance(throttle, SlidingWindowThrottle)
    assert (throttle.rpm, throttle.window_seconds) == (10, SHORT_WINDOW)
    assert all(isinstance(r, Usage) for r in results)
    # The server judges the window: not one request was refused.
    stats = client.stats
    assert stats.rate_limited == 0 and stats.retries == 0
    assert stats.requests == len(wire.sent) == len(results) + 1  # the calls and the limit lookup
    assert max_in_window(wire.sent, SHORT_WINDOW) <= 10
    # With the lookup, the requests fill len(results) // 10 windows before the last one.
    assert elapsed >= len(results) // 10 * SHORT_WINDOW


@pytest.mark.usefixtures("short_window")
def test_threaded_burst_never_meets_a_rate_limit(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    wire = Wire()
    key = make_account("starter", rpm=10)
    started = time.monotonic()
    with FlexOrchClient(key, base_url=flexorch_local_url, http_client=wire.client()) as c:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda _: c.usage.get(), range(50)))
        _assert_burst_met_no_limit(wire, c, results, time.monotonic() - started)
    assert len(results) == 50


@pytest.mark.usefixtures("short_window")
def test_rate_limited_calls_wait_out_retry_after(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    wire = Wire()
    key = make_account("starter", rpm=5)
    with FlexOrchClient(key, base_url=flexorch_local_url, rpm=0, http_client=wire.client()) as c:
        results = [c.usage.get() for _ in range(15)]
        stats = c.stats
    assert len(results) == 15 and all(isinstance(r, Usage) for r in results)
    assert stats.rate_limited > 0 and stats.retries == stats.rate_limited
    assert len(wire.sent) == len(wire.answers) == 15 + stats.rate_limited
    refused = 0
    # One call at a time, so answer i is followed by request i + 1.
    for (answered, status, retry_after), next_sent in zip(
        wire.answers[:-1], wire.sent[1:], strict=True
    ):
        if status == 429:
            refused += 1
            assert retry_after is not None and 1 <= int(retry_after) <= SHORT_WINDOW
            assert next_sent - answered >= int(retry_after)
    assert refused == stats.rate_limited


@pytest.mark.anyio
@pytest.mark.usefixtures("short_window")
async def test_async_burst_never_meets_a_rate_limit(
    flexorch_local_url: str, make_account: Callable[..., str]
) -> None:
    wire = Wire()
    key = make_account("starter", rpm=10)
    started = time.monotonic()
    http = wire.async_client()
    async with AsyncFlexOrchClient(key, base_url=flexorch_local_url, http_client=http) as c:
        results = await asyncio.gather(*(c.usage.get() for _ in range(25)))
        _assert_burst_met_no_limit(wire, c, results, time.monotonic() - started)
    assert len(results) == 25
