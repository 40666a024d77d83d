"""The rate_window_seconds knob: the per-key limiter's window, reported and enforced over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flexorch_local.config import LocalSettings
from tests.local._local_helpers import data, error_code
from tests.local._server import LocalServer


@pytest.fixture
def two_second_window(server: LocalServer) -> Iterator[None]:
    # The session's server is shared: later tests expect the default minute back.
    before = httpx.get(f"{server.root}/_local/knobs").json()["rate_window_seconds"]
    assert server.knobs(rate_window_seconds=2)["rate_window_seconds"] == 2
    try:
        yield
    finally:
        server.knobs(rate_window_seconds=before)


@pytest.mark.usefixtures("two_second_window")
def test_short_window_refuses_then_lets_requests_through(server: LocalServer) -> None:
    key = server.account("starter", rpm=3)
    with server.client(key) as client:
        limits = data(client.get("/usage/rate-limits"))
        assert limits["window_seconds"] == 2 and limits["limit"] == 3
        assert 1 <= limits["reset_in_seconds"] <= 2
        assert [client.get("/usage").status_code for _ in range(2)] == [200, 200]

        refused = client.get("/usage")
        assert refused.status_code == 429 and error_code(refused) == "RATE_LIMIT_EXCEEDED"
        retry_after = refused.headers["Retry-After"]
        assert retry_after.isdigit() and 1 <= int(retry_after) <= 2
        assert refused.headers["X-RateLimit-Reset"] == retry_after

        time.sleep(int(retry_after))
        assert client.get("/usage").status_code == 200
        # A whole window later every earlier request has left it: the full rpm passes again.
        time.sleep(2)
        assert [client.get("/usage").status_code for _ in range(3)] == [200, 200, 200]


def test_knob_refuses_a_window_without_a_length(server: LocalServer) -> None:
    for bad in (0, -5, None, 1.5):
        response = httpx.put(f"{server.root}/_local/knobs", json={"rate_window_seconds": bad})
        assert response.status_code == 422, bad
    assert httpx.get(f"{server.root}/_local/knobs").json()["rate_window_seconds"] == 60


def test_window_from_serve_flag_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEXORCH_LOCAL_RATE_WINDOW_SECONDS", "7")
    assert LocalSettings().rate_window_seconds == 7
    monkeypatch.delenv("FLEXORCH_LOCAL_RATE_WINDOW_SECONDS")
    assert LocalSettings().rate_window_seconds == 60

    srv = LocalServer(tmp_path / "data", tmp_path / "server.log",
                      extra_args=["--rate-window-seconds", "3"]).start()  # fmt: skip
    try:
        assert httpx.get(f"{srv.root}/_local/knobs").json()["rate_window_seconds"] == 3
        with srv.client(srv.account("starter", rpm=1)) as client:
            assert data(client.get("/usage/rate-limits"))["window_seconds"] == 3
            assert 1 <= int(client.get("/usage").headers["Retry-After"]) <= 3
    finally:
        srv.stop()
