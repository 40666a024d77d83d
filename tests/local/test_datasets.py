"""Datasets: create, build-from-execution, rows, profile, every export format, index, search."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.local._local_helpers import data, error_code, wait_job

SAMPLE_NAMES = (
    "invoice_acme_INV-2024-0117.pdf",
    "contract_lease_88_harbor_street.txt",
    "email_payment_reminder_INV-2024-0117.eml",
)


@pytest.fixture
def dataset(api: httpx.Client, processed: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    jobs = [processed(name) for name in SAMPLE_NAMES]
    assert all(j["status"] == "completed" for j in jobs)
    body = {"name": "Q1 docs", "execution_ids": [jobs[0]["execution_id"]],
            "job_ids": [j["job_id"] for j in jobs[1:]]}  # fmt: skip
    created: dict[str, Any] = data(api.post("/datasets", json=body))
    return created


def test_create_and_get(api: httpx.Client, dataset: dict[str, Any]) -> None:
    assert dataset["status"] == "ready" and dataset["row_count"] == 3
    assert dataset["slug"] == "q1-docs" and dataset["id"].startswith("ds_")
    assert set(dataset["available_formats"]) == {
        "json", "jsonl", "csv", "parquet", "md", "xml", "xlsx", "rag", "hf"}  # fmt: skip
    assert data(api.get(f"/datasets/{dataset['id']}"))["row_count"] == 3
    job_id = dataset["source_job_ids"][1]
    assert data(api.get(f"/jobs/{job_id}"))["has_dataset"] is True
    listed = data(api.get("/datasets", params={"job_id": job_id}))["items"]
    assert [d["id"] for d in listed] == [dataset["id"]]


def test_build_from_execution_job(
    api: httpx.Client, processed: Callable[[str], dict[str, Any]]
) -> None:
    job = processed("expense_report_berlin_2024-05.txt")
    build = data(api.post(f"/datasets/build-from-execution/{job['execution_id']}",
                          json={"name": "expenses"}))  # fmt: skip
    assert build["type"] == "dataset_build"
    done = wait_job(api, build["job_id"])
    ds_id = done["dataset_summary"]["dataset_id"]
    assert data(api.get(f"/datasets/{ds_id}"))["name"] == "expenses"
    missing = api.post("/datasets/build-from-execution/exe_nope")
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"


def test_rows_and_profile(api: httpx.Client, dataset: dict[str, Any]) -> None:
    page = data(api.get(f"/datasets/{dataset['id']}/rows", params={"page_size": 2}))
    assert len(page["rows"]) == 2 and page["pagination"]["total"] == 3
    assert "text" in page["columns"]
    profile = data(api.get(f"/datasets/{dataset['id']}/profile"))
    assert profile["row_count"] == 3 and sum(profile["grade_distribution"].values()) == 3
    assert profile["pii_type_summary"] and profile["languages"]
    assert 0 <= profile["average_quality_score"] <= 100
    assert "field_fill_rate" in profile and "jsonl" in profile["available_formats"]
    assert profile["quality"]["grade_distribution"] == profile["grade_distribution"]


def _check(fmt: str, body: bytes) -> None:
    if fmt == "json":
        assert len(json.loads(body)) == 3
    elif fmt in {"jsonl", "rag"}:
        lines = [json.loads(line) for line in body.decode().splitlines() if line]
        assert len(lines) >= 3
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(body.decode())))) == 3
    elif fmt == "parquet":
        assert pq.read_table(io.BytesIO(body)).num_rows == 3
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert sheet is not None and sheet.max_row == 4
    elif fmt == "hf":
        if body[:2] == b"PK":
            assert zipfile.ZipFile(io.BytesIO(body)).namelist()
        else:
            assert pa.ipc.open_stream(body).read_all().num_rows == 3
    else:
        assert body.strip()


@pytest.mark.parametrize(
    "fmt", ["json", "jsonl", "csv", "parquet", "md", "xml", "xlsx", "rag", "hf"]
)
def test_every_export_format_both_routes(
    api: httpx.Client, dataset: dict[str, Any], fmt: str
) -> None:
    live = api.get(f"/datasets/{dataset['id']}/export/{fmt}")
    documented = api.get(f"/datasets/{dataset['id']}/export", params={"format": fmt})
    assert live.status_code == documented.status_code == 200
    assert "attachment" in live.headers["content-disposition"]
    assert live.content == documented.content
    _check(fmt, live.content)


def test_export_min_quality_and_bad_format(api: httpx.Client, dataset: dict[str, Any]) -> None:
    rows = [
        json.loads(x) for x in api.get(f"/datasets/{dataset['id']}/export/jsonl").text.splitlines()
    ]
    best = min(r["quality_grade"] for r in rows)
    kept = api.get(f"/datasets/{dataset['id']}/export/jsonl", params={"min_quality": best})
    assert all(json.loads(x)["quality_grade"] <= best for x in kept.text.splitlines())
    bad = api.get(f"/datasets/{dataset['id']}/export/pdf")
    assert bad.status_code == 422 and error_code(bad) == "VALIDATION_ERROR"


def test_masked_text_is_exported(api: httpx.Client, dataset: dict[str, Any]) -> None:
    body = api.get(f"/datasets/{dataset['id']}/export/jsonl").text
    assert "[MASKED_" in body


def test_chunks_index_and_search(api: httpx.Client, dataset: dict[str, Any]) -> None:
    ds_id = dataset["id"]
    chunks = data(api.get(f"/datasets/{ds_id}/chunks", params={"page_size": 100}))
    assert chunks["total"] >= 3 and chunks["items"][0]["text"]
    assert data(api.get(f"/datasets/{ds_id}/index/status"))["status"] == "not_indexed"
    assert data(api.post(f"/datasets/{ds_id}/index"))["status"] == "indexing"
    deadline = time.monotonic() + 60
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = data(api.get(f"/datasets/{ds_id}/index/status"))
        if status["status"] == "ready":
            break
        time.sleep(0.2)
    assert status["status"] == "ready" and status["chunks_indexed"] == status["total_chunks"] > 0
    found = data(api.post("/search", json={"query": "lease harbor street rent", "top_k": 3,
                                           "filters": {"dataset_id": ds_id}}))  # fmt: skip
    results = found["results"]
    assert 1 <= len(results) <= 3 and results[0]["score"] > 0
    assert results[0]["dataset_id"] == ds_id and results[0]["chunk_text"]
    for mode in ("auto", "structured", "semantic", "hybrid"):
        assert api.post("/search", json={"query": "invoice", "mode": mode}).status_code == 200
    graded = data(
        api.post(
            "/search",
            json={"query": "invoice", "filters": {"quality_grade": "D", "dataset_id": ds_id}},
        )
    )
    assert all(r["metadata"].get("quality_grade") in (None, "D") for r in graded["results"])


def test_create_needs_completed_sources(api: httpx.Client) -> None:
    empty = api.post("/datasets", json={"name": "nothing"})
    assert empty.status_code == 400 and error_code(empty) == "VALIDATION_ERROR"
    missing = api.post("/datasets", json={"name": "x", "job_ids": ["job_nope"]})
    assert missing.status_code == 404
