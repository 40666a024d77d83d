"""Unit tests for the pipeline's pure logic: batching, credit estimation, gating, discovery,
upload matching, the ledger and the accounting invariant."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from flexorch_client import Job, JobRef, ProcessResult, RejectedFile
from tasks.connection import FlexOrchSettings
from tasks.datasets import evaluate_gate, gate_metrics
from tasks.discover import Discovery, classify, plan_batches
from tasks.documents import BatchOutcome, match_result
from tasks.errors import AccountingError, InsufficientCreditsError
from tasks.export import object_key
from tasks.ledger import Ledger, LedgerEntry
from tasks.models import ExportTarget, QualityGate, SourceDocument
from tasks.preflight import plan_credits
from tasks.summary import account_for


def doc(name: str, *, sha: str | None = None, size: int = 100, key: str | None = None):
    return SourceDocument(key=key or name, filename=name, size=size, sha256=sha or f"h-{name}")


# --- batching -------------------------------------------------------------------------------


def test_batches_respect_size_and_keep_order():
    docs = [doc(f"f{i}.pdf") for i in range(7)]
    batches = plan_batches(docs, batch_size=3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [d for b in batches for d in b] == docs


def test_batches_never_repeat_a_filename():
    docs = [doc("a.pdf", key="x/a.pdf"), doc("a.pdf", key="y/a.pdf", sha="2"), doc("b.pdf")]
    batches = plan_batches(docs, batch_size=10)
    for batch in batches:
        names = [d.filename for d in batch]
        assert len(names) == len(set(names))
    assert sum(len(b) for b in batches) == 3


def test_batches_stay_under_the_byte_budget_unless_one_file_is_bigger():
    docs = [doc("a", size=60), doc("b", size=60), doc("huge", size=500), doc("c", size=30)]
    batches = plan_batches(docs, batch_size=10, max_batch_bytes=100)
    assert [[d.filename for d in b] for b in batches] == [["a", "c"], ["b"], ["huge"]]


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError):
        plan_batches([doc("a")], batch_size=0)


# --- credit estimation ----------------------------------------------------------------------


def test_credits_that_fit_send_everything():
    new = [doc(f"{i}") for i in range(4)]
    plan = plan_credits(new, engine="deterministic", remaining=4, on_short="fail")
    assert (plan.needed, plan.to_submit, plan.deferred) == (4, new, [])


def test_credit_shortfall_fails_with_the_numbers():
    new = [doc(f"{i}") for i in range(4)]
    with pytest.raises(InsufficientCreditsError) as err:
        plan_credits(new, engine="local_ai", remaining=7, on_short="fail")
    message = str(err.value)
    assert "12 needed" in message and "7 remaining" in message and "2 that fit" in message


def test_credit_shortfall_defers_what_does_not_fit():
    new = [doc(f"{i}") for i in range(5)]
    plan = plan_credits(new, engine="deterministic", remaining=2, on_short="defer")
    assert plan.to_submit == new[:2] and plan.deferred == new[2:]
    assert "5 needed" in plan.deferral_reason and "2 remaining" in plan.deferral_reason


def test_unlimited_credits_never_defer():
    new = [doc("a")]
    plan = plan_credits(new, engine="premium", remaining=None, on_short="fail")
    assert plan.needed == 15 and plan.to_submit == new


# --- gating ---------------------------------------------------------------------------------


def test_gate_metrics():
    m = gate_metrics([90.0, 40.0, None, 80.0], ["A", "D", "D", "B"], failed=1)
    assert m.completed == 4 and m.failed == 1
    assert m.average_score == 70.0
    assert m.grade_d_share == 0.5
    assert m.failed_share == 0.2


def test_gate_passes_and_breaches():
    gate = QualityGate(min_average_score=60, max_grade_d_share=0.25, max_failed_share=0.1)
    good = gate_metrics([80.0, 90.0], ["A", "B"], failed=0)
    assert evaluate_gate(good, gate).passed
    bad = gate_metrics([30.0, 50.0], ["D", "C"], failed=1)
    result = evaluate_gate(bad, gate)
    assert not result.passed
    assert len(result.breaches) == 3
    assert any("average score 40.0" in b for b in result.breaches)


def test_gate_on_empty_dataset_has_nothing_to_breach():
    assert evaluate_gate(gate_metrics([], [], failed=0), QualityGate()).passed


# --- discovery, upload matching, ledger ------------------------------------------------------


def test_classify_splits_new_settled_pending_and_in_source_duplicates():
    ledger = Ledger(dataset="d")
    ledger.put(LedgerEntry(sha256="h-done", key="done", filename="done", state="completed"))
    ledger.put(LedgerEntry(sha256="h-run", key="run", filename="run", state="submitted"))
    seen = [doc("new"), doc("done"), doc("run"), doc("copy", sha="h-new")]
    found = classify(seen, ledger)
    assert [d.key for d in found.new] == ["new"]
    assert [d.key for d, _ in found.settled] == ["done"]
    assert [d.key for d, _ in found.pending] == ["run"]
    assert found.duplicates[0][0].key == "copy" and "new" in found.duplicates[0][1]


def test_match_result_pairs_jobs_rejections_and_unnamed_files():
    batch = [doc("a.pdf"), doc("b.csv"), doc("c.txt")]
    result = ProcessResult(
        jobs=[JobRef(job_id="job_1", filename="a.pdf")],
        rejected=[RejectedFile(filename="b.csv", code="UNSUPPORTED_FILE", reason="no csv")],
    )
    out = match_result(batch, result)
    assert [(d.filename, r.job_id) for d, r in out.accepted] == [("a.pdf", "job_1")]
    assert out.rejected == [(batch[1], "rejected UNSUPPORTED_FILE: no csv")]
    assert out.unacknowledged == [batch[2]]


def test_ledger_follows_a_duplicate_to_its_existing_job_and_records_outcomes():
    ledger = Ledger(dataset="d")
    a, b = doc("a"), doc("b")
    ledger.record_batch(
        BatchOutcome(
            accepted=[
                (a, JobRef(job_id="job_a")),
                (b, JobRef(job_id="job_x", is_duplicate=True, existing_job_id="job_old")),
            ]
        )
    )
    assert ledger.get("h-b").job_id == "job_old"
    ledger.record_job(
        Job(
            job_id="job_a",
            status="completed",
            execution_id="exe_1",
            quality={"score": 77, "grade": "B"},
        )
    )
    ledger.record_job(Job(job_id="job_old", status="failed", failure_reason="OCR failed"))
    assert ledger.get("h-a").state == "completed" and ledger.get("h-a").grade == "B"
    assert ledger.get("h-b").state == "failed" and "OCR failed" in ledger.get("h-b").reason
    assert Ledger.model_validate_json(ledger.model_dump_json()) == ledger


# --- accounting invariant ------------------------------------------------------------------


def test_every_document_gets_exactly_one_outcome():
    ledger = Ledger(dataset="d")
    seen = [doc("done"), doc("old"), doc("later"), doc("copy", sha="h-done"), doc("lost")]
    ledger.put(LedgerEntry(sha256="h-old", key="old", filename="old", state="completed"))
    found = classify(seen, ledger)
    ledger.put(LedgerEntry(sha256="h-done", key="done", filename="done", state="completed"))
    ledger.put(
        LedgerEntry(sha256="h-lost", key="lost", filename="lost", state="rejected", reason="415")
    )
    out = account_for(found, ledger, deferred={"later": "credits"}, unrecorded={})
    assert {d.key: d.outcome for d in out} == {
        "done": "processed",
        "old": "skipped",
        "later": "deferred",
        "copy": "quarantined",
        "lost": "quarantined",
    }


def test_a_document_in_no_bucket_raises():
    found = Discovery(seen=[doc("ghost")], new=[doc("ghost")])
    with pytest.raises(AccountingError, match="ghost ended the run in no bucket"):
        account_for(found, Ledger(dataset="d"), deferred={}, unrecorded={})


def test_a_document_in_two_buckets_raises():
    found = Discovery(seen=[doc("twice")], new=[doc("twice")])
    ledger = Ledger(dataset="d")
    ledger.put(LedgerEntry(sha256="h-twice", key="twice", filename="twice", state="completed"))
    with pytest.raises(AccountingError, match="deferred, processed"):
        account_for(found, ledger, deferred={"twice": "x"}, unrecorded={})


# --- parameters and secrets -----------------------------------------------------------------


def test_parquet_is_always_exported_first():
    target = ExportTarget(bucket="b", prefix="/exports/", formats=["jsonl", "parquet", "jsonl"])
    assert target.formats == ["parquet", "jsonl"] and target.prefix == "exports"


def test_export_layout_is_deterministic():
    import datetime as dt

    key = object_key("exports", "invoices", dt.date(2024, 6, 3), "parquet")
    assert key == "exports/dataset=invoices/run_date=2024-06-03/part-00000.parquet"


def test_the_api_key_never_shows_in_settings_repr(monkeypatch):
    monkeypatch.setenv("FLEXORCH_API_KEY", "dfx_supersecret")
    settings = FlexOrchSettings()
    assert "dfx_supersecret" not in repr(settings) + str(settings)
    assert settings.resolve_api_key() == SecretStr("dfx_supersecret")
