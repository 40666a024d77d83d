"""Idempotency-Key: a retried POST answers what its first attempt answered, without redoing it.

One row per (tenant, key). A row without a status code is a claim: the first attempt is still
running. Only successful answers are kept; anything else releases the claim, so a retry after
an error (rate limit, quota, 5xx, a dropped connection) really runs again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flexorch_local.errors import ApiError
from flexorch_local.services.context import Context

TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
# Answers larger than this are not kept (POST answers are small JSON; this is a safety cap).
MAX_STORED_BYTES = 1024 * 1024
# A claim this old belongs to an attempt that died with the server; the next one takes over.
STALE_CLAIM_SECONDS = 600


@dataclass(frozen=True)
class Stored:
    status_code: int
    content_type: str
    body: bytes


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
        )


def claim(ctx: Context, tenant_id: str, key: str, method: str, path: str) -> Stored | None:
    """None when this attempt must do the work (the key is now claimed for it); the stored
    answer when an earlier attempt finished. Raises CONFLICT for another method or path, and
    IN_PROGRESS (409) while the earlier attempt still runs."""
    now = time.time()
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [now - TTL_SECONDS])
        row = conn.execute(
            "SELECT method, path, status_code, content_type, body, created_at "
            "FROM idempotency_keys "
            "WHERE tenant_id = ? AND key = ?",
            [tenant_id, key],
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO idempotency_keys (tenant_id, key, method, path, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [tenant_id, key, method, path, now],
            )
            return None
        if row["status_code"] is None and row["created_at"] < now - STALE_CLAIM_SECONDS:
            conn.execute(
                "UPDATE idempotency_keys SET method = ?, path = ?, created_at = ? "
                "WHERE tenant_id = ? AND key = ?",
                [method, path, now, tenant_id, key],
            )
            return None
    if (row["method"], row["path"]) != (method, path):
        raise ApiError(
            409,
            "CONFLICT",
            f"this Idempotency-Key was already used for {row['method']} {row['path']}; "
            "use a new key for a different request",
        )
    if row["status_code"] is None:
        raise ApiError(
            409,
            "IDEMPOTENCY_IN_PROGRESS",
            "a request with this Idempotency-Key is still running; retry shortly",
            {"Retry-After": "1"},
        )
    return Stored(int(row["status_code"]), str(row["content_type"]), bytes(row["body"]))


def complete(ctx: Context, tenant_id: str, key: str, answer: Stored) -> None:
    if not 200 <= answer.status_code < 300 or len(answer.body) > MAX_STORED_BYTES:
        release(ctx, tenant_id, key)
        return
    ctx.db.execute(
        "UPDATE idempotency_keys SET status_code = ?, content_type = ?, body = ? "
        "WHERE tenant_id = ? AND key = ?",
        [answer.status_code, answer.content_type, answer.body, tenant_id, key],
    )


def release(ctx: Context, tenant_id: str, key: str) -> None:
    ctx.db.execute(
        "DELETE FROM idempotency_keys WHERE tenant_id = ? AND key = ? AND status_code IS NULL",
        [tenant_id, key],
    )
