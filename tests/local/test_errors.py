"""Every error code of the seed table with its HTTP status, plus 404/422 and the envelope."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from tests.local._local_helpers import data, error_code, sample, upload
from tests.local._server import LocalServer

TXT = ("note.txt", b"Invoice INV-1 total 10 EUR from ACME GmbH")


def test_invalid_api_key_401(server: LocalServer) -> None:
    for headers in ({"X-API-KEY": "dfx_nope"}, {"X-API-KEY": "garbage"},
                    {"Authorization": "Bearer not.a.jwt"}, {}):  # fmt: skip
        response = httpx.get(f"{server.url}/usage", headers=headers)
        assert response.status_code == 401
        assert error_code(response) == "INVALID_API_KEY"
        assert response.headers["X-Request-ID"]


def test_trial_expired_402(server: LocalServer) -> None:
    key = server.account("trial", trial_ends_at="2020-01-01T00:00:00Z")
    with server.client(key) as client:
        response = upload(client, TXT)
        assert response.status_code == 402 and error_code(response) == "TRIAL_EXPIRED"
        # usage stays readable so the caller can see why
        assert data(client.get("/usage"))["trial"]["trial_days_remaining"] == 0


def test_quota_exceeded_429_accepts_nothing(server: LocalServer) -> None:
    key = server.account("starter", credits=2)
    with server.client(key) as client:
        response = upload(client, ("a.txt", b"first text"), ("b.txt", b"second"), ("c.txt", b"3"))
        assert response.status_code == 429 and error_code(response) == "QUOTA_EXCEEDED"
        assert "Retry-After" not in response.headers
        assert data(client.get("/jobs"))["total"] == 0
        premium = upload(client, TXT, pipeline_config='{"engine": "premium"}')
        assert premium.status_code == 429
        assert data(upload(client, TXT))["accepted"] == 1
        assert data(client.get("/usage"))["usage"]["credits"] == {
            "used": 1, "limit": 2, "remaining": 1}  # fmt: skip


def test_rate_limit_exceeded_429(server: LocalServer) -> None:
    key = server.account("starter", rpm=3)
    with server.client(key) as client:
        statuses = [client.get("/usage").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        response = client.get("/usage/rate-limits")
        assert response.status_code == 429 and error_code(response) == "RATE_LIMIT_EXCEEDED"
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == "0"


def test_rate_limits_report_true_headroom(server: LocalServer) -> None:
    key = server.account("starter")
    with server.client(key) as client:
        client.get("/usage")
        limits = data(client.get("/usage/rate-limits"))
        # the rate-limits request itself counts
        assert limits["rate_limit"] == {"rpm": 60, "used": 2, "remaining": 58,
                                        "reset_in_seconds": limits["reset_in_seconds"]}  # fmt: skip
        assert limits["unlimited"] is False and limits["limit"] == 60
        assert limits["window_seconds"] == 60


def test_plan_upgrade_required_403(server: LocalServer) -> None:
    key = server.account("starter")
    with server.client(key) as client:
        for method, path, body in (
            ("POST", "/search", {"query": "invoice"}),
            ("POST", "/datasets/ds_x/index", None),
            ("POST", "/fine-tune", {"dataset_id": "ds_x", "model": "gpt-4o-mini"}),
            ("POST", "/settings/llm-config",
             {"provider": "openai", "model": "gpt-4o", "api_key": "sk-123"}),
        ):  # fmt: skip
            response = client.request(method, path, json=body)
            assert response.status_code == 403, path
            assert error_code(response) == "PLAN_UPGRADE_REQUIRED"


def test_llm_config_needs_enterprise_even_on_pro(api: httpx.Client) -> None:
    response = api.post(
        "/settings/llm-config", json={"provider": "openai", "model": "gpt-4o", "api_key": "sk-123"}
    )
    assert response.status_code == 403 and error_code(response) == "PLAN_UPGRADE_REQUIRED"


def test_file_too_large_413(server: LocalServer) -> None:
    key = server.account("trial")
    big = b"a" * (10 * 1024 * 1024 + 1)
    with server.client(key) as client:
        response = upload(client, ("big.txt", big))
        assert response.status_code == 413 and error_code(response) == "FILE_TOO_LARGE"
        mixed = data(upload(client, ("big.txt", big), ("ok.txt", b"small and fine")))
        assert mixed["accepted"] == 1
        assert mixed["rejected"] == [{"filename": "big.txt", "code": "FILE_TOO_LARGE",
                                      "error": mixed["rejected"][0]["error"]}]  # fmt: skip


def test_file_too_large_refused_from_content_length(server: LocalServer) -> None:
    key = server.account("trial")

    def endless() -> Iterator[bytes]:
        for _ in range(1000):
            yield b"x" * 65536

    response = httpx.post(
        f"{server.url}/data-process/async",
        content=endless(),
        headers={"X-API-KEY": key, "Content-Type": "multipart/form-data; boundary=b",
                 "Content-Length": str(500 * 1024 * 1024)},
    )  # fmt: skip
    assert response.status_code == 413 and error_code(response) == "FILE_TOO_LARGE"


def test_unsupported_file_415(api: httpx.Client) -> None:
    for name, content in (
        ("customers.csv", sample("bad_customer_export.csv").read_bytes()),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64),
        ("blob.unknown", b"\x00\x01\x02"),
    ):
        response = upload(api, (name, content))
        assert response.status_code == 415, name
        assert error_code(response) == "UNSUPPORTED_FILE"
    mixed = data(upload(api, ("customers.csv", b"a,b\n1,2\n"), ("fine.txt", b"a fine text")))
    assert mixed["accepted"] == 1 and mixed["rejected"][0]["code"] == "UNSUPPORTED_FILE"


def test_not_found_and_validation(api: httpx.Client) -> None:
    for path in ("/jobs/job_missing", "/datasets/ds_missing", "/documents/doc_missing",
                 "/connectors/con_missing", "/webhooks/wh_missing", "/nowhere"):  # fmt: skip
        response = api.get(path)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", path
    response = api.post("/search", json={"query": "x" * 1001})
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert api.post("/search", json={"query": "x", "top_k": 51}).status_code == 422
    assert api.get("/jobs", params={"page_size": 0}).status_code == 422
    missing = api.post("/data-process/async", data={"locale": "en"}, files={"x": ("", b"")})
    assert missing.status_code == 400 and error_code(missing) == "MISSING_INPUT"


def test_injected_errors_and_envelope(server: LocalServer, pro_key: str) -> None:
    server.knobs(error_rate=1.0)
    try:
        response = httpx.get(f"{server.url}/usage", headers={"X-API-KEY": pro_key})
        assert response.status_code == 503 and error_code(response) == "SERVICE_UNAVAILABLE"
        assert httpx.get(f"{server.root}/health").json() == {"status": "ok"}
    finally:
        server.knobs(error_rate=0.0)
    body = httpx.get(f"{server.url}/usage", headers={"X-API-KEY": pro_key}).json()
    assert set(body) == {"status", "data", "error"} and body["status"] == "success"
