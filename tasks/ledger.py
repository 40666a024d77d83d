"""The state ledger that makes a rerun continue where the last run stopped.

Keyed by content hash (sha256), it records every document ever sent to FlexOrch for a dataset:
its job id and how it ended. Discover skips what the ledger knows, so nothing is uploaded twice
and no credit is spent twice; the flow writes it back after every submitted batch. It lives
where a rerun finds it: a JSON object in the export bucket, or a local file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from flexorch_client import Job, WaitResult
from tasks.models import ExportTarget, IngestParams, SourceDocument
from tasks.s3 import s3_client

if TYPE_CHECKING:
    from tasks.documents import BatchOutcome

# submitted: accepted by FlexOrch, outcome not known yet (a rerun waits for it, never resends)
# lost: FlexOrch no longer knows the job (purged by retention, another key): a rerun resends it
LedgerState = Literal["submitted", "completed", "failed", "rejected", "lost"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class LedgerEntry(BaseModel):
    sha256: str
    key: str
    filename: str
    state: LedgerState
    job_id: str | None = None
    document_id: str | None = None
    execution_id: str | None = None
    reason: str = ""
    grade: str | None = None
    score: float | None = None
    reprocessed: bool = False
    # of an S3 object, so a later run can skip downloading it while key, etag and size match
    etag: str | None = None
    size: int | None = None
    feedback_sent: bool = False
    updated_at: str = Field(default_factory=_now)


class Ledger(BaseModel):
    dataset: str
    entries: dict[str, LedgerEntry] = Field(default_factory=dict)

    def get(self, sha256: str) -> LedgerEntry | None:
        return self.entries.get(sha256)

    def put(self, entry: LedgerEntry) -> None:
        entry.updated_at = _now()
        self.entries[entry.sha256] = entry

    def update(self, sha256: str, **changes: Any) -> LedgerEntry:
        entry = self.entries[sha256].model_copy(update=changes)
        self.put(entry)
        return entry

    def record_batch(self, outcome: BatchOutcome) -> None:
        for doc, ref in outcome.accepted:
            # A FlexOrch duplicate points at the job that already holds this content.
            job_id = ref.existing_job_id if ref.is_duplicate and ref.existing_job_id else ref.job_id
            self.put(
                LedgerEntry(
                    sha256=doc.sha256,
                    key=doc.key,
                    filename=doc.filename,
                    state="submitted",
                    job_id=job_id,
                    document_id=ref.document_id or ref.existing_document_id,
                    etag=doc.etag,
                    size=doc.size,
                )
            )
        for doc, reason in outcome.rejected:
            self.put(
                LedgerEntry(
                    sha256=doc.sha256,
                    key=doc.key,
                    filename=doc.filename,
                    state="rejected",
                    reason=reason,
                    etag=doc.etag,
                    size=doc.size,
                )
            )

    def record_job(self, job: Job) -> LedgerEntry | None:
        """Fold a finished job into its entry; unfinished jobs leave the entry `submitted`."""
        entry = self.by_job(job.job_id)
        if entry is None or job.status not in ("completed", "failed"):
            return entry
        quality = job.quality
        return self.update(
            entry.sha256,
            state=job.status,
            document_id=job.document_id or entry.document_id,
            execution_id=job.execution_id,
            grade=quality.grade if quality else None,
            score=quality.score if quality else None,
            reason=""
            if job.status == "completed"
            else f"job failed: {job.failure_reason or 'no reason given'}",
        )

    def record_wait(self, waited: WaitResult) -> list[LedgerEntry]:
        """Fold a wait's finished jobs in and mark the ones FlexOrch no longer knows; returns
        the entries lost that way."""
        for job in waited.jobs.values():
            self.record_job(job)
        return [e for job_id in waited.missing for e in self.record_missing(job_id)]

    def record_missing(self, job_id: str) -> list[LedgerEntry]:
        """Mark the entries of a job FlexOrch answers 404 for as lost, so a rerun resends them
        instead of waiting for a job that will never finish."""
        reason = f"FlexOrch no longer knows job {job_id}; the next run resubmits it"
        return [
            self.update(e.sha256, state="lost", reason=reason)
            for e in list(self.entries.values())
            if e.job_id == job_id
        ]

    def note_objects(self, docs: list[SourceDocument]) -> bool:
        """Record the ETag and size of S3 objects the ledger knows by content but not yet by
        object (entries older than that record); True when an entry changed."""
        changed = False
        for doc in docs:
            entry = self.get(doc.sha256)
            if entry is None or not doc.etag or entry.key != doc.key:
                continue
            if (entry.etag, entry.size) != (doc.etag, doc.size):
                self.update(doc.sha256, etag=doc.etag, size=doc.size)
                changed = True
        return changed

    def unchanged_objects(self) -> dict[tuple[str, str, int], LedgerEntry]:
        """Entries by (key, etag, size) of the S3 object they came from; a lost one is left
        out, since its bytes must be sent again."""
        return {
            (e.key, e.etag, e.size): e
            for e in self.entries.values()
            if e.etag and e.size is not None and e.state != "lost"
        }

    def by_job(self, job_id: str) -> LedgerEntry | None:
        return next((e for e in self.entries.values() if e.job_id == job_id), None)


def _ledger_key(export: ExportTarget, dataset: str) -> str:
    return "/".join(p for p in (export.prefix, "_state", f"{dataset}.json") if p)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def load_ledger(params: IngestParams) -> Ledger:
    """The ledger a previous run left, or an empty one on the first run."""
    raw: str | None
    if params.ledger_path:
        path = Path(params.ledger_path)
        raw = path.read_text() if path.exists() else None
    else:
        s3 = s3_client(params.export.endpoint_url)
        try:
            obj = s3.get_object(
                Bucket=params.export.bucket,
                Key=_ledger_key(params.export, params.dataset_name),
            )
            raw = obj["Body"].read().decode()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            raw = None
    if raw is None:
        return Ledger(dataset=params.dataset_name)
    return Ledger.model_validate(json.loads(raw))


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=2)
def save_ledger(ledger: Ledger, params: IngestParams) -> None:
    """Write the whole ledger; idempotent, so retrying it is always safe."""
    body = ledger.model_dump_json(indent=1)
    if params.ledger_path:
        path = Path(params.ledger_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash mid-write never leaves a torn ledger behind.
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(body)
        tmp.replace(path)
        return
    s3_client(params.export.endpoint_url).put_object(
        Bucket=params.export.bucket,
        Key=_ledger_key(params.export, params.dataset_name),
        Body=body.encode(),
        ContentType="application/json",
    )
