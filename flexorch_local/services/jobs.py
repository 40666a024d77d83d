"""Job records: creation, the public view of a job, listing and feedback."""

from __future__ import annotations

import json
from typing import Any

from flexorch_local.errors import bad_request
from flexorch_local.services import audit
from flexorch_local.services.context import Context
from flexorch_local.storage import new_id, now_iso
from flexorch_local.storage.db import dumps

STATUSES = ("queued", "running", "completed", "failed")
# The documented ratings, plus the SDK's up/down (the live API's names for the same thing).
RATINGS = {"positive": "positive", "negative": "negative", "up": "positive", "down": "negative"}
ISSUES = {
    "wrong_fields",
    "missing_data",
    "wrong_classification",
    "pii_not_masked",
    "other",
    "wrong_doc_type",
    "missing_fields",
    "wrong_values",
    "pii_missed",
    "pii_over_masked",
}


def create_job(
    ctx: Context,
    tenant_id: str,
    job_type: str,
    *,
    document_id: str | None = None,
    filename: str | None = None,
    engine: str | None = None,
    credits: int = 0,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    row = {
        "id": new_id("job"),
        "tenant_id": tenant_id,
        "type": job_type,
        "status": "queued",
        "document_id": document_id,
        "execution_id": new_id("exe") if job_type == "data_process" else None,
        "filename": filename,
        "engine": engine,
        "credits": credits,
        "params": dumps(params or {}),
        "created_at": now_iso(),
    }
    ctx.db.insert("jobs", row)
    audit.record(
        ctx, tenant_id, f"job.{job_type}.queued", document_id=document_id, job_id=row["id"]
    )
    stored = ctx.db.one("SELECT * FROM jobs WHERE id = ?", [row["id"]])
    assert stored is not None
    return stored


def load(ctx: Context, tenant_id: str, job_id: str) -> dict[str, Any]:
    return ctx.owned("jobs", "job", job_id, tenant_id)


def result_of(row: dict[str, Any]) -> dict[str, Any] | None:
    return json.loads(row["result"]) if row.get("result") else None


def _datasets_with(ctx: Context, row: dict[str, Any]) -> list[str]:
    return [
        d["id"]
        for d in ctx.db.all(
            "SELECT id FROM datasets WHERE tenant_id = ? AND source_job_ids LIKE ?",
            [row["tenant_id"], f'%"{row["id"]}"%'],
        )
    ]


def view(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """The documented job shape, with the live keys the official SDK reads."""
    result = result_of(row)
    out: dict[str, Any] = {
        "job_id": row["id"],
        "id": row["id"],
        "type": row["type"],
        "status": row["status"],
        "stage": row["stage"] if row["status"] == "running" else None,
        "document_id": row["document_id"],
        "filename": row["filename"],
        "execution_id": row["execution_id"],
        "engine": row["engine"],
        "credits_charged": row["credits"] if row["status"] != "failed" else 0,
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "completed_at": row["completed_at"],
        "failure_reason": row["failure_reason"],
        "is_duplicate": False,
        "quality": None,
        "pii_findings_count": 0,
        "detected_language": None,
        "privacy_applied": False,
        "degraded": False,
        "has_dataset": False,
    }
    if row["type"] == "data_process":
        datasets = _datasets_with(ctx, row)
        out["has_dataset"] = bool(datasets)
        out["dataset_ids"] = datasets
    if row["type"] == "data_process" and result is not None:
        quality = {"score": result["quality_score"], "grade": result["quality_grade"]}
        privacy = {
            "privacy_applied": True,
            "pii_findings_count": len(result["pii_findings"]),
            "pii_type_summary": result["pii_type_summary"],
        }
        out.update(
            quality=quality,
            pii_findings_count=privacy["pii_findings_count"],
            detected_language=result["detected_language"],
            privacy_applied=True,
            degraded=bool(result["degraded"]),
            document_type=result["document_type"],
            warnings=result.get("warnings", []),
            processing_summary={
                "execution_id": row["execution_id"],
                "document_type": result["document_type"],
                "fields": result["fields"],
                "line_items": result["line_items"],
                "quality": {
                    **quality,
                    "field_fill_rate": result["field_fill_rate"],
                    "ocr_confidence": result["ocr_confidence"],
                },
            },
            execution_summary={
                "execution_id": row["execution_id"],
                "degraded": bool(result["degraded"]),
                "privacy": privacy,
            },
        )
    elif row["type"] == "data_process":
        out["execution_summary"] = {"execution_id": row["execution_id"], "degraded": False}
    if row["type"] == "dataset_build" and row["dataset_id"] and row["status"] == "completed":
        out["dataset_id"] = row["dataset_id"]
        out["dataset_summary"] = {"dataset_id": row["dataset_id"], **(result or {})}
    return out


def list_jobs(
    ctx: Context, tenant_id: str, page: int, page_size: int, status: str | None
) -> dict[str, Any]:
    where, params = "tenant_id = ?", [tenant_id]
    if status:
        if status not in STATUSES:
            raise bad_request(f"status must be one of {', '.join(STATUSES)}")
        where += " AND status = ?"
        params.append(status)
    total = ctx.db.scalar(f"SELECT COUNT(*) FROM jobs WHERE {where}", params)
    rows = ctx.db.all(
        f"SELECT * FROM jobs WHERE {where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
        [*params, page_size, (page - 1) * page_size],
    )
    items = [view(ctx, r) for r in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _feedback_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "job_id", "rating", "issue", "notes", "created_at")}


def submit_feedback(
    ctx: Context, tenant_id: str, job_id: str, rating: str, issue: str | None, notes: str | None
) -> dict[str, Any]:
    load(ctx, tenant_id, job_id)
    if rating not in RATINGS:
        raise bad_request("rating must be positive|negative (or up|down)", "VALIDATION_ERROR")
    if issue is not None and issue not in ISSUES:
        raise bad_request(f"issue must be one of {', '.join(sorted(ISSUES))}", "VALIDATION_ERROR")
    row = {
        "job_id": job_id,
        "id": new_id("fb"),
        "tenant_id": tenant_id,
        # Stored in the documented vocabulary; the SDK's up/down are the same two answers.
        "rating": RATINGS[rating],
        "issue": issue,
        "notes": notes,
        "created_at": now_iso(),
    }
    # Upsert: a second submission for a job replaces the first (as the SDK documents).
    ctx.db.execute("DELETE FROM feedback WHERE job_id = ?", [job_id])
    ctx.db.insert("feedback", row)
    audit.record(ctx, tenant_id, "job.feedback", job_id=job_id, rating=row["rating"])
    return _feedback_view(row)


def get_feedback(ctx: Context, tenant_id: str, job_id: str) -> dict[str, Any] | None:
    load(ctx, tenant_id, job_id)
    row = ctx.db.one("SELECT * FROM feedback WHERE job_id = ?", [job_id])
    return _feedback_view(row) if row else None


def list_feedback(ctx: Context, tenant_id: str) -> dict[str, Any]:
    rows = ctx.db.all(
        "SELECT * FROM feedback WHERE tenant_id = ? ORDER BY created_at DESC", [tenant_id]
    )
    return {"items": [_feedback_view(r) for r in rows], "total": len(rows)}
