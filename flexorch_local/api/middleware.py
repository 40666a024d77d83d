"""Raw ASGI middleware: request ids, rate headers, injected faults, upload size gate."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flexorch_local.api.deps import resolve
from flexorch_local.plans import REQUEST_FILES_FACTOR
from flexorch_local.services.context import Context

UPLOAD_PATH = "/v1/data-process/async"
MULTIPART_OVERHEAD = 1024 * 1024


def _error_body(code: str, message: str) -> bytes:
    body = {"status": "error", "data": None, "error": {"code": code, "message": message}}
    return json.dumps(body).encode()


async def _send_error(send: Send, status: int, code: str, message: str, request_id: str) -> None:
    body = _error_body(code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LocalMiddleware:
    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id") or f"req_{uuid.uuid4().hex[:16]}"
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope["path"]
        in_api = path.startswith("/v1/")
        knobs = self.ctx.knobs
        if in_api and float(knobs.get("latency") or 0) > 0:
            await asyncio.sleep(float(knobs.get("latency")))
        if in_api and knobs.roll("error_rate"):
            await _send_error(
                send,
                503,
                "SERVICE_UNAVAILABLE",
                "injected failure (error_rate knob); retry",
                request_id,
            )
            return
        if path == UPLOAD_PATH and scope["method"] == "POST":
            cap = await asyncio.to_thread(self._upload_cap, headers)
            if cap is not None:
                declared = headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > cap:
                    await _send_error(
                        send,
                        413,
                        "FILE_TOO_LARGE",
                        f"the request body is over the {cap} bytes this plan accepts per request",
                        request_id,
                    )
                    return
                receive = _capped(receive, cap)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-request-id", request_id.encode())]
                window = scope["state"].get("rate_window")
                if window is not None:
                    extra += [
                        (b"x-ratelimit-limit", str(window.limit).encode()),
                        (b"x-ratelimit-remaining", str(window.remaining).encode()),
                        (b"x-ratelimit-reset", str(window.reset_in_seconds).encode()),
                    ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except _BodyTooLarge:
            await _send_error(
                send,
                413,
                "FILE_TOO_LARGE",
                "the request body is over what this plan accepts",
                request_id,
            )

    def _upload_cap(self, headers: Headers) -> int | None:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        found = resolve(self.ctx, headers.get("x-api-key"), token)
        if found is None:
            return None
        return found[0].plan.max_file_bytes * REQUEST_FILES_FACTOR + MULTIPART_OVERHEAD


class _BodyTooLarge(Exception):
    pass


def _capped(receive: Receive, cap: int) -> Receive:
    """Count the bytes as they arrive, for bodies sent without (or lying about) a length."""
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        message: dict[str, Any] = dict(await receive())
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise _BodyTooLarge
        return message

    return wrapped
