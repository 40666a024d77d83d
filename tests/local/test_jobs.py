"""Upload → background job lifecycle, duplicates, credits, reprocess, jobs list, feedback."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.local._local_helpers import data, error_code, sample, upload, wait_job
from tests.local._server import LocalServer


def test_upload_answer_is_the_union_of_documented_shapes(server: LocalServer) -> None:
    key = server.account("pro")
    with server.client(key) as client:
        answer = data(upload(client, ("a.txt", b"Invoice from ACME, total 5 EUR"),
                             ("b.html", b"<html><body>Delivery note 4</body></html>")))  # fmt: skip
        assert answer["status"] == "queued" and answer["accepted"] == 2
        assert answer["job_id"] == answer["job_ids"][0]
        assert [j["job_id"] for j in answer["jobs"]] == answer["job_ids"]
        assert answer["rejected"] == []
        for job_id in answer["job_ids"]:
            job = wait_job(client, job_id)
            assert job["status"] == "completed" and job["stage"] is None
            assert job["quality"]["grade"] in "ABCD"
            assert 0 <= job["quality"]["score"] <= 100
            assert job["execution_summary"]["execution_id"] == job["execution_id"]
            assert "privacy" in job["execution_summary"]
            assert set(job["processing_summary"]["quality"]) >= {
                "score", "grade", "field_fill_rate", "ocr_confidence"}  # fmt: skip
            assert job["document_id"].startswith("doc_") and job["has_dataset"] is False


def test_duplicate_costs_nothing_and_returns_existing_ids(server: LocalServer) -> None:
    key = server.account("starter")
    with server.client(key) as client:
        first = data(upload(client, ("x.txt", b"same content twice")))
        wait_job(client, first["job_id"])
        again = data(upload(client, ("renamed.txt", b"same content twice")))
        dup = again["jobs"][0]
        assert again["accepted"] == 0 and dup["is_duplicate"] is True
        assert dup["existing_job_id"] == first["job_id"]
        assert dup["existing_document_id"] == first["jobs"][0]["document_id"]
        assert data(client.get("/usage"))["usage"]["credits"]["used"] == 1


def test_stages_then_completion_with_delay(server: LocalServer) -> None:
    key = server.account("starter")
    server.knobs(processing_delay=2.0)
    try:
        with server.client(key) as client:
            job_id = data(upload(client, ("slow.txt", b"slow document text")))["job_id"]
            seen = set()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                job = data(client.get(f"/jobs/{job_id}"))
                seen.add((job["status"], job["stage"]))
                if job["status"] == "completed":
                    break
                time.sleep(0.1)
            assert ("running", "extract") in seen and ("completed", None) in seen
            running = data(client.get("/jobs", params={"status": "running"}))
            assert running["total"] == 0
    finally:
        server.knobs(processing_delay=0)


def test_failed_job_refunds_credits(server: LocalServer) -> None:
    key = server.account("starter")
    server.knobs(job_failure_rate=1.0)
    try:
        with server.client(key) as client:
            job_id = data(upload(client, ("f.txt", b"this one will fail")))["job_id"]
            job = wait_job(client, job_id)
    finally:
        server.knobs(job_failure_rate=0.0)
    assert job["status"] == "failed" and "injected" in job["failure_reason"]
    with server.client(key) as client:
        assert data(client.get("/usage"))["usage"]["credits"]["used"] == 0
        failed = data(client.get("/jobs", params={"status": "failed"}))
        assert [j["job_id"] for j in failed["items"]] == [job_id]


def test_unreadable_document_fails_with_reason(api: httpx.Client) -> None:
    content = sample("bad_corrupt_contract.docx").read_bytes()
    job = wait_job(api, data(upload(api, ("bad_corrupt_contract.docx", content)))["job_id"])
    assert job["status"] == "failed" and job["failure_reason"]


def test_engine_costs(server: LocalServer) -> None:
    key = server.account("starter")
    with server.client(key) as client:
        upload(client, ("l.txt", b"local ai text"), pipeline_config='{"engine": "local_ai"}')
        upload(client, ("p.txt", b"premium text"), pipeline_config='{"engine": "premium"}')
        assert data(client.get("/usage"))["usage"]["credits"]["used"] == 18
        bad = upload(client, ("q.txt", b"x"), pipeline_config='{"engine": "gpu"}')
        assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"


def test_jobs_list_pagination(server: LocalServer) -> None:
    key = server.account("pro")
    with server.client(key) as client:
        files = [(f"{i}.txt", f"document number {i}".encode()) for i in range(5)]
        ids = data(upload(client, *files))["job_ids"]
        page = data(client.get("/jobs", params={"page": 2, "page_size": 2}))
        assert page["total"] == 5 and page["page"] == 2 and page["page_size"] == 2
        assert len(page["items"]) == 2
        listed = data(client.get("/jobs", params={"page_size": 10}))["items"]
        assert {j["job_id"] for j in listed} == set(ids)


def test_reprocess_keeps_earlier_results(
    api: httpx.Client, processed: Callable[[str], dict[str, Any]]
) -> None:
    first = processed("expense_report_berlin_2024-05.txt")
    again = data(api.post(f"/documents/{first['document_id']}/reprocess"))
    assert again["job_id"] != first["job_id"] and again["execution_id"] != first["execution_id"]
    wait_job(api, again["job_id"])
    doc = data(api.get(f"/documents/{first['document_id']}"))
    assert doc["processing_count"] == 2
    assert {h["job_id"] for h in doc["processing_history"]} == {first["job_id"], again["job_id"]}
    assert data(api.get(f"/jobs/{first['job_id']}"))["status"] == "completed"
    listed = data(api.get("/documents"))
    assert first["document_id"] in {d["id"] for d in listed["items"]}


def test_feedback_documented_and_live_ratings(
    api: httpx.Client, processed: Callable[[str], dict[str, Any]]
) -> None:
    job = processed("vat_return_q1_2024_atelier_moreau.txt")
    path = f"/jobs/{job['job_id']}/feedback"
    assert data(api.get(path)) is None
    saved = data(api.post(path, json={"rating": "positive"}))
    assert saved["rating"] == "positive"
    saved = data(api.post(path, json={"rating": "down", "issue": "missing_data", "notes": "n"}))
    assert data(api.get(path))["rating"] == "negative" and saved["issue"] == "missing_data"
    assert job["job_id"] in {f["job_id"] for f in data(api.get("/feedback"))["items"]}
    bad = api.post(path, json={"rating": "meh"})
    assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"
