"""Raw ASGI middleware that honours the Idempotency-Key header on /v1 POSTs.

Raw rather than a dependency: it must see the whole answer (status and body) the route and
the error handlers produce, to keep it, and must answer a replay without running the route."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flexorch_local.api.deps import resolve
from flexorch_local.errors import ApiError
from flexorch_local.services import idempotency
from flexorch_local.services.context import Context

HEADER = "idempotency-key"
# Answers that carry a credential are never kept at rest: login and refresh return tokens,
# and a webhook created without a secret returns the generated one.
EXEMPT_PREFIXES = ("/v1/auth/", "/v1/webhooks")
# How long a retry waits for a first attempt that is still running before answering 409.
WAIT_FOR_FIRST_SECONDS = 30.0


async def _send(send: Send, status: int, content_type: str, body: bytes, extra: Headers) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_error(send: Send, exc: ApiError) -> None:
    body = {"status": "error", "data": None, "error": {"code": exc.code, "message": exc.message}}
    payload = json.dumps(body).encode()
    await _send(send, exc.status_code, "application/json", payload, Headers(exc.headers))


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    def _tenant_id(self, headers: Headers) -> str | None:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        found = resolve(self.ctx, headers.get("x-api-key"), token)
        return found[0].id if found else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        key = headers.get(HEADER)
        if key is None or not path.startswith("/v1/") or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        tenant_id = await asyncio.to_thread(self._tenant_id, headers)
        if tenant_id is None:  # the route answers INVALID_API_KEY itself
            await self.app(scope, receive, send)
            return
        try:
            idempotency.check_key(key)
            stored = await self._claim(tenant_id, key, scope["method"], path)
        except ApiError as exc:
            await _send_error(send, exc)
            return
        if stored is not None:
            replayed = Headers({"idempotent-replayed": "true"})
            await _send(send, stored.status_code, stored.content_type, stored.body, replayed)
            return
        await self._run_and_keep(scope, receive, send, tenant_id, key)

    async def _claim(
        self, tenant_id: str, key: str, method: str, path: str
    ) -> idempotency.Stored | None:
        deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
        while True:
            try:
                return await asyncio.to_thread(
                    idempotency.claim, self.ctx, tenant_id, key, method, path
                )
            except ApiError as exc:
                if exc.code != "IDEMPOTENCY_IN_PROGRESS" or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)

    async def _run_and_keep(
        self, scope: Scope, receive: Receive, send: Send, tenant_id: str, key: str
    ) -> None:
        status = 0
        content_type = "application/json"
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                content_type = Headers(raw=message.get("headers", [])).get(
                    "content-type", content_type
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await asyncio.to_thread(idempotency.release, self.ctx, tenant_id, key)
            raise
        answer = idempotency.Stored(status, content_type, b"".join(chunks))
        await asyncio.to_thread(idempotency.complete, self.ctx, tenant_id, key, answer)
