"""The official SDK 0.3.3 README quickstart, unmodified, against flexorch-local."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from flexorch_sdk import FlexOrchClient

from tests.local._local_helpers import sample
from tests.local._server import LocalServer


def test_readme_quickstart(server: LocalServer, tmp_path: Path) -> None:
    key = server.account("starter")
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(sample("invoice_acme_INV-2024-0117.pdf").read_bytes())

    client = FlexOrchClient(key, base_url=server.url)
    job = client.process(contract, locale="und").wait(poll_interval=1)
    assert job.status == "completed"
    assert job.quality_grade in {"A", "B", "C", "D"}
    assert job.execution_id

    dataset = job.build_dataset().wait(poll_interval=1).dataset()
    assert dataset is not None and dataset.status == "ready" and dataset.row_count == 1
    dataset.export("jsonl", path=tmp_path / "output.jsonl")
    dataset.export("parquet", path=tmp_path / "output.parquet")

    rows = [json.loads(line) for line in (tmp_path / "output.jsonl").read_text().splitlines()]
    assert rows[0]["job_id"] == job.id
    assert pq.read_table(tmp_path / "output.parquet").num_rows == 1


def test_sdk_resources(server: LocalServer, tmp_path: Path) -> None:
    key = server.account("pro")
    with FlexOrchClient(key, base_url=server.url) as client:
        job = client.process(sample("contract_lease_88_harbor_street.txt")).wait(poll_interval=1)
        assert job.pii_masked and job.pii_findings_count == sum(job.pii_type_summary.values())
        assert [j.id for j in client.jobs.list()] == [job.id]
        feedback = client.jobs.submit_feedback(job.id, "down", issue="missing_fields")
        assert feedback.rating == "negative"
        assert client.jobs.get_feedback(job.id) is not None
        usage = client.usage.current()
        assert (usage.plan, usage.credits_used, usage.credits_limit) == ("pro", 1, 6000)
        limits = client.usage.rate_limits()
        assert limits.limit == 300 and limits.window_seconds == 60 and not limits.unlimited
        assert client.usage.quality_trend()[0].job_count == 1
        assert client.usage.history()[0].credits_used == 1
        doc = client.documents.get(str(job.document_id))
        assert doc.processing_count == 1
        again = doc.reprocess().wait(poll_interval=1)
        assert again.id != job.id and again.execution_id != job.execution_id
        assert client.documents.get(doc.id).processing_count == 2
        ds = client.datasets.build_from_execution(job.execution_id or 0).wait(poll_interval=1)
        dataset = ds.dataset()
        assert dataset is not None
        assert set(dataset.available_formats) >= {"jsonl", "parquet", "rag", "hf"}
        assert dataset.profile()["row_count"] == 1
        assert dataset.rows()["pagination"]["total"] == 1
        assert [d.id for d in client.datasets.list()] == [dataset.id]
        hook = client.webhooks.register("http://127.0.0.1:9/hook", events=["dataset.ready"])
        assert hook.secret and [w.id for w in client.webhooks.list()] == [hook.id]
