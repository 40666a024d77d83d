"""Dependencies every /v1 route gets: the context, the caller's tenant, the rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from flexorch_local.errors import ApiError
from flexorch_local.services import accounts, auth
from flexorch_local.services.accounts import Tenant
from flexorch_local.services.context import Context
from flexorch_local.services.ratelimit import Window

# auto_error=False: a missing credential must answer INVALID_API_KEY in our envelope.
api_key_header = APIKeyHeader(name="X-API-KEY", auto_error=False)
bearer = HTTPBearer(auto_error=False)
# Usage is readable after a trial ends, so a caller can see why everything else answers 402.
TRIAL_EXEMPT_PREFIX = "/v1/usage"


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


@dataclass(frozen=True)
class Principal:
    tenant: Tenant
    rate_key: str
    window: Window


def resolve(ctx: Context, api_key: str | None, token: str | None) -> tuple[Tenant, str] | None:
    """The tenant behind the credentials and the key its requests are counted under."""
    if api_key:
        tenant = accounts.tenant_for_key(ctx, api_key)
        return (tenant, "key:" + accounts.hash_key(api_key)) if tenant else None
    if token:
        tenant_id = auth.tenant_for_jwt(ctx, token)
        tenant = accounts.get_tenant(ctx, tenant_id) if tenant_id else None
        return (tenant, "jwt:" + tenant.id) if tenant else None
    return None


def authenticate(
    request: Request,
    ctx: CtxDep,
    api_key: Annotated[str | None, Depends(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    found = resolve(ctx, api_key, credentials.credentials if credentials else None)
    if found is None:
        raise ApiError(
            401, "INVALID_API_KEY", "the API key or token is missing, unknown or revoked"
        )
    tenant, rate_key = found
    allowed, window = ctx.limiter.hit(
        rate_key, tenant.rpm, int(ctx.knobs.get("rate_window_seconds"))
    )
    request.state.rate_window = window
    if not allowed:
        raise ApiError(
            429,
            "RATE_LIMIT_EXCEEDED",
            f"over {tenant.rpm} requests per {window.seconds} s; "
            f"retry in {window.reset_in_seconds} s",
            {"Retry-After": str(window.reset_in_seconds)},
        )
    if tenant.trial_expired() and not request.url.path.startswith(TRIAL_EXEMPT_PREFIX):
        raise ApiError(402, "TRIAL_EXPIRED", "the trial has ended; upgrade the plan to continue")
    return Principal(tenant, rate_key, window)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def current_tenant(principal: PrincipalDep) -> Tenant:
    return principal.tenant


TenantDep = Annotated[Tenant, Depends(current_tenant)]
