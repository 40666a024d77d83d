"""Signup, e-mail verification, login and refresh with 1-hour HS256 JWTs."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from flexorch_local.errors import ApiError
from flexorch_local.services import accounts, audit
from flexorch_local.services.context import Context

ACCESS_TTL = 3600
REFRESH_TTL = timedelta(days=30)
# Login attempts per rate window (the rate_window_seconds knob). Each attempt costs 200k
# PBKDF2 rounds, so unthrottled guessing is both a password attack and a CPU sink. The
# per-address limit is looser: several people may share one address.
LOGIN_ATTEMPTS_PER_EMAIL = 10
LOGIN_ATTEMPTS_PER_ADDRESS = 100


def _invalid(message: str = "invalid credentials") -> ApiError:
    return ApiError(401, "INVALID_API_KEY", message)


def signup(ctx: Context, email: str, password: str) -> dict[str, Any]:
    _, tenant_id = accounts.create_account(
        ctx, "trial", email=email, password=password, verified=False
    )
    return {
        "tenant_id": tenant_id,
        "email": email.lower(),
        "verified": False,
        "message": "Account created. Verify the e-mail address before logging in "
        "(locally: flexorch-local account verify --email ...).",
    }


def _tokens(ctx: Context, tenant_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": tenant_id,
        "iat": now,
        "exp": now + timedelta(seconds=ACCESS_TTL),
        "jti": secrets.token_hex(8),
    }
    access = jwt.encode(claims, ctx.settings.resolved_jwt_secret(), algorithm="HS256")
    refresh = "rt_" + secrets.token_urlsafe(32)
    ctx.db.insert(
        "refresh_tokens",
        {
            "token_hash": accounts.hash_key(refresh),
            "tenant_id": tenant_id,
            "expires_at": (now + REFRESH_TTL).isoformat(),
        },
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": ACCESS_TTL,
    }


def _throttle_login(ctx: Context, email: str, client_address: str | None) -> None:
    seconds = int(ctx.knobs.get("rate_window_seconds"))
    limits = [(f"login-email:{email.lower()}", LOGIN_ATTEMPTS_PER_EMAIL)]
    if client_address:
        limits.append((f"login-address:{client_address}", LOGIN_ATTEMPTS_PER_ADDRESS))
    for key, limit in limits:
        allowed, window = ctx.limiter.hit(key, limit, seconds)
        if not allowed:
            raise ApiError(
                429,
                "RATE_LIMIT_EXCEEDED",
                f"too many login attempts; retry in {window.reset_in_seconds} s",
                {"Retry-After": str(window.reset_in_seconds)},
            )


def login(
    ctx: Context, email: str, password: str, client_address: str | None = None
) -> dict[str, Any]:
    _throttle_login(ctx, email, client_address)
    row = ctx.db.one("SELECT * FROM tenants WHERE email = ?", [email.lower()])
    if (
        row is None
        or not row["password_hash"]
        or not accounts.check_password(password, row["password_hash"])
    ):
        audit.record(ctx, row["id"] if row else None, "auth.login", "failure")
        raise _invalid("e-mail or password is wrong")
    if not row["verified"]:
        audit.record(ctx, row["id"], "auth.login", "failure", reason="unverified")
        raise ApiError(403, "EMAIL_NOT_VERIFIED", "verify the e-mail address before logging in")
    audit.record(ctx, row["id"], "auth.login")
    return _tokens(ctx, row["id"])


def refresh(ctx: Context, token: str) -> dict[str, Any]:
    hashed = accounts.hash_key(token)
    row = ctx.db.one("SELECT * FROM refresh_tokens WHERE token_hash = ? AND revoked = 0", [hashed])
    if row is None or accounts.parse_time(row["expires_at"]) < datetime.now(UTC):
        raise _invalid("refresh token unknown, used or expired")
    # Rotation: a refresh token works once, so a stolen one is caught on its second use.
    ctx.db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE token_hash = ?", [hashed])
    audit.record(ctx, row["tenant_id"], "auth.refresh")
    return _tokens(ctx, row["tenant_id"])


def tenant_for_jwt(ctx: Context, token: str) -> str | None:
    try:
        claims = jwt.decode(token, ctx.settings.resolved_jwt_secret(), algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None
