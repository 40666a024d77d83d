from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import BuildFromExecution, DatasetCreate, ExportToConnector
from flexorch_local.services import connectors, datasets, search

router = APIRouter(tags=["datasets"])

Format = Literal["json", "jsonl", "csv", "parquet", "md", "xml", "xlsx", "rag", "hf"]
Grade = Literal["A", "B", "C", "D", "a", "b", "c", "d"]
EXPORT_DOC = {
    "description": "The exported file itself (no envelope).",
    "content": {"application/octet-stream": {}},
}


@router.post("/datasets", status_code=201)
def create_dataset(body: DatasetCreate, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(datasets.create(ctx, tenant.id, body.name, body.execution_ids, body.job_ids))


@router.post("/datasets/build-from-execution/{execution_id}", status_code=202)
def build_from_execution(
    execution_id: str, ctx: CtxDep, tenant: TenantDep, body: BuildFromExecution | None = None
) -> dict[str, Any]:
    options = (body or BuildFromExecution()).model_dump(exclude_none=True)
    return ok(datasets.build_from_execution(ctx, tenant.id, execution_id, options))


@router.get("/datasets")
def list_datasets(
    ctx: CtxDep,
    tenant: TenantDep,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=200),
    job_id: str | None = None,
    source_execution_id: str | None = None,
    status: Literal["building", "ready", "failed"] | None = None,
) -> dict[str, Any]:
    return ok(
        datasets.list_datasets(ctx, tenant.id, page, page_size, job_id, source_execution_id, status)
    )


@router.get("/datasets/{dataset_id}")
def get_dataset(dataset_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(datasets.view(ctx, datasets.load(ctx, tenant.id, dataset_id)))


@router.get("/datasets/{dataset_id}/rows")
def dataset_rows(
    dataset_id: str,
    ctx: CtxDep,
    tenant: TenantDep,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    return ok(datasets.rows_page(ctx, tenant.id, dataset_id, page, page_size))


@router.get("/datasets/{dataset_id}/profile")
def dataset_profile(dataset_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(datasets.profile(ctx, tenant.id, dataset_id))


def _stream(
    ctx: CtxDep, tenant_id: str, dataset_id: str, fmt: str, min_quality: str | None
) -> StreamingResponse:
    chunks, media_type, filename = datasets.export_stream(
        ctx, tenant_id, dataset_id, fmt, min_quality
    )
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


@router.get("/datasets/{dataset_id}/export", responses={200: EXPORT_DOC})
def export_documented(
    dataset_id: str,
    ctx: CtxDep,
    tenant: TenantDep,
    format: Format = "jsonl",
    min_quality: Grade | None = None,
) -> StreamingResponse:
    return _stream(ctx, tenant.id, dataset_id, format, min_quality)


@router.get("/datasets/{dataset_id}/export/{format}", responses={200: EXPORT_DOC})
def export_live(
    dataset_id: str,
    format: Format,
    ctx: CtxDep,
    tenant: TenantDep,
    min_quality: Grade | None = None,
) -> StreamingResponse:
    return _stream(ctx, tenant.id, dataset_id, format, min_quality)


@router.post("/datasets/{dataset_id}/export-s3")
def export_to_connector(
    dataset_id: str, body: ExportToConnector, ctx: CtxDep, tenant: TenantDep
) -> dict[str, Any]:
    return ok(
        connectors.export_dataset(
            ctx, tenant.id, dataset_id, body.connector_id, body.format, body.prefix
        )
    )


@router.get("/datasets/{dataset_id}/chunks")
def dataset_chunks(
    dataset_id: str,
    ctx: CtxDep,
    tenant: TenantDep,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=100),
    quality_grade: str | None = Query(None, max_length=20),
) -> dict[str, Any]:
    return ok(search.list_chunks(ctx, tenant, dataset_id, page, page_size, quality_grade))


@router.post("/datasets/{dataset_id}/index", status_code=202)
def index_dataset(dataset_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(search.start_index(ctx, tenant, dataset_id))


@router.get("/datasets/{dataset_id}/index/status")
def index_status(dataset_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(search.index_status(ctx, tenant, dataset_id))
