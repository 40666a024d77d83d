from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from flexorch_local.api.deps import CtxDep
from flexorch_local.api.envelope import ok
from flexorch_local.api.schemas import Credentials, RefreshRequest
from flexorch_local.services import auth

router = APIRouter(tags=["auth"])


@router.post("/auth/signup", status_code=201)
def signup(body: Credentials, ctx: CtxDep) -> dict[str, Any]:
    return ok(auth.signup(ctx, body.email, body.password))


@router.post("/auth/login")
def login(body: Credentials, ctx: CtxDep, request: Request) -> dict[str, Any]:
    address = request.client.host if request.client else None
    return ok(auth.login(ctx, body.email, body.password, address))


@router.post("/auth/refresh")
def refresh(body: RefreshRequest, ctx: CtxDep) -> dict[str, Any]:
    return ok(auth.refresh(ctx, body.refresh_token))
