"""POST /documents/{id}/reprocess with and without a pipeline_config body."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.local._local_helpers import data, error_code, upload, wait_job
from tests.local._server import LocalServer


def _credits_used(client: httpx.Client) -> int:
    return int(data(client.get("/usage"))["usage"]["credits"]["used"])


@pytest.mark.parametrize(("engine", "cost"), [("premium", 15), ("local_ai", 3)])
def test_reprocess_charges_the_engine_asked_for(
    server: LocalServer, engine: str, cost: int
) -> None:
    with server.client(server.account("starter")) as client:
        job = wait_job(
            client, data(upload(client, ("e.txt", f"engine {engine}".encode())))["job_id"]
        )
        path = f"/documents/{job['document_id']}/reprocess"
        again = data(client.post(path, json={"pipeline_config": {"engine": engine}}))
        assert again["engine"] == engine and again["credits_charged"] == cost
        assert _credits_used(client) == 1 + cost
        assert wait_job(client, again["job_id"])["engine"] == engine


def test_reprocess_without_body_or_with_empty_body_is_deterministic(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        job = wait_job(client, data(upload(client, ("n.txt", b"no body reprocess")))["job_id"])
        path = f"/documents/{job['document_id']}/reprocess"
        assert data(client.post(path))["engine"] == "deterministic"
        assert data(client.post(path, json={}))["engine"] == "deterministic"
        # the form field's JSON-string form, as upload takes it
        as_text = client.post(path, json={"pipeline_config": json.dumps({"engine": "local_ai"})})
        assert data(as_text)["engine"] == "local_ai"
        assert _credits_used(client) == 1 + 1 + 1 + 3


def test_reprocess_rejects_unknown_engine_and_charges_nothing(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        job = wait_job(client, data(upload(client, ("u.txt", b"unknown engine")))["job_id"])
        path = f"/documents/{job['document_id']}/reprocess"
        bad = client.post(path, json={"pipeline_config": {"engine": "quantum"}})
        assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"
        assert _credits_used(client) == 1


def test_reprocess_over_quota_charges_nothing(server: LocalServer) -> None:
    with server.client(server.account("starter", credits=5)) as client:
        job = wait_job(client, data(upload(client, ("q.txt", b"quota reprocess")))["job_id"])
        path = f"/documents/{job['document_id']}/reprocess"
        refused = client.post(path, json={"pipeline_config": {"engine": "premium"}})
        assert refused.status_code == 429 and error_code(refused) == "QUOTA_EXCEEDED"
        assert _credits_used(client) == 1
