from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from flexorch_local.api.deps import CtxDep, PrincipalDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.services import usage

router = APIRouter(tags=["usage"])
Period = Literal["7d", "30d", "90d"]


@router.get("/usage")
def get_usage(ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(usage.usage(ctx, tenant))


@router.get("/usage/history")
def usage_history(ctx: CtxDep, tenant: TenantDep, period: Period = "30d") -> dict[str, Any]:
    return ok(usage.history(ctx, tenant, period))


@router.get("/usage/rate-limits")
def rate_limits(principal: PrincipalDep) -> dict[str, Any]:
    """Headroom after counting this request: asking costs one request like any other."""
    return ok(usage.rate_limits(principal.tenant, principal.window))


@router.get("/usage/quality-trend")
def quality_trend(ctx: CtxDep, tenant: TenantDep, period: Period = "30d") -> dict[str, Any]:
    return ok(usage.quality_trend(ctx, tenant, period))
