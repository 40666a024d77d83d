from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from flexorch_local.api.deps import CtxDep, TenantDep
from flexorch_local.api.envelope import ok
from flexorch_local.services import audit, compliance

router = APIRouter(tags=["compliance"])


@router.get("/compliance/record")
def compliance_record(ctx: CtxDep, tenant: TenantDep) -> dict[str, Any]:
    return ok(compliance.record(ctx, tenant))


@router.get("/audit/export", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def audit_export(
    ctx: CtxDep, tenant: TenantDep, format: Literal["json", "csv"] = "json"
) -> Response:
    """The audit log as a file (no envelope), like the other downloads."""
    body, media_type = compliance.audit_export(ctx, tenant, format)
    audit.record(ctx, tenant.id, "audit.exported", format=format)
    headers = {"Content-Disposition": f'attachment; filename="audit.{format}"'}
    return Response(body, media_type=media_type, headers=headers)
