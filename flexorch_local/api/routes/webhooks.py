from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import WebhookCreate
from flexorch_local.services import webhooks

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks", status_code=201)
def create_webhook(body: WebhookCreate, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(webhooks.create(ctx, tenant.id, body.url, body.events, body.secret, body.auto_export))


@router.get("/webhooks")
def list_webhooks(ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(webhooks.list_webhooks(ctx, tenant.id))


@router.get("/webhooks/{webhook_id}")
def get_webhook(webhook_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(webhooks.view(webhooks.load(ctx, tenant.id, webhook_id)))


@router.delete("/webhooks/{webhook_id}")
def delete_webhook(webhook_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(webhooks.delete(ctx, tenant.id, webhook_id))


@router.get("/webhooks/{webhook_id}/deliveries")
def webhook_deliveries(webhook_id: str, ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(webhooks.deliveries(ctx, tenant.id, webhook_id))
