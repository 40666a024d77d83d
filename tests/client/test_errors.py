"""Error mapping: the status decides, error.code refines; retryable exactly as the contract says."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from flexorch_client import FlexOrchClient
from flexorch_client._exceptions import scrub
from flexorch_client._steps import Call
from flexorch_client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    FileTooLargeError,
    FlexOrchError,
    IdempotencyInProgressError,
    InvalidAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    PlanUpgradeRequiredError,
    QuotaExceededError,
    RateLimitExceededError,
    RequestTimeoutError,
    ServerError,
    TrialExpiredError,
    UnsupportedFileError,
)
from tests.client._client_helpers import KEY, error_body

CASES: list[tuple[int, str | None, type[FlexOrchError], bool]] = [
    (401, "INVALID_API_KEY", InvalidAPIKeyError, False),
    (402, "TRIAL_EXPIRED", TrialExpiredError, False),
    (429, "QUOTA_EXCEEDED", QuotaExceededError, False),
    (429, "RATE_LIMIT_EXCEEDED", RateLimitExceededError, True),
    (429, None, RateLimitExceededError, True),
    (429, "SOMETHING_NEW", RateLimitExceededError, True),
    (403, "PLAN_UPGRADE_REQUIRED", PlanUpgradeRequiredError, False),
    (403, "FORBIDDEN", PermissionDeniedError, False),
    (413, "FILE_TOO_LARGE", FileTooLargeError, False),
    (415, "UNSUPPORTED_FILE", UnsupportedFileError, False),
    (400, "VALIDATION_ERROR", BadRequestError, False),
    (422, None, BadRequestError, False),
    (404, "NOT_FOUND", NotFoundError, False),
    (409, "CONFLICT", ConflictError, False),
    (409, "IDEMPOTENCY_IN_PROGRESS", IdempotencyInProgressError, True),
    (408, None, RequestTimeoutError, True),
    (500, "INTERNAL", ServerError, True),
    (503, None, ServerError, True),
    # The status wins over a code documented for another status.
    (500, "QUOTA_EXCEEDED", ServerError, True),
    (418, None, APIStatusError, False),
]


@pytest.mark.parametrize(("status", "code", "cls", "retryable"), CASES)
def test_each_status_and_code_maps_to_its_class(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    status: int,
    code: str | None,
    cls: type[FlexOrchError],
    retryable: bool,
) -> None:
    body = error_body(code, "server says no") if code else {"detail": "server says no"}
    route = api.get("/usage").respond(status, json=body, headers={"X-Request-ID": "req_42"})
    client = make_client(max_retries=2)
    with pytest.raises(cls) as info:
        client.usage.get()
    err = info.value
    assert type(err) is cls
    assert err.status_code == status
    assert err.code == code
    assert err.message == "server says no"
    assert err.request_id == "req_42"
    assert err.retryable is retryable
    # Terminal errors cost exactly one request; retryable ones use all retries.
    assert route.call_count == (3 if retryable else 1)


def test_quota_exceeded_is_never_retried_even_with_retry_after(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").respond(
        429, json=error_body("QUOTA_EXCEEDED"), headers={"Retry-After": "1"}
    )
    with pytest.raises(QuotaExceededError):
        make_client().usage.get()
    assert route.call_count == 1


def test_non_json_error_body_still_maps(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/usage").respond(404, text="<html>gone</html>")
    with pytest.raises(NotFoundError) as info:
        make_client().usage.get()
    assert info.value.message == "Not Found"


def test_error_envelope_inside_a_200_raises(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/usage").respond(200, json=error_body("QUOTA_EXCEEDED", "out"))
    with pytest.raises(FlexOrchError) as info:
        make_client().usage.get()
    assert info.value.code == "QUOTA_EXCEEDED"


def test_connection_errors_are_wrapped_and_retried(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(APIConnectionError):
        make_client(max_retries=3).usage.get()
    assert route.call_count == 4


def test_timeouts_raise_api_timeout_error(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.get("/usage").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError) as info:
        make_client(max_retries=1).usage.get()
    assert isinstance(info.value, APIConnectionError)
    assert info.value.retryable


def test_exception_text_never_contains_the_key(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    # A server that echoes the key back in its message must not leak it further.
    api.get("/usage").respond(401, json=error_body("INVALID_API_KEY", f"bad key {KEY}"))
    with pytest.raises(InvalidAPIKeyError) as info:
        make_client().usage.get()
    for text in (str(info.value), repr(info.value), info.value.message):
        assert KEY not in text


LLM_KEY = "sk-live-0123456789abcdef"


def _fastapi_422(*detail: dict[str, object]) -> dict[str, object]:
    return {"detail": list(detail)}


@pytest.mark.parametrize(
    "body",
    [
        # A model-level error echoes the whole request body as `input`.
        _fastapi_422(
            {
                "type": "value_error",
                "loc": ["body"],
                "msg": "Value error, unknown provider",
                "input": {"provider": "nope", "model": "m", "api_key": LLM_KEY},
            }
        ),
        # A field-level error echoes the field's raw value, named only by `loc`.
        _fastapi_422(
            {
                "type": "string_too_long",
                "loc": ["body", "api_key"],
                "msg": "String should have at most 8 characters",
                "input": LLM_KEY,
                "ctx": {"max_length": 8},
            }
        ),
        # An error whose wording quotes the value outright.
        {"error": {"code": "VALIDATION_ERROR", "message": f"key {LLM_KEY} was rejected"}},
    ],
)
def test_a_422_echoing_an_llm_key_does_not_leak_it(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], body: dict[str, object]
) -> None:
    api.post("/settings/llm-config").respond(422, json=body)
    with pytest.raises(BadRequestError) as info:
        make_client().settings.llm_config("openai", "gpt-4o", LLM_KEY)
    texts = (str(info.value), repr(info.value), info.value.message, str(info.value.args))
    for text in texts:
        assert LLM_KEY not in text and "***" in text


def test_a_422_keeps_what_is_not_a_credential(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.post("/settings/llm-config").respond(
        422,
        json=_fastapi_422(
            {
                "type": "value_error",
                "loc": ["body", "provider"],
                "msg": "Value error, unknown provider",
                "input": "nope",
            }
        ),
    )
    with pytest.raises(BadRequestError) as info:
        make_client().settings.llm_config("nope", "gpt-4o", LLM_KEY)
    assert "unknown provider" in str(info.value) and "'nope'" in str(info.value)


@pytest.mark.parametrize(
    "name",
    [
        "api_key",
        "password",
        "secret",
        "token",
        "refresh_token",
        "aws_secret_access_key",
        "secret_access_key",
        "webhook_secret",
        "X-API-KEY",
        "account_key",
        "connection_string",
        "credentials_json",
        "service_account_json",
        "private_key",
    ],
)
def test_credential_named_fields_are_scrubbed_wherever_they_nest(name: str) -> None:
    body = {"detail": [{"loc": ["body"], "input": {"config": [{name: "hunter22", "n": 1}]}}]}
    assert scrub(body) == {
        "detail": [{"loc": ["body"], "input": {"config": [{name: "***", "n": 1}]}}]
    }


def test_a_call_repr_shows_the_endpoint_only() -> None:
    call = Call(
        "POST",
        "/auth/refresh",
        params={"q": "x"},
        json={"refresh_token": "rt-secret-value", "password": "hunter22"},
        data={"webhook_secret": "whsec-value"},
    )
    text = repr(call)
    assert text == "Call(method='POST', path='/auth/refresh')"
    assert "rt-secret-value" not in str(call)
