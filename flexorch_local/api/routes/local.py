"""Loopback-only controls for tests and demos; outside /v1 and the OpenAPI schema."""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import APIRouter, Depends, Request

from flexorch_local.api.deps import CtxDep
from flexorch_local.api.schemas import AccountCreate, KnobsUpdate
from flexorch_local.errors import ApiError
from flexorch_local.services import accounts, audit


def loopback_only(request: Request) -> None:
    host = request.client.host if request.client else ""
    try:
        allowed = ipaddress.ip_address(host).is_loopback
    except ValueError:
        allowed = host in {"localhost", "testclient"}
    if not allowed:
        raise ApiError(404, "NOT_FOUND", "not found")


router = APIRouter(prefix="/_local", include_in_schema=False, dependencies=[Depends(loopback_only)])


@router.get("/knobs")
def get_knobs(ctx: CtxDep) -> dict[str, Any]:
    return dict(ctx.knobs.values)


@router.put("/knobs")
def put_knobs(body: KnobsUpdate, ctx: CtxDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    values = ctx.knobs.update(changes)
    if "workers" in changes and ctx.pool is not None and changes["workers"]:
        ctx.pool.resize(int(changes["workers"]))
    audit.record(ctx, None, "settings.knobs_changed", **changes)
    return values


@router.post("/accounts", status_code=201)
def create_account(body: AccountCreate, ctx: CtxDep) -> dict[str, Any]:
    key, tenant_id = accounts.create_account(
        ctx,
        body.plan,
        rpm=body.rpm,
        credits=body.credits,
        trial_ends_at=body.trial_ends_at,
        email=body.email,
        password=body.password,
    )
    return {"api_key": key, "tenant_id": tenant_id}
