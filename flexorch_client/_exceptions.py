"""The exception hierarchy and the mapping from an HTTP error response to it.

Status is checked first, then `error.code`: 429 means either "slow down"
(retryable) or "out of credits" (terminal), and only the code tells them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class FlexOrchError(Exception):
    """Base of every error the client raises.

    Attributes:
        status_code: HTTP status, or None when no response arrived.
        code: FlexOrch `error.code` (e.g. "QUOTA_EXCEEDED"), or None.
        message: human-readable reason from the server or the client.
        request_id: the `X-Request-ID` response header, for support tickets.
        retryable: whether the transport treats this error as transient.
    """

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [p for p in (str(self.status_code or ""), self.code or "") if p]
        prefix = f"[{' '.join(parts)}] " if parts else ""
        suffix = f" (request_id={self.request_id})" if self.request_id else ""
        return f"{prefix}{self.message}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class APIStatusError(FlexOrchError):
    """The server answered with an error status.

    `retry_after` holds the server's wait hint in seconds (Retry-After header or
    `reset_in_seconds` in the body) when it sent one. A retryable error whose hint
    exceeds 120 s (MAX_RETRY_AFTER) is raised without retrying: wait that long,
    then try again.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, code=code, request_id=request_id)
        self.retry_after = retry_after


class InvalidAPIKeyError(APIStatusError):
    """401: the key or token is unknown, revoked, expired or malformed."""


class TrialExpiredError(APIStatusError):
    """402: the trial is over; upgrading the plan is the only fix."""


class QuotaExceededError(APIStatusError):
    """429 QUOTA_EXCEEDED: the period's credits are used up. Never retried."""


class RateLimitExceededError(APIStatusError):
    """429 RATE_LIMIT_EXCEEDED (or an unknown 429): over the plan's RPM; retried."""

    retryable = True


class PlanUpgradeRequiredError(APIStatusError):
    """403 PLAN_UPGRADE_REQUIRED: the feature is not on this plan."""


class PermissionDeniedError(APIStatusError):
    """403 with another code."""


class FileTooLargeError(APIStatusError):
    """413: the file exceeds the plan's size limit; quarantine it."""


class UnsupportedFileError(APIStatusError):
    """415: the file type is not accepted; quarantine it."""


class BadRequestError(APIStatusError):
    """400 or 422: the request failed validation."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist (or belongs to another tenant)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class IdempotencyInProgressError(ConflictError):
    """409 IDEMPOTENCY_IN_PROGRESS: an earlier attempt with the same Idempotency-Key is still
    running on the server; retried after its Retry-After, when the stored answer is replayed."""

    retryable = True


class RequestTimeoutError(APIStatusError):
    """408: the server gave up waiting for the request; retried."""

    retryable = True


class ServerError(APIStatusError):
    """5xx: a server-side failure; retried."""

    retryable = True


class APIConnectionError(FlexOrchError):
    """No response: connection refused, reset or broken mid-way; retried."""

    retryable = True


class APITimeoutError(APIConnectionError):
    """The request timed out before a response arrived; retried."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: InvalidAPIKeyError,
    402: TrialExpiredError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    413: FileTooLargeError,
    415: UnsupportedFileError,
    422: BadRequestError,
}


def error_class(status_code: int, code: str | None) -> type[APIStatusError]:
    """Pick the class for a response: the status decides, the code refines 403, 409 and 429."""
    if status_code == 429:
        # Only an explicit QUOTA_EXCEEDED is terminal; any other 429 is a rate limit.
        return QuotaExceededError if code == "QUOTA_EXCEEDED" else RateLimitExceededError
    if status_code == 403:
        return (
            PlanUpgradeRequiredError if code == "PLAN_UPGRADE_REQUIRED" else PermissionDeniedError
        )
    if status_code == 409 and code == "IDEMPOTENCY_IN_PROGRESS":
        return IdempotencyInProgressError
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, APIStatusError)


REDACTED = "***"
_SECRET_NAME_PARTS = (
    "api_key",
    "apikey",
    "password",
    "passwd",
    "secret",
    "token",
    # connector credentials: azure_blob account_key / connection_string, gcs service accounts
    "account_key",
    "connection_string",
    "credential",
    "private_key",
    "service_account",
)


def is_secret_name(name: object) -> bool:
    """Whether a field named so holds a credential (api_key, refresh_token, ...)."""
    if not isinstance(name, str):
        return False
    lowered = name.lower().replace("-", "_")
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def scrub(value: Any) -> Any:
    """A copy of decoded JSON with the values of credential-named fields replaced.

    Validation errors (FastAPI 422 `detail`) echo the request: either whole objects
    under `input`, or one field's raw value as `input` with the field named last in `loc`.
    """
    if isinstance(value, Mapping):
        loc = value.get("loc")
        names_secret = isinstance(loc, list | tuple) and bool(loc) and is_secret_name(loc[-1])
        return {
            k: REDACTED if is_secret_name(k) or (names_secret and k == "input") else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def secret_values(value: Any) -> set[str]:
    """The string values of credential-named fields anywhere in a request body."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for k, v in value.items():
            if is_secret_name(k) and isinstance(v, str):
                found.add(v)
            else:
                found |= secret_values(v)
    elif isinstance(value, list | tuple):
        for v in value:
            found |= secret_values(v)
    return found


def error_fields(body: Any) -> tuple[str | None, str | None, Mapping[str, Any]]:
    """Extract (code, message, error-object) from any error body shape, credentials scrubbed."""
    if not isinstance(body, Mapping):
        return None, None, {}
    body = scrub(body)
    err = body.get("error")
    if isinstance(err, Mapping):
        code = err.get("code")
        message = err.get("message")
        return (
            str(code) if code is not None else None,
            str(message) if message is not None else None,
            err,
        )
    if isinstance(err, str):
        return None, err, body
    detail = body.get("detail")
    if detail is not None:
        return None, str(detail), body
    message = body.get("message")
    return None, str(message) if message is not None else None, body
