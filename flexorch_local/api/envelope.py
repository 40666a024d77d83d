"""The response envelope every /v1 JSON answer uses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


def ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data, "error": None}


def error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"status": "error", "data": None, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status_code, headers=headers)
