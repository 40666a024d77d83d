"""GDPR Article 30 record and the audit export, built from what was actually processed."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from flexorch_local.services.accounts import Tenant
from flexorch_local.services.context import Context
from flexorch_local.storage import now_iso

AUDIT_FIELDS = ("timestamp", "event_type", "tenant_id", "document_id", "outcome")
MEASURES = [
    "PII detected and masked with [MASKED_TYPE] placeholders before any dataset export",
    "API keys stored as SHA-256 hashes; connector, webhook and LLM secrets encrypted (Fernet)",
    "tenant isolation on every resource",
    "audit log without content or PII values",
    "processing on the local machine only",
]
# Who a PII category is usually about; a category not listed is filed under "individuals".
SUBJECTS = {
    "email": "contact persons",
    "phone": "contact persons",
    "iban": "account holders",
    "person": "named individuals",
    "name": "named individuals",
    "address": "residents",
    "company": "business contacts",
    "tax": "taxpayers",
    "national_id": "citizens",
}


def _subjects(pii_types: set[str]) -> list[str]:
    found = {label for t in pii_types for key, label in SUBJECTS.items() if key in t.lower()}
    return sorted(found or ({"individuals"} if pii_types else {"none identified"}))


def record(ctx: Context, tenant: Tenant) -> dict[str, Any]:
    by_type: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "pii": set()})
    for row in ctx.db.all(
        "SELECT result FROM jobs WHERE tenant_id = ? AND type = 'data_process' "
        "AND status = 'completed'",
        [tenant.id],
    ):
        result = json.loads(row["result"])
        entry = by_type[str(result.get("document_type") or "general")]
        entry["count"] += 1
        entry["pii"].update((result.get("pii_type_summary") or {}).keys())
    activities = [
        {
            "category": f"{doc_type} processing",
            "document_type": doc_type,
            "documents_processed": entry["count"],
            "purpose": "extraction of structured data and dataset preparation",
            "data_subjects": _subjects(entry["pii"]),
            "data_categories": sorted(entry["pii"]),
            "retention_period": f"{tenant.plan.retention_days} days",
            "technical_measures": MEASURES,
            "recipients": ["none (processed locally)"],
        }
        for doc_type, entry in sorted(by_type.items())
    ]
    return {
        "controller": {"tenant_id": tenant.id, "plan": tenant.plan_name},
        "processor": "flexorch-local",
        "processing_activities": activities,
        "generated_at": now_iso(),
    }


def audit_records(ctx: Context, tenant: Tenant) -> list[dict[str, Any]]:
    return ctx.db.all(
        "SELECT timestamp, event_type, tenant_id, document_id, outcome FROM audit_events "
        "WHERE tenant_id = ? ORDER BY seq",
        [tenant.id],
    )


def audit_export(ctx: Context, tenant: Tenant, fmt: str) -> tuple[bytes, str]:
    records = audit_records(ctx, tenant)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=AUDIT_FIELDS)
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue().encode(), "text/csv"
    return json.dumps({"records": records, "generated_at": now_iso()}).encode(), "application/json"
