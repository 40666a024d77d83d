"""Every response variant the contract lists parses into the same models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import respx

from flexorch_client import (
    FlexOrchClient,
    Job,
    ProcessResult,
    RateLimits,
    UploadFile,
    Usage,
)

FILES = [UploadFile("a.pdf", b"1"), UploadFile("b.pdf", b"2")]


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"plan": "pro"}},
        {"status": "success", "data": {"plan": "pro"}, "error": None},
        {"plan": "pro"},
    ],
)
def test_envelope_with_or_without_status_and_bare_bodies(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], body: dict[str, Any]
) -> None:
    api.get("/usage").respond(200, json=body)
    assert make_client().usage.get().plan == "pro"


def test_upload_seed_variant_job_id() -> None:
    result = ProcessResult.parse({"job_id": "job_1", "status": "queued"}, ["a.pdf"])
    assert result.job_ids == ["job_1"]
    assert result.jobs[0].filename == "a.pdf"
    assert result.rejected == []


def test_upload_docs_variant_job_ids_with_integer_ids() -> None:
    result = ProcessResult.parse({"job_ids": [11, "job_12"], "status": "queued"}, ["a", "b"])
    assert result.job_ids == ["11", "job_12"]
    assert [j.filename for j in result.jobs] == ["a", "b"]


def test_upload_live_variant_with_rejections_and_duplicates() -> None:
    body = {
        "accepted": 2,
        "rejected": [
            {"filename": "c.csv", "code": "UNSUPPORTED_FILE", "error": "csv not accepted"}
        ],
        "jobs": [
            {"job_id": "job_1", "status": "queued", "filename": "a.pdf", "document_id": 7},
            {
                "is_duplicate": True,
                "existing_document_id": "doc_9",
                "existing_job_id": "job_9",
                "filename": "b.pdf",
                "status": "completed",
            },
        ],
    }
    result = ProcessResult.parse(body, ["a.pdf", "b.pdf", "c.csv"])
    assert result.job_ids == ["job_1", "job_9"]
    assert result.jobs[0].document_id == "7"
    dup = result.jobs[1]
    assert dup.is_duplicate and dup.existing_job_id == "job_9"
    assert result.rejected[0].reason == "csv not accepted"
    assert result.rejected[0].code == "UNSUPPORTED_FILE"


def test_upload_union_variant_served_by_flexorch_local(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    body = {
        "job_id": "job_1",
        "job_ids": ["job_1", "job_2"],
        "status": "queued",
        "accepted": 2,
        "rejected": [],
        "jobs": [{"job_id": "job_1", "status": "queued"}, {"job_id": "job_2", "status": "queued"}],
    }
    api.post("/data-process/async").respond(200, json={"status": "success", "data": body})
    result = make_client().documents.process(FILES)
    assert result.job_ids == ["job_1", "job_2"]
    assert [j.filename for j in result.jobs] == ["a.pdf", "b.pdf"]


def test_seed_duplicate_shape_without_job_id() -> None:
    result = ProcessResult.parse(
        {"is_duplicate": True, "existing_document_id": 3, "existing_job_id": 4}, ["a.pdf"]
    )
    assert result.job_ids == ["4"]
    assert result.jobs[0].is_duplicate


def test_job_lifts_nested_summaries_and_normalises_ids() -> None:
    job = Job.model_validate(
        {
            "job_id": 42,
            "status": "completed",
            "document_id": 5,
            "pii_findings_count": 3,
            "processing_summary": {"quality": {"score": 91, "grade": "A"}},
            "execution_summary": {"execution_id": 77, "degraded": True},
            "dataset_summary": {"dataset_id": 8},
            "something_new": {"x": 1},
        }
    )
    assert job.job_id == "42" and job.document_id == "5"
    assert job.quality is not None and job.quality.grade == "A"
    assert job.execution_id == "77" and job.degraded
    assert job.dataset_id == "8"
    assert job.is_terminal


@pytest.mark.parametrize(
    "body",
    [
        {
            "plan": "starter",
            "usage": {"credits": {"used": 10, "limit": 1200, "remaining": 1190}},
            "trial": {"is_trial": True, "trial_ends_at": "2030-01-01", "trial_days_remaining": 9},
        },
        {
            "plan": "starter",
            "credits_used": 10,
            "credits_limit": 1200,
            "credits_remaining": 1190,
            "is_trial": True,
            "trial_ends_at": "2030-01-01",
            "trial_days_remaining": 9,
        },
        {"plan": "starter", "credits": {"used": 10, "limit": 1200}, "trial": {"is_trial": True}},
    ],
)
def test_usage_nested_and_flat(body: dict[str, Any]) -> None:
    usage = Usage.model_validate(body)
    assert usage.plan == "starter"
    assert (usage.credits.used, usage.credits.limit, usage.credits.remaining) == (10, 1200, 1190)
    assert usage.trial.is_trial
    assert usage.max_file_bytes is None


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # what flexorch-local answers
        ({"limits": {"max_file_size_bytes": 26_214_400, "rpm": 60}}, 26_214_400),
        ({"limits": {"max_file_bytes": 10_485_760}}, 10_485_760),
        ({"max_file_bytes": 52_428_800}, 52_428_800),
        ({"limits": {"rpm": 60}}, None),
        # a limit the client cannot read is no limit, rather than a wrong one
        ({"limits": {"max_file_size_bytes": "25MB"}}, None),
        ({"limits": {"max_file_size_bytes": 0}}, None),
        ({"limits": {"max_file_size_bytes": True}}, None),
    ],
)
def test_usage_reads_the_file_size_limit_when_present(
    extra: dict[str, Any], expected: int | None
) -> None:
    body = {"plan": "starter", "usage": {"credits": {"used": 1, "limit": 1200}}, **extra}
    usage = Usage.model_validate(body)
    assert usage.max_file_bytes == expected
    assert usage.credits.remaining == 1199


def test_rate_limits_docs_and_live_shapes() -> None:
    docs = RateLimits.model_validate(
        {
            "plan": "starter",
            "rate_limit": {"rpm": 60, "used": 5, "remaining": 55, "reset_in_seconds": 12},
        }
    )
    assert (docs.rpm, docs.used, docs.remaining, docs.reset_in_seconds) == (60, 5, 55, 12)
    assert not docs.unlimited
    live = RateLimits.model_validate(
        {
            "plan": "starter",
            "unlimited": False,
            "limit": 60,
            "used": 1,
            "remaining": 59,
            "window_seconds": 60,
            "reset_in_seconds": 30,
        }
    )
    assert live.rpm == 60 and live.window_seconds == 60
    unlimited = RateLimits.model_validate({"plan": "enterprise", "unlimited": True, "limit": None})
    assert unlimited.unlimited and unlimited.rpm is None


def test_lists_accept_bare_and_wrapped(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/datasets").respond(200, json={"data": [{"id": 1, "name": "a"}]})
    api.get("/connectors").respond(200, json={"data": {"items": [{"connector_id": "con_1"}]}})
    api.post("/search").respond(
        200, json={"data": {"results": [{"score": 0.9, "text": "hello", "dataset_id": 3}]}}
    )
    client = make_client()
    assert client.datasets.list()[0].dataset_id == "1"
    assert client.connectors.list()[0].connector_id == "con_1"
    hit = client.search("hello")[0]
    assert hit.chunk_text == "hello" and hit.dataset_id == "3"
