"""Credentials: which header, JWT login/refresh, and secrets that never show up anywhere."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
import respx

from flexorch_client import ClientSettings, FlexOrchClient
from flexorch_client.errors import InvalidAPIKeyError
from tests.client._client_helpers import KEY, FakeTime, error_body

USAGE = {"data": {"plan": "pro", "usage": {"credits": {"used": 0, "limit": 5, "remaining": 5}}}}
PASSWORD = "hunter2-PASSWORD"


def _tokens(n: int, expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": {
                "access_token": f"access-{n}",
                "refresh_token": f"refresh-{n}",
                "token_type": "bearer",
                "expires_in": expires_in,
            }
        },
    )


def test_api_key_goes_in_x_api_key(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").respond(200, json=USAGE)
    make_client().usage.get()
    headers = route.calls[0].request.headers
    assert headers["X-API-KEY"] == KEY
    assert "Authorization" not in headers


def test_jwt_goes_in_bearer_header(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").respond(200, json=USAGE)
    make_client(api_key=None, jwt="eyJ.jwt.token").usage.get()
    assert route.calls[0].request.headers["Authorization"] == "Bearer eyJ.jwt.token"


def test_password_login_then_refresh_before_expiry(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    login = api.post("/auth/login").mock(return_value=_tokens(1, expires_in=600))
    refresh = api.post("/auth/refresh").mock(return_value=_tokens(2))
    usage = api.get("/usage").respond(200, json=USAGE)
    client = make_client(api_key=None, email="a@b.c", password=PASSWORD)
    client.usage.get()
    assert login.call_count == 1
    assert login.calls[0].request.read() == b'{"email":"a@b.c","password":"hunter2-PASSWORD"}'
    assert usage.calls[-1].request.headers["Authorization"] == "Bearer access-1"
    fake_time.now += 100
    client.usage.get()
    assert refresh.call_count == 0
    fake_time.now += 500  # within the refresh margin of the 600 s lifetime
    client.usage.get()
    assert refresh.call_count == 1
    assert b"refresh-1" in refresh.calls[0].request.read()
    assert usage.calls[-1].request.headers["Authorization"] == "Bearer access-2"
    assert login.call_count == 1


def test_401_refreshes_once_and_retries_once(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.post("/auth/login").mock(return_value=_tokens(1))
    refresh = api.post("/auth/refresh").mock(return_value=_tokens(2))
    usage = api.get("/usage").mock(
        side_effect=[
            httpx.Response(401, json=error_body("INVALID_API_KEY")),
            httpx.Response(200, json=USAGE),
        ]
    )
    client = make_client(api_key=None, email="a@b.c", password=PASSWORD)
    assert client.usage.get().plan == "pro"
    assert refresh.call_count == 1
    assert [c.request.headers["Authorization"] for c in usage.calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]


def test_second_401_after_refresh_is_terminal(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    api.post("/auth/login").mock(return_value=_tokens(1))
    refresh = api.post("/auth/refresh").mock(return_value=_tokens(2))
    usage = api.get("/usage").respond(401, json=error_body("INVALID_API_KEY"))
    client = make_client(api_key=None, email="a@b.c", password=PASSWORD)
    with pytest.raises(InvalidAPIKeyError):
        client.usage.get()
    assert refresh.call_count == 1
    assert usage.call_count == 2


def test_api_key_401_is_not_retried(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    route = api.get("/usage").respond(401, json=error_body("INVALID_API_KEY"))
    with pytest.raises(InvalidAPIKeyError):
        make_client().usage.get()
    assert route.call_count == 1


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEXORCH_API_KEY", KEY)
    monkeypatch.setenv("FLEXORCH_BASE_URL", "http://example.test/v1")
    monkeypatch.setenv("FLEXORCH_RPM", "30")
    monkeypatch.setenv("FLEXORCH_MAX_RETRIES", "2")
    client = FlexOrchClient()
    assert client.config.base_url == "http://example.test/v1"
    assert client.config.max_retries == 2
    assert client.throttle is not None
    assert client.config.api_key is not None
    assert client.config.api_key.get_secret_value() == KEY
    # An argument beats the environment.
    assert FlexOrchClient(max_retries=7).config.max_retries == 7


def test_secrets_never_appear_in_reprs_or_logs(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    api.post("/auth/login").mock(return_value=_tokens(1))
    api.get("/usage").mock(
        side_effect=[httpx.Response(503)]
        + [httpx.Response(401, json=error_body("INVALID_API_KEY"))] * 2
    )
    api.post("/auth/refresh").respond(401, json=error_body("INVALID_API_KEY", "bad refresh-1"))
    caplog.set_level(logging.DEBUG)
    client = make_client(api_key=None, email="a@b.c", password=PASSWORD)
    with pytest.raises(InvalidAPIKeyError) as info:
        client.usage.get()
    keyed = make_client()
    settings = ClientSettings(api_key=KEY, password=PASSWORD, jwt="eyJ.secret.jwt")
    texts = [
        repr(client),
        repr(keyed),
        str(client.config),
        repr(client.config),
        repr(settings),
        str(settings),
        str(info.value),
        repr(info.value),
        caplog.text,
    ]
    for text in texts:
        for secret in (KEY, PASSWORD, "eyJ.secret.jwt", "access-1", "refresh-1"):
            assert secret not in text
