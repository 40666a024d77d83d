"""Summary: account for every document, then publish the run's table and progress artifacts."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from prefect import task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from tasks.discover import Discovery
from tasks.errors import AccountingError
from tasks.export import ExportReport
from tasks.index import IndexReport
from tasks.ledger import Ledger
from tasks.models import DocumentOutcome, SourceDocument


class StepClock:
    """Wall time per pipeline step, for the summary."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.seconds[step] = round(self.seconds.get(step, 0.0) + time.monotonic() - start, 2)


class Progress:
    """A progress artifact the flow moves forward during long runs (0-100)."""

    def __init__(self, key: str, description: str) -> None:
        self._id: UUID = create_progress_artifact(  # type: ignore[assignment]
            progress=0.0, key=key, description=description
        )

    def update(self, percent: float) -> None:
        update_progress_artifact(artifact_id=self._id, progress=min(100.0, max(0.0, percent)))


class RunCounts(BaseModel):
    """What this run did (the ledger holds what all runs did)."""

    submitted: int = 0
    flexorch_duplicates: int = 0
    rejected: int = 0
    too_large: int = 0  # over the plan's file limit, quarantined before any upload
    failed: int = 0
    reprocessed: int = 0
    credits_spent: int = 0
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0


class IngestSummary(BaseModel):
    run_id: str
    dataset: str
    plan: str
    dry_run: bool
    seen: int
    submitted: int
    duplicates: int
    rejected: int
    too_large: int
    failed: int
    reprocessed: int = 0
    processed: int
    quarantined: int
    deferred: int
    skipped: int
    credits_spent: int
    requests: int
    retries: int
    rate_limited: int
    step_seconds: dict[str, float] = Field(default_factory=dict)
    documents: list[DocumentOutcome] = Field(default_factory=list)
    dataset_id: str | None = None
    export: ExportReport | None = None
    index: IndexReport | None = None
    gate_breaches: list[str] = Field(default_factory=list)

    def in_dataset(self) -> list[DocumentOutcome]:
        """Documents whose records the export holds: processed now or by an earlier run."""
        return [d for d in self.documents if d.outcome in ("processed", "skipped")]

    def table(self) -> list[dict[str, str]]:
        rows: list[tuple[str, object]] = [
            ("documents seen", self.seen),
            ("submitted", self.submitted),
            ("duplicates", self.duplicates),
            ("rejected", self.rejected),
            ("too large (not uploaded)", self.too_large),
            ("failed", self.failed),
            ("reprocessed", self.reprocessed),
            ("processed", self.processed),
            ("quarantined (total)", self.quarantined),
            ("deferred", self.deferred),
            ("skipped (already processed)", self.skipped),
            ("credits spent", self.credits_spent),
            ("requests sent", self.requests),
            ("retries", self.retries),
            ("429s met", self.rate_limited),
            ("index", self.index.status if self.index else "-"),
            ("parquet", self.export.parquet_uri if self.export else "-"),
            *[(f"time {step} (s)", f"{secs:.2f}") for step, secs in self.step_seconds.items()],
        ]
        return [{"metric": name, "value": str(value)} for name, value in rows]

    def render_text(self) -> str:
        rows = self.table()
        width = max(len(r["metric"]) for r in rows)
        lines = [f"{'metric'.ljust(width)}  value", f"{'-' * width}  -----"]
        lines += [f"{r['metric'].ljust(width)}  {r['value']}" for r in rows]
        return "\n".join(lines)


def account_for(
    found: Discovery,
    ledger: Ledger,
    *,
    deferred: dict[str, str],
    unrecorded: dict[str, str],
) -> list[DocumentOutcome]:
    """Give every discovered document exactly one outcome, or raise.

    `deferred` and `unrecorded` (rejections kept out of the ledger so a rerun retries them)
    are keyed by document key. Raising on a document in no bucket, or in two, is the point:
    a silently lost document is the failure this pipeline exists to prevent.
    """
    settled_before = {doc.key for doc, _ in found.settled}
    duplicates = {doc.key: reason for doc, reason in found.duplicates}
    out: list[DocumentOutcome] = []
    for doc in found.seen:
        candidates: list[DocumentOutcome] = []
        if doc.key in duplicates:
            candidates.append(_outcome(doc, "quarantined", duplicates[doc.key]))
        if doc.key in deferred:
            candidates.append(_outcome(doc, "deferred", deferred[doc.key]))
        if doc.key in unrecorded:
            candidates.append(_outcome(doc, "quarantined", unrecorded[doc.key]))
        entry = ledger.get(doc.sha256) if doc.key not in duplicates else None
        if entry is not None and entry.state == "lost" and candidates:
            # Lost by an earlier run and not sent again in this one: where it went now counts.
            entry = None
        if entry is not None:
            earlier = doc.key in settled_before
            ids = {"job_id": entry.job_id, "document_id": entry.document_id, "grade": entry.grade}
            if entry.state == "completed":
                outcome, reason = (
                    ("skipped", f"already processed by an earlier run (job {entry.job_id})")
                    if earlier
                    else ("processed", "")
                )
            elif entry.state == "submitted":
                outcome = "quarantined"
                reason = f"job {entry.job_id} not finished by the deadline; a rerun waits for it"
            else:
                outcome = "quarantined"
                reason = ("in an earlier run: " if earlier else "") + entry.reason
            candidates.append(_outcome(doc, outcome, reason, **ids))
        if len(candidates) != 1:
            where = ", ".join(c.outcome for c in candidates) or "no bucket"
            raise AccountingError(f"Document {doc.key} ended the run in {where}")
        out.append(candidates[0])
    return out


def _outcome(doc: SourceDocument, outcome: str, reason: str, **ids: str | None) -> DocumentOutcome:
    return DocumentOutcome.model_validate(
        {
            "key": doc.key,
            "filename": doc.filename,
            "sha256": doc.sha256,
            "outcome": outcome,
            "reason": reason,
            **ids,
        }
    )


def summarise(
    *,
    run_id: str,
    dataset: str,
    plan: str,
    dry_run: bool,
    found: Discovery,
    documents: list[DocumentOutcome],
    counts: RunCounts,
    step_seconds: dict[str, float],
) -> IngestSummary:
    by_outcome = Counter(d.outcome for d in documents)
    return IngestSummary(
        run_id=run_id,
        dataset=dataset,
        plan=plan,
        dry_run=dry_run,
        seen=len(found.seen),
        submitted=counts.submitted,
        duplicates=len(found.duplicates) + counts.flexorch_duplicates,
        rejected=counts.rejected,
        too_large=counts.too_large,
        failed=counts.failed,
        reprocessed=counts.reprocessed,
        processed=by_outcome["processed"],
        quarantined=by_outcome["quarantined"],
        deferred=by_outcome["deferred"],
        skipped=by_outcome["skipped"],
        credits_spent=counts.credits_spent,
        requests=counts.requests,
        retries=counts.retries,
        rate_limited=counts.rate_limited,
        step_seconds=step_seconds,
        documents=documents,
    )


@task(cache_policy=NO_CACHE)
def publish_summary(summary: IngestSummary, key_prefix: str) -> None:
    create_table_artifact(
        table=summary.table(),
        key=f"{key_prefix}-summary",
        description=f"Ingest run {summary.run_id} of dataset {summary.dataset}",
    )
    create_table_artifact(
        table=[
            {"document": d.key, "outcome": d.outcome, "reason": d.reason, "job": d.job_id or ""}
            for d in summary.documents
        ],
        key=f"{key_prefix}-documents",
        description="Where every input document ended, with its reason",
    )
