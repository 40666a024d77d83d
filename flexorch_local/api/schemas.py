"""Request bodies; extra keys are ignored so live-API clients sending more still work."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from flexorch_local.services.search import MODES

Mode = Literal["auto", "structured", "semantic", "hybrid"]
assert set(MODES) == {"auto", "structured", "semantic", "hybrid"}


class SourceSpec(BaseModel):
    connector_id: str = Field(min_length=1)
    keys: list[str] = Field(min_length=1, max_length=500)


class ConnectorProcessRequest(BaseModel):
    source: SourceSpec
    locale: str = "und"
    pipeline_config: dict[str, Any] | None = None


class FeedbackRequest(BaseModel):
    rating: str = Field(description="positive | negative (up | down also accepted)")
    issue: str | None = None
    notes: str | None = Field(default=None, max_length=5000)


class ReprocessRequest(BaseModel):
    # A JSON string too: that is how the upload form field carries the same object.
    pipeline_config: dict[str, Any] | str | None = None


class DatasetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    execution_ids: list[str] = Field(default_factory=list)
    job_ids: list[str] = Field(default_factory=list)


class BuildFromExecution(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    slug: str | None = Field(default=None, max_length=100)
    force_rebuild: bool = False
    replace_existing: bool = False


class ExportToConnector(BaseModel):
    connector_id: str
    format: Literal["json", "jsonl", "csv", "parquet", "md", "xml", "xlsx", "rag", "hf"]
    prefix: str = Field(default="", max_length=500)


class SearchFilters(BaseModel):
    quality_grade: Literal["A", "B", "C", "D"] | None = None
    language: str | None = None
    dataset_id: str | None = None
    document_type: str | None = None
    pii_masked: bool | None = None


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=1000)
    top_k: int = Field(default=5, ge=1, le=50)
    mode: Mode = "auto"
    filters: SearchFilters = Field(default_factory=SearchFilters)


class ConnectorCreate(BaseModel):
    type: Literal["s3", "gcs", "azure_blob"]
    name: str = Field(min_length=1, max_length=200)
    config: dict[str, Any]


class WebhookCreate(BaseModel):
    url: str = Field(min_length=8, max_length=2000)
    events: list[str] = Field(min_length=1)
    secret: str | None = Field(default=None, min_length=8, max_length=500)
    auto_export: dict[str, Any] | None = None


class Credentials(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=200)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1)


class LlmConfig(BaseModel):
    provider: Literal["openai", "anthropic", "azure_openai", "custom"]
    model: str = Field(min_length=1, max_length=200)
    api_key: str = Field(min_length=1, max_length=2000)
    base_url: str | None = None


class FineTuneCreate(BaseModel):
    dataset_id: str
    model: str = Field(min_length=1, max_length=200)
    suffix: str | None = Field(default=None, max_length=64)


class AccountCreate(BaseModel):
    plan: Literal["trial", "starter", "pro", "enterprise"]
    rpm: int | None = Field(default=None, ge=1)
    credits: int | None = Field(default=None, ge=0)
    trial_ends_at: str | None = None
    email: str | None = None
    password: str | None = None


class KnobsUpdate(BaseModel):
    processing_delay: float | None = Field(default=None, ge=0)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    latency: float | None = Field(default=None, ge=0)
    job_failure_rate: float | None = Field(default=None, ge=0, le=1)
    seed: int | None = None
    workers: int | None = Field(default=None, ge=1, le=64)
    # Not Optional: the limiter needs a length, so an explicit null is refused (422); an
    # absent key leaves the knob unchanged, because the route applies only the keys sent.
    rate_window_seconds: int = Field(default=60, ge=1)
