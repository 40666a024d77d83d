"""Small helpers the flexorch-local HTTP tests share."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "documents"


def sample(name: str) -> Path:
    return SAMPLES / name


def data(body: httpx.Response) -> Any:
    payload = body.json()
    assert payload["status"] == "success", payload
    assert payload["error"] is None
    return payload["data"]


def error_code(body: httpx.Response) -> str:
    payload = body.json()
    assert payload["status"] == "error" and payload["data"] is None, payload
    return str(payload["error"]["code"])


def upload(client: httpx.Client, *files: tuple[str, bytes], **form: str) -> httpx.Response:
    return client.post("/data-process/async", files=[("files", f) for f in files], data=form)


def wait_job(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = data(client.get(f"/jobs/{job_id}"))
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still not done after {timeout} s")
