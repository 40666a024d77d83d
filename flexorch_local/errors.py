"""The one exception type services raise; the app turns it into the error envelope."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found")


def bad_request(message: str, code: str = "BAD_REQUEST") -> ApiError:
    return ApiError(400, code, message)


def plan_upgrade(feature: str, plans: str) -> ApiError:
    return ApiError(
        403, "PLAN_UPGRADE_REQUIRED", f"{feature} is not available on your plan ({plans} only)"
    )
