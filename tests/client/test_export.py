"""Exports stream to disk or a file object with their hash, and find the working route once."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import respx

from flexorch_client import FlexOrchClient
from flexorch_client.errors import NotFoundError

BODY = b'{"row": 1}\n' * 50_000


class Chunks(httpx.SyncByteStream):
    """A body that arrives in pieces and records how far it has been read."""

    def __init__(self, data: bytes, size: int = 8192) -> None:
        self.data = data
        self.size = size

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.data), self.size):
            yield self.data[i : i + self.size]


def _stream(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, stream=Chunks(BODY), headers={"Content-Type": "application/x-ndjson"}
    )


def test_export_streams_to_a_path_with_hash_and_size(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], tmp_path: Path
) -> None:
    route = api.get("/datasets/ds_1/export").mock(side_effect=_stream)
    dest = tmp_path / "out.jsonl"
    result = make_client().datasets.export("ds_1", "jsonl", dest, min_quality="B")
    assert dest.read_bytes() == BODY
    assert result.bytes_written == len(BODY)
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()
    params = route.calls[0].request.url.params
    assert params["format"] == "jsonl" and params["min_quality"] == "B"
    assert not (tmp_path / "out.jsonl.part").exists()


def test_export_to_a_binary_file_object(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/datasets/ds_1/export").mock(side_effect=_stream)
    buffer = io.BytesIO()
    result = make_client().datasets.export("ds_1", "jsonl", buffer)
    assert buffer.getvalue() == BODY
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()


def test_falls_back_to_path_route_and_remembers_it(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], tmp_path: Path
) -> None:
    query = api.get("/datasets/ds_1/export").respond(405)
    path_route = api.get(url__regex=r"/datasets/ds_1/export/(csv|jsonl)$").mock(side_effect=_stream)
    client = make_client()
    client.datasets.export("ds_1", "jsonl", tmp_path / "a.jsonl")
    assert (query.call_count, path_route.call_count) == (1, 1)
    before = client.stats.requests
    client.datasets.export("ds_1", "csv", tmp_path / "b.csv")
    assert client.stats.requests - before == 1
    assert query.call_count == 1
    assert (tmp_path / "b.csv").read_bytes() == BODY


def test_missing_dataset_raises_and_leaves_no_file(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], tmp_path: Path
) -> None:
    api.get(url__regex=r"/datasets/nope/export.*").respond(
        404, json={"error": {"code": "NOT_FOUND", "message": "no dataset"}}
    )
    with pytest.raises(NotFoundError):
        make_client().datasets.export("nope", "jsonl", tmp_path / "x.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_is_retried_from_scratch(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], tmp_path: Path
) -> None:
    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield BODY[:1000]
            raise httpx.ReadError("connection reset")

    api.get("/datasets/ds_1/export").mock(
        side_effect=[httpx.Response(200, stream=Broken()), _stream(httpx.Request("GET", "/"))]
    )
    dest = tmp_path / "out.jsonl"
    result = make_client().datasets.export("ds_1", "jsonl", dest)
    assert dest.read_bytes() == BODY
    assert result.bytes_written == len(BODY)


def test_audit_export_streams_too(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/audit/export").mock(side_effect=_stream)
    buffer = io.BytesIO()
    result = make_client().compliance.audit_export("csv", buffer)
    assert result.bytes_written == len(BODY)
    assert route.calls[0].request.url.params["format"] == "csv"
