"""The README main job's entry point: `ingest` over samples/documents into s3://<bucket>/exports."""

from __future__ import annotations

import os
from pathlib import Path

from flows.ingest import ingest
from tasks.models import ExportTarget, IngestParams, LocalSource
from tasks.summary import IngestSummary

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "documents"
DATASET = "sample-documents"


def run_main_job(
    flexorch_url: str,
    api_key: str,
    s3_endpoint_url: str,
    bucket: str,
    ledger_path: Path | None = None,
) -> IngestSummary:
    # Credentials reach the flow through FLEXORCH_* like in production: never as parameters,
    # which Prefect would store with the run.
    os.environ["FLEXORCH_BASE_URL"] = flexorch_url
    os.environ["FLEXORCH_API_KEY"] = api_key
    params = IngestParams(
        source=LocalSource(path=str(SAMPLES)),
        dataset_name=DATASET,
        export=ExportTarget(bucket=bucket, prefix="exports", endpoint_url=s3_endpoint_url),
        # A local ledger outlives the in-memory S3 server, so a second main job resumes.
        ledger_path=str(ledger_path) if ledger_path else None,
    )
    summary = ingest(params)
    if summary.export is not None:
        print(f"Parquet: {summary.export.parquet_uri} ({summary.export.row_count} rows)")
        print(f"Manifest: s3://{summary.export.bucket}/{summary.export.manifest_key}")
    print(summary.render_text())
    print()
    # Skipped documents are counted in the table; the ones needing a person are listed.
    for doc in summary.documents:
        if doc.outcome in ("quarantined", "deferred"):
            print(f"{doc.outcome:<12} {doc.key}: {doc.reason}")
    return summary
