"""Tenants, their plan and API keys (stored as sha256 hashes; the key is shown once)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flexorch_local.errors import ApiError, bad_request
from flexorch_local.plans import PLANS, Plan
from flexorch_local.services import audit
from flexorch_local.services.context import Context
from flexorch_local.storage import new_id, now_iso

KEY_PREFIX = "dfx_"


@dataclass(frozen=True)
class Tenant:
    id: str
    plan_name: str
    rpm: int
    credits_limit: int
    credits_used: int
    trial_ends_at: str | None

    @property
    def plan(self) -> Plan:
        return PLANS[self.plan_name]

    @property
    def credits_remaining(self) -> int:
        return max(self.credits_limit - self.credits_used, 0)

    def trial_expired(self, now: datetime | None = None) -> bool:
        if self.plan_name != "trial" or not self.trial_ends_at:
            return False
        return (now or datetime.now(UTC)) >= parse_time(self.trial_ends_at)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Tenant:
        plan = PLANS[row["plan"]]
        return cls(
            id=row["id"],
            plan_name=row["plan"],
            rpm=row["rpm"] or plan.rpm,
            credits_limit=row["credits_limit"],
            credits_used=row["credits_used"],
            trial_ends_at=row["trial_ends_at"],
        )


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 200_000)
    return f"{salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    salt, _ = stored.split("$", 1)
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def _trial_end(value: str | None, plan: Plan) -> str | None:
    if value:
        try:
            return parse_time(value).isoformat(timespec="seconds").replace("+00:00", "Z")
        except ValueError as exc:
            raise bad_request(f"trial_ends_at is not an ISO date: {value}") from exc
    if plan.trial_days is None:
        return None
    end = datetime.now(UTC) + timedelta(days=plan.trial_days)
    return end.isoformat(timespec="seconds").replace("+00:00", "Z")


def create_account(
    ctx: Context,
    plan: str,
    *,
    rpm: int | None = None,
    credits: int | None = None,
    trial_ends_at: str | None = None,
    email: str | None = None,
    password: str | None = None,
    verified: bool = True,
) -> tuple[str, str]:
    """Create a tenant and its first API key; returns (api_key, tenant_id)."""
    if plan not in PLANS:
        raise bad_request(f"unknown plan {plan!r}; one of {', '.join(PLANS)}")
    if (email is None) != (password is None):
        raise bad_request("email and password go together")
    if email and ctx.db.one("SELECT id FROM tenants WHERE email = ?", [email.lower()]):
        raise ApiError(409, "CONFLICT", "an account with this e-mail exists")
    spec = PLANS[plan]
    tenant_id = new_id("ten")
    ctx.db.insert(
        "tenants",
        {
            "id": tenant_id,
            "plan": plan,
            "rpm": rpm,
            "credits_limit": spec.credits if credits is None else credits,
            "trial_ends_at": _trial_end(trial_ends_at, spec),
            "email": email.lower() if email else None,
            "password_hash": hash_password(password) if password else None,
            "verified": int(verified),
            "created_at": now_iso(),
        },
    )
    key = issue_key(ctx, tenant_id)
    audit.record(ctx, tenant_id, "account.created", plan=plan)
    return key, tenant_id


def issue_key(ctx: Context, tenant_id: str) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    ctx.db.insert(
        "api_keys",
        {
            "key_hash": hash_key(key),
            "tenant_id": tenant_id,
            "prefix": key[:8],
            "created_at": now_iso(),
        },
    )
    return key


def revoke_key(ctx: Context, key: str) -> bool:
    return ctx.db.execute("UPDATE api_keys SET revoked = 1 WHERE key_hash = ?", [hash_key(key)]) > 0


def revoke_by_prefix(ctx: Context, prefix: str) -> int:
    """Revoke the one active key shown with this prefix; the number of active keys it matched.

    Only the first 8 characters are stored, so a prefix may match several keys: then none
    is revoked, rather than guessing which one was meant."""
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            "SELECT key_hash FROM api_keys WHERE prefix = ? AND revoked = 0", [prefix[:8]]
        ).fetchall()
        if len(rows) == 1:
            conn.execute("UPDATE api_keys SET revoked = 1 WHERE key_hash = ?", [rows[0][0]])
    return len(rows)


def tenant_for_key(ctx: Context, key: str) -> Tenant | None:
    if not key.startswith(KEY_PREFIX):
        return None
    row = ctx.db.one(
        "SELECT t.* FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
        "WHERE k.key_hash = ? AND k.revoked = 0",
        [hash_key(key)],
    )
    return Tenant.from_row(row) if row else None


def get_tenant(ctx: Context, tenant_id: str) -> Tenant | None:
    row = ctx.db.one("SELECT * FROM tenants WHERE id = ?", [tenant_id])
    return Tenant.from_row(row) if row else None


def verify_email(ctx: Context, email: str) -> str | None:
    row = ctx.db.one("SELECT id FROM tenants WHERE email = ?", [email.lower()])
    if row is None:
        return None
    ctx.db.execute("UPDATE tenants SET verified = 1 WHERE id = ?", [row["id"]])
    audit.record(ctx, row["id"], "auth.verified")
    return str(row["id"])


def reserve_credits(ctx: Context, tenant_id: str, amount: int) -> None:
    """Take credits atomically, or raise QUOTA_EXCEEDED and take none."""
    if amount <= 0:
        return
    with ctx.db.transaction() as conn:
        row = conn.execute(
            "SELECT credits_limit - credits_used FROM tenants WHERE id = ?", [tenant_id]
        ).fetchone()
        remaining = row[0] if row else 0
        if amount > remaining:
            raise ApiError(
                429,
                "QUOTA_EXCEEDED",
                f"this request needs {amount} credits and {max(remaining, 0)} remain",
            )
        conn.execute(
            "UPDATE tenants SET credits_used = credits_used + ? WHERE id = ?", [amount, tenant_id]
        )


def refund_credits(ctx: Context, tenant_id: str, amount: int) -> None:
    if amount > 0:
        ctx.db.execute(
            "UPDATE tenants SET credits_used = MAX(credits_used - ?, 0) WHERE id = ?",
            [amount, tenant_id],
        )
