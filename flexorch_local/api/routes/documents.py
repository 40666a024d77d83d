from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import ConnectorProcessRequest, ReprocessRequest
from flexorch_local.api.uploads import parse_upload
from flexorch_local.errors import ApiError
from flexorch_local.services import connectors, documents

router = APIRouter(tags=["documents"])

# Written out rather than generated: pydantic's $defs would dangle inside openapi_extra.
SOURCE_SCHEMA = {
    "type": "object",
    "required": ["source"],
    "properties": {
        "source": {
            "type": "object",
            "required": ["connector_id", "keys"],
            "properties": {
                "connector_id": {"type": "string"},
                "keys": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
        },
        "locale": {"type": "string", "default": "und"},
        "pipeline_config": {"type": "object"},
    },
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "locale": {"type": "string", "default": "und"},
                        "pipeline_config": {"type": "string", "description": "JSON object"},
                        "source": {"type": "string", "description": "JSON {connector_id, keys}"},
                    },
                }
            },
            "application/json": {"schema": SOURCE_SCHEMA},
        },
    }
}


def _json(raw: bytes | str, what: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(422, "VALIDATION_ERROR", f"{what} is not valid JSON") from exc


def _source(raw: Any) -> ConnectorProcessRequest:
    try:
        return ConnectorProcessRequest.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(
            422, "VALIDATION_ERROR", f"invalid source: {exc.errors()[0]['msg']}"
        ) from exc


@router.post("/data-process/async", status_code=202, openapi_extra=UPLOAD_BODY)
async def process_async(request: Request, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    """Upload files (multipart field `files`, repeatable) or name connector objects to process.

    Async only to stream the multipart body; hashing, blob writes, SQLite and S3 downloads
    run in the threadpool so they never stall the event loop."""
    if request.headers.get("content-type", "").startswith("application/json"):
        spec = _source(_json(await request.body(), "the body"))
        source = spec.source
        return ok(
            await run_in_threadpool(
                connectors.ingest,
                ctx,
                tenant,
                source.connector_id,
                source.keys,
                spec.locale,
                spec.pipeline_config,
            )
        )
    upload = await parse_upload(request, tenant.plan.max_file_bytes)
    locale = upload.fields.get("locale") or "und"
    config = upload.fields.get("pipeline_config")
    try:
        if "source" in upload.fields and not upload.files:
            # The SDK's process_from_s3 sends the connector source as a JSON form field.
            spec = _source({"source": _json(upload.fields["source"], "source"), "locale": locale})
            source = spec.source
            return ok(
                await run_in_threadpool(
                    connectors.ingest, ctx, tenant, source.connector_id, source.keys, locale, config
                )
            )
        answer = await run_in_threadpool(
            documents.accept_files, ctx, tenant, upload.files, locale=locale, pipeline_config=config
        )
        return ok(answer)
    finally:
        await run_in_threadpool(upload.close)


@router.get("/documents")
def list_documents(
    ctx: CtxDep,
    tenant: TenantDep,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=200),
) -> dict[str, Any]:
    return ok(documents.list_documents(ctx, tenant.id, page, page_size))


@router.get("/documents/{document_id}")
def get_document(document_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(documents.view(ctx, documents.load(ctx, tenant.id, document_id), detail=True))


@router.post("/documents/{document_id}/reprocess", status_code=202)
def reprocess(
    document_id: str, ctx: CtxDep, tenant: TenantDep, body: ReprocessRequest | None = None
) -> dict[str, Any]:
    config = body.pipeline_config if body else None
    return ok(documents.reprocess(ctx, tenant, document_id, config))
