"""GDPR record of processing and the audit log export."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from .._steps import Call, Destination, Op, single
from ..models import ComplianceRecord, ExportResult
from ._base import AsyncResource, SyncResource, as_destination


def _record() -> Op[ComplianceRecord]:
    return single(Call("GET", "/compliance/record"), ComplianceRecord.model_validate)


def _audit(fmt: str, destination: Destination) -> Op[ExportResult]:
    result: ExportResult = yield Call(
        "GET", "/audit/export", params={"format": fmt}, destination=destination
    )
    return result


class Compliance(SyncResource):
    def record(self) -> ComplianceRecord:
        """The GDPR Article 30 record of processing activities."""
        return self._run(_record())

    def audit_export(self, format: str, destination: str | Path | IO[bytes]) -> ExportResult:
        """Stream the audit log ("json" or "csv") to a path or binary file object."""
        return self._run(_audit(format, as_destination(destination)))


class AsyncCompliance(AsyncResource):
    async def record(self) -> ComplianceRecord:
        """See `Compliance.record`."""
        return await self._run(_record())

    async def audit_export(self, format: str, destination: str | Path | IO[bytes]) -> ExportResult:
        """See `Compliance.audit_export`."""
        return await self._run(_audit(format, as_destination(destination)))
