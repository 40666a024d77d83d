"""flexorch-local started as a real subprocess (`flexorch-local serve`) on a free port.

Every test in this folder talks to it over HTTP; the connector tests use the session's moto S3
server (tests/conftest.py). Accounts are made through the loopback-only `/_local/accounts`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.local._local_helpers import data, sample, upload, wait_job
from tests.local._server import LocalServer, running_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with running_server(tmp_path_factory.mktemp("flexorch-local")) as srv:
        yield srv


@pytest.fixture(scope="session")
def pro_key(server: LocalServer) -> str:
    return server.account("pro")


@pytest.fixture
def api(server: LocalServer, pro_key: str) -> Iterator[httpx.Client]:
    with server.client(pro_key) as client:
        yield client


@pytest.fixture(scope="session")
def s3_endpoint(s3_endpoint_url: str) -> str:
    """The session's moto S3 server (a separate process, reached over HTTP)."""
    return s3_endpoint_url


@pytest.fixture
def processed(api: httpx.Client) -> Callable[[str], dict[str, Any]]:
    """Upload a sample (made unique so it is never a duplicate) and wait for its job."""

    def _run(name: str) -> dict[str, Any]:
        content = sample(name).read_bytes()
        if name.endswith((".txt", ".eml", ".html")):
            content += f"\nref {time.monotonic_ns()}\n".encode()
        job_id = data(upload(api, (name, content)))["job_id"]
        return wait_job(api, job_id)

    return _run
