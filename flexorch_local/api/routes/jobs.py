from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import FeedbackRequest
from flexorch_local.services import jobs

router = APIRouter(tags=["jobs"])


@router.get("/jobs")
def list_jobs(
    ctx: CtxDep,
    tenant: TenantDep,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(100, ge=1, le=500),
    status: Literal["queued", "running", "completed", "failed"] | None = None,
) -> dict[str, Any]:
    return ok(jobs.list_jobs(ctx, tenant.id, page, page_size, status))


@router.get("/jobs/{job_id}")
def get_job(job_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(jobs.view(ctx, jobs.load(ctx, tenant.id, job_id)))


@router.post("/jobs/{job_id}/feedback", status_code=201)
def post_feedback(
    job_id: str, body: FeedbackRequest, ctx: CtxDep, tenant: TenantDep
) -> dict[str, Any]:
    return ok(jobs.submit_feedback(ctx, tenant.id, job_id, body.rating, body.issue, body.notes))


@router.get("/jobs/{job_id}/feedback")
def get_feedback(job_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(jobs.get_feedback(ctx, tenant.id, job_id))


@router.get("/feedback")
def list_feedback(ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(jobs.list_feedback(ctx, tenant.id))
