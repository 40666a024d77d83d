from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import FineTuneCreate, LlmConfig
from flexorch_local.services import advanced

router = APIRouter(tags=["advanced"])


@router.post("/settings/llm-config")
def set_llm_config(body: LlmConfig, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(
        advanced.set_llm_config(ctx, tenant, body.provider, body.model, body.api_key, body.base_url)
    )


@router.get("/settings/llm-config")
def get_llm_config(ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(advanced.get_llm_config(ctx, tenant))


@router.post("/fine-tune", status_code=202)
def create_fine_tune(body: FineTuneCreate, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(advanced.create_fine_tune(ctx, tenant, body.dataset_id, body.model, body.suffix))


@router.get("/fine-tune/{job_id}")
def get_fine_tune(job_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(advanced.get_fine_tune(ctx, tenant, job_id))
