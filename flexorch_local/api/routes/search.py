from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import SearchRequest
from flexorch_local.services import search

router = APIRouter(tags=["search"])


@router.post("/search")
def run_search(body: SearchRequest, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    filters = body.filters.model_dump(exclude_none=True)
    return ok(search.search(ctx, tenant, body.query, body.top_k, body.mode, filters))
