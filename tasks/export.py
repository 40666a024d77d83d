"""Export (FlexOrch /datasets/{id}/export): stream each format to a temp file, upload it to S3
under a deterministic layout with a manifest, and read the Parquet back to prove it landed."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pyarrow.parquet as pq
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pyarrow import fs as pafs
from pydantic import BaseModel

from flexorch_client import FlexOrchClient
from tasks.errors import ConnectorError, ExportVerificationError
from tasks.models import ExportFormat, ExportTarget
from tasks.s3 import s3_client

# Multipart above 16 MiB, so big exports go up in parts and never whole in memory.
TRANSFER = TransferConfig(
    multipart_threshold=16 * 1024 * 1024, multipart_chunksize=16 * 1024 * 1024
)
EXTENSIONS: dict[str, str] = {"rag": "rag.jsonl", "hf": "arrow"}


class ExportedObject(BaseModel):
    key: str
    format: str
    bytes: int
    sha256: str


class ManifestDocument(BaseModel):
    key: str
    filename: str
    sha256: str
    document_id: str | None
    job_id: str | None


class ExportReport(BaseModel):
    bucket: str
    parquet_key: str
    manifest_key: str
    row_count: int
    columns: list[str]
    objects: list[ExportedObject]

    @property
    def parquet_uri(self) -> str:
        return f"s3://{self.bucket}/{self.parquet_key}"


def partition_prefix(prefix: str, dataset: str, run_date: dt.date) -> str:
    parts = [prefix.strip("/"), f"dataset={dataset}", f"run_date={run_date.isoformat()}"]
    return "/".join(p for p in parts if p)


def object_key(prefix: str, dataset: str, run_date: dt.date, fmt: ExportFormat) -> str:
    ext = EXTENSIONS.get(fmt, fmt)
    return f"{partition_prefix(prefix, dataset, run_date)}/part-00000.{ext}"


@task(cache_policy=NO_CACHE)
def check_export_bucket(export: ExportTarget, run_id: str) -> None:
    """Prove we can write the export bucket before spending a credit: put and delete a marker."""
    s3 = s3_client(export.endpoint_url)
    key = "/".join(p for p in (export.prefix, "_state", f".write-test-{run_id}") if p)
    try:
        s3.put_object(Bucket=export.bucket, Key=key, Body=b"ok")
        s3.delete_object(Bucket=export.bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise ConnectorError(
            f"Cannot write the export bucket s3://{export.bucket}/{export.prefix}: {exc}"
        ) from None


def _pyarrow_fs(s3: Any) -> pafs.S3FileSystem:
    """A pyarrow view of the same store the boto3 client talks to (same endpoint, same keys)."""
    creds = boto3.Session().get_credentials()
    frozen = creds.get_frozen_credentials() if creds is not None else None
    endpoint = urlparse(s3.meta.endpoint_url)
    is_aws = endpoint.hostname is not None and endpoint.hostname.endswith("amazonaws.com")
    return pafs.S3FileSystem(
        access_key=frozen.access_key if frozen else None,
        secret_key=frozen.secret_key if frozen else None,
        session_token=frozen.token if frozen else None,
        region=s3.meta.region_name or "us-east-1",
        endpoint_override=None if is_aws else endpoint.netloc,
        scheme=endpoint.scheme or "https",
    )


def verify_parquet(s3: Any, bucket: str, key: str, rows: int, schema: Any) -> None:
    """Read the uploaded Parquet's footer back from S3 (metadata only, not the data)."""
    with _pyarrow_fs(s3).open_input_file(f"{bucket}/{key}") as fh:
        remote = pq.ParquetFile(fh)
        if remote.metadata.num_rows != rows or not remote.schema_arrow.equals(schema):
            raise ExportVerificationError(
                f"s3://{bucket}/{key} holds {remote.metadata.num_rows} rows with schema "
                f"{remote.schema_arrow.names}; exported {rows} rows with {schema.names}"
            )


@task(cache_policy=NO_CACHE)
def export_dataset(
    client: FlexOrchClient,
    dataset_id: str,
    dataset_name: str,
    export: ExportTarget,
    run_date: dt.date,
    documents: list[ManifestDocument],
) -> ExportReport:
    logger = get_run_logger()
    s3 = s3_client(export.endpoint_url)
    objects: list[ExportedObject] = []
    with tempfile.TemporaryDirectory(prefix="ingest-export-") as tmp:
        for fmt in export.formats:
            key = object_key(export.prefix, dataset_name, run_date, fmt)
            local = Path(tmp) / key.rsplit("/", 1)[-1]
            result = client.datasets.export(dataset_id, fmt, local)
            with local.open("rb") as fh:
                s3.upload_fileobj(fh, export.bucket, key, Config=TRANSFER)
            objects.append(
                ExportedObject(
                    key=key, format=fmt, bytes=result.bytes_written, sha256=result.sha256
                )
            )
            if fmt == "parquet":
                schema = pq.read_schema(local)
                rows = pq.read_metadata(local).num_rows
    parquet_key = objects[0].key
    verify_parquet(s3, export.bucket, parquet_key, rows, schema)
    manifest_key = f"{partition_prefix(export.prefix, dataset_name, run_date)}/_manifest.json"
    manifest = {
        "dataset": dataset_name,
        "dataset_id": dataset_id,
        "run_date": run_date.isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "row_count": rows,
        "schema": [{"name": f.name, "type": str(f.type)} for f in schema],
        "files": [o.model_dump() for o in objects],
        "documents": [d.model_dump() for d in documents],
    }
    s3.put_object(
        Bucket=export.bucket,
        Key=manifest_key,
        Body=json.dumps(manifest, indent=1).encode(),
        ContentType="application/json",
    )
    logger.info("Exported %d row(s) to s3://%s/%s (verified)", rows, export.bucket, parquet_key)
    return ExportReport(
        bucket=export.bucket,
        parquet_key=parquet_key,
        manifest_key=manifest_key,
        row_count=rows,
        columns=schema.names,
        objects=objects,
    )
