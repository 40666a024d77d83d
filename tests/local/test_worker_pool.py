"""Worker pool resizing and index requests, on a server of this module's own (its knobs change)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.local._local_helpers import data, upload, wait_job
from tests.local._server import LocalServer, running_server


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with running_server(tmp_path_factory.mktemp("flexorch-local-workers")) as srv:
        yield srv


def _upload_many(client: httpx.Client, count: int) -> list[str]:
    files = [(f"w{i}.txt", f"worker text {uuid.uuid4().hex}".encode()) for i in range(count)]
    return list(data(upload(client, *files))["job_ids"])


def _counts(client: httpx.Client) -> tuple[int, int]:
    running = data(client.get("/jobs", params={"status": "running"}))["total"]
    done = data(client.get("/jobs", params={"status": "completed"}))["total"]
    return int(running), int(done)


def test_scale_down_is_exact_even_with_a_backlog(own_server: LocalServer) -> None:
    # Jobs long enough that the resize below lands while the first two still run, even on a
    # loaded two-core CI machine.
    own_server.knobs(processing_delay=3.0, workers=2)
    try:
        with own_server.client(own_server.account("pro", rpm=10_000)) as client:
            ids = _upload_many(client, 4)
            own_server.knobs(workers=1)
            deadline = time.monotonic() + 60
            while _counts(client)[1] < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            most = 0
            while _counts(client)[1] < 4 and time.monotonic() < deadline:
                most = max(most, _counts(client)[0])
                time.sleep(0.05)
            assert most == 1
            assert all(wait_job(client, i)["status"] == "completed" for i in ids)
            own_server.knobs(workers=3)
            _upload_many(client, 3)
            most = 0
            while _counts(client)[1] < 7 and time.monotonic() < deadline:
                most = max(most, _counts(client)[0])
                time.sleep(0.05)
            assert most == 3
    finally:
        own_server.knobs(processing_delay=0, workers=2)


def test_index_requested_twice_is_queued_once(own_server: LocalServer) -> None:
    with own_server.client(own_server.account("pro", rpm=10_000)) as client:
        job = wait_job(client, _upload_many(client, 1)[0])
        ds = data(client.post("/datasets", json={"name": "twice", "job_ids": [job["job_id"]]}))
        # The only worker is kept busy, so the first index request is still queued.
        own_server.knobs(processing_delay=3.0, workers=1)
        try:
            time.sleep(0.6)  # an idle worker notices the smaller pool within 0.2 s
            _upload_many(client, 1)
            time.sleep(0.3)
            path = f"/datasets/{ds['id']}/index"
            first = data(client.post(path))
            second = data(client.post(path))
            assert first["status"] == second["status"] == "indexing"
            assert "already" in second["message"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                status = data(client.get(f"{path}/status"))["status"]
                if status != "indexing":
                    break
                time.sleep(0.1)
            assert status == "ready"
            time.sleep(0.5)  # a second, wrongly queued run would finish by now
        finally:
            own_server.knobs(processing_delay=0, workers=2)
        records = client.get("/audit/export", params={"format": "json"}).json()["records"]
        assert [r["event_type"] for r in records].count("dataset.indexed") == 1
