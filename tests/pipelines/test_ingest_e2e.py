"""End to end over HTTP: the ingest flow against flexorch-local, the moto S3 server and a real
Prefect API, per plan, across reruns and after a simulated crash."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

import flows.ingest as ingest_module
import tasks.discover as discover_module
from flows.ingest import ingest
from tasks.errors import AccountError, InsufficientCreditsError, QualityGateError
from tasks.models import (
    ConnectorSource,
    ExportTarget,
    IngestParams,
    LocalSource,
    QualityGate,
    S3Source,
)
from tasks.summary import IngestSummary

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "documents"
ALL_FILES = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
BAD_FILES = {n for n in ALL_FILES if n.startswith("bad_")}
GOOD_FILES = set(ALL_FILES) - BAD_FILES


@pytest.fixture
def bucket(s3_client: Any) -> str:
    name = f"exports-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def use_account(
    monkeypatch: pytest.MonkeyPatch,
    prefect_api_url: str,
    flexorch_local_url: str,
    make_account: Callable[..., str],
) -> Callable[..., str]:
    """Create an account and point the flow's FLEXORCH_* settings at it."""

    def _use(plan: str = "starter", **kwargs: Any) -> str:
        key = make_account(plan, **kwargs)
        monkeypatch.setenv("FLEXORCH_BASE_URL", flexorch_local_url)
        monkeypatch.setenv("FLEXORCH_API_KEY", key)
        return key

    return _use


def params_for(bucket: str, s3_endpoint_url: str, **overrides: Any) -> IngestParams:
    return IngestParams(
        source=LocalSource(path=str(overrides.pop("source", SAMPLES))),
        dataset_name=overrides.pop("dataset_name", "samples"),
        export=ExportTarget(bucket=bucket, prefix="exports", endpoint_url=s3_endpoint_url),
        **overrides,
    )


def credits_used(url: str, key: str) -> int:
    body = httpx.get(f"{url}/usage", headers={"X-API-KEY": key}).json()
    return int(body["data"]["usage"]["credits"]["used"])


def outcomes(summary: IngestSummary) -> dict[str, str]:
    return {d.filename: d.outcome for d in summary.documents}


def read_parquet(s3_client: Any, summary: IngestSummary) -> Any:
    assert summary.export is not None
    body = s3_client.get_object(Bucket=summary.export.bucket, Key=summary.export.parquet_key)
    return pq.read_table(io.BytesIO(body["Body"].read()))


def test_pro_run_exports_exactly_the_processed_documents_and_a_rerun_is_free(
    use_account, bucket, s3_client, s3_endpoint_url, flexorch_local_url
):
    key = use_account("pro")
    params = params_for(bucket, s3_endpoint_url)

    first = ingest(params)

    # every input is accounted for, bad files quarantined with their reasons
    assert first.seen == len(ALL_FILES)
    assert set(outcomes(first)) == set(ALL_FILES)
    assert first.processed + first.quarantined + first.deferred + first.skipped == first.seen
    quarantined = {d.filename: d.reason for d in first.documents if d.outcome == "quarantined"}
    assert set(quarantined) >= BAD_FILES
    assert all(reason for reason in quarantined.values())
    assert {n for n, o in outcomes(first).items() if o == "processed"} <= GOOD_FILES
    assert first.credits_spent == first.processed

    # the Parquet in S3 holds exactly the processed documents' records
    table = read_parquet(s3_client, first)
    processed = {d.document_id for d in first.in_dataset()}
    assert set(table.column("document_id").to_pylist()) == processed
    assert set(table.column("filename").to_pylist()) == {d.filename for d in first.in_dataset()}
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert first.export is not None
    assert first.export.parquet_key == (
        f"exports/dataset=samples/run_date={today}/part-00000.parquet"
    )
    manifest = json.loads(
        s3_client.get_object(Bucket=bucket, Key=first.export.manifest_key)["Body"].read()
    )
    assert manifest["row_count"] == table.num_rows == first.processed
    assert {d["job_id"] for d in manifest["documents"]} == {d.job_id for d in first.in_dataset()}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])

    # pro indexes and searches
    assert first.index is not None and first.index.status == "ready"

    # a second run uploads nothing and spends nothing, yet refreshes export and summary
    before = credits_used(flexorch_local_url, key)
    second = ingest(params)
    assert credits_used(flexorch_local_url, key) == before
    assert second.submitted == 0 and second.credits_spent == 0
    assert second.skipped == first.processed and second.processed == 0
    assert second.requests < first.requests
    assert second.export is not None
    assert set(read_parquet(s3_client, second).column("document_id").to_pylist()) == processed


@pytest.mark.parametrize("plan", ["trial", "starter"])
def test_plans_without_search_skip_indexing_with_a_warning(
    plan, use_account, bucket, s3_endpoint_url
):
    use_account(plan)
    summary = ingest(params_for(bucket, s3_endpoint_url, dataset_name=f"plan-{plan}"))
    assert summary.plan == plan
    assert summary.index is not None and summary.index.status == "skipped"
    assert "PLAN_UPGRADE_REQUIRED" in summary.index.reason
    assert summary.export is not None and summary.processed > 0


def test_insufficient_credits_stop_with_the_numbers(
    use_account, bucket, s3_endpoint_url, flexorch_local_url
):
    key = use_account("starter", credits=5)
    with pytest.raises(InsufficientCreditsError) as err:
        ingest(params_for(bucket, s3_endpoint_url))
    assert f"{len(ALL_FILES)} needed, 5 remaining" in str(err.value)
    assert credits_used(flexorch_local_url, key) == 0


def test_insufficient_credits_defer_the_rest_by_parameter(
    use_account, bucket, s3_endpoint_url, flexorch_local_url
):
    key = use_account("starter", credits=5)
    # the bad files sort first and use up part of the budget: warn rather than fail the gate
    params = params_for(
        bucket,
        s3_endpoint_url,
        on_insufficient_credits="defer",
        quality_gate=QualityGate(on_breach="warn"),
    )
    summary = ingest(params)
    deferred = [d for d in summary.documents if d.outcome == "deferred"]
    assert len(deferred) == len(ALL_FILES) - 5
    assert all("5 remaining" in d.reason for d in deferred)
    assert credits_used(flexorch_local_url, key) <= 5
    assert summary.processed + summary.quarantined == 5


def test_resume_after_a_crash_mid_submit_spends_no_credit_twice(
    use_account, bucket, s3_client, s3_endpoint_url, flexorch_local_url, monkeypatch
):
    key = use_account("starter")
    params = params_for(bucket, s3_endpoint_url, batch_size=4, dataset_name="resume")
    real_submit = ingest_module.submit_batch
    calls = {"n": 0}

    def crash_on_third_batch(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash")
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "submit_batch", crash_on_third_batch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(params)
    state = s3_client.get_object(Bucket=bucket, Key="exports/_state/resume.json")
    ledger = json.loads(state["Body"].read())
    assert len(ledger["entries"]) == 8  # two batches recorded before the crash
    monkeypatch.setattr(ingest_module, "submit_batch", real_submit)

    summary = ingest(params)
    assert set(outcomes(summary)) == set(ALL_FILES)
    assert summary.submitted == len(ALL_FILES) - 8
    good_processed = {d.filename for d in summary.in_dataset()}
    # each processed document was charged once, across both runs
    assert credits_used(flexorch_local_url, key) == len(good_processed)


def test_resume_after_a_crash_while_waiting_resubmits_nothing(
    use_account, bucket, s3_endpoint_url, flexorch_local_url, monkeypatch
):
    key = use_account("starter")
    params = params_for(bucket, s3_endpoint_url, dataset_name="resume-wait")

    real_wait = ingest_module.wait_for_jobs

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated crash while waiting")

    monkeypatch.setattr(ingest_module, "wait_for_jobs", crash)
    with pytest.raises(RuntimeError):
        ingest(params)
    spent = credits_used(flexorch_local_url, key)
    monkeypatch.setattr(ingest_module, "wait_for_jobs", real_wait)

    summary = ingest(params)
    assert summary.submitted == 0
    assert credits_used(flexorch_local_url, key) == spent == summary.processed
    assert summary.processed == len(summary.in_dataset()) > 0


def test_an_invalid_key_ends_the_run_at_once(use_account, bucket, s3_endpoint_url, monkeypatch):
    use_account("starter")
    monkeypatch.setenv("FLEXORCH_API_KEY", "dfx_not_a_real_key")
    with pytest.raises(AccountError, match="INVALID_API_KEY") as err:
        ingest(params_for(bucket, s3_endpoint_url))
    assert "dfx_not_a_real_key" not in str(err.value)


def test_an_expired_trial_ends_the_run_at_once(use_account, bucket, s3_endpoint_url):
    use_account("trial", trial_ends_at="2020-01-01T00:00:00Z")
    with pytest.raises(AccountError, match="TRIAL_EXPIRED"):
        ingest(params_for(bucket, s3_endpoint_url))


def test_dry_run_uploads_nothing(use_account, bucket, s3_endpoint_url, flexorch_local_url):
    key = use_account("starter")
    summary = ingest(params_for(bucket, s3_endpoint_url, dry_run=True, dataset_name="dry"))
    assert summary.submitted == 0 and summary.deferred == len(ALL_FILES)
    assert credits_used(flexorch_local_url, key) == 0


def upload_samples(s3_client: Any, bucket: str, prefix: str) -> None:
    for path in sorted(SAMPLES.iterdir()):
        s3_client.put_object(Bucket=bucket, Key=f"{prefix}{path.name}", Body=path.read_bytes())


def test_s3_source_is_read_with_boto3_and_unchanged_objects_are_not_downloaded_again(
    use_account, bucket, s3_client, s3_endpoint_url, monkeypatch
):
    use_account("starter")
    downloads: list[str] = []
    real_client = discover_module.s3_client

    def counting_client(*args: Any, **kwargs: Any) -> Any:
        client = real_client(*args, **kwargs)
        client.meta.events.register(
            "provide-client-params.s3.GetObject",
            lambda params, **_: downloads.append(params["Key"]),
        )
        return client

    monkeypatch.setattr(discover_module, "s3_client", counting_client)
    source_bucket = f"inbox-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=source_bucket)
    upload_samples(s3_client, source_bucket, "incoming/")
    params = params_for(bucket, s3_endpoint_url, dataset_name="from-s3").model_copy(
        update={
            "source": S3Source(
                bucket=source_bucket, prefix="incoming/", endpoint_url=s3_endpoint_url
            )
        }
    )
    summary = ingest(params)
    assert {d.key for d in summary.documents} == {f"incoming/{n}" for n in ALL_FILES}
    assert {d.filename for d in summary.in_dataset()} <= GOOD_FILES
    assert summary.processed > 0 and summary.export is not None
    assert len(downloads) >= len(ALL_FILES)

    downloads.clear()
    second = ingest(params)
    assert downloads == []  # every key, ETag and size matched the ledger
    assert second.submitted == 0 and second.skipped == summary.processed
    assert {d.key for d in second.documents} == {f"incoming/{n}" for n in ALL_FILES}


def test_connector_source_is_tested_then_ingested_by_key(
    use_account, bucket, s3_client, s3_endpoint_url, flexorch_local_url
):
    from devstack.stack import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY

    key = use_account("starter")
    source_bucket = f"conn-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=source_bucket)
    upload_samples(s3_client, source_bucket, "docs/")
    created = httpx.post(
        f"{flexorch_local_url}/connectors",
        headers={"X-API-KEY": key},
        json={
            "type": "s3",
            "name": "inbox",
            "config": {
                "bucket": source_bucket,
                "region": "us-east-1",
                "aws_access_key_id": S3_ACCESS_KEY_ID,
                "aws_secret_access_key": S3_SECRET_ACCESS_KEY,
                "endpoint_url": s3_endpoint_url,
            },
        },
    ).json()["data"]
    connector_id = created.get("connector_id") or created["id"]
    params = params_for(bucket, s3_endpoint_url, dataset_name="from-connector").model_copy(
        update={
            "source": ConnectorSource(
                connector_id=connector_id,
                bucket=source_bucket,
                prefix="docs/",
                endpoint_url=s3_endpoint_url,
            )
        }
    )
    summary = ingest(params)
    assert {d.key for d in summary.documents} == {f"docs/{n}" for n in ALL_FILES}
    assert summary.processed > 0
    assert all(d.reason for d in summary.documents if d.outcome == "quarantined")
    again = ingest(params)
    assert again.submitted == 0 and again.credits_spent == 0


def test_failed_documents_are_reprocessed_once(
    use_account, bucket, s3_endpoint_url, flexorch_local_url, tmp_path
):
    key = use_account("starter")
    ledger_path = tmp_path / "ledger.json"
    params = params_for(
        bucket,
        s3_endpoint_url,
        dataset_name="reprocess",
        reprocess_failed=True,
        ledger_path=str(ledger_path),
    )
    summary = ingest(params)
    corrupt = next(d for d in summary.documents if d.filename == "bad_corrupt_contract.docx")
    assert corrupt.outcome == "quarantined" and "job failed" in corrupt.reason
    entries = json.loads(ledger_path.read_text())["entries"]
    assert entries[corrupt.sha256]["reprocessed"] is True
    assert summary.reprocessed >= 1
    # a failed job's credit is refunded, so only completed documents are paid for
    assert credits_used(flexorch_local_url, key) == summary.processed


def test_api_key_from_a_prefect_secret_block_never_reaches_logs(
    use_account, bucket, s3_endpoint_url, monkeypatch, caplog
):
    from prefect.blocks.system import Secret

    key = use_account("starter")
    block = f"flexorch-key-{uuid.uuid4().hex[:8]}"
    Secret(value=key).save(block)
    monkeypatch.delenv("FLEXORCH_API_KEY")
    monkeypatch.setenv("FLEXORCH_API_KEY_BLOCK", block)
    summary = ingest(params_for(bucket, s3_endpoint_url, dry_run=True, dataset_name="secret"))
    assert summary.plan == "starter"
    assert key not in caplog.text
    assert key not in summary.model_dump_json()


def test_a_breached_gate_fails_the_run_before_index_and_export(
    use_account, bucket, s3_client, s3_endpoint_url
):
    use_account("pro")
    params = params_for(
        bucket,
        s3_endpoint_url,
        dataset_name="strict",
        quality_gate=QualityGate(min_average_score=100, on_breach="fail"),
    )
    with pytest.raises(QualityGateError, match="average score"):
        ingest(params)
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="exports/dataset=strict/")
    assert listed.get("KeyCount", 0) == 0

    warned = ingest(
        params.model_copy(
            update={"quality_gate": QualityGate(min_average_score=100, on_breach="warn")}
        )
    )
    assert warned.gate_breaches and warned.export is not None
    assert warned.submitted == 0  # the failed run's documents were settled in the ledger


def test_jobs_past_the_deadline_are_awaited_by_the_next_run(
    use_account, bucket, s3_endpoint_url, flexorch_local_url
):
    key = use_account("starter")
    knobs = flexorch_local_url.removesuffix("/v1") + "/_local/knobs"
    params = params_for(bucket, s3_endpoint_url, dataset_name="slow", wait_timeout_seconds=0.5)
    httpx.put(knobs, json={"processing_delay": 2.0}).raise_for_status()
    try:
        first = ingest(params)
    finally:
        httpx.put(knobs, json={"processing_delay": 0}).raise_for_status()
    late = [d for d in first.documents if "not finished by the deadline" in d.reason]
    assert late and all(d.outcome == "quarantined" for d in late)

    second = ingest(params.model_copy(update={"wait_timeout_seconds": 120}))
    assert second.submitted == 0
    assert {d.filename for d in late} <= {d.filename for d in second.in_dataset()} | BAD_FILES
    assert credits_used(flexorch_local_url, key) == len(second.in_dataset())


def test_a_file_over_the_plan_limit_is_quarantined_before_upload(
    use_account, bucket, s3_endpoint_url, flexorch_local_url, tmp_path, monkeypatch
):
    key = use_account("starter")
    source = tmp_path / "inbox"
    source.mkdir()
    good = ["invoice_acme_INV-2024-0117.pdf", "contract_lease_88_harbor_street.txt"]
    for name in good:
        (source / name).write_bytes((SAMPLES / name).read_bytes())
    big = source / "scan_archive_2024.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"\0" * (26 * 1024 * 1024 + 200 * 1024))
    sent: list[str] = []
    real_submit = ingest_module.submit_batch

    def spy(client: Any, batch: Any, *args: Any, **kwargs: Any) -> Any:
        sent.extend(d.filename for d in batch)
        return real_submit(client, batch, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "submit_batch", spy)
    summary = ingest(
        params_for(
            bucket,
            s3_endpoint_url,
            source=source,
            dataset_name="too-large",
            quality_gate=QualityGate(on_breach="warn"),
        )
    )

    too_large = next(d for d in summary.documents if d.filename == big.name)
    assert too_large.outcome == "quarantined"
    assert too_large.reason == (
        "FILE_TOO_LARGE (checked before upload): 26.2 MB exceeds the starter plan's 25 MB limit"
    )
    # never sent: no upload carried it, FlexOrch neither rejected nor stored it, and it cost nothing
    assert big.name not in sent and sorted(sent) == sorted(good)
    assert summary.too_large == 1 and summary.rejected == 0
    stored = httpx.get(
        f"{flexorch_local_url}/documents", params={"page_size": 200}, headers={"X-API-KEY": key}
    ).json()["data"]["items"]
    assert sorted(d["filename"] for d in stored) == sorted(good)
    assert {d.filename for d in summary.documents if d.outcome == "processed"} == set(good)
    assert credits_used(flexorch_local_url, key) == summary.processed == len(good)


def small_inbox(tmp_path: Path, *names: str) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in names:
        (inbox / name).write_bytes((SAMPLES / name).read_bytes())
    return inbox


GOOD_PAIR = ("invoice_acme_INV-2024-0117.pdf", "contract_lease_88_harbor_street.txt")


def test_a_job_flexorch_no_longer_knows_is_quarantined_then_resubmitted(
    use_account, bucket, s3_endpoint_url, tmp_path
):
    use_account("starter")
    purged, kept = GOOD_PAIR
    inbox = small_inbox(tmp_path, purged, kept)
    sha = hashlib.sha256((inbox / purged).read_bytes()).hexdigest()
    ledger_path = tmp_path / "ledger.json"
    # an earlier run's job, since purged by FlexOrch's retention
    entry = {"sha256": sha, "key": purged, "filename": purged, "state": "submitted"}
    entry["job_id"] = "job_0000000000000000purged"
    ledger_path.write_text(json.dumps({"dataset": "purged", "entries": {sha: entry}}))
    params = params_for(
        bucket, s3_endpoint_url, source=inbox, dataset_name="purged", ledger_path=str(ledger_path)
    )

    first = ingest(params)
    lost = next(d for d in first.documents if d.filename == purged)
    assert lost.outcome == "quarantined"
    assert (
        lost.reason == f"FlexOrch no longer knows job {entry['job_id']}; the next run resubmits it"
    )
    assert outcomes(first)[kept] == "processed" and first.export is not None

    second = ingest(params)
    assert second.submitted == 1 and outcomes(second) == {purged: "processed", kept: "skipped"}
