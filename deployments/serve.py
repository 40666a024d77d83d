"""Serve the ingest deployment from this process for local use (no work pool needed):

    FLEXORCH_API_KEY=dfx_... .venv/bin/python -m deployments.serve --bucket my-exports

Runs come from the Prefect UI (the parameters form is the IngestParams model) or on the
nightly schedule, exactly as `prefect.yaml` deploys them to a work pool.
"""

from __future__ import annotations

import argparse

from flows.ingest import ingest
from tasks.models import ExportTarget, IngestParams, LocalSource

NIGHTLY = "30 2 * * *"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", default="samples/documents", help="local folder to ingest")
    parser.add_argument("--dataset", default="sample-documents")
    parser.add_argument("--bucket", required=True, help="export bucket")
    parser.add_argument("--endpoint-url", default=None, help="S3-compatible endpoint")
    parser.add_argument("--no-schedule", action="store_true", help="UI runs only")
    args = parser.parse_args(argv)
    defaults = IngestParams(
        source=LocalSource(path=args.source),
        dataset_name=args.dataset,
        export=ExportTarget(bucket=args.bucket, endpoint_url=args.endpoint_url),
    )
    ingest.serve(
        name="ingest-local",
        parameters={"params": defaults.model_dump(mode="json")},
        cron=None if args.no_schedule else NIGHTLY,
        tags=["flexorch", "local"],
        # One run at a time, as in prefect.yaml: concurrent runs would overwrite each other's
        # ledger (last writer wins) and resend what the other recorded.
        global_limit=1,
    )


if __name__ == "__main__":
    main()
