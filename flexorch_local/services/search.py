"""RAG chunks, background indexing and search over a tenant's indexed datasets (Pro+)."""

from __future__ import annotations

import functools
import json
from typing import Any

from flexorch_local import datasets as lib
from flexorch_local.errors import plan_upgrade
from flexorch_local.services import audit
from flexorch_local.services import datasets as ds_service
from flexorch_local.services.accounts import Tenant
from flexorch_local.services.context import Context

MODES = lib.SEARCH_MODES
# Keys of a chunk that describe where it comes from rather than what it says.
_CORE = ("chunk_id", "dataset_id", "document_id", "chunk_index", "text")


@functools.cache
def vectoriser() -> lib.Vectoriser:
    """Built once: looking for an installed embedding model is slow."""
    return lib.Vectoriser()


def require_plan(tenant: Tenant, feature: str) -> None:
    if not tenant.plan.search:
        raise plan_upgrade(feature, "pro and enterprise")


def _make_chunks(ctx: Context, dataset_id: str) -> list[dict[str, Any]]:
    chunks = lib.chunk_rows(ds_service.iter_rows(ctx, dataset_id))
    for chunk in chunks:
        chunk["dataset_id"] = dataset_id
    return chunks


def start_index(ctx: Context, tenant: Tenant, dataset_id: str) -> dict[str, Any]:
    require_plan(tenant, "indexing")
    ds_service.load(ctx, tenant.id, dataset_id)
    # Conditional, so two requests racing cannot both queue the same dataset.
    claimed = ctx.db.execute(
        "UPDATE datasets SET index_status = 'indexing', chunks_indexed = 0 "
        "WHERE id = ? AND index_status != 'indexing'",
        [dataset_id],
    )
    if not claimed:
        return {
            **index_status(ctx, tenant, dataset_id),
            "message": "indexing already in progress; poll /datasets/{id}/index/status",
        }
    ctx.submit("index", dataset_id)
    audit.record(ctx, tenant.id, "dataset.index_requested", dataset_id=dataset_id)
    return {
        "status": "indexing",
        "dataset_id": dataset_id,
        "message": "indexing started; poll /datasets/{id}/index/status",
    }


def run_index(ctx: Context, dataset_id: str) -> None:
    ds = ctx.db.one("SELECT * FROM datasets WHERE id = ?", [dataset_id])
    if ds is None:
        return
    try:
        chunks = _make_chunks(ctx, dataset_id)
        ctx.db.update("datasets", dataset_id, {"total_chunks": len(chunks)})
        vectors = vectoriser().embed([str(c.get("text") or "") for c in chunks]) if chunks else []
        ctx.db.execute("DELETE FROM chunks WHERE dataset_id = ?", [dataset_id])
        ctx.db.executemany(
            "INSERT INTO chunks (dataset_id, idx, tenant_id, chunk, vector) VALUES (?, ?, ?, ?, ?)",
            (
                (dataset_id, i, ds["tenant_id"], json.dumps(c, default=str), json.dumps(list(v)))
                for i, (c, v) in enumerate(zip(chunks, vectors, strict=True))
            ),
        )
        ctx.db.update(
            "datasets", dataset_id, {"index_status": "ready", "chunks_indexed": len(chunks)}
        )
        audit.record(ctx, ds["tenant_id"], "dataset.indexed", dataset_id=dataset_id)
    except Exception:
        ctx.db.update("datasets", dataset_id, {"index_status": "failed"})
        audit.record(ctx, ds["tenant_id"], "dataset.indexed", "failure", dataset_id=dataset_id)
        raise


def index_status(ctx: Context, tenant: Tenant, dataset_id: str) -> dict[str, Any]:
    ds = ds_service.load(ctx, tenant.id, dataset_id)
    return {
        "dataset_id": dataset_id,
        "status": ds["index_status"],
        "chunks_indexed": ds["chunks_indexed"],
        "total_chunks": ds["total_chunks"],
    }


def chunk_view(chunk: dict[str, Any]) -> dict[str, Any]:
    """A chunk in the shape the SDK's SearchResult and the docs' chunk listing both read."""
    text = str(chunk.get("text") or chunk.get("chunk_text") or "")
    meta = dict(chunk.get("metadata") or {k: v for k, v in chunk.items() if k not in _CORE})
    meta.pop("vector", None)
    return {
        "chunk_id": chunk.get("chunk_id"),
        "dataset_id": chunk.get("dataset_id"),
        "document_id": chunk.get("document_id"),
        "job_id": meta.get("job_id"),
        "chunk_index": chunk.get("chunk_index", meta.get("chunk_index", 0)),
        "text": text,
        "chunk_text": text,
        "token_count": len(text.split()),
        "metadata": meta,
    }


def list_chunks(
    ctx: Context,
    tenant: Tenant,
    dataset_id: str,
    page: int,
    page_size: int,
    quality_grade: str | None,
) -> dict[str, Any]:
    require_plan(tenant, "RAG chunks")
    ds_service.load(ctx, tenant.id, dataset_id)
    chunks = _make_chunks(ctx, dataset_id)
    if quality_grade:
        wanted = {g.strip().upper() for g in quality_grade.split(",")}
        chunks = [c for c in chunks if str(c.get("quality_grade")) in wanted]
    start = (page - 1) * page_size
    return {
        "items": [chunk_view(c) for c in chunks[start : start + page_size]],
        "total": len(chunks),
        "page": page,
        "page_size": page_size,
    }


def search(
    ctx: Context, tenant: Tenant, query: str, top_k: int, mode: str, filters: dict[str, Any]
) -> dict[str, Any]:
    require_plan(tenant, "search")
    sql, params = "SELECT * FROM chunks WHERE tenant_id = ?", [tenant.id]
    if filters.get("dataset_id"):
        sql += " AND dataset_id = ?"
        params.append(filters["dataset_id"])
    candidates = [
        {**json.loads(rec["chunk"]), "vector": json.loads(rec["vector"])}
        for rec in ctx.db.all(sql, params)
    ]
    hits = (
        lib.search(
            candidates, query, top_k=top_k, mode=mode, filters=filters, vectoriser=vectoriser()
        )
        if candidates
        else []
    )
    results = []
    for hit in hits:
        view = chunk_view({**hit["metadata"], **hit, "text": hit["chunk_text"]})
        results.append({**view, "score": hit["score"]})
    audit.record(ctx, tenant.id, "search.query", results=len(results))
    return {"results": results, "total": len(results), "query": query, "mode": mode, "top_k": top_k}
