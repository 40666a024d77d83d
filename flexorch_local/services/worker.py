"""Background worker pool: document jobs, dataset builds and indexing never run in a request."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from flexorch_local import processing
from flexorch_local.services import accounts, audit, datasets, search, webhooks
from flexorch_local.services.context import Context
from flexorch_local.storage import now_iso
from flexorch_local.storage.db import dumps

log = logging.getLogger("flexorch_local.worker")
STAGES = ("extract", "privacy", "quality", "dataset")
# How often an idle worker checks whether the pool shrank past its slot.
IDLE_POLL = 0.2


class JobFailed(Exception):
    pass


class WorkerPool:
    """Worker threads, one per slot 0..target-1.

    Resizing sets the target; a worker whose slot is at or past it leaves after its current
    task (or within IDLE_POLL when idle). Stop signals in the queue would wait behind the
    backlog, and a thread forgotten while still busy would outlive a later resize."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._slots: dict[int, threading.Thread] = {}
        self._target = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        self.resize(int(self.ctx.knobs.get("workers")))
        self._requeue()

    def _requeue(self) -> None:
        """Jobs a previous run left queued or running start again from the beginning."""
        db = self.ctx.db
        db.execute("UPDATE jobs SET status = 'queued', stage = NULL WHERE status = 'running'")
        for row in db.all("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at"):
            self.submit("job", row["id"])
        for row in db.all("SELECT id FROM datasets WHERE index_status = 'indexing'"):
            self.submit("index", row["id"])

    def resize(self, count: int) -> None:
        with self._lock:
            self._target = count
            for slot in range(count):
                thread = self._slots.get(slot)
                # A slot's old thread still finishing its last task stays: it sees the new
                # target before taking another and carries on, so no slot runs twice.
                if thread is None or not thread.is_alive():
                    thread = threading.Thread(
                        target=self._run, args=(slot,), daemon=True, name=f"flexorch-worker-{slot}"
                    )
                    self._slots[slot] = thread
                    thread.start()

    def submit(self, task: str, ref: str) -> None:
        self._queue.put((task, ref))

    def stop(self) -> None:
        self.resize(0)

    def _keep(self, slot: int) -> bool:
        with self._lock:
            if slot < self._target:
                return True
            # Leaving: free the slot under the lock, so a resize from now on starts a new
            # thread for it instead of counting on this one.
            if self._slots.get(slot) is threading.current_thread():
                del self._slots[slot]
            return False

    def _run(self, slot: int) -> None:
        while self._keep(slot):
            try:
                task, ref = self._queue.get(timeout=IDLE_POLL)
            except queue.Empty:
                continue
            try:
                if task == "job":
                    run_job(self.ctx, ref)
                elif task == "index":
                    search.run_index(self.ctx, ref)
            except Exception:  # a worker must survive any one task
                log.exception("task %s %s crashed", task, ref)


def _set(ctx: Context, job_id: str, **values: Any) -> None:
    ctx.db.update("jobs", job_id, values)


def _pause(ctx: Context) -> None:
    delay = float(ctx.knobs.get("processing_delay") or 0)
    if delay > 0:
        time.sleep(delay / len(STAGES))


def run_job(ctx: Context, job_id: str) -> None:
    row = ctx.db.one("SELECT * FROM jobs WHERE id = ?", [job_id])
    if row is None or row["status"] != "queued":
        return
    _set(ctx, job_id, status="running", stage=STAGES[0], started_at=now_iso())
    try:
        if row["type"] == "dataset_build":
            summary = datasets.run_build_job(ctx, row)
        else:
            summary = _process(ctx, row)
    except Exception as exc:
        reason = str(exc) if isinstance(exc, JobFailed) else f"internal error: {type(exc).__name__}"
        _fail(ctx, row, reason)
        return
    _set(ctx, job_id, status="completed", stage=None, completed_at=now_iso(), result=dumps(summary))
    audit.record(
        ctx,
        row["tenant_id"],
        f"job.{row['type']}.completed",
        document_id=row["document_id"],
        job_id=job_id,
    )
    if row["type"] == "data_process":
        webhooks.emit(
            ctx,
            row["tenant_id"],
            "job.completed",
            job_id=job_id,
            status="completed",
            quality_grade=summary["quality_grade"],
            pii_findings_count=len(summary["pii_findings"]),
        )


def _fail(ctx: Context, row: dict[str, Any], reason: str) -> None:
    _set(ctx, row["id"], status="failed", stage=None, completed_at=now_iso(), failure_reason=reason)
    accounts.refund_credits(ctx, row["tenant_id"], row["credits"])
    audit.record(
        ctx,
        row["tenant_id"],
        f"job.{row['type']}.failed",
        "failure",
        document_id=row["document_id"],
        job_id=row["id"],
    )
    webhooks.emit(
        ctx,
        row["tenant_id"],
        "job.failed",
        job_id=row["id"],
        status="failed",
        quality_grade=None,
        pii_findings_count=0,
    )


def _process(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    doc = ctx.db.one("SELECT * FROM documents WHERE id = ?", [row["document_id"]])
    if doc is None or not ctx.blobs.exists(doc["blob"]):
        raise JobFailed("the source file is no longer available")
    _pause(ctx)
    if ctx.knobs.roll("job_failure_rate"):
        raise JobFailed("injected failure (job_failure_rate knob)")
    params = datasets.json_field(row["params"]) or {}
    try:
        result = processing.process_document(
            ctx.blobs.read(doc["blob"]), doc["filename"], params.get("locale") or "und"
        )
    except (processing.UnsupportedDocument, processing.ExtractionFailed) as exc:
        raise JobFailed(getattr(exc, "reason", None) or str(exc)) from exc
    for stage in STAGES[1:]:
        _set(ctx, row["id"], stage=stage)
        _pause(ctx)
    return dict(result.model_dump(mode="json"))
