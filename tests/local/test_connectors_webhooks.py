"""S3 connectors against a moto server, connector-sourced processing, export-s3, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import boto3
import httpx
import pytest

from tests.local._local_helpers import data, error_code, sample, upload, wait_job
from tests.local._server import LocalServer, free_port

CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _s3(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def bucket(s3_endpoint: str) -> str:
    s3 = _s3(s3_endpoint)
    s3.create_bucket(Bucket="inbox")
    for name in ("invoice_acme_INV-2024-0117.pdf", "purchase_order_PO-55120.html"):
        s3.put_object(Bucket="inbox", Key=f"in/{name}", Body=sample(name).read_bytes())
    return "inbox"


def _connector(api: httpx.Client, s3_endpoint: str, bucket: str, **secret: str) -> dict[str, Any]:
    config = {"bucket": bucket, "region": "us-east-1", "endpoint_url": s3_endpoint,
              **(secret or CREDS)}  # fmt: skip
    return dict(
        data(api.post("/connectors", json={"type": "s3", "name": "inbox", "config": config}))
    )


def test_s3_connector_lifecycle(api: httpx.Client, s3_endpoint: str, bucket: str) -> None:
    con = _connector(api, s3_endpoint, bucket, access_key_id="testing", secret_access_key="testing")
    assert "aws_secret_access_key" not in json.dumps(con) and "testing" not in json.dumps(con)
    assert data(api.get(f"/connectors/{con['id']}"))["config"]["bucket"] == bucket
    assert con["id"] in {c["id"] for c in data(api.get("/connectors"))["items"]}
    result = data(api.post(f"/connectors/{con['id']}/test"))
    assert result["ok"] is True and result["success"] is True
    bad = _connector(api, s3_endpoint, "no-such-bucket")
    assert data(api.post(f"/connectors/{bad['id']}/test"))["ok"] is False


def test_gcs_and_azure_validated_but_unreachable(api: httpx.Client) -> None:
    gcs = data(
        api.post(
            "/connectors",
            json={"type": "gcs", "name": "g", "config": {"bucket": "b", "credentials_json": "{}"}},
        )
    )
    answer = data(api.post(f"/connectors/{gcs['id']}/test"))
    assert answer["ok"] is False and "cannot reach" in answer["message"]
    assert "credentials_json" not in gcs["config"]
    invalid = api.post("/connectors", json={"type": "azure_blob", "name": "a", "config": {}})
    assert invalid.status_code == 400 and error_code(invalid) == "VALIDATION_ERROR"


def test_process_from_connector_and_export_back(
    api: httpx.Client, s3_endpoint: str, bucket: str
) -> None:
    con = _connector(api, s3_endpoint, bucket)
    answer = data(api.post("/data-process/async", json={"source": {
        "connector_id": con["id"], "keys": ["in/invoice_acme_INV-2024-0117.pdf"]}}))  # fmt: skip
    job = wait_job(api, answer["job_id"])
    assert job["status"] == "completed"
    # the SDK's form-field variant
    form = data(api.post("/data-process/async", data={"source": json.dumps(
        {"connector_id": con["id"], "keys": ["in/purchase_order_PO-55120.html"]})}))  # fmt: skip
    other = wait_job(api, form["job_id"])
    ds = data(
        api.post("/datasets", json={"name": "from s3", "job_ids": [job["job_id"], other["job_id"]]})
    )
    pushed = data(
        api.post(
            f"/datasets/{ds['id']}/export-s3",
            json={"connector_id": con["id"], "format": "jsonl", "prefix": "out/"},
        )
    )
    s3 = _s3(s3_endpoint)
    obj = s3.get_object(Bucket=bucket, Key=pushed["s3_key"])["Body"].read()
    assert pushed["s3_key"].startswith("out/") and pushed["size_bytes"] == len(obj)
    assert len(obj.decode().splitlines()) == 2


class _Receiver(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[bytes, dict[str, str]]]] = []
    fail_first = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((body, dict(self.headers)))
        failing = type(self).fail_first and len(type(self).calls) == 1
        self.send_response(500 if failing else 200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"calls": [], "fail_first": True})
    httpd = HTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/hook", handler
    httpd.shutdown()


def test_webhook_signed_delivery_with_one_retry(
    server: LocalServer, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    key = server.account("pro")
    with server.client(key) as client:
        hook = data(client.post("/webhooks", json={"url": url, "events": ["job.completed"],
                                                  "secret": "s3cr3t-value"}))  # fmt: skip
        assert "secret" not in hook
        wait_job(client, data(upload(client, ("w.txt", b"webhook trigger text")))["job_id"])
        deadline = time.monotonic() + 15
        while len(handler.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(handler.calls) == 2
        body, headers = handler.calls[1]
        expected = hmac.new(b"s3cr3t-value", body, hashlib.sha256).hexdigest()
        assert headers["X-Flexorch-Signature"] == expected
        payload = json.loads(body)
        assert payload["event"] == "job.completed" and payload["status"] == "completed"
        assert set(payload) >= {"job_id", "quality_grade", "pii_findings_count", "timestamp"}
        log = data(client.get(f"/webhooks/{hook['id']}/deliveries"))["items"]
        assert [(d["attempt"], d["ok"]) for d in log] == [(1, False), (2, True)]
        bad = client.post("/webhooks", json={"url": url, "events": ["nope"]})
        assert bad.status_code == 400


def test_webhook_delete(api: httpx.Client) -> None:
    hook = data(
        api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["job.failed"]})
    )
    assert data(api.delete(f"/webhooks/{hook['id']}"))["deleted"] is True
    assert api.get(f"/webhooks/{hook['id']}").status_code == 200  # kept, inactive
    assert hook["id"] not in {w["id"] for w in data(api.get("/webhooks"))["items"]}


def test_connector_ingest_rejects_an_unreadable_key_and_accepts_the_rest(
    api: httpx.Client, s3_endpoint: str, bucket: str
) -> None:
    con = _connector(api, s3_endpoint, bucket)
    keys = ["in/missing.pdf", "in/purchase_order_PO-55120.html"]
    answer = api.post(
        "/data-process/async", json={"source": {"connector_id": con["id"], "keys": keys}}
    )
    body = data(answer)
    assert answer.status_code == 202 and len(body["jobs"]) == 1
    assert body["jobs"][0]["filename"] == "in/purchase_order_PO-55120.html"
    [rejected] = body["rejected"]
    assert rejected["filename"] == "in/missing.pdf" and rejected["code"] == "NOT_FOUND"
    assert rejected["error"]
    every = api.post("/data-process/async", json={"source": {
        "connector_id": con["id"], "keys": ["in/nope-1.pdf", "in/nope-2.pdf"]}})  # fmt: skip
    assert every.status_code == 404 and error_code(every) == "NOT_FOUND"
    assert "in/nope-1.pdf" in every.json()["error"]["message"]


def test_an_unreachable_bucket_fails_the_request_instead_of_rejecting_keys(
    api: httpx.Client, bucket: str
) -> None:
    """A timeout or refused connection may pass: the keys must not come back as refused for
    good (a pipeline would quarantine them), but the request must fail so it is retried."""
    con = _connector(api, f"http://127.0.0.1:{free_port()}", bucket)
    answer = api.post(
        "/data-process/async",
        json={"source": {"connector_id": con["id"], "keys": ["in/purchase_order_PO-55120.html"]}},
    )
    assert answer.status_code == 502 and error_code(answer) == "CONNECTOR_UNAVAILABLE"


@pytest.mark.parametrize(
    ("ctype", "config"),
    [
        ("s3", {"bucket": "b", "region": "eu-west-1", "prefix": "in/", "kms_key": "s3cr3t-1",
                "session_token": "s3cr3t-2", "aws_secret_access_key": "s3cr3t-3"}),
        ("gcs", {"bucket": "b", "project_id": "p", "private_key": "s3cr3t-1",
                 "hmac_secret": "s3cr3t-2"}),
        ("azure_blob", {"container": "c", "account_name": "acct", "sas": "s3cr3t-1",
                        "client_secret": "s3cr3t-2"}),
    ],
)  # fmt: skip
def test_only_allowlisted_connector_fields_are_ever_shown(
    api: httpx.Client, ctype: str, config: dict[str, str]
) -> None:
    made = api.post("/connectors", json={"type": ctype, "name": "allow", "config": config})
    con = data(made)
    shown = {k: v for k, v in config.items() if not v.startswith("s3cr3t")}
    assert con["config"] == shown
    for answer in (made, api.get(f"/connectors/{con['id']}"), api.get("/connectors")):
        assert "s3cr3t" not in answer.text


def test_key_files_are_owner_only(server: LocalServer) -> None:
    # A bearer request makes the server read (and, the first time, create) its JWT secret.
    httpx.get(f"{server.url}/usage", headers={"Authorization": "Bearer x.y.z"})
    for name in ("jwt_secret", "fernet.key"):
        assert (server.data_dir / name).stat().st_mode & 0o077 == 0, name
