"""Slow work inside an upload request must not stall the server's other requests."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.local._local_helpers import data, error_code, upload
from tests.local._server import LocalServer, free_port

SLOW_SECONDS = 2.0


class _SlowS3(BaseHTTPRequestHandler):
    """Answers every object request late, and with 404."""

    def _late_404(self) -> None:
        time.sleep(SLOW_SECONDS)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = _late_404
    do_GET = _late_404

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def slow_s3() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), _SlowS3)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_slow_connector_download_does_not_stall_other_requests(
    server: LocalServer, slow_s3: str
) -> None:
    with server.client(server.account("pro")) as client:
        config = {"bucket": "b", "region": "us-east-1", "endpoint_url": slow_s3,
                  "aws_access_key_id": "x", "aws_secret_access_key": "y"}  # fmt: skip
        con = data(
            client.post("/connectors", json={"type": "s3", "name": "slow", "config": config})
        )
        answers: list[httpx.Response] = []
        body = {"source": {"connector_id": con["id"], "keys": ["a.txt"]}}
        ingest = threading.Thread(
            target=lambda: answers.append(client.post("/data-process/async", json=body))
        )
        ingest.start()
        time.sleep(0.5)
        started = time.monotonic()
        assert httpx.get(f"{server.root}/health", timeout=10).status_code == 200
        assert time.monotonic() - started < SLOW_SECONDS / 2
        ingest.join(timeout=30)
        assert answers[0].status_code == 404 and error_code(answers[0]) == "NOT_FOUND"


def test_upload_larger_than_the_memory_spool_is_kept_whole(api: httpx.Client) -> None:
    content = b"spooled line of text\n" * 250_000 + str(time.monotonic_ns()).encode()
    assert len(content) > 4 * 1024 * 1024
    job = data(upload(api, ("big.txt", content)))["jobs"][0]
    doc = data(api.get(f"/documents/{job['document_id']}"))
    assert doc["size_bytes"] == len(content)
    assert doc["content_hash"] == hashlib.sha256(content).hexdigest()
