"""create_app(settings): the FastAPI application, its worker pool and its error envelope."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from flexorch_local import __version__
from flexorch_local.api.envelope import error_response
from flexorch_local.api.idempotency import IdempotencyMiddleware
from flexorch_local.api.middleware import LocalMiddleware
from flexorch_local.api.routes import (
    advanced,
    auth,
    compliance,
    connectors,
    datasets,
    documents,
    jobs,
    local,
    search,
    usage,
    webhooks,
)
from flexorch_local.config import LocalSettings
from flexorch_local.errors import ApiError
from flexorch_local.services.context import Context
from flexorch_local.services.worker import WorkerPool

log = logging.getLogger("flexorch_local")
V1_ROUTERS = (
    documents,
    jobs,
    datasets,
    search,
    connectors,
    webhooks,
    usage,
    compliance,
    auth,
    advanced,
)
HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 400: "BAD_REQUEST"}


def _request_id(request: Request) -> dict[str, str]:
    rid = getattr(request.state, "request_id", None)
    return {"X-Request-ID": rid} if rid else {}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request"
        return error_response(422, "VALIDATION_ERROR", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code) or HTTPStatus(exc.status_code).name
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Runs outside the middleware stack, so the request id header is added here.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500, "INTERNAL_ERROR", "unexpected server error", _request_id(request)
        )


def create_app(settings: LocalSettings | None = None, *, start_workers: bool = True) -> FastAPI:
    settings = settings or LocalSettings()
    ctx = Context.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            ctx.pool = WorkerPool(ctx)
            ctx.pool.start()
        yield
        if ctx.pool is not None:
            ctx.pool.stop()

    app = FastAPI(
        title="flexorch-local",
        version=__version__,
        description="A FlexOrch-compatible API that really processes documents on one machine.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    for module in V1_ROUTERS:
        app.include_router(module.router, prefix="/v1")
    app.include_router(local.router)

    @app.get("/health", tags=["health"])
    @app.get("/v1/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    _install_error_handlers(app)
    # Added first, so it runs inside LocalMiddleware: a replay still gets its request id.
    app.add_middleware(IdempotencyMiddleware, ctx=ctx)
    app.add_middleware(LocalMiddleware, ctx=ctx)
    return app
