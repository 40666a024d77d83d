"""Datasets: building, inspecting, exporting and indexing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .._exceptions import APIStatusError
from .._steps import Call, Destination, Op, OpContext, single
from ..models import (
    ConnectorExport,
    Dataset,
    DatasetProfile,
    DatasetRows,
    ExportResult,
    IndexStatus,
    Job,
)
from ._base import AsyncResource, SyncResource, as_destination, items_of


def _create(
    name: str, execution_ids: Sequence[str] | None, job_ids: Sequence[str] | None
) -> Op[Dataset]:
    body: dict[str, Any] = {"name": name}
    if execution_ids is not None:
        body["execution_ids"] = list(execution_ids)
    if job_ids is not None:
        body["job_ids"] = list(job_ids)
    return single(Call("POST", "/datasets", json=body), Dataset.model_validate)


def _build(execution_id: str, name: str | None) -> Op[Job]:
    body = {"name": name} if name else {}
    call = Call("POST", f"/datasets/build-from-execution/{execution_id}", json=body)
    return single(call, Job.model_validate)


def _get(dataset_id: str) -> Op[Dataset]:
    return single(Call("GET", f"/datasets/{dataset_id}"), Dataset.model_validate)


def _list() -> Op[list[Dataset]]:
    data = yield Call("GET", "/datasets")
    return [Dataset.model_validate(d) for d in items_of(data, "datasets")]


def _profile(dataset_id: str) -> Op[DatasetProfile]:
    return single(Call("GET", f"/datasets/{dataset_id}/profile"), DatasetProfile.model_validate)


def _rows(dataset_id: str, page: int, page_size: int) -> Op[DatasetRows]:
    call = Call(
        "GET", f"/datasets/{dataset_id}/rows", params={"page": page, "page_size": page_size}
    )
    return single(call, DatasetRows.model_validate)


def _export(
    ctx: OpContext, dataset_id: str, fmt: str, destination: Destination, min_quality: str | None
) -> Op[ExportResult]:
    calls = {
        "query": Call(
            "GET",
            f"/datasets/{dataset_id}/export",
            params={"format": fmt, "min_quality": min_quality},
            destination=destination,
        ),
        "path": Call(
            "GET",
            f"/datasets/{dataset_id}/export/{fmt}",
            params={"min_quality": min_quality},
            destination=destination,
        ),
    }
    # The documented `?format=` route first, the live `/export/{format}` on
    # 404/405; the route that worked is remembered so later exports cost one request.
    order = [ctx.export_route] if ctx.export_route else ["query", "path"]
    for route in order:
        try:
            result: ExportResult = yield calls[route]
        except APIStatusError as exc:
            if exc.status_code in (404, 405) and route != order[-1]:
                continue
            raise
        ctx.export_route = route
        return result
    raise AssertionError("unreachable")


def _to_connector(dataset_id: str, connector_id: str, fmt: str, prefix: str) -> Op[ConnectorExport]:
    body = {"connector_id": connector_id, "format": fmt, "prefix": prefix}
    call = Call("POST", f"/datasets/{dataset_id}/export-s3", json=body)
    return single(call, ConnectorExport.model_validate)


def _index(dataset_id: str) -> Op[IndexStatus]:
    return single(Call("POST", f"/datasets/{dataset_id}/index"), IndexStatus.model_validate)


def _index_status(dataset_id: str) -> Op[IndexStatus]:
    call = Call("GET", f"/datasets/{dataset_id}/index/status")
    return single(call, IndexStatus.model_validate)


class Datasets(SyncResource):
    def create(
        self,
        name: str,
        *,
        execution_ids: Sequence[str] | None = None,
        job_ids: Sequence[str] | None = None,
    ) -> Dataset:
        """Build a dataset from processed executions or jobs."""
        return self._run(_create(name, execution_ids, job_ids))

    def build_from_execution(self, execution_id: str, *, name: str | None = None) -> Job:
        """Start a `dataset_build` job; its completed state carries `dataset_id`."""
        return self._run(_build(execution_id, name))

    def get(self, dataset_id: str) -> Dataset:
        """One dataset. Raises NotFoundError for an unknown id."""
        return self._run(_get(dataset_id))

    def list(self) -> list[Dataset]:
        """The tenant's datasets."""
        return self._run(_list())

    def profile(self, dataset_id: str) -> DatasetProfile:
        """Grade distribution, PII summary, average score and formats of a dataset."""
        return self._run(_profile(dataset_id))

    def rows(self, dataset_id: str, *, page: int = 1, page_size: int = 50) -> DatasetRows:
        """A page of the dataset's rows, for previews."""
        return self._run(_rows(dataset_id, page, page_size))

    def export(
        self,
        dataset_id: str,
        format: str,
        destination: str | Path | IO[bytes],
        *,
        min_quality: str | None = None,
    ) -> ExportResult:
        """Stream an export to a file path or a binary file object.

        The body is never held whole in memory; its SHA-256 and size are computed
        while writing. A path is written via a `.part` file renamed on success.
        Raises NotFoundError if the dataset (or format) does not exist.
        """
        return self._run(
            _export(self._ctx, dataset_id, format, as_destination(destination), min_quality)
        )

    def export_to_connector(
        self, dataset_id: str, connector_id: str, format: str, prefix: str = ""
    ) -> ConnectorExport:
        """Have the server write the export into a connector's bucket."""
        return self._run(_to_connector(dataset_id, connector_id, format, prefix))

    def index(self, dataset_id: str) -> IndexStatus:
        """Start semantic indexing (Pro+; PlanUpgradeRequiredError otherwise)."""
        return self._run(_index(dataset_id))

    def index_status(self, dataset_id: str) -> IndexStatus:
        """Indexing progress: not_indexed, indexing, ready or failed."""
        return self._run(_index_status(dataset_id))


class AsyncDatasets(AsyncResource):
    async def create(
        self,
        name: str,
        *,
        execution_ids: Sequence[str] | None = None,
        job_ids: Sequence[str] | None = None,
    ) -> Dataset:
        """See `Datasets.create`."""
        return await self._run(_create(name, execution_ids, job_ids))

    async def build_from_execution(self, execution_id: str, *, name: str | None = None) -> Job:
        """See `Datasets.build_from_execution`."""
        return await self._run(_build(execution_id, name))

    async def get(self, dataset_id: str) -> Dataset:
        """See `Datasets.get`."""
        return await self._run(_get(dataset_id))

    async def list(self) -> list[Dataset]:
        """See `Datasets.list`."""
        return await self._run(_list())

    async def profile(self, dataset_id: str) -> DatasetProfile:
        """See `Datasets.profile`."""
        return await self._run(_profile(dataset_id))

    async def rows(self, dataset_id: str, *, page: int = 1, page_size: int = 50) -> DatasetRows:
        """See `Datasets.rows`."""
        return await self._run(_rows(dataset_id, page, page_size))

    async def export(
        self,
        dataset_id: str,
        format: str,
        destination: str | Path | IO[bytes],
        *,
        min_quality: str | None = None,
    ) -> ExportResult:
        """See `Datasets.export`."""
        return await self._run(
            _export(self._ctx, dataset_id, format, as_destination(destination), min_quality)
        )

    async def export_to_connector(
        self, dataset_id: str, connector_id: str, format: str, prefix: str = ""
    ) -> ConnectorExport:
        """See `Datasets.export_to_connector`."""
        return await self._run(_to_connector(dataset_id, connector_id, format, prefix))

    async def index(self, dataset_id: str) -> IndexStatus:
        """See `Datasets.index`."""
        return await self._run(_index(dataset_id))

    async def index_status(self, dataset_id: str) -> IndexStatus:
        """See `Datasets.index_status`."""
        return await self._run(_index_status(dataset_id))
