"""The `ingest` flow: documents from a folder, S3 or a FlexOrch connector become a checked,
quality-gated dataset exported to S3 as Parquet, and every document is accounted for.

preflight → connector and bucket tests → discover (skip what the ledger knows) → credit budget
→ submit batches (ledger written after each) → wait for jobs → build dataset → profile and gate
→ index and search (Pro+) → export with manifest → summary.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flexorch_client import FlexOrchClient, WaitResult
from tasks.connection import FlexOrchSettings, build_client
from tasks.connectors import check_connector
from tasks.datasets import build_dataset, gate_metrics, profile_and_gate
from tasks.discover import Discovery, discover, plan_batches
from tasks.documents import BatchOutcome, reprocess_failed, submit_batch
from tasks.errors import QualityGateError
from tasks.export import ManifestDocument, check_export_bucket, export_dataset
from tasks.index import IndexReport, index_dataset
from tasks.jobs import send_negative_feedback, wait_for_jobs
from tasks.ledger import Ledger, LedgerEntry, load_ledger, save_ledger
from tasks.models import ConnectorSource, IngestParams, SourceDocument
from tasks.preflight import (
    AccountStatus,
    budget_credits,
    check_account,
    credits_used,
    screen_file_sizes,
)
from tasks.summary import (
    IngestSummary,
    Progress,
    RunCounts,
    StepClock,
    account_for,
    publish_summary,
    summarise,
)

UNACKNOWLEDGED_REASON = "FlexOrch's upload answer named no job for this file; a rerun resends it"


@dataclass
class Run:
    """What one run has learnt so far; the summary is drawn from it."""

    params: IngestParams
    run_id: str
    clients: list[FlexOrchClient]
    plan: str = "unknown"
    credits_before: int = 0
    found: Discovery = field(default_factory=lambda: Discovery(seen=[]))
    ledger: Ledger | None = None
    deferred: dict[str, str] = field(default_factory=dict)
    unrecorded: dict[str, str] = field(default_factory=dict)
    counts: RunCounts = field(default_factory=RunCounts)
    clock: StepClock = field(default_factory=StepClock)


def artifact_key(dataset: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", dataset.lower()).strip("-") or "ingest"


@flow(name="ingest", description="Ingest documents through FlexOrch into a Parquet dataset on S3.")
def ingest(params: IngestParams) -> IngestSummary:
    run = Run(params=params, run_id=str(flow_run.id or uuid.uuid4()), clients=[])
    # Each client holds an httpx connection pool; a long-lived worker would leak them.
    with ExitStack() as stack:
        settings = FlexOrchSettings()
        probe = stack.enter_context(build_client(settings))
        run.clients.append(probe)
        with run.clock("preflight"):
            account = check_account(probe)
            run.plan, run.credits_before = account.plan, account.credits_used
        # A second client, so every later request goes through a throttle set to the plan's
        # RPM over the window FlexOrch counts it in.
        client = stack.enter_context(
            build_client(settings, rpm=account.rpm or 0, window_seconds=account.window_seconds)
        )
        run.clients.append(client)
        return _ingest(run, client, account)


def _ingest(run: Run, client: FlexOrchClient, account: AccountStatus) -> IngestSummary:
    logger = get_run_logger()
    params, clock = run.params, run.clock
    run_date = dt.datetime.now(dt.UTC).date()
    key = artifact_key(params.dataset_name)

    with clock("connector tests"):
        if isinstance(params.source, ConnectorSource):
            check_connector(client, params.source.connector_id)
        check_export_bucket(params.export, run.run_id)

    with tempfile.TemporaryDirectory(prefix="ingest-staging-") as staging:
        with clock("discover"):
            run.ledger = ledger = load_ledger(params)
            run.found = found = discover(params.source, ledger, Path(staging))
            if ledger.note_objects(found.seen) and not params.dry_run:
                save_ledger(ledger, params)
            sizes = screen_file_sizes(account, found.new)
            if sizes.too_large:
                # Recorded as FlexOrch's own FILE_TOO_LARGE would be, so the summary accounts
                # for them and a rerun skips them instead of checking them again.
                ledger.record_batch(BatchOutcome(rejected=sizes.too_large))
                run.counts.too_large = len(sizes.too_large)
                if not params.dry_run:
                    save_ledger(ledger, params)
            budget = budget_credits(
                client, sizes.fits, params.engine, params.on_insufficient_credits
            )
            run.deferred |= {d.key: budget.deferral_reason for d in budget.deferred}
            batches = plan_batches(budget.to_submit, params.batch_size)

        if params.dry_run:
            run.deferred |= {d.key: "dry run: would be submitted" for d in budget.to_submit}
            return _finish(run)

        progress = Progress(f"{key}-progress", f"Ingest run {run.run_id}: submit, then wait")
        with clock("submit"):
            _submit(run, client, batches, progress)

    with clock("wait"):
        this_run = {d.sha256 for d in found.seen} - {d.sha256 for d, _ in found.settled}
        _wait(run, client, this_run, progress)
        run.counts.failed = sum(e.state == "failed" for e in _entries(ledger, this_run))
        progress.update(75)

    in_source = _entries(ledger, {d.sha256 for d in found.seen})
    done = [e for e in in_source if e.state == "completed"]
    if not done:
        logger.warning("No completed document in dataset %s: nothing to build", key)
        progress.update(100)
        return _finish(run)

    with clock("dataset"):
        execution_ids = [e.execution_id for e in done if e.execution_id]
        dataset = build_dataset(client, f"{params.dataset_name}-{run_date}", execution_ids)

    with clock("profile"):
        failed = sum(e.state == "failed" for e in in_source)
        metrics = gate_metrics([e.score for e in done], [e.grade for e in done], failed)
        gate = profile_and_gate(client, dataset, metrics, params.quality_gate, f"{key}-profile")
        if params.quality_gate.feedback_for_grade_d:
            _feedback_for_grade_d(client, ledger, params, done)
    if not gate.passed and params.quality_gate.on_breach == "fail":
        _finish(run, dataset_id=dataset.dataset_id, gate_breaches=gate.breaches)
        raise QualityGateError(
            "Quality gate breached, no index or export: " + "; ".join(gate.breaches)
        )

    index = IndexReport(status="disabled", reason="index parameter is off")
    if params.index:
        with clock("index"):
            index = index_dataset(client, dataset.dataset_id, params.search_query)

    with clock("export"):
        manifest_docs = [
            ManifestDocument(
                key=e.key,
                filename=e.filename,
                sha256=e.sha256,
                document_id=e.document_id,
                job_id=e.job_id,
            )
            for e in done
        ]
        export = export_dataset(
            client,
            dataset.dataset_id,
            params.dataset_name,
            params.export,
            run_date,
            manifest_docs,
        )
    progress.update(100)
    return _finish(
        run, dataset_id=dataset.dataset_id, index=index, export=export, gate_breaches=gate.breaches
    )


def _submit(
    run: Run, client: FlexOrchClient, batches: list[list[SourceDocument]], progress: Progress
) -> None:
    """Send batch after batch, writing the ledger after each so a crash loses no job id."""
    assert run.ledger is not None
    params = run.params
    # A long Retry-After is worth waiting out only while the run's deadline allows it.
    deadline = time.monotonic() + params.wait_timeout_seconds
    for i, batch in enumerate(batches, start=1):
        outcome = submit_batch(client, batch, params.source, params.locale, params.engine, deadline)
        run.ledger.record_batch(outcome)
        save_ledger(run.ledger, params)
        run.counts.submitted += len(batch) - len(outcome.not_sent)
        run.counts.rejected += len(outcome.rejected)
        run.counts.flexorch_duplicates += sum(ref.is_duplicate for _, ref in outcome.accepted)
        run.unrecorded |= {d.key: UNACKNOWLEDGED_REASON for d in outcome.unacknowledged}
        if outcome.not_sent:
            # Out of credits or of time at FlexOrch: every later batch would meet the same.
            stopped = [*outcome.not_sent, *(d for b in batches[i:] for d in b)]
            run.deferred |= {d.key: outcome.not_sent_reason for d in stopped}
            get_run_logger().warning(
                "Deferring %d document(s): %s", len(stopped), outcome.not_sent_reason
            )
            return
        progress.update(50 * i / len(batches))


def _entries(ledger: Ledger, shas: set[str]) -> list[LedgerEntry]:
    return [e for sha in shas if (e := ledger.get(sha)) is not None]


def _wait(
    run: Run,
    client: FlexOrchClient,
    shas: set[str],
    progress: Progress,
) -> None:
    """Wait for every job of this run (and those an interrupted run left), then reprocess
    failed documents once when asked; the ledger records each outcome as it lands.

    The first wait moves the progress artifact from 50 to 75 %; the reprocess wait does not,
    so the bar never runs backwards.
    """
    assert run.ledger is not None
    ledger, params = run.ledger, run.params
    pending = [e.job_id for e in _entries(ledger, shas) if e.state == "submitted" and e.job_id]
    waited = wait_for_jobs(
        client,
        pending,
        params.wait_timeout_seconds,
        progress=progress.update,
        progress_span=(50.0, 75.0),
    )
    _record_wait(ledger, waited)
    save_ledger(ledger, params)
    retry = [
        e
        for e in _entries(ledger, shas)
        if e.state == "failed" and not e.reprocessed and e.document_id
    ]
    if not params.reprocess_failed or not retry:
        return
    again = reprocess_failed(
        client, ledger, retry, params.engine, lambda lg: save_ledger(lg, params)
    )
    run.counts.reprocessed += len(again.started)
    logger = get_run_logger()
    for entry in [*again.refused, *again.deferred]:
        logger.warning("%s not reprocessed: %s", entry.key, entry.reason)
    ids = [e.job_id for e in again.started if e.job_id]
    _record_wait(ledger, wait_for_jobs(client, ids, params.wait_timeout_seconds))
    save_ledger(ledger, params)


def _record_wait(ledger: Ledger, waited: WaitResult) -> None:
    """One unknown job must not stop every later run: its document is quarantined now and sent
    again by the next run, and the rest of this run goes on."""
    for entry in ledger.record_wait(waited):
        get_run_logger().warning("%s: %s", entry.key, entry.reason)


def _feedback_for_grade_d(
    client: FlexOrchClient, ledger: Ledger, params: IngestParams, done: list[LedgerEntry]
) -> None:
    for entry in done:
        if entry.grade == "D" and not entry.feedback_sent and entry.job_id:
            send_negative_feedback(client, entry.job_id, entry.grade)
            ledger.update(entry.sha256, feedback_sent=True)
    save_ledger(ledger, params)


def _finish(run: Run, **results: object) -> IngestSummary:
    """Account for every document (raising if one is lost) and publish the summary."""
    counts = run.counts
    counts.credits_spent = credits_used(run.clients[-1]) - run.credits_before
    counts.requests = sum(c.stats.requests for c in run.clients)
    counts.retries = sum(c.stats.retries for c in run.clients)
    counts.rate_limited = sum(c.stats.rate_limited for c in run.clients)
    ledger = run.ledger or Ledger(dataset=run.params.dataset_name)
    documents = account_for(run.found, ledger, deferred=run.deferred, unrecorded=run.unrecorded)
    summary = summarise(
        run_id=run.run_id,
        dataset=run.params.dataset_name,
        plan=run.plan,
        dry_run=run.params.dry_run,
        found=run.found,
        documents=documents,
        counts=counts,
        step_seconds=run.clock.seconds,
    ).model_copy(update=results)
    publish_summary(summary, artifact_key(run.params.dataset_name))
    return summary
