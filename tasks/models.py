"""The ingest flow's parameters (one model: it becomes the run form in the Prefect UI) and the
records the steps hand to each other."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

ExportFormat = Literal["parquet", "jsonl", "json", "csv", "xlsx", "md", "xml", "rag", "hf"]
Engine = Literal["deterministic", "local_ai", "premium"]


class LocalSource(BaseModel):
    kind: Literal["local"] = "local"
    path: str = Field(
        title="Folder", description="Folder read recursively; paths relative to the repo root."
    )


class S3Source(BaseModel):
    kind: Literal["s3"] = "s3"
    bucket: str = Field(title="Bucket")
    prefix: str = Field("", title="Prefix", description="Only keys under this prefix are read.")
    endpoint_url: str | None = Field(
        None,
        title="Endpoint URL",
        description="For S3-compatible stores (MinIO, moto); empty: AWS or AWS_ENDPOINT_URL_S3.",
    )


class ConnectorSource(BaseModel):
    kind: Literal["connector"] = "connector"
    connector_id: str = Field(title="Connector id", description="A FlexOrch S3 connector (con_…).")
    bucket: str = Field(
        title="Bucket",
        description="The connector's bucket, read here to hash documents and list a prefix.",
    )
    # Not named `keys`: Prefect treats any object with a `keys` attribute as a mapping when it
    # resolves flow parameters.
    object_keys: list[str] = Field(
        default_factory=list, title="Keys", description="Explicit object keys to ingest."
    )
    prefix: str | None = Field(
        None, title="Prefix", description="Ingest every key under this prefix (besides keys)."
    )
    endpoint_url: str | None = Field(None, title="Endpoint URL")


Source = Annotated[LocalSource | S3Source | ConnectorSource, Field(discriminator="kind")]


class ExportTarget(BaseModel):
    bucket: str = Field(title="Bucket")
    prefix: str = Field("exports", title="Prefix")
    formats: list[ExportFormat] = Field(
        default_factory=lambda: list[ExportFormat](["parquet"]),
        title="Formats",
        description="Parquet is always written; list any others wanted beside it.",
    )
    endpoint_url: str | None = Field(None, title="Endpoint URL")

    @field_validator("formats")
    @classmethod
    def _parquet_first(cls, formats: list[ExportFormat]) -> list[ExportFormat]:
        rest = [f for f in dict.fromkeys(formats) if f != "parquet"]
        return ["parquet", *rest]

    @field_validator("prefix")
    @classmethod
    def _strip_slashes(cls, prefix: str) -> str:
        return prefix.strip("/")


class QualityGate(BaseModel):
    min_average_score: float = Field(
        50.0, ge=0, le=100, title="Minimum average score", description="Over completed jobs."
    )
    max_grade_d_share: float = Field(
        0.3, ge=0, le=1, title="Maximum share of grade D", description="Of completed jobs."
    )
    max_failed_share: float = Field(
        0.3, ge=0, le=1, title="Maximum share of failed documents", description="Of submitted."
    )
    on_breach: Literal["fail", "warn"] = Field(
        "fail", title="On breach", description="Fail the run, or warn and go on to export."
    )
    feedback_for_grade_d: bool = Field(
        False, title="Negative feedback for grade D", description="Tell FlexOrch once per job."
    )


class IngestParams(BaseModel):
    """Everything one ingest run needs except the FlexOrch credentials (env FLEXORCH_*)."""

    source: Source = Field(title="Source", description="Where the documents come from.")
    dataset_name: str = Field(
        title="Dataset name", pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Lowercase slug."
    )
    export: ExportTarget = Field(title="Export target")
    quality_gate: QualityGate = Field(default_factory=QualityGate, title="Quality gate")
    index: bool = Field(
        True, title="Index for search", description="Pro and up; skipped with a warning below."
    )
    batch_size: int = Field(10, ge=1, le=100, title="Files per upload request")
    locale: str = Field("und", title="Locale", description="`und` lets FlexOrch detect it.")
    engine: Engine = Field("deterministic", title="Processing engine (credits 1 / 3 / 15)")
    on_insufficient_credits: Literal["fail", "defer"] = Field(
        "fail",
        title="When credits fall short",
        description="Stop before uploading, or process what fits and defer the rest.",
    )
    reprocess_failed: bool = Field(False, title="Reprocess failed documents once")
    wait_timeout_seconds: float = Field(900.0, gt=0, title="Deadline for jobs (s)")
    ledger_path: str | None = Field(
        None,
        title="Ledger path",
        description="Local JSON file for resume state; empty keeps it in the export bucket.",
    )
    search_query: str = Field("invoice total amount", title="Search smoke query")
    dry_run: bool = Field(
        False, title="Dry run", description="Check, discover and estimate; upload nothing."
    )


class SourceDocument(BaseModel):
    """One input, identified by its content hash; `local_path` is where its bytes are now."""

    key: str
    filename: str
    size: int
    sha256: str
    local_path: str | None = None
    connector_key: str | None = None
    etag: str | None = None  # S3 sources: with key and size, tells a later run it is unchanged


Outcome = Literal["processed", "quarantined", "deferred", "skipped"]


class DocumentOutcome(BaseModel):
    key: str
    filename: str
    sha256: str
    outcome: Outcome
    reason: str = ""
    job_id: str | None = None
    document_id: str | None = None
    grade: str | None = None
