"""Auth (signup/verify/login/refresh, JWT on every endpoint), compliance, audit, advanced."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.local._local_helpers import data, error_code
from tests.local._server import BIN, LocalServer


def test_signup_verify_login_refresh(server: LocalServer) -> None:
    creds = {"email": f"user{time.monotonic_ns()}@example.com", "password": "correct horse"}
    with httpx.Client(base_url=server.url) as anon:
        signed = anon.post("/auth/signup", json=creds)
        assert signed.status_code == 201 and data(signed)["verified"] is False
        early = anon.post("/auth/login", json=creds)
        assert early.status_code == 403 and error_code(early) == "EMAIL_NOT_VERIFIED"
        subprocess.run([str(BIN), "account", "verify", "--email", creds["email"],
                        "--data-dir", str(server.data_dir)], check=True)  # fmt: skip
        wrong = anon.post("/auth/login", json={**creds, "password": "wrong password"})
        assert wrong.status_code == 401 and error_code(wrong) == "INVALID_API_KEY"
        tokens = data(anon.post("/auth/login", json=creds))
        assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert data(anon.get("/usage", headers=bearer))["plan"] == "trial"
        renewed = data(anon.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}))
        assert renewed["access_token"] != tokens["access_token"]
        reused = anon.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert reused.status_code == 401


def test_cli_account_create_prints_key_last(server: LocalServer) -> None:
    out = subprocess.run(
        [str(BIN), "account", "create", "--plan", "enterprise", "--rpm", "5000",
         "--credits", "10", "--data-dir", str(server.data_dir)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    key = out.strip().splitlines()[-1]
    assert key.startswith("dfx_") and out.count(key) == 1
    with server.client(key) as client:
        usage = data(client.get("/usage"))
        assert usage["plan"] == "enterprise" and usage["usage"]["credits"]["limit"] == 10
        assert data(client.get("/usage/rate-limits"))["limit"] == 5000


def test_compliance_record_from_processed_documents(
    api: httpx.Client, processed: Callable[[str], dict[str, Any]]
) -> None:
    job = processed("payslip_2024-05_johanna_meyer.pdf")
    record = data(api.get("/compliance/record"))
    assert record["controller"] and record["generated_at"]
    activity = next(
        a
        for a in record["processing_activities"]
        if a["document_type"] == job["processing_summary"]["document_type"]
    )
    assert set(activity) >= {"category", "data_subjects", "data_categories", "retention_period",
                             "technical_measures"}  # fmt: skip
    pii_types = set(job["execution_summary"]["privacy"]["pii_type_summary"])
    assert pii_types <= set(activity["data_categories"])


def test_audit_export_json_and_csv_without_content(
    api: httpx.Client, processed: Callable[[str], dict[str, Any]]
) -> None:
    processed("email_contract_renewal_2025.eml")
    records = api.get("/audit/export", params={"format": "json"}).json()["records"]
    events = {r["event_type"] for r in records}
    assert {"document.uploaded", "job.data_process.completed"} <= events
    assert all(set(r) == {"timestamp", "event_type", "tenant_id", "document_id", "outcome"}
               for r in records)  # fmt: skip
    text = api.get("/audit/export", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and "@" not in text  # no e-mail addresses or other PII values


def test_llm_config_enterprise_key_never_echoed(server: LocalServer) -> None:
    key = server.account("enterprise")
    with server.client(key) as client:
        secret = "sk-live-abcdefghijklmnop"
        saved = client.post(
            "/settings/llm-config",
            json={"provider": "anthropic", "model": "claude", "api_key": secret},
        )
        assert saved.status_code == 200 and secret not in saved.text
        fetched = client.get("/settings/llm-config")
        assert secret not in fetched.text and data(fetched)["api_key_set"] is True
    raw = (server.data_dir / "flexorch-local.sqlite3").read_bytes()
    assert secret.encode() not in raw


def test_fine_tune_lifecycle(api: httpx.Client, processed: Callable[[str], dict[str, Any]]) -> None:
    job = processed("invoice_brightlane_INV-88213.docx")
    ds = data(api.post("/datasets", json={"name": "ft", "job_ids": [job["job_id"]]}))
    ft = data(api.post("/fine-tune", json={"dataset_id": ds["id"], "model": "gpt-4o-mini",
                                           "suffix": "inv"}))  # fmt: skip
    assert ft["status"] == "validating" and ft["training_examples"] == 1
    assert "no model is trained locally" in ft["note"]
    time.sleep(3.2)
    assert data(api.get(f"/fine-tune/{ft['id']}"))["status"] == "succeeded"
    assert api.get("/fine-tune/ft_missing").status_code == 404
    json.dumps(ft)


def test_login_attempts_are_throttled_per_email(server: LocalServer) -> None:
    creds = {"email": f"guess{time.monotonic_ns()}@example.com", "password": "correct horse"}
    with httpx.Client(base_url=server.url) as anon:
        assert anon.post("/auth/signup", json=creds).status_code == 201
        subprocess.run([str(BIN), "account", "verify", "--email", creds["email"],
                        "--data-dir", str(server.data_dir)], check=True)  # fmt: skip
        wrong = {**creds, "password": "wrong password"}
        codes = [anon.post("/auth/login", json=wrong).status_code for _ in range(10)]
        assert codes == [401] * 10
        limited = anon.post("/auth/login", json=creds)
        assert limited.status_code == 429 and error_code(limited) == "RATE_LIMIT_EXCEEDED"
        assert int(limited.headers["Retry-After"]) >= 1
        # another e-mail from the same address is not held back by this one's attempts
        other = anon.post("/auth/login", json={**creds, "email": "other" + creds["email"]})
        assert other.status_code == 401


def _revoke(server: LocalServer, *how: str) -> subprocess.CompletedProcess[str]:
    argv = [str(BIN), "account", "revoke", *how, "--data-dir", str(server.data_dir)]
    return subprocess.run(argv, capture_output=True, text=True)


def test_cli_revoked_key_answers_invalid_api_key(server: LocalServer) -> None:
    by_key, by_prefix = server.account("starter"), server.account("starter")
    assert _revoke(server, "--key", by_key).returncode == 0
    assert _revoke(server, "--key-prefix", by_prefix[:8]).returncode == 0
    for key in (by_key, by_prefix):
        with server.client(key) as client:
            answer = client.get("/usage")
            assert answer.status_code == 401 and error_code(answer) == "INVALID_API_KEY"
    assert _revoke(server, "--key", by_key + "x").returncode == 1
    assert _revoke(server, "--key-prefix", by_prefix[:8]).returncode == 1  # already revoked
