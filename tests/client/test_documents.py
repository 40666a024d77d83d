"""documents.reprocess: the engine can be chosen per call."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import respx

from flexorch_client import AsyncFlexOrchClient, FlexOrchClient

ACCEPTED = {"data": {"jobs": [{"job_id": "job_9", "status": "queued"}]}}


def test_reprocess_sends_the_pipeline_config_as_json(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.post("/documents/doc_1/reprocess").respond(202, json=ACCEPTED)
    ref = make_client().documents.reprocess("doc_1", pipeline_config={"engine": "premium"})
    assert ref.job_id == "job_9"
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"pipeline_config": {"engine": "premium"}}


def test_reprocess_without_a_config_sends_no_body(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.post("/documents/doc_1/reprocess").respond(202, json=ACCEPTED)
    assert make_client().documents.reprocess("doc_1").job_id == "job_9"
    assert route.calls.last.request.content == b""


@pytest.mark.anyio
async def test_async_reprocess_sends_the_pipeline_config(
    api: respx.MockRouter, make_async_client: Callable[..., AsyncFlexOrchClient]
) -> None:
    route = api.post("/documents/doc_1/reprocess").respond(202, json=ACCEPTED)
    async with make_async_client() as client:
        ref = await client.documents.reprocess("doc_1", pipeline_config={"engine": "local_ai"})
    assert ref.job_id == "job_9"
    assert json.loads(route.calls.last.request.content) == {
        "pipeline_config": {"engine": "local_ai"}
    }
