"""Audit trail: who did what, when, with what outcome; never content or PII values."""

from __future__ import annotations

from typing import Any

from flexorch_local.services.context import Context
from flexorch_local.storage import now_iso
from flexorch_local.storage.db import dumps


def record(
    ctx: Context,
    tenant_id: str | None,
    event_type: str,
    outcome: str = "success",
    document_id: str | None = None,
    **detail: Any,
) -> None:
    ctx.db.insert(
        "audit_events",
        {
            "tenant_id": tenant_id,
            "timestamp": now_iso(),
            "event_type": event_type,
            "document_id": document_id,
            "outcome": outcome,
            "detail": dumps(detail) if detail else None,
        },
    )
