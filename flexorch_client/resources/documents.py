"""Uploading documents for processing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .._constants import DEFAULT_LOCALE
from .._exceptions import FlexOrchError
from .._steps import Call, Op
from ..models import JobRef, ProcessResult, UploadFile
from ._base import AsyncResource, SyncResource


def _process(
    files: Sequence[UploadFile], locale: str, pipeline_config: Mapping[str, Any] | None
) -> Op[ProcessResult]:
    if not files:
        raise ValueError("process() needs at least one file")
    data = {"locale": locale}
    if pipeline_config:
        data["pipeline_config"] = json.dumps(pipeline_config)
    result = yield Call("POST", "/data-process/async", files=tuple(files), data=data)
    return ProcessResult.parse(result, [f.filename for f in files])


def _from_connector(connector_id: str, keys: Sequence[str], locale: str) -> Op[ProcessResult]:
    body = {"source": {"connector_id": connector_id, "keys": list(keys)}, "locale": locale}
    result = yield Call("POST", "/data-process/async", json=body)
    return ProcessResult.parse(result, [k.rsplit("/", 1)[-1] for k in keys])


def _reprocess(document_id: str, pipeline_config: Mapping[str, Any] | None) -> Op[JobRef]:
    body = {"pipeline_config": dict(pipeline_config)} if pipeline_config is not None else None
    result = yield Call("POST", f"/documents/{document_id}/reprocess", json=body)
    parsed = ProcessResult.parse(result)
    if not parsed.jobs:
        raise FlexOrchError(f"reprocess of {document_id} returned no job")
    return parsed.jobs[0]


class Documents(SyncResource):
    def process(
        self,
        files: Sequence[UploadFile],
        *,
        locale: str = DEFAULT_LOCALE,
        pipeline_config: Mapping[str, Any] | None = None,
    ) -> ProcessResult:
        """Upload files in one multipart request and start a job for each.

        Args:
            files: the documents; Path contents are re-read if the request is retried.
            locale: language hint ("und" lets the server detect it).
            pipeline_config: sent as the JSON `pipeline_config` field, e.g.
                `{"engine": "local_ai"}`.

        Returns the accepted jobs (duplicates flagged) and the files the server
        rejected with their reason. Raises QuotaExceededError when the batch
        costs more credits than remain (nothing is accepted then).
        """
        return self._run(_process(files, locale, pipeline_config))

    def process_from_connector(
        self, connector_id: str, keys: Sequence[str], *, locale: str = DEFAULT_LOCALE
    ) -> ProcessResult:
        """Start jobs for objects already in a connector's bucket, in one request."""
        return self._run(_from_connector(connector_id, keys, locale))

    def reprocess(
        self, document_id: str, *, pipeline_config: Mapping[str, Any] | None = None
    ) -> JobRef:
        """Run a document through the pipeline again; earlier results are kept.

        `pipeline_config` (e.g. `{"engine": "premium"}`) is sent as the JSON body
        `{"pipeline_config": {...}}`; without it the server uses its defaults.
        """
        return self._run(_reprocess(document_id, pipeline_config))


class AsyncDocuments(AsyncResource):
    async def process(
        self,
        files: Sequence[UploadFile],
        *,
        locale: str = DEFAULT_LOCALE,
        pipeline_config: Mapping[str, Any] | None = None,
    ) -> ProcessResult:
        """See `Documents.process`."""
        return await self._run(_process(files, locale, pipeline_config))

    async def process_from_connector(
        self, connector_id: str, keys: Sequence[str], *, locale: str = DEFAULT_LOCALE
    ) -> ProcessResult:
        """See `Documents.process_from_connector`."""
        return await self._run(_from_connector(connector_id, keys, locale))

    async def reprocess(
        self, document_id: str, *, pipeline_config: Mapping[str, Any] | None = None
    ) -> JobRef:
        """See `Documents.reprocess`."""
        return await self._run(_reprocess(document_id, pipeline_config))
