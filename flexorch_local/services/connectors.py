"""Storage connectors: S3 really works through boto3; gcs/azure_blob are validated only."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from flexorch_local.errors import ApiError, bad_request, not_found
from flexorch_local.services import audit, documents
from flexorch_local.services import datasets as ds_service
from flexorch_local.services.accounts import Tenant
from flexorch_local.services.context import Context
from flexorch_local.services.documents import IncomingFile
from flexorch_local.storage import new_id, now_iso
from flexorch_local.storage.db import dumps

# The documented S3 credential names and the SDK's shorter ones are both accepted.
SECRET_ALIASES = {
    "access_key_id": "aws_access_key_id",
    "secret_access_key": "aws_secret_access_key",
}
# The fields that may be shown; every other field is a secret. An allowlist, because a
# denylist leaks any credential whose name it did not foresee.
PUBLIC_KEYS = {
    "s3": {"bucket", "region", "prefix", "endpoint_url"},
    "gcs": {"bucket", "project_id", "prefix"},
    "azure_blob": {"container", "account_name", "prefix", "endpoint_url"},
}
REQUIRED = {
    "s3": ("bucket",),
    "gcs": ("bucket",),
    "azure_blob": ("container",),
}
TIMEOUTS = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 1})


def create(
    ctx: Context, tenant_id: str, ctype: str, name: str, config: dict[str, Any]
) -> dict[str, Any]:
    if ctype not in REQUIRED:
        raise bad_request(f"type must be one of {', '.join(REQUIRED)}", "VALIDATION_ERROR")
    config = {SECRET_ALIASES.get(k, k): v for k, v in config.items()}
    missing = [k for k in REQUIRED[ctype] if not config.get(k)]
    if missing:
        raise bad_request(f"config needs {', '.join(missing)}", "VALIDATION_ERROR")
    public = {k: v for k, v in config.items() if k in PUBLIC_KEYS[ctype]}
    secret = {k: v for k, v in config.items() if k not in PUBLIC_KEYS[ctype]}
    row = {
        "id": new_id("con"),
        "tenant_id": tenant_id,
        "type": ctype,
        "name": name,
        "config": dumps(public),
        "secrets": ctx.secrets.seal(secret),
        "created_at": now_iso(),
    }
    ctx.db.insert("connectors", row)
    audit.record(ctx, tenant_id, "settings.connector_created", connector_id=row["id"], type=ctype)
    return view(ctx.db.one("SELECT * FROM connectors WHERE id = ?", [row["id"]]) or row)


def view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "connector_id": row["id"],
        "type": row["type"],
        "name": row["name"],
        # Filtered again: rows stored before the allowlist may hold a credential here.
        "config": {
            k: v for k, v in json.loads(row["config"]).items() if k in PUBLIC_KEYS[row["type"]]
        },
        "active": bool(row.get("active", 1)),
        "created_at": row["created_at"],
        "last_tested_at": row.get("last_tested_at"),
        "last_used_at": row.get("last_used_at"),
    }


def load(ctx: Context, tenant_id: str, connector_id: str) -> dict[str, Any]:
    row = ctx.db.one(
        "SELECT * FROM connectors WHERE id = ? AND tenant_id = ? AND active = 1",
        [connector_id, tenant_id],
    )
    if row is None:
        raise not_found("connector")
    return row


def list_connectors(ctx: Context, tenant_id: str) -> dict[str, Any]:
    rows = ctx.db.all(
        "SELECT * FROM connectors WHERE tenant_id = ? AND active = 1 ORDER BY created_at",
        [tenant_id],
    )
    return {"items": [view(r) for r in rows], "total": len(rows)}


def delete(ctx: Context, tenant_id: str, connector_id: str) -> dict[str, Any]:
    load(ctx, tenant_id, connector_id)
    ctx.db.update("connectors", connector_id, {"active": 0})
    audit.record(ctx, tenant_id, "settings.connector_deleted", connector_id=connector_id)
    return {"id": connector_id, "deleted": True}


def _s3(ctx: Context, row: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    config = json.loads(row["config"])
    secret = ctx.secrets.open(row["secrets"])
    client = boto3.client(
        "s3",
        region_name=config.get("region") or "us-east-1",
        endpoint_url=config.get("endpoint_url") or None,
        aws_access_key_id=secret.get("aws_access_key_id"),
        aws_secret_access_key=secret.get("aws_secret_access_key"),
        aws_session_token=secret.get("aws_session_token"),
        config=TIMEOUTS,
    )
    return client, config


def _require_s3(row: dict[str, Any]) -> None:
    if row["type"] != "s3":
        raise bad_request(
            f"{row['type']} connectors cannot be reached from flexorch-local; only s3 works",
            "CONNECTOR_UNAVAILABLE",
        )


def test(ctx: Context, tenant_id: str, connector_id: str) -> dict[str, Any]:
    row = load(ctx, tenant_id, connector_id)
    started = time.monotonic()
    if row["type"] != "s3":
        ok, message = (
            False,
            (
                f"cannot reach {row['type']}: flexorch-local has no {row['type']} "
                "client; the configuration was validated only"
            ),
        )
    else:
        client, config = _s3(ctx, row)
        try:
            listed = client.list_objects_v2(
                Bucket=config["bucket"], Prefix=config.get("prefix") or "", MaxKeys=10
            )
            ok = True
            message = (
                f"bucket {config['bucket']} reachable ({listed.get('KeyCount', 0)} objects listed)"
            )
        except (ClientError, BotoCoreError) as exc:
            ok, message = False, f"cannot reach bucket {config['bucket']}: {exc}"
    latency = int((time.monotonic() - started) * 1000)
    ctx.db.update("connectors", connector_id, {"last_tested_at": now_iso()})
    audit.record(
        ctx,
        tenant_id,
        "settings.connector_tested",
        "success" if ok else "failure",
        connector_id=connector_id,
    )
    return {"ok": ok, "success": ok, "message": message, "latency_ms": latency}


def fetch(
    ctx: Context, tenant_id: str, connector_id: str, keys: list[str], max_bytes: int
) -> tuple[list[IncomingFile], list[dict[str, str]]]:
    """Download the named objects; one over the plan limit is marked, never read whole.

    A key the bucket does not hold is rejected by itself, so one bad key does not sink the
    others the caller named. Any other failure (access denied, throttling, timeouts) may pass:
    the whole request fails with CONNECTOR_UNAVAILABLE (502) so the caller retries it later
    instead of recording the documents as refused for good."""
    row = load(ctx, tenant_id, connector_id)
    _require_s3(row)
    client, config = _s3(ctx, row)
    files, rejected = [], []
    for key in keys:
        try:
            head = client.head_object(Bucket=config["bucket"], Key=key)
            size = int(head["ContentLength"])
            spool = documents.new_spool()
            if size <= max_bytes:
                client.download_fileobj(config["bucket"], key, spool)
        except ClientError as exc:
            if _is_missing(exc):
                rejected.append(documents.reject(key, "NOT_FOUND", f"no such object: {key}"))
                continue
            raise ApiError(502, "CONNECTOR_UNAVAILABLE", f"cannot read {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise ApiError(502, "CONNECTOR_UNAVAILABLE", f"cannot reach the bucket: {exc}") from exc
        # Named by the whole key: the caller matches the answer's entries to the keys it sent.
        files.append(IncomingFile(key, spool, size, too_large=size > max_bytes))
    ctx.db.update("connectors", connector_id, {"last_used_at": now_iso()})
    return files, rejected


def ingest(
    ctx: Context,
    tenant: Tenant,
    connector_id: str,
    keys: list[str],
    locale: str,
    pipeline_config: str | dict[str, Any] | None,
) -> dict[str, Any]:
    files, unreadable = fetch(ctx, tenant.id, connector_id, keys, tenant.plan.max_file_bytes)
    try:
        return documents.accept_files(
            ctx,
            tenant,
            files,
            locale=locale,
            pipeline_config=pipeline_config,
            source=f"connector:{connector_id}",
            rejected=unreadable,
        )
    finally:
        documents.close_all(files)


def export_dataset(
    ctx: Context, tenant_id: str, dataset_id: str, connector_id: str, fmt: str, prefix: str
) -> dict[str, Any]:
    row = load(ctx, tenant_id, connector_id)
    _require_s3(row)
    chunks, media_type, filename = ds_service.export_stream(ctx, tenant_id, dataset_id, fmt, None)
    key = f"{prefix}{filename}" if not prefix or prefix.endswith("/") else f"{prefix}/{filename}"
    client, config = _s3(ctx, row)
    # Through a temp file, not one bytes object: an export can be far larger than memory
    # should hold, and upload_fileobj sends it in parts.
    with documents.new_spool() as body:
        for chunk in chunks:
            body.write(chunk)
        size = body.tell()
        body.seek(0)
        try:
            client.upload_fileobj(
                body, config["bucket"], key, ExtraArgs={"ContentType": media_type}
            )
        except (ClientError, BotoCoreError) as exc:
            raise ApiError(
                502, "CONNECTOR_UNAVAILABLE", f"upload to {config['bucket']} failed: {exc}"
            ) from exc
    ctx.db.update("connectors", connector_id, {"last_used_at": now_iso()})
    audit.record(
        ctx,
        tenant_id,
        "dataset.exported_to_connector",
        dataset_id=dataset_id,
        connector_id=connector_id,
        format=fmt,
    )
    return {"s3_key": key, "size_bytes": size, "bucket": config["bucket"], "format": fmt}


def _is_missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}
