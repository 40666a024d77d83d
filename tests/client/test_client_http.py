"""The client against a real flexorch-local over HTTP (fixtures from tests/conftest.py)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from flexorch_client import AsyncFlexOrchClient, FlexOrchClient, SlidingWindowThrottle, UploadFile
from flexorch_client.errors import (
    InvalidAPIKeyError,
    NotFoundError,
    QuotaExceededError,
    RateLimitExceededError,
    TrialExpiredError,
    UnsupportedFileError,
)

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
