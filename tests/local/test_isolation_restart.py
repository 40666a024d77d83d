"""Tenant isolation, state across a restart, re-queued jobs, loopback-only controls."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.local._local_helpers import data, upload, wait_job
from tests.local._server import LocalServer


def test_other_tenants_ids_are_not_found(server: LocalServer) -> None:
    alice, bob = server.account("pro"), server.account("pro")
    with server.client(alice) as a, server.client(bob) as b:
        job = wait_job(a, data(upload(a, ("a.txt", b"alice's private invoice")))["job_id"])
        ds = data(a.post("/datasets", json={"name": "alice", "job_ids": [job["job_id"]]}))
        con = data(a.post("/connectors", json={"type": "gcs", "name": "g",
                                               "config": {"bucket": "b"}}))  # fmt: skip
        for path in (f"/jobs/{job['job_id']}", f"/documents/{job['document_id']}",
                     f"/datasets/{ds['id']}", f"/datasets/{ds['id']}/export/jsonl",
                     f"/datasets/{ds['id']}/profile", f"/connectors/{con['id']}"):  # fmt: skip
            assert b.get(path).status_code == 404, path
        assert b.post(f"/documents/{job['document_id']}/reprocess").status_code == 404
        assert (
            b.post("/datasets", json={"name": "x", "job_ids": [job["job_id"]]}).status_code == 404
        )
        assert data(b.get("/jobs"))["total"] == 0 and data(b.get("/datasets"))["total"] == 0
        # the same content is not a duplicate across tenants
        assert data(upload(b, ("a.txt", b"alice's private invoice")))["accepted"] == 1


def test_restart_keeps_state_and_requeues(tmp_path: Path) -> None:
    srv = LocalServer(tmp_path / "data", tmp_path / "log.txt",
                      extra_args=["--processing-delay", "30"]).start()  # fmt: skip
    try:
        key = srv.account("starter")
        with srv.client(key) as client:
            done_first = data(upload(client, ("one.txt", b"first document")))["job_id"]
            srv.knobs(processing_delay=0)
            wait_job(client, done_first)
            srv.knobs(processing_delay=30)
            pending = data(upload(client, ("two.txt", b"second document")))["job_id"]
    finally:
        srv.stop()
    srv.extra_args = []
    srv.start()
    try:
        with srv.client(key) as client:
            assert data(client.get(f"/jobs/{done_first}"))["status"] == "completed"
            assert wait_job(client, pending)["status"] == "completed"
            assert data(client.get("/usage"))["usage"]["credits"]["used"] == 2
    finally:
        srv.stop()


def test_local_controls_hidden_from_openapi(server: LocalServer) -> None:
    schema = httpx.get(f"{server.root}/openapi.json").json()
    assert not any(p.startswith("/_local") for p in schema["paths"])
    assert "/v1/data-process/async" in schema["paths"]
    knobs = httpx.get(f"{server.root}/_local/knobs").json()
    assert set(knobs) >= {"processing_delay", "error_rate", "latency", "job_failure_rate",
                          "workers", "seed"}  # fmt: skip
    bad = httpx.put(f"{server.root}/_local/knobs", json={"error_rate": 2})
    assert bad.status_code == 422


def test_latency_and_workers_knobs(server: LocalServer, pro_key: str) -> None:
    import time

    server.knobs(latency=0.6, workers=3)
    try:
        started = time.monotonic()
        assert httpx.get(f"{server.url}/usage", headers={"X-API-KEY": pro_key}).status_code == 200
        assert time.monotonic() - started >= 0.6
    finally:
        values = server.knobs(latency=0, workers=2)
    assert values["latency"] == 0 and values["workers"] == 2
