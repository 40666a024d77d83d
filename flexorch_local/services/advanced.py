"""Enterprise LLM configuration and the fine-tune lifecycle (no model is trained locally)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flexorch_local.errors import ApiError, not_found, plan_upgrade
from flexorch_local.services import audit
from flexorch_local.services import datasets as ds_service
from flexorch_local.services.accounts import Tenant, parse_time
from flexorch_local.services.context import Context
from flexorch_local.storage import new_id, now_iso
from flexorch_local.storage.db import dumps

PROVIDERS = ("openai", "anthropic", "azure_openai", "custom")
LOCAL_NOTE = (
    "flexorch-local validates the dataset and runs the job lifecycle; "
    "no model is trained locally and no fine-tuned model is produced."
)
# Seconds after submission at which a local fine-tune job moves to the next status.
LIFECYCLE = ((0.0, "validating"), (1.0, "running"), (3.0, "succeeded"))


def set_llm_config(
    ctx: Context, tenant: Tenant, provider: str, model: str, api_key: str, base_url: str | None
) -> dict[str, Any]:
    if not tenant.plan.byo_llm:
        raise plan_upgrade("bring-your-own LLM", "enterprise")
    stored = {
        "provider": provider,
        "model": model,
        "base_url": base_url,
        "api_key": api_key,
        "configured_at": now_iso(),
    }
    ctx.db.execute(
        "UPDATE tenants SET llm_config = ? WHERE id = ?", [ctx.secrets.seal(stored), tenant.id]
    )
    audit.record(ctx, tenant.id, "settings.llm_config", provider=provider)
    return _llm_view(stored)


def _llm_view(stored: dict[str, Any]) -> dict[str, Any]:
    key = str(stored.get("api_key") or "")
    return {
        "provider": stored["provider"],
        "model": stored["model"],
        "base_url": stored.get("base_url"),
        "api_key_set": bool(key),
        "api_key_last4": key[-4:] if len(key) >= 12 else None,
        "configured_at": stored.get("configured_at"),
    }


def get_llm_config(ctx: Context, tenant: Tenant) -> dict[str, Any]:
    if not tenant.plan.byo_llm:
        raise plan_upgrade("bring-your-own LLM", "enterprise")
    sealed = ctx.db.scalar("SELECT llm_config FROM tenants WHERE id = ?", [tenant.id])
    if not sealed:
        raise not_found("llm configuration")
    return _llm_view(ctx.secrets.open(sealed))


def _chat_examples(ctx: Context, dataset_id: str) -> list[str]:
    """The dataset as chat-format JSONL lines, each validated like a provider would."""
    lines = []
    for row in ds_service.iter_rows(ctx, dataset_id):
        example = {
            "messages": [
                {"role": "system", "content": "Extract the structured fields of the document."},
                {"role": "user", "content": str(row.get("text") or "")},
                {"role": "assistant", "content": json.dumps(row.get("fields") or {}, default=str)},
            ]
        }
        line = json.dumps(example)
        parsed = json.loads(line)["messages"]
        if [m["role"] for m in parsed] != ["system", "user", "assistant"] or not parsed[1][
            "content"
        ]:
            continue
        lines.append(line)
    return lines


def create_fine_tune(
    ctx: Context, tenant: Tenant, dataset_id: str, model: str, suffix: str | None
) -> dict[str, Any]:
    if not tenant.plan.fine_tune:
        raise plan_upgrade("fine-tuning", "pro and enterprise")
    ds_service.load(ctx, tenant.id, dataset_id)
    examples = _chat_examples(ctx, dataset_id)
    if not examples:
        raise ApiError(
            400,
            "INVALID_DATASET",
            "the dataset has no rows usable as chat-format training examples",
        )
    row = {
        "id": new_id("ft"),
        "tenant_id": tenant.id,
        "dataset_id": dataset_id,
        "model": model,
        "suffix": suffix,
        "status": "validating",
        "created_at": now_iso(),
        "detail": dumps(
            {
                "training_examples": len(examples),
                "training_file_bytes": sum(len(e) + 1 for e in examples),
            }
        ),
    }
    ctx.db.insert("fine_tunes", row)
    audit.record(ctx, tenant.id, "fine_tune.created", dataset_id=dataset_id)
    return _ft_view(row)


def _ft_view(row: dict[str, Any]) -> dict[str, Any]:
    age = (datetime.now(UTC) - parse_time(row["created_at"])).total_seconds()
    status = [s for after, s in LIFECYCLE if age >= after][-1]
    detail = json.loads(row["detail"] or "{}")
    return {
        "id": row["id"],
        "job_id": row["id"],
        "dataset_id": row["dataset_id"],
        "model": row["model"],
        "suffix": row["suffix"],
        "status": status,
        "progress": {"validating": 0.1, "running": 0.5, "succeeded": 1.0}[status],
        "created_at": row["created_at"],
        **detail,
        "fine_tuned_model": None,
        "trained_locally": False,
        "note": LOCAL_NOTE,
    }


def get_fine_tune(ctx: Context, tenant: Tenant, ft_id: str) -> dict[str, Any]:
    if not tenant.plan.fine_tune:
        raise plan_upgrade("fine-tuning", "pro and enterprise")
    return _ft_view(ctx.owned("fine_tunes", "fine-tune job", ft_id, tenant.id))
