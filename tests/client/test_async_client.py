"""The async client makes the same decisions as the sync one."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx

from flexorch_client import AsyncFlexOrchClient, UploadFile
from flexorch_client.errors import QuotaExceededError
from tests.client._client_helpers import FakeTime, error_body

pytestmark = pytest.mark.anyio


async def test_retries_resend_upload_whole_with_one_key(
    api: respx.MockRouter,
    make_async_client: Callable[..., AsyncFlexOrchClient],
    fake_time: FakeTime,
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"A" * 100_000)
    route = api.post("/data-process/async").mock(
        side_effect=[
            httpx.Response(
                429, json=error_body("RATE_LIMIT_EXCEEDED"), headers={"retry-after-ms": "1500"}
            ),
            httpx.ConnectError("reset"),
            httpx.Response(200, json={"data": {"job_ids": ["job_1"]}}),
        ]
    )
    async with make_async_client() as client:
        result = await client.documents.process([UploadFile.from_path(path)])
    assert result.job_ids == ["job_1"]
    assert fake_time.sleeps[0] == 1.5
    assert len({c.request.headers["Idempotency-Key"] for c in route.calls}) == 1
    assert all(c.request.read().count(b"A" * 100_000) == 1 for c in route.calls)
    assert client.stats.retries == 2 and client.stats.rate_limited == 1


async def test_quota_is_terminal(
    api: respx.MockRouter, make_async_client: Callable[..., AsyncFlexOrchClient]
) -> None:
    route = api.post("/data-process/async").respond(429, json=error_body("QUOTA_EXCEEDED"))
    client = make_async_client()
    with pytest.raises(QuotaExceededError):
        await client.documents.process([UploadFile("a.pdf", b"x")])
    assert route.call_count == 1


async def test_wait_uses_list_pages(
    api: respx.MockRouter, make_async_client: Callable[..., AsyncFlexOrchClient]
) -> None:
    ids = [f"job_{i}" for i in range(30)]
    listing = api.get("/jobs").respond(
        200,
        json={
            "data": {
                "items": [{"job_id": j, "status": "completed"} for j in ids],
                "total": 30,
                "page": 1,
                "page_size": 100,
            }
        },
    )
    result = await make_async_client().jobs.wait(ids)
    assert len(result.completed) == 30 and listing.call_count == 1


async def test_export_streams(
    api: respx.MockRouter, make_async_client: Callable[..., AsyncFlexOrchClient]
) -> None:
    body = b"x,y\n" * 10_000
    api.get("/datasets/ds_1/export").respond(200, content=body)
    buffer = io.BytesIO()
    result = await make_async_client().datasets.export("ds_1", "csv", buffer)
    assert buffer.getvalue() == body
    assert result.sha256 == hashlib.sha256(body).hexdigest()


async def test_jwt_refresh_once_on_401(
    api: respx.MockRouter, make_async_client: Callable[..., AsyncFlexOrchClient]
) -> None:
    tokens = {"data": {"access_token": "t1", "refresh_token": "r1", "expires_in": 3600}}
    api.post("/auth/login").respond(200, json=tokens)
    refresh = api.post("/auth/refresh").respond(
        200, json={"data": {"access_token": "t2", "expires_in": 3600}}
    )
    api.get("/usage").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json={"data": {"plan": "x"}})]
    )
    client = make_async_client(api_key=None, email="a@b.c", password="pw")
    assert (await client.usage.get()).plan == "x"
    assert refresh.call_count == 1
