"""Index (FlexOrch /datasets/{id}/index, /search): Pro and up; other plans skip with a warning."""

from __future__ import annotations

import time

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from flexorch_client import FlexOrchClient
from flexorch_client.errors import PlanUpgradeRequiredError

INDEX_POLL_SECONDS = 1.0


class IndexReport(BaseModel):
    status: str  # ready | skipped | failed | timed_out | disabled
    reason: str = ""
    chunks_indexed: int | None = None
    search_hits: int | None = None


@task(cache_policy=NO_CACHE)
def index_dataset(
    client: FlexOrchClient, dataset_id: str, query: str, timeout: float = 300.0
) -> IndexReport:
    """Index the dataset, wait until it is ready, and prove it with one search."""
    logger = get_run_logger()
    try:
        client.datasets.index(dataset_id)
    except PlanUpgradeRequiredError as exc:
        logger.warning("Indexing skipped: the plan does not include it (%s)", exc.code)
        return IndexReport(status="skipped", reason="PLAN_UPGRADE_REQUIRED: indexing needs Pro+")
    deadline = time.monotonic() + timeout
    while (status := client.datasets.index_status(dataset_id)).status not in ("ready", "failed"):
        if time.monotonic() > deadline:
            logger.warning("Index of %s not ready after %.0fs", dataset_id, timeout)
            return IndexReport(status="timed_out", chunks_indexed=status.chunks_indexed)
        time.sleep(INDEX_POLL_SECONDS)
    if status.status == "failed":
        logger.warning("FlexOrch failed to index dataset %s", dataset_id)
        return IndexReport(status="failed", chunks_indexed=status.chunks_indexed)
    hits = client.search(query, top_k=3, filters={"dataset_id": dataset_id})
    logger.info(
        "Indexed %s chunk(s); search %r found %d hit(s)", status.chunks_indexed, query, len(hits)
    )
    return IndexReport(status="ready", chunks_indexed=status.chunks_indexed, search_hits=len(hits))
