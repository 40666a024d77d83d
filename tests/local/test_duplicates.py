"""Duplicates within one request and across requests: every submitted file gets an entry in
`jobs`, under the name it was submitted with, pointing at the earlier job and document."""

from __future__ import annotations

from typing import Any

import boto3

from tests.local._local_helpers import data, upload, wait_job
from tests.local._server import LocalServer


def _credits_used(client: Any) -> int:
    return int(data(client.get("/usage"))["usage"]["credits"]["used"])


def test_identical_files_in_one_request_both_answered(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        answer = data(upload(client, ("a.txt", b"twin content"), ("b.txt", b"twin content")))
        assert answer["accepted"] == 1 and answer["rejected"] == []
        first, second = answer["jobs"]
        assert first["filename"] == "a.txt" and first["is_duplicate"] is False
        assert second["filename"] == "b.txt" and second["is_duplicate"] is True
        assert second["existing_job_id"] == first["job_id"]
        assert second["existing_document_id"] == first["document_id"]
        assert second["credits_charged"] == 0
        assert _credits_used(client) == 1


def test_duplicate_entry_carries_the_name_submitted_now(server: LocalServer) -> None:
    with server.client(server.account("starter")) as client:
        first = data(upload(client, ("original.txt", b"renamed later")))
        wait_job(client, first["job_id"])
        again = data(upload(client, ("renamed.txt", b"renamed later"), ("new.txt", b"fresh")))
        assert [j["filename"] for j in again["jobs"]] == ["renamed.txt", "new.txt"]
        dup = again["jobs"][0]
        assert dup["existing_job_id"] == first["job_id"] and dup["is_duplicate"] is True
        assert dup["existing_document_id"] == first["jobs"][0]["document_id"]


def test_connector_duplicate_carries_the_key(server: LocalServer, s3_endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    s3.create_bucket(Bucket="dups")
    for key in ("in/one.txt", "in/copy.txt"):
        s3.put_object(Bucket="dups", Key=key, Body=b"the same object twice")
    with server.client(server.account("pro")) as client:
        config = {"bucket": "dups", "region": "us-east-1", "endpoint_url": s3_endpoint,
                  "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # fmt: skip
        con = data(client.post("/connectors", json={"type": "s3", "name": "d", "config": config}))
        body = {"source": {"connector_id": con["id"], "keys": ["in/one.txt", "in/copy.txt"]}}
        answer = data(client.post("/data-process/async", json=body))
        assert [j["filename"] for j in answer["jobs"]] == ["in/one.txt", "in/copy.txt"]
        assert answer["jobs"][1]["is_duplicate"] is True
        assert answer["jobs"][1]["existing_job_id"] == answer["jobs"][0]["job_id"]


def test_the_same_file_in_concurrent_requests_is_charged_once(server: LocalServer) -> None:
    """Uploads run in the threadpool: parallel requests with the same content must still see
    each other, so exactly one document is created and one credit is spent."""
    from concurrent.futures import ThreadPoolExecutor

    key = server.account("starter")
    content = b"the same scan sent by two nightly runs at once\n" * 2000

    def send(i: int) -> dict[str, Any]:
        with server.client(key) as client:
            return dict(data(upload(client, (f"copy-{i}.txt", content)))["jobs"][0])

    with ThreadPoolExecutor(max_workers=6) as pool:
        entries = list(pool.map(send, range(6)))
    originals = [e for e in entries if not e["is_duplicate"]]
    assert len(originals) == 1
    assert {e.get("existing_document_id") for e in entries if e["is_duplicate"]} == {
        originals[0]["document_id"]
    }
    with server.client(key) as client:
        assert _credits_used(client) == 1
