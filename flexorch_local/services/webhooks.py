"""Webhook registration and signed delivery (HMAC-SHA256 of the raw body, one retry)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any

import httpx

from flexorch_local.errors import bad_request
from flexorch_local.services import audit
from flexorch_local.services.context import Context
from flexorch_local.storage import new_id, now_iso
from flexorch_local.storage.db import dumps

EVENTS = {"job.completed", "job.failed", "dataset.ready", "quota.warning"}
RETRY_DELAY = 1.0


def view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": json.loads(row["events"]),
        "active": bool(row["active"]),
        "created_at": row["created_at"],
        "auto_export": json.loads(row["auto_export"]) if row["auto_export"] else None,
    }


def create(
    ctx: Context,
    tenant_id: str,
    url: str,
    events: list[str],
    secret: str | None,
    auto_export: dict[str, Any] | None,
) -> dict[str, Any]:
    unknown = set(events) - EVENTS
    if unknown or not events:
        raise bad_request(f"events must be among {', '.join(sorted(EVENTS))}", "VALIDATION_ERROR")
    if not url.startswith(("http://", "https://")):
        raise bad_request("url must be http(s)", "VALIDATION_ERROR")
    if auto_export is not None:
        from flexorch_local.services import connectors

        connectors.load(ctx, tenant_id, str(auto_export.get("connector_id")))
    # The SDK registers without a secret and expects one generated and shown once.
    generated = secret is None
    secret = secret or "whsec_" + new_id("s")[2:]
    row = {
        "id": new_id("wh"),
        "tenant_id": tenant_id,
        "url": url,
        "events": dumps(events),
        "secret": ctx.secrets.seal(secret),
        "auto_export": dumps(auto_export) if auto_export else None,
        "created_at": now_iso(),
        "active": 1,
    }
    ctx.db.insert("webhooks", row)
    audit.record(ctx, tenant_id, "settings.webhook_created", webhook_id=row["id"])
    out = view(row)
    if generated:
        out["secret"] = secret
    return out


def load(ctx: Context, tenant_id: str, webhook_id: str) -> dict[str, Any]:
    return ctx.owned("webhooks", "webhook", webhook_id, tenant_id)


def list_webhooks(ctx: Context, tenant_id: str) -> dict[str, Any]:
    rows = ctx.db.all("SELECT * FROM webhooks WHERE tenant_id = ? AND active = 1", [tenant_id])
    return {"items": [view(r) for r in rows], "total": len(rows)}


def delete(ctx: Context, tenant_id: str, webhook_id: str) -> dict[str, Any]:
    load(ctx, tenant_id, webhook_id)
    ctx.db.update("webhooks", webhook_id, {"active": 0})
    audit.record(ctx, tenant_id, "settings.webhook_deleted", webhook_id=webhook_id)
    return {"id": webhook_id, "deleted": True}


def deliveries(ctx: Context, tenant_id: str, webhook_id: str) -> dict[str, Any]:
    load(ctx, tenant_id, webhook_id)
    rows = ctx.db.all(
        "SELECT id, webhook_id, event, attempt, status_code, ok, error, created_at "
        "FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at, attempt",
        [webhook_id],
    )
    for r in rows:
        r["ok"] = bool(r["ok"])
    return {"items": rows, "total": len(rows)}


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def emit(ctx: Context, tenant_id: str, event: str, **fields: Any) -> None:
    hooks = [
        h
        for h in ctx.db.all(
            "SELECT * FROM webhooks WHERE tenant_id = ? AND active = 1", [tenant_id]
        )
        if event in json.loads(h["events"])
    ]
    for hook in hooks:
        payload = {"event": event, **fields, "timestamp": now_iso()}
        # Delivery happens off the worker thread so a slow receiver never stalls processing.
        threading.Thread(target=_deliver, args=(ctx, hook, payload), daemon=True).start()


def _deliver(ctx: Context, hook: dict[str, Any], payload: dict[str, Any]) -> None:
    if payload["event"] == "dataset.ready" and hook["auto_export"]:
        payload = {**payload, **_auto_export(ctx, hook, str(payload.get("dataset_id")))}
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Flexorch-Signature": sign(ctx.secrets.open(hook["secret"]), body),
        "X-Flexorch-Event": payload["event"],
    }
    for attempt in (1, 2):
        status, error = None, None
        try:
            status = httpx.post(hook["url"], content=body, headers=headers, timeout=10).status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        ok = status is not None and 200 <= status < 300
        ctx.db.insert(
            "webhook_deliveries",
            {
                "id": new_id("whd"),
                "webhook_id": hook["id"],
                "tenant_id": hook["tenant_id"],
                "event": payload["event"],
                "attempt": attempt,
                "status_code": status,
                "ok": int(ok),
                "error": error,
                "created_at": now_iso(),
            },
        )
        if ok:
            return
        if attempt == 1:
            time.sleep(RETRY_DELAY)


def _auto_export(ctx: Context, hook: dict[str, Any], dataset_id: str) -> dict[str, Any]:
    from flexorch_local.services import connectors

    spec = json.loads(hook["auto_export"])
    try:
        pushed = connectors.export_dataset(
            ctx,
            hook["tenant_id"],
            dataset_id,
            str(spec.get("connector_id")),
            spec.get("format", "jsonl"),
            spec.get("prefix", "exports/"),
        )
    except Exception as exc:
        return {"auto_export": {"ok": False, "error": str(exc)}}
    return {"auto_export": {"ok": True, **pushed}}
