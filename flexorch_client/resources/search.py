"""Search over indexed datasets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._steps import Call, Op
from ..models import SearchResult
from ._base import items_of


def search_op(
    query: str, top_k: int, mode: str, filters: Mapping[str, Any] | None
) -> Op[list[SearchResult]]:
    body: dict[str, Any] = {"query": query, "top_k": top_k, "mode": mode}
    if filters:
        body["filters"] = dict(filters)
    data = yield Call("POST", "/search", json=body)
    return [SearchResult.model_validate(r) for r in items_of(data, "results")]
