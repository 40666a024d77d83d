"""Credit usage, rate-limit headroom and the daily quality trend, from real jobs."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from flexorch_local.services.accounts import Tenant, parse_time
from flexorch_local.services.context import Context
from flexorch_local.services.ratelimit import Window

PERIODS = {"7d": 7, "30d": 30, "90d": 90}


def usage(ctx: Context, tenant: Tenant) -> dict[str, Any]:
    days_left = None
    if tenant.plan_name == "trial" and tenant.trial_ends_at:
        delta = parse_time(tenant.trial_ends_at) - datetime.now(UTC)
        days_left = max(delta.days + (1 if delta.seconds else 0), 0)
    docs = ctx.db.scalar("SELECT COUNT(*) FROM documents WHERE tenant_id = ?", [tenant.id])
    return {
        "plan": tenant.plan_name,
        "usage": {
            "credits": {
                "used": tenant.credits_used,
                "limit": tenant.credits_limit,
                "remaining": tenant.credits_remaining,
            },
            "documents": docs,
        },
        "trial": {
            "is_trial": tenant.plan_name == "trial",
            "trial_ends_at": tenant.trial_ends_at,
            "trial_days_remaining": days_left,
        },
        "limits": {"max_file_size_bytes": tenant.plan.max_file_bytes, "rpm": tenant.rpm},
    }


def rate_limits(tenant: Tenant, window: Window) -> dict[str, Any]:
    """Documented nested block plus the live flat keys the official SDK reads."""
    return {
        "plan": tenant.plan_name,
        "rate_limit": {
            "rpm": window.limit,
            "used": window.used,
            "remaining": window.remaining,
            "reset_in_seconds": window.reset_in_seconds,
        },
        "unlimited": False,
        "limit": window.limit,
        "used": window.used,
        "remaining": window.remaining,
        "window_seconds": window.seconds,
        "reset_in_seconds": window.reset_in_seconds,
    }


def _since(period: str) -> str:
    start = datetime.now(UTC) - timedelta(days=PERIODS[period])
    return start.isoformat(timespec="seconds").replace("+00:00", "Z")


def history(ctx: Context, tenant: Tenant, period: str) -> list[dict[str, Any]]:
    rows = ctx.db.all(
        "SELECT substr(created_at, 1, 10) AS date, "
        "SUM(CASE WHEN status != 'failed' THEN credits ELSE 0 END) AS credits_used, "
        "SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS jobs_count "
        "FROM jobs WHERE tenant_id = ? AND type = 'data_process' AND created_at >= ? "
        "GROUP BY date ORDER BY date",
        [tenant.id, _since(period)],
    )
    return rows


def quality_trend(ctx: Context, tenant: Tenant, period: str) -> list[dict[str, Any]]:
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ctx.db.all(
        "SELECT completed_at, result FROM jobs WHERE tenant_id = ? AND type = 'data_process' "
        "AND status = 'completed' AND completed_at >= ?",
        [tenant.id, _since(period)],
    ):
        by_day[row["completed_at"][:10]].append(json.loads(row["result"]))
    trend = []
    for day in sorted(by_day):
        results = by_day[day]
        grades = Counter(str(r["quality_grade"]) for r in results)
        trend.append(
            {
                "date": day,
                "avg_quality_score": round(
                    sum(r["quality_score"] for r in results) / len(results), 2
                ),
                "grade_distribution": {g: grades.get(g, 0) for g in "ABCD"},
                "avg_field_fill_rate": round(
                    sum(r["field_fill_rate"] for r in results) / len(results), 4
                ),
                "job_count": len(results),
            }
        )
    return trend
