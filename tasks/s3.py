"""The S3 clients the pipeline uses for sources, the export bucket and the ledger."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Adaptive retries ride out throttling from S3-compatible stores without our own loop.
_CONFIG = Config(retries={"max_attempts": 5, "mode": "adaptive"})


def s3_client(endpoint_url: str | None = None) -> Any:
    """boto3 S3 client; without `endpoint_url` boto3 honours AWS_ENDPOINT_URL_S3 / AWS."""
    return boto3.client("s3", endpoint_url=endpoint_url or None, config=_CONFIG)
