"""Unit tests for the pipeline's pure logic: batching, credit estimation, file size checks,
gating, discovery, upload matching, the ledger, the accounting invariant and wait reports."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from flexorch_client import (
    CreditVerdict,
    Job,
    JobRef,
    ProcessResult,
    RejectedFile,
    SlidingWindowThrottle,
    WaitProgress,
    WaitResult,
)
from flexorch_client.errors import (
    BadRequestError,
    NotFoundError,
    QuotaExceededError,
    RateLimitExceededError,
)
from flexorch_client.resources.usage import verdict
from tasks.connection import FlexOrchSettings, build_client
from tasks.datasets import evaluate_gate, gate_metrics
from tasks.discover import Discovery, classify, plan_batches
from tasks.documents import (
    BatchOutcome,
    Patience,
    match_result,
    reprocess_failed,
    send_batch,
)
from tasks.errors import (
    AccountingError,
    ConnectorError,
    InsufficientCreditsError,
    RequestRejectedError,
)
from tasks.export import object_key
from tasks.jobs import WaitReporter
from tasks.ledger import Ledger, LedgerEntry
from tasks.models import (
    ConnectorSource,
    ExportTarget,
    LocalSource,
    QualityGate,
    SourceDocument,
)
from tasks.preflight import MB, check_sizes, max_file_bytes, plan_credits
from tasks.summary import account_for
from tests.client._client_helpers import FakeTime


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


def estimate(count: int, *, cost: int, remaining: int | None) -> CreditVerdict:
    """The client's verdict, as `client.credits.estimate` returns it."""
    return verdict(count, cost, remaining)


def test_credits_that_fit_send_everything():
    new = [doc(f"{i}") for i in range(4)]
    plan = plan_credits(new, estimate(4, cost=1, remaining=4), on_short="fail")
    assert (plan.needed, plan.to_submit, plan.deferred) == (4, new, [])


def test_credit_shortfall_fails_with_the_numbers():
    new = [doc(f"{i}") for i in range(4)]
    with pytest.raises(InsufficientCreditsError) as err:
        plan_credits(new, estimate(4, cost=3, remaining=7), on_short="fail")
    message = str(err.value)
    assert "12 needed" in message and "7 remaining" in message and "2 that fit" in message


def test_credit_shortfall_defers_what_does_not_fit():
    new = [doc(f"{i}") for i in range(5)]
    plan = plan_credits(new, estimate(5, cost=1, remaining=2), on_short="defer")
    assert plan.to_submit == new[:2] and plan.deferred == new[2:]
    assert "5 needed" in plan.deferral_reason and "2 remaining" in plan.deferral_reason


def test_unlimited_credits_never_defer():
    new = [doc("a")]
    plan = plan_credits(new, estimate(1, cost=15, remaining=None), on_short="fail")
    assert plan.needed == 15 and plan.to_submit == new


# --- file size check before upload ----------------------------------------------------------


def test_reported_file_limit_wins_over_the_published_one():
    assert max_file_bytes("starter", None) == 25 * MB
    assert max_file_bytes("Trial", None) == 10 * MB
    assert max_file_bytes("pro", None) == 50 * MB
    assert max_file_bytes("starter", 30 * MB) == 30 * MB
    # enterprise limits are negotiated: no check unless FlexOrch reports one
    assert max_file_bytes("enterprise", None) is None
    assert max_file_bytes("enterprise", 100 * MB) == 100 * MB
    assert max_file_bytes("unknown", None) is None


def test_oversized_files_are_set_aside_with_size_limit_and_plan():
    small, exact = doc("small.pdf", size=MB), doc("exact.pdf", size=25 * MB)
    big = doc("big.pdf", size=int(31.2 * MB))
    checked = check_sizes([small, big, exact], limit=25 * MB, plan="starter")
    assert checked.fits == [small, exact]  # exactly at the limit is accepted, as FlexOrch does
    assert checked.too_large == [
        (
            big,
            "FILE_TOO_LARGE (checked before upload): 31.2 MB exceeds the starter plan's "
            "25 MB limit",
        )
    ]


def test_a_file_just_over_the_limit_names_its_bytes():
    checked = check_sizes([doc("edge.pdf", size=25 * MB + 1)], limit=25 * MB, plan="starter")
    (_, reason), *_ = checked.too_large
    assert f"25.0 MB ({25 * MB + 1} bytes, limit {25 * MB}) exceeds" in reason


def test_no_known_limit_checks_nothing():
    docs = [doc("huge.pdf", size=10_000 * MB)]
    assert check_sizes(docs, limit=None, plan="enterprise").fits == docs


def test_an_oversized_file_is_quarantined_once_and_settled_for_reruns():
    big, ok = doc("big.pdf", size=26 * MB), doc("ok.pdf")
    ledger = Ledger(dataset="d")
    found = classify([big, ok], ledger)
    checked = check_sizes(found.new, limit=25 * MB, plan="starter")
    ledger.record_batch(BatchOutcome(rejected=checked.too_large))
    ledger.put(LedgerEntry(sha256="h-ok.pdf", key="ok.pdf", filename="ok.pdf", state="completed"))
    out = {d.key: d for d in account_for(found, ledger, deferred={}, unrecorded={})}
    assert out["big.pdf"].outcome == "quarantined"
    assert out["big.pdf"].reason.startswith("FILE_TOO_LARGE (checked before upload): 26.0 MB")
    assert out["ok.pdf"].outcome == "processed"
    rerun = classify([big, ok], ledger)
    assert rerun.new == [] and [d.key for d, _ in rerun.settled] == ["big.pdf", "ok.pdf"]
    again = {d.key: d for d in account_for(rerun, ledger, deferred={}, unrecorded={})}
    assert again["big.pdf"].reason.startswith("in an earlier run: FILE_TOO_LARGE")


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


# --- reports while waiting ------------------------------------------------------------------


def progress_at(elapsed: float, completed: int, failed: int = 0, total: int = 100):
    pending = total - completed - failed
    return WaitProgress(
        total=total, completed=completed, failed=failed, pending=pending, elapsed_seconds=elapsed
    )


def test_wait_reports_move_progress_within_the_span_and_log_sparsely(caplog):
    moves: list[float] = []
    logger = logging.getLogger("test-wait-report")
    report = WaitReporter(logger, moves.append, 50.0, 75.0, log_every=30.0)
    with caplog.at_level(logging.INFO, logger="test-wait-report"):
        for p in [
            progress_at(0.0, 10),
            progress_at(12.0, 30, failed=10),
            progress_at(29.0, 40, failed=10),
            progress_at(31.0, 40, failed=10),
            progress_at(65.0, 90, failed=10),
        ]:
            report(p)
    assert moves == [52.5, 60.0, 62.5, 75.0]  # the unchanged 62.5 is not sent twice
    lines = [r.getMessage() for r in caplog.records]
    # at 0s, then nothing until 30s have passed since that line, then 31s -> 65s
    assert lines == [
        "Waiting for jobs: 10/100 finished (10 completed, 0 failed), 90 pending after 0s",
        "Waiting for jobs: 50/100 finished (40 completed, 10 failed), 50 pending after 31s",
        "Waiting for jobs: 100/100 finished (90 completed, 10 failed), 0 pending after 65s",
    ]


def test_wait_reports_without_a_progress_bar_only_log(caplog):
    report = WaitReporter(logging.getLogger("test-wait-report"))
    with caplog.at_level(logging.INFO, logger="test-wait-report"):
        report(progress_at(0.0, 1))
    assert "1/100 finished" in caplog.text


# --- the run's client -----------------------------------------------------------------------


def test_the_run_client_throttles_over_the_window_flexorch_counts_in():
    settings = FlexOrchSettings(api_key=SecretStr("dfx_x"), base_url="http://127.0.0.1:9/v1")
    with build_client(settings, rpm=5, window_seconds=10.0) as client:
        assert isinstance(client.throttle, SlidingWindowThrottle)
        assert (client.throttle.rpm, client.throttle.window_seconds) == (5, 10.0)
    with build_client(settings, rpm=5) as client:
        assert client.throttle.window_seconds == 60.0
    with build_client(settings, rpm=0) as client:
        assert client.throttle is None


# --- sending batches ------------------------------------------------------------------------


class FakeUploads:
    """Stands in for the client: each upload call takes the next answer (a result or an
    exception, or a callable of the files sent) and records what was sent."""

    def __init__(self, *answers: object, connector_gone: bool = False) -> None:
        self.answers = list(answers)
        self.sent: list[list[str]] = []
        self.documents = self.connectors = self
        self.connector_gone = connector_gone

    def get(self, connector_id: str) -> None:
        if self.connector_gone:
            raise NotFoundError(f"no connector {connector_id}", status_code=404, code="NOT_FOUND")

    def process(self, files, **_: object) -> ProcessResult:
        self.sent.append([f.filename for f in files])
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer(files) if callable(answer) else answer

    def process_from_connector(self, _connector_id, keys, **_: object) -> ProcessResult:
        self.sent.append(list(keys))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer(keys) if callable(answer) else answer


def all_accepted(files) -> ProcessResult:
    return ProcessResult(
        jobs=[JobRef(job_id=f"job_{f.filename}", filename=f.filename) for f in files]
    )


LOCAL = LocalSource(path=".")


def test_a_per_file_400_splits_the_batch_and_quarantines_only_that_file():
    batch = [doc("empty.txt"), doc("ok.pdf")]
    empty = BadRequestError("file is empty", status_code=400, code="EMPTY_FILE")
    client = FakeUploads(empty, empty, all_accepted)
    out = send_batch(client, batch, LOCAL, "und", "deterministic")
    assert client.sent == [["empty.txt", "ok.pdf"], ["empty.txt"], ["ok.pdf"]]
    assert [(d.filename, r) for d, r in out.rejected] == [
        ("empty.txt", "rejected 400 EMPTY_FILE: file is empty")
    ]
    assert [d.filename for d, _ in out.accepted] == ["ok.pdf"]


@pytest.mark.parametrize("code", ["VALIDATION_ERROR", "MISSING_INPUT", None])
def test_a_request_level_400_ends_the_run_and_rejects_nothing(code):
    batch = [doc("a.pdf"), doc("b.pdf")]
    refused = BadRequestError("locale is not a language", status_code=422, code=code)
    client = FakeUploads(refused)
    with pytest.raises(RequestRejectedError) as err:
        send_batch(client, batch, LOCAL, "xx", "deterministic")
    assert client.sent == [["a.pdf", "b.pdf"]]  # not split file by file
    message = str(err.value)
    assert f"422 {code or 'no code'}" in message and "locale is not a language" in message
    assert "rerun sends them again" in message


# --- one filename per batch, and matching answers to files -----------------------------------


def test_same_basename_under_two_keys_goes_to_separate_batches_in_order():
    a, b, c = doc("x.pdf", key="a/x.pdf"), doc("x.pdf", key="b/x.pdf", sha="h-bx"), doc("y.pdf")
    batches = plan_batches([a, b, c], batch_size=10)
    assert batches == [[a, c], [b]]


def test_a_duplicate_answered_under_another_name_is_matched_by_position():
    batch = [doc("a.pdf"), doc("copy.pdf"), doc("c.pdf")]
    result = ProcessResult(
        jobs=[
            JobRef(job_id="job_a", filename="a.pdf"),
            # FlexOrch names the document it already had, not the file sent
            JobRef(job_id="job_d", filename="original.pdf", is_duplicate=True),
            JobRef(job_id="job_c", filename="c.pdf"),
        ]
    )
    out = match_result(batch, result)
    assert [(d.filename, r.job_id) for d, r in out.accepted] == [
        ("a.pdf", "job_a"),
        ("c.pdf", "job_c"),
        ("copy.pdf", "job_d"),
    ]
    assert out.unacknowledged == []


def test_names_win_over_positions_and_a_partial_answer_is_never_guessed():
    batch = [doc("a.pdf"), doc("b.pdf"), doc("c.pdf")]
    swapped = ProcessResult(
        jobs=[JobRef(job_id="job_b", filename="b.pdf"), JobRef(job_id="job_a", filename="a.pdf")],
        rejected=[RejectedFile(filename="c.pdf", code="EMPTY_FILE", reason="empty")],
    )
    out = match_result(batch, swapped)
    assert {d.filename: r.job_id for d, r in out.accepted} == {"a.pdf": "job_a", "b.pdf": "job_b"}
    partial = ProcessResult(
        jobs=[JobRef(job_id="job_a", filename="a.pdf"), JobRef(job_id="job_z", filename="z.pdf")]
    )
    out = match_result(batch, partial)
    assert [d.filename for d, _ in out.accepted] == ["a.pdf"]
    assert [d.filename for d in out.unacknowledged] == ["b.pdf", "c.pdf"]


# --- jobs FlexOrch no longer knows ----------------------------------------------------------


def test_a_job_flexorch_no_longer_knows_is_lost_now_and_resent_next_run():
    gone, done = doc("gone.pdf"), doc("done.pdf")
    ledger = Ledger(dataset="d")
    ledger.record_batch(
        BatchOutcome(
            accepted=[(gone, JobRef(job_id="job_purged")), (done, JobRef(job_id="job_done"))]
        )
    )
    found = classify([gone, done], ledger)
    lost = ledger.record_wait(
        WaitResult(
            jobs={"job_done": Job(job_id="job_done", status="completed")}, missing=["job_purged"]
        )
    )
    assert [e.key for e in lost] == ["gone.pdf"]
    out = {d.key: d for d in account_for(found, ledger, deferred={}, unrecorded={})}
    assert out["gone.pdf"].outcome == "quarantined"
    assert out["gone.pdf"].reason == (
        "FlexOrch no longer knows job job_purged; the next run resubmits it"
    )
    assert out["done.pdf"].outcome == "processed"

    rerun = classify([gone, done], ledger)
    assert rerun.new == [gone] and rerun.pending == []
    # deferred in the next run (say, out of credits): it counts as deferred, not lost twice
    again = {
        d.key: d
        for d in account_for(rerun, ledger, deferred={"gone.pdf": "credits"}, unrecorded={})
    }
    assert again["gone.pdf"].outcome == "deferred"


# --- reprocess once ---------------------------------------------------------------------------


class FakeReprocess:
    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, object]] = []
        self.documents = self

    def reprocess(self, document_id: str, *, pipeline_config: object = None) -> JobRef:
        self.calls.append((document_id, pipeline_config))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, JobRef)
        return answer


def failed_ledger(*names: str) -> tuple[Ledger, list[LedgerEntry]]:
    ledger = Ledger(dataset="d")
    for name in names:
        ledger.put(
            LedgerEntry(
                sha256=f"h-{name}",
                key=name,
                filename=name,
                state="failed",
                document_id=f"doc_{name}",
                reason=f"job failed: {name} could not be read",
            )
        )
    return ledger, list(ledger.entries.values())


def test_reprocess_saves_each_new_job_and_keeps_refused_documents_failed_with_the_reason():
    ledger, failed = failed_ledger("a", "gone", "b")
    client = FakeReprocess(
        JobRef(job_id="job_a2"),
        NotFoundError("no such document", status_code=404, code="NOT_FOUND"),
        JobRef(job_id="job_b2"),
    )
    saved: list[dict[str, str | None]] = []
    out = reprocess_failed(
        client,
        ledger,
        failed,
        "local_ai",
        lambda lg: saved.append({k: e.job_id for k, e in lg.entries.items()}),
    )
    assert client.calls == [(f"doc_{n}", {"engine": "local_ai"}) for n in ("a", "gone", "b")]
    assert [e.job_id for e in out.started] == ["job_a2", "job_b2"]
    assert saved[0]["h-a"] == "job_a2" and len(saved) == 3  # a crash after a loses nothing
    gone = ledger.get("h-gone")
    assert gone.state == "failed" and not gone.reprocessed
    assert gone.reason == (
        "job failed: gone could not be read; reprocess refused: 404 NOT_FOUND: no such document"
    )
    assert ledger.get("h-b").state == "submitted" and ledger.get("h-b").reprocessed


def test_quota_exceeded_leaves_the_rest_unreprocessed():
    ledger, failed = failed_ledger("a", "b", "c")
    client = FakeReprocess(JobRef(job_id="job_a2"), QuotaExceededError("out", status_code=429))
    out = reprocess_failed(client, ledger, failed, "deterministic", lambda _: None)
    assert len(client.calls) == 2
    assert [e.key for e in out.started] == ["a"] and [e.key for e in out.deferred] == ["b", "c"]
    for n in "bc":  # each keeps its own failure reason, with the quota note added
        reason = ledger.get(f"h-{n}").reason
        assert (
            reason.startswith(f"job failed: {n} could not be read;") and "QUOTA_EXCEEDED" in reason
        )
    assert ledger.get("h-c").state == "failed"


# --- a long Retry-After -----------------------------------------------------------------------


def rate_limited(after: float | None) -> RateLimitExceededError:
    return RateLimitExceededError("slow down", status_code=429, retry_after=after)


def test_a_long_retry_after_is_waited_out_once_then_the_batch_is_sent_again():
    time, logged = FakeTime(), []
    patience = Patience(time.now + 600, clock=time.clock, sleep=time.sleep, log=logged.append)
    client = FakeUploads(rate_limited(300.0), all_accepted)
    out = send_batch(client, [doc("a.pdf")], LOCAL, "und", "deterministic", patience)
    assert time.sleeps == [300.0] and len(client.sent) == 2
    assert [d.filename for d, _ in out.accepted] == ["a.pdf"]
    assert "300s" in logged[0]


@pytest.mark.parametrize(
    ("answers", "slept", "why"),
    [
        ([rate_limited(900.0)], [], "retry after 900s"),  # past the deadline: no pause
        ([rate_limited(300.0), rate_limited(300.0)], [300.0], "retry after 300s"),  # once only
        ([rate_limited(None)], [], "no wait given"),
    ],
)
def test_a_retry_after_past_the_deadline_defers_the_batch_with_the_reason(answers, slept, why):
    time = FakeTime()
    patience = Patience(time.now + 600, clock=time.clock, sleep=time.sleep)
    batch = [doc("a.pdf"), doc("b.pdf")]
    out = send_batch(FakeUploads(*answers), batch, LOCAL, "und", "deterministic", patience)
    assert time.sleeps == slept
    assert out.not_sent == batch and out.accepted == [] and out.rejected == []
    assert "RATE_LIMIT_EXCEEDED" in out.not_sent_reason and why in out.not_sent_reason


# --- connector keys FlexOrch cannot find ------------------------------------------------------

CONNECTOR = ConnectorSource(connector_id="con_1", bucket="inbox")


def key_doc(key: str) -> SourceDocument:
    return doc(key.rsplit("/", 1)[-1], key=key).model_copy(update={"connector_key": key})


def key_missing(keys: list[str]) -> ProcessResult:
    if "docs/gone.pdf" in keys:
        raise NotFoundError("key docs/gone.pdf not found", status_code=404, code="NOT_FOUND")
    return ProcessResult(jobs=[JobRef(job_id=f"job_{k}", filename=k.rsplit("/")[-1]) for k in keys])


def test_a_404_for_a_connector_request_finds_the_missing_key_and_quarantines_only_it():
    batch = [key_doc("docs/ok.pdf"), key_doc("docs/gone.pdf")]
    client = FakeUploads(key_missing, key_missing, key_missing)
    out = send_batch(client, batch, CONNECTOR, "und", "deterministic")
    assert client.sent == [["docs/ok.pdf", "docs/gone.pdf"], ["docs/ok.pdf"], ["docs/gone.pdf"]]
    assert [d.key for d, _ in out.accepted] == ["docs/ok.pdf"]
    assert out.rejected == [(batch[1], "rejected 404 NOT_FOUND: key docs/gone.pdf not found")]


def test_a_404_because_the_connector_is_gone_ends_the_run_recording_nothing():
    batch = [key_doc("docs/ok.pdf"), key_doc("docs/gone.pdf")]
    client = FakeUploads(key_missing, connector_gone=True)
    with pytest.raises(ConnectorError, match="no longer knows connector con_1"):
        send_batch(client, batch, CONNECTOR, "und", "deterministic")


def test_missing_keys_listed_in_rejected_are_matched_by_key():
    batch = [key_doc("a/x.pdf"), key_doc("b/y.pdf")]
    result = ProcessResult(
        jobs=[JobRef(job_id="job_x", filename="x.pdf")],
        rejected=[RejectedFile(filename="b/y.pdf", code="NOT_FOUND", reason="no such key")],
    )
    out = match_result(batch, result)
    assert [d.key for d, _ in out.accepted] == ["a/x.pdf"]
    assert out.rejected == [(batch[1], "rejected NOT_FOUND: no such key")]
