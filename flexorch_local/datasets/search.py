"""Search over indexed chunks: semantic (cosine), structured (keywords + metadata), hybrid."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from flexorch_local.datasets.vectors import Embedder, cosine

SEARCH_MODES = ("auto", "structured", "semantic", "hybrid")
FILTER_KEYS = ("quality_grade", "language", "dataset_id", "document_type")
# Hybrid leans on meaning but lets exact terms (an invoice number, a vendor) pull ahead.
SEMANTIC_WEIGHT = 0.6
_TERM = re.compile(r"\w+", re.UNICODE)
_METADATA_TEXT = ("document_type", "filename", "language", "quality_grade")
_RESULT_KEYS = frozenset({"text", "vector", "document_id", "dataset_id"})


def _terms(text: str) -> list[str]:
    return [t.casefold() for t in _TERM.findall(text)]


def _matches(chunk: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    for key in FILTER_KEYS:
        wanted = filters.get(key)
        if wanted in (None, "", []):
            continue
        value = chunk.get("language" if key == "language" else key)
        allowed = (
            {str(w) for w in wanted} if isinstance(wanted, list | tuple | set) else {str(wanted)}
        )
        if value is None or str(value) not in allowed:
            return False
    return True


def _keyword_scores(chunks: Sequence[Mapping[str, Any]], query: str) -> list[float]:
    """BM25-style term scores scaled to 0-1 by the best possible score for the query."""
    query_terms = list(dict.fromkeys(_terms(query)))
    if not query_terms or not chunks:
        return [0.0] * len(chunks)
    docs = []
    for chunk in chunks:
        meta = " ".join(str(chunk.get(k) or "") for k in _METADATA_TEXT)
        docs.append(Counter(_terms(f"{chunk.get('text') or ''} {meta}")))
    n = len(docs)
    avg_len = sum(sum(d.values()) for d in docs) / n or 1.0
    idf = {
        t: math.log(
            1 + (n - sum(1 for d in docs if t in d) + 0.5) / (sum(1 for d in docs if t in d) + 0.5)
        )
        for t in query_terms
    }
    k1, b = 1.2, 0.75
    best = sum(idf.values()) * (k1 + 1) or 1.0
    scores = []
    for doc in docs:
        length = sum(doc.values())
        score = 0.0
        for term in query_terms:
            tf = doc.get(term, 0)
            if tf:
                score += idf[term] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_len))
        scores.append(min(1.0, score / best))
    return scores


def _result(chunk: Mapping[str, Any], score: float) -> dict[str, Any]:
    return {
        "score": round(score, 6),
        "chunk_text": chunk.get("text") or "",
        "document_id": chunk.get("document_id"),
        "dataset_id": chunk.get("dataset_id"),
        "metadata": {k: v for k, v in chunk.items() if k not in _RESULT_KEYS},
    }


def search(
    chunks: Sequence[Mapping[str, Any]],
    query: str,
    *,
    top_k: int = 5,
    mode: str = "auto",
    filters: Mapping[str, Any] | None = None,
    vectoriser: Embedder,
) -> list[dict[str, Any]]:
    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}; valid modes: {', '.join(SEARCH_MODES)}")
    if not query.strip():
        raise ValueError("query must not be empty")
    mode = "hybrid" if mode == "auto" else mode
    pool = [c for c in chunks if _matches(c, filters or {})]
    if not pool:
        return []
    keyword = _keyword_scores(pool, query) if mode != "semantic" else [0.0] * len(pool)
    semantic = [0.0] * len(pool)
    if mode != "structured":
        query_vector = vectoriser.embed([query])[0]
        semantic = [
            max(0.0, cosine(query_vector, c["vector"])) if c.get("vector") else 0.0 for c in pool
        ]
    scored = []
    for chunk, sem, kw in zip(pool, semantic, keyword, strict=True):
        if mode == "semantic":
            score = sem
        elif mode == "structured":
            score = kw
        else:
            score = SEMANTIC_WEIGHT * sem + (1 - SEMANTIC_WEIGHT) * kw
        if score > 0:
            scored.append((score, str(chunk.get("chunk_id") or ""), chunk))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [_result(chunk, score) for score, _, chunk in scored[: max(1, top_k)]]
