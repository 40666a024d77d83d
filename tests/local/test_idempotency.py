"""Idempotency-Key: a repeated POST with the same key answers the stored answer, once charged."""

from __future__ import annotations

import uuid

import httpx

from tests.local._local_helpers import data, error_code, upload, wait_job
from tests.local._server import LocalServer


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _credits_used(client: httpx.Client) -> int:
    return int(data(client.get("/usage"))["usage"]["credits"]["used"])


def test_retried_upload_is_replayed_not_charged_again(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        headers = _key()
        files = [("files", ("i.txt", b"idempotent upload body"))]
        first = client.post("/data-process/async", files=files, headers=headers)
        again = client.post("/data-process/async", files=files, headers=headers)
        assert first.status_code == again.status_code == 202
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert data(again) == data(first) and data(again)["jobs"][0]["is_duplicate"] is False
        assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
        assert _credits_used(client) == 1


def test_retried_reprocess_creates_one_job(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        job = wait_job(client, data(upload(client, ("r.txt", b"reprocess me once")))["job_id"])
        headers, path = _key(), f"/documents/{job['document_id']}/reprocess"
        first, again = client.post(path, headers=headers), client.post(path, headers=headers)
        assert data(first)["job_id"] == data(again)["job_id"] != job["job_id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        assert _credits_used(client) == 2
        # without the header every POST is new work
        other = client.post(path)
        assert data(other)["job_id"] != data(first)["job_id"]
        assert _credits_used(client) == 3


def test_retried_dataset_create_and_index(server: LocalServer) -> None:
    with server.client(server.account("pro")) as client:
        job = wait_job(client, data(upload(client, ("d.txt", b"dataset idempotency")))["job_id"])
        headers, body = _key(), {"name": "once", "job_ids": [job["job_id"]]}
        first = data(client.post("/datasets", json=body, headers=headers))
        again = client.post("/datasets", json=body, headers=headers)
        assert data(again)["id"] == first["id"] and again.status_code == 201
        assert data(client.get("/datasets"))["total"] == 1
        index_headers = _key()
        path = f"/datasets/{first['id']}/index"
        assert client.post(path, headers=index_headers).status_code == 202
        replay = client.post(path, headers=index_headers)
        assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"


def test_same_key_on_another_path_is_a_conflict(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        headers = _key()
        assert upload_with(client, headers).status_code == 202
        clash = client.post("/datasets", json={"name": "x"}, headers=headers)
        assert clash.status_code == 409 and error_code(clash) == "CONFLICT"
        assert "/v1/data-process/async" in clash.json()["error"]["message"]
        assert "X-Request-ID" in clash.headers


def test_failed_attempt_is_not_kept(server: LocalServer) -> None:
    with server.client(server.account("starter", credits=0)) as client:
        headers = _key()
        refused = upload_with(client, headers)
        assert refused.status_code == 429 and error_code(refused) == "QUOTA_EXCEEDED"
        again = upload_with(client, headers)
        assert again.status_code == 429 and "Idempotent-Replayed" not in again.headers


def test_keys_are_per_tenant(server: LocalServer) -> None:
    headers = _key()
    answers = []
    for _ in range(2):
        with server.client(server.account("starter")) as client:
            answers.append(upload_with(client, headers))
    assert [a.status_code for a in answers] == [202, 202]
    assert "Idempotent-Replayed" not in answers[1].headers


def upload_with(client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    files = [("files", ("k.txt", f"text {uuid.uuid4().hex}".encode()))]
    return client.post("/data-process/async", files=files, headers=headers)


def test_webhook_answers_are_never_kept(server: LocalServer) -> None:
    """A webhook created without a secret answers with the generated one: that answer must not
    sit in the idempotency store, so a replay cannot hand the secret out again."""
    with server.client(server.account("pro")) as client:
        body = {"url": "http://127.0.0.1:9/hook", "events": ["job.completed"]}
        headers = {"Idempotency-Key": "webhook-once"}
        first = client.post("/webhooks", json=body, headers=headers)
        again = client.post("/webhooks", json=body, headers=headers)
        assert first.status_code == again.status_code == 201, first.text
        assert "idempotent-replayed" not in again.headers
        assert data(first)["id"] != data(again)["id"]
