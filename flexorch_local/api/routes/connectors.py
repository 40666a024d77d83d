from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import ConnectorCreate
from flexorch_local.services import connectors

router = APIRouter(tags=["connectors"])


@router.post("/connectors", status_code=201)
def create_connector(body: ConnectorCreate, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(connectors.create(ctx, tenant.id, body.type, body.name, body.config))


@router.get("/connectors")
def list_connectors(ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(connectors.list_connectors(ctx, tenant.id))


@router.get("/connectors/{connector_id}")
def get_connector(connector_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(connectors.view(connectors.load(ctx, tenant.id, connector_id)))


@router.delete("/connectors/{connector_id}")
def delete_connector(connector_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(connectors.delete(ctx, tenant.id, connector_id))


@router.post("/connectors/{connector_id}/test")
def test_connector(connector_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(connectors.test(ctx, tenant.id, connector_id))
