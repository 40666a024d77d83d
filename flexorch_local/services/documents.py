"""Accepting uploads: type and size checks, duplicates, credits, and queueing jobs."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from flexorch_local import processing
from flexorch_local.errors import ApiError, bad_request
from flexorch_local.plans import ENGINE_COSTS
from flexorch_local.services import accounts, audit, jobs
from flexorch_local.services.accounts import Tenant
from flexorch_local.services.context import Context
from flexorch_local.storage import new_id, now_iso

REJECT_STATUS = {
    "FILE_TOO_LARGE": 413,
    "UNSUPPORTED_FILE": 415,
    "EMPTY_FILE": 400,
    "NOT_FOUND": 404,
    "CONNECTOR_UNAVAILABLE": 502,
}


# Bytes of one file kept in memory before it spills to a temp file on disk.
SPOOL_BYTES = 1024 * 1024
HASH_CHUNK = 1024 * 1024


def new_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


@dataclass
class IncomingFile:
    """A received file, held in a spool (memory up to SPOOL_BYTES, then a temp file)."""

    filename: str
    content: IO[bytes]
    size: int
    too_large: bool = False

    def head(self, count: int = 64) -> bytes:
        self.content.seek(0)
        return self.content.read(count)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        self.content.seek(0)
        while chunk := self.content.read(HASH_CHUNK):
            digest.update(chunk)
        return digest.hexdigest()


def close_all(files: Iterable[IncomingFile]) -> None:
    for f in files:
        f.content.close()


def parse_pipeline_config(raw: str | dict[str, Any] | None) -> tuple[str, int]:
    """(engine, credits per job) from the optional pipeline_config form field."""
    if raw in (None, ""):
        return "deterministic", ENGINE_COSTS["deterministic"]
    try:
        config = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise bad_request("pipeline_config must be a JSON object", "VALIDATION_ERROR") from exc
    if not isinstance(config, dict):
        raise bad_request("pipeline_config must be a JSON object", "VALIDATION_ERROR")
    engine = str(config.get("engine") or "deterministic")
    if engine not in ENGINE_COSTS:
        raise bad_request(f"engine must be one of {', '.join(ENGINE_COSTS)}", "VALIDATION_ERROR")
    return engine, ENGINE_COSTS[engine]


def reject(filename: str, code: str, error: str) -> dict[str, str]:
    return {"filename": filename, "code": code, "error": error}


def _check(tenant: Tenant, f: IncomingFile) -> dict[str, str] | None:
    if f.too_large:
        limit_mb = tenant.plan.max_file_bytes // (1024 * 1024)
        return reject(f.filename, "FILE_TOO_LARGE", f"over the {limit_mb} MB limit of the plan")
    if f.size == 0:
        return reject(f.filename, "EMPTY_FILE", "the file is empty")
    if processing.detect_file_type(f.filename, f.head()) is None:
        ext = PurePosixPath(f.filename).suffix.lower() or "(none)"
        return reject(f.filename, "UNSUPPORTED_FILE", f"file type {ext} is not accepted")
    return None


def _existing(ctx: Context, tenant_id: str, content_hash: str) -> dict[str, Any] | None:
    """The latest non-failed job of a document with this content, if any."""
    return ctx.db.one(
        "SELECT j.* FROM documents d JOIN jobs j ON j.document_id = d.id "
        "WHERE d.tenant_id = ? AND d.content_hash = ? AND j.status != 'failed' "
        "ORDER BY j.created_at DESC LIMIT 1",
        [tenant_id, content_hash],
    )


def _duplicate_view(ctx: Context, job: dict[str, Any], filename: str) -> dict[str, Any]:
    # The name sent now, not the earlier job's: clients match answers to files by name.
    return {
        **jobs.view(ctx, job),
        "filename": filename,
        "is_duplicate": True,
        "existing_document_id": job["document_id"],
        "existing_job_id": job["id"],
        "credits_charged": 0,
    }


# Uploads run in the threadpool: the duplicate check and the job creation that follows must
# be one step, or two requests carrying the same file both miss each other and both pay.
# flexorch-local is one process, so a process lock is enough.
_ACCEPT_LOCK = threading.Lock()


def accept_files(
    ctx: Context,
    tenant: Tenant,
    files: list[IncomingFile],
    *,
    locale: str = "und",
    pipeline_config: str | dict[str, Any] | None = None,
    source: str = "upload",
    rejected: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """`rejected`: files already refused before they could be read (connector objects)."""
    with _ACCEPT_LOCK:
        return _accept(ctx, tenant, files, locale, pipeline_config, source, list(rejected or []))


def _accept(
    ctx: Context,
    tenant: Tenant,
    files: list[IncomingFile],
    locale: str,
    pipeline_config: str | dict[str, Any] | None,
    source: str,
    rejected: list[dict[str, str]],
) -> dict[str, Any]:
    if not files and not rejected:
        raise bad_request("send at least one file in the multipart field 'files'", "MISSING_INPUT")
    engine, cost = parse_pipeline_config(pipeline_config)
    fresh: dict[str, IncomingFile] = {}
    # Per accepted file, in the order sent: its name, its digest, and the earlier job it
    # duplicates; None marks the first copy of new content, which gets a new job.
    accepted: list[tuple[str, str, dict[str, Any] | None]] = []
    twins: set[int] = set()  # positions in `accepted` of later copies within this request
    for f in files:
        problem = _check(tenant, f)
        if problem:
            rejected.append(problem)
            continue
        digest = f.sha256()
        if digest in fresh:
            twins.add(len(accepted))
            accepted.append((f.filename, digest, None))
            continue
        earlier = _existing(ctx, tenant.id, digest)
        if earlier is None:
            fresh[digest] = f
        accepted.append((f.filename, digest, earlier))
    if not accepted:
        first = rejected[0]
        raise ApiError(
            REJECT_STATUS.get(first["code"], 400),
            first["code"],
            f"{first['filename']}: {first['error']}",
        )
    accounts.reserve_credits(ctx, tenant.id, cost * len(fresh))
    created = {
        digest: _create(ctx, tenant.id, f, digest, locale, engine, cost, source)
        for digest, f in fresh.items()
    }
    for job in created.values():
        ctx.submit("job", job["id"])
    views = []
    for i, (filename, digest, earlier) in enumerate(accepted):
        if earlier is not None:
            views.append(_duplicate_view(ctx, earlier, filename))
        elif i in twins:
            views.append(_duplicate_view(ctx, created[digest], filename))
        else:
            views.append(jobs.view(ctx, created[digest]))
    for r in rejected:
        audit.record(ctx, tenant.id, "document.rejected", "failure", code=r["code"])
    return {
        "job_id": views[0]["job_id"] if views else None,
        "job_ids": [v["job_id"] for v in views],
        "status": "queued",
        "accepted": len(created),
        "duplicates": len(views) - len(created),
        "rejected": rejected,
        "jobs": views,
    }


def _create(
    ctx: Context,
    tenant_id: str,
    f: IncomingFile,
    digest: str,
    locale: str,
    engine: str,
    cost: int,
    source: str,
) -> dict[str, Any]:
    doc_id = new_id("doc")
    ctx.blobs.write(doc_id, f.content)
    ctx.db.insert(
        "documents",
        {
            "id": doc_id,
            "tenant_id": tenant_id,
            "filename": f.filename,
            "file_ext": PurePosixPath(f.filename).suffix.lower().lstrip("."),
            "file_type": processing.detect_file_type(f.filename, f.head()),
            "content_hash": digest,
            "size_bytes": f.size,
            "blob": doc_id,
            "source": source,
            "locale": locale,
            "created_at": now_iso(),
        },
    )
    audit.record(ctx, tenant_id, "document.uploaded", document_id=doc_id, source=source)
    return jobs.create_job(
        ctx,
        tenant_id,
        "data_process",
        document_id=doc_id,
        filename=f.filename,
        engine=engine,
        credits=cost,
        params={"locale": locale},
    )


def load(ctx: Context, tenant_id: str, document_id: str) -> dict[str, Any]:
    return ctx.owned("documents", "document", document_id, tenant_id)


def reprocess(
    ctx: Context, tenant: Tenant, document_id: str, pipeline_config: str | dict[str, Any] | None
) -> dict[str, Any]:
    doc = load(ctx, tenant.id, document_id)
    if not doc["blob"] or not ctx.blobs.exists(doc["blob"]):
        raise bad_request("the source file is no longer available", "DOCUMENT_FILE_NOT_AVAILABLE")
    engine, cost = parse_pipeline_config(pipeline_config)
    accounts.reserve_credits(ctx, tenant.id, cost)
    job = jobs.create_job(
        ctx,
        tenant.id,
        "data_process",
        document_id=doc["id"],
        filename=doc["filename"],
        engine=engine,
        credits=cost,
        params={"locale": doc["locale"], "reprocess": True},
    )
    ctx.submit("job", job["id"])
    return jobs.view(ctx, job)


def view(ctx: Context, doc: dict[str, Any], detail: bool = False) -> dict[str, Any]:
    history = ctx.db.all(
        "SELECT * FROM jobs WHERE document_id = ? ORDER BY created_at DESC, rowid DESC", [doc["id"]]
    )
    latest = history[0] if history else None
    out = {
        "id": doc["id"],
        "document_id": doc["id"],
        "filename": doc["filename"],
        "file_ext": doc["file_ext"],
        "file_type": doc["file_type"],
        "size_bytes": doc["size_bytes"],
        "content_hash": doc["content_hash"],
        "source": doc["source"],
        "status": latest["status"] if latest else "uploaded",
        "storage_path": f"local://documents/{doc['id']}",
        "created_at": doc["created_at"],
        "processing_count": len(history),
        "latest_execution": {
            "execution_id": latest["execution_id"],
            "job_id": latest["id"],
            "status": latest["status"],
        }
        if latest
        else None,
    }
    if detail:
        views = [jobs.view(ctx, j) for j in history]
        out["processing_history"] = views
        related = {ds for v in views for ds in v.get("dataset_ids", [])}
        out["related_datasets"] = [{"id": ds} for ds in sorted(related)]
    return out


def list_documents(ctx: Context, tenant_id: str, page: int, page_size: int) -> dict[str, Any]:
    total = ctx.db.scalar("SELECT COUNT(*) FROM documents WHERE tenant_id = ?", [tenant_id])
    rows = ctx.db.all(
        "SELECT * FROM documents WHERE tenant_id = ? ORDER BY created_at DESC, rowid DESC "
        "LIMIT ? OFFSET ?",
        [tenant_id, page_size, (page - 1) * page_size],
    )
    return {
        "items": [view(ctx, r) for r in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
    }
