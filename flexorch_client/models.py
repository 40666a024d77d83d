"""Response and request models.

Every model ignores nothing and rejects nothing it does not know
(`extra="allow"`), so new server fields never break parsing. Ids arrive as
strings in some places and integers in others; they are always `str` here.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ._constants import TERMINAL_JOB_STATUSES


def _id_to_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


Id = Annotated[str, BeforeValidator(_id_to_str)]
OptionalId = Annotated[str | None, BeforeValidator(_id_to_str)]


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


class FlexOrchModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- uploads -----------------------------------------------------------------


@dataclass(frozen=True)
class UploadFile:
    """A file to upload.

    Args:
        filename: name the server sees (its extension decides the parser).
        content: the bytes, or a Path that is re-read on every attempt, so a
            retried upload always carries the whole file.
        content_type: MIME type; guessed from `filename` when omitted.
    """

    filename: str
    content: bytes | Path
    content_type: str | None = None

    @classmethod
    def from_path(cls, path: str | Path, *, content_type: str | None = None) -> UploadFile:
        """An upload for a file on disk, named after it."""
        p = Path(path)
        return cls(filename=p.name, content=p, content_type=content_type)

    def read(self) -> bytes:
        """The file's bytes (raises OSError if a Path cannot be read)."""
        return self.content.read_bytes() if isinstance(self.content, Path) else self.content

    @property
    def mime_type(self) -> str:
        return (
            self.content_type
            or mimetypes.guess_type(self.filename)[0]
            or "application/octet-stream"
        )


# --- jobs --------------------------------------------------------------------


class Quality(FlexOrchModel):
    score: float | None = None
    grade: str | None = None


class Job(FlexOrchModel):
    """A processing (or dataset_build) job as `GET /jobs/{id}` reports it."""

    job_id: Id = Field(validation_alias=AliasChoices("job_id", "id"))
    status: str = "queued"
    stage: str | None = None
    document_id: OptionalId = None
    filename: str | None = None
    quality: Quality | None = None
    pii_findings_count: int | None = None
    detected_language: str | None = None
    privacy_applied: bool | None = None
    execution_id: OptionalId = None
    degraded: bool = False
    failure_reason: str | None = None
    has_dataset: bool = False
    dataset_id: OptionalId = None
    is_duplicate: bool = False
    existing_job_id: OptionalId = None
    existing_document_id: OptionalId = None

    @model_validator(mode="before")
    @classmethod
    def _lift_summaries(cls, data: Any) -> Any:
        """Copy fields the live API nests in summaries up to the top level."""
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        processing = out.get("processing_summary")
        if isinstance(processing, Mapping):
            if out.get("quality") is None and isinstance(processing.get("quality"), Mapping):
                out["quality"] = processing["quality"]
            if out.get("execution_id") is None and processing.get("execution_id") is not None:
                out["execution_id"] = processing["execution_id"]
        execution = out.get("execution_summary")
        if isinstance(execution, Mapping):
            if out.get("execution_id") is None:
                out["execution_id"] = execution.get("execution_id")
            if "degraded" not in out and execution.get("degraded") is not None:
                out["degraded"] = execution["degraded"]
        dataset = out.get("dataset_summary")
        if isinstance(dataset, Mapping) and out.get("dataset_id") is None:
            out["dataset_id"] = dataset.get("dataset_id")
        if out.get("quality") is None and out.get("quality_grade") is not None:
            out["quality"] = {"grade": out["quality_grade"], "score": out.get("quality_score")}
        if out.get("job_id") is None and out.get("id") is None and out.get("existing_job_id"):
            out["job_id"] = out["existing_job_id"]
        return out

    @property
    def is_terminal(self) -> bool:
        """True once the job is completed or failed."""
        return self.status in TERMINAL_JOB_STATUSES


class JobPage(FlexOrchModel):
    items: list[Job] = Field(
        default_factory=list, validation_alias=AliasChoices("items", "jobs", "results")
    )
    total: int | None = None
    page: int = 1
    page_size: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_list(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"items": data, "total": len(data)}
        if isinstance(data, Mapping) and isinstance(data.get("pagination"), Mapping):
            return {**data["pagination"], **{k: v for k, v in data.items() if k != "pagination"}}
        return data


class WaitProgress(BaseModel):
    """Where a `jobs.wait` stands after a polling round; `elapsed_seconds` counts from its start."""

    model_config = ConfigDict(frozen=True)

    total: int
    completed: int
    failed: int
    pending: int
    elapsed_seconds: float
    missing: int = 0


@dataclass
class WaitResult:
    """Outcome of `jobs.wait`: each job's last known state and who ran out of time.

    `missing` lists the ids FlexOrch answered 404 for (e.g. purged by retention);
    they are in neither `jobs` nor `timed_out`.
    """

    jobs: dict[str, Job]
    timed_out: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def completed(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.status == "completed"]

    @property
    def failed(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.status == "failed"]


class JobRef(FlexOrchModel):
    """A job the upload endpoint accepted (or recognised as a duplicate)."""

    job_id: Id = Field(validation_alias=AliasChoices("job_id", "id"))
    status: str = "queued"
    filename: str | None = None
    document_id: OptionalId = None
    is_duplicate: bool = False
    existing_job_id: OptionalId = None
    existing_document_id: OptionalId = None

    @model_validator(mode="before")
    @classmethod
    def _duplicate_without_id(cls, data: Any) -> Any:
        if (
            isinstance(data, Mapping)
            and data.get("job_id") is None
            and data.get("id") is None
            and data.get("existing_job_id") is not None
        ):
            return {**data, "job_id": data["existing_job_id"]}
        return data


class RejectedFile(FlexOrchModel):
    filename: str | None = None
    code: str | None = None
    reason: str | None = Field(
        default=None, validation_alias=AliasChoices("reason", "error", "message")
    )


class ProcessResult(FlexOrchModel):
    """Jobs started by an upload and files refused, whatever shape the server used."""

    jobs: list[JobRef] = Field(default_factory=list)
    rejected: list[RejectedFile] = Field(default_factory=list)

    @property
    def job_ids(self) -> list[str]:
        return [j.job_id for j in self.jobs]

    @classmethod
    def parse(cls, data: Any, filenames: Sequence[str] = ()) -> ProcessResult:
        """Normalise the seed (`job_id`), docs (`job_ids`) and live
        (`accepted/rejected/jobs`) response variants.

        `filenames` (upload order) names jobs when the variant does not.
        """
        if not isinstance(data, Mapping):
            return cls()
        rejected = [
            RejectedFile.model_validate({"filename": r} if isinstance(r, str) else r)
            for r in _none_to_empty(data.get("rejected"))
            if isinstance(r, str | Mapping)
        ]
        status = str(data.get("status") or "queued")
        raw_jobs = data.get("jobs")
        if isinstance(raw_jobs, list) and raw_jobs:
            items: list[dict[str, Any]] = [
                dict(j) if isinstance(j, Mapping) else {"job_id": j} for j in raw_jobs
            ]
        elif isinstance(data.get("job_ids"), list):
            items = [{"job_id": j} for j in data["job_ids"]]
        elif data.get("job_id") is not None or data.get("existing_job_id") is not None:
            items = [dict(data)]
        else:
            items = []
        rejected_names = {r.filename for r in rejected}
        accepted_names = [n for n in filenames if n not in rejected_names]
        for i, item in enumerate(items):
            item.setdefault("status", status)
            if item.get("filename") is None and len(accepted_names) == len(items):
                item["filename"] = accepted_names[i]
        return cls(jobs=[JobRef.model_validate(i) for i in items], rejected=rejected)


class Feedback(FlexOrchModel):
    job_id: OptionalId = None
    rating: str | None = None


# --- datasets ----------------------------------------------------------------


class Dataset(FlexOrchModel):
    dataset_id: Id = Field(validation_alias=AliasChoices("dataset_id", "id"))
    name: str | None = None
    slug: str | None = None
    status: str | None = None
    row_count: int | None = None
    created_at: str | None = None
    available_formats: list[str] = Field(default_factory=list)


class DatasetProfile(FlexOrchModel):
    dataset_id: OptionalId = Field(default=None, validation_alias=AliasChoices("dataset_id", "id"))
    grade_distribution: dict[str, int] = Field(default_factory=dict)
    pii_type_summary: dict[str, int] = Field(default_factory=dict)
    average_score: float | None = Field(
        default=None, validation_alias=AliasChoices("average_score", "avg_score", "avg_quality")
    )
    available_formats: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("available_formats", "formats")
    )

    @model_validator(mode="before")
    @classmethod
    def _lift_quality(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("quality"), Mapping):
            quality = data["quality"]
            return {**quality, **{k: v for k, v in data.items() if v is not None}}
        return data


class DatasetRows(FlexOrchModel):
    columns: list[str] = Field(default_factory=list)
    rows: list[Any] = Field(default_factory=list)


class ExportResult(FlexOrchModel):
    """A finished streamed download: how many bytes and their SHA-256 (hex)."""

    bytes_written: int
    sha256: str


class ConnectorExport(FlexOrchModel):
    s3_key: str
    size_bytes: int | None = None


class IndexStatus(FlexOrchModel):
    status: str = "unknown"
    chunks_indexed: int | None = None
    total_chunks: int | None = None


class SearchResult(FlexOrchModel):
    score: float = 0.0
    chunk_text: str = Field(default="", validation_alias=AliasChoices("chunk_text", "text"))
    chunk_id: OptionalId = None
    dataset_id: OptionalId = None
    document_id: OptionalId = None
    metadata: dict[str, Any] = Field(default_factory=dict)


# --- connectors, webhooks ----------------------------------------------------


class Connector(FlexOrchModel):
    connector_id: Id = Field(validation_alias=AliasChoices("connector_id", "id"))
    type: str | None = None
    name: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class ConnectorTest(FlexOrchModel):
    ok: bool = Field(default=False, validation_alias=AliasChoices("ok", "success", "reachable"))
    message: str | None = None


class Webhook(FlexOrchModel):
    webhook_id: Id = Field(validation_alias=AliasChoices("webhook_id", "id"))
    url: str | None = None
    events: list[str] = Field(default_factory=list)


# --- usage -------------------------------------------------------------------


class Credits(FlexOrchModel):
    used: int = 0
    limit: int | None = None
    remaining: int | None = None


class Trial(FlexOrchModel):
    is_trial: bool = False
    trial_ends_at: str | None = None
    trial_days_remaining: int | None = None


_FILE_LIMIT_KEYS = ("max_file_bytes", "max_file_size_bytes")


def _file_limit(data: Mapping[str, Any]) -> int | None:
    """The plan's per-file upload limit in bytes, wherever the server put it.

    Only a positive whole number counts: a limit the client misreads would quarantine files
    the server accepts, so anything else means "not reported".
    """
    places = [data]
    if isinstance(data.get("limits"), Mapping):
        places.insert(0, data["limits"])
    for place in places:
        for key in _FILE_LIMIT_KEYS:
            value = place.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


class Usage(FlexOrchModel):
    """`GET /usage`, from the nested live shape or a flat one.

    `max_file_bytes` is the plan's per-file upload limit when the server reports one
    (flexorch-local does, under `limits`), else None.
    """

    plan: str | None = None
    credits: Credits = Field(default_factory=Credits)
    trial: Trial = Field(default_factory=Trial)
    max_file_bytes: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        usage = out.get("usage")
        if isinstance(usage, Mapping) and isinstance(usage.get("credits"), Mapping):
            out["credits"] = usage["credits"]
        if not isinstance(out.get("credits"), Mapping):
            flat = {
                key: out.get(f"credits_{key}")
                for key in ("used", "limit", "remaining")
                if out.get(f"credits_{key}") is not None
            }
            out["credits"] = flat
        if not isinstance(out.get("trial"), Mapping):
            out["trial"] = {
                k: out[k]
                for k in ("is_trial", "trial_ends_at", "trial_days_remaining")
                if out.get(k) is not None
            }
        out["max_file_bytes"] = _file_limit(data)
        credits = out["credits"]
        if credits.get("remaining") is None and credits.get("limit") is not None:
            out["credits"] = {**credits, "remaining": credits["limit"] - credits.get("used", 0)}
        return out


class RateLimits(FlexOrchModel):
    """`GET /usage/rate-limits`, from the documented nested or the live flat shape."""

    plan: str | None = None
    rpm: int | None = None
    used: int | None = None
    remaining: int | None = None
    reset_in_seconds: float | None = None
    unlimited: bool = False
    # Absent in the documented shape, which means a minute; flexorch-local can shorten it.
    window_seconds: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        nested = out.pop("rate_limit", None)
        if isinstance(nested, Mapping):
            out = {**nested, **{k: v for k, v in out.items() if v is not None}}
        if out.get("rpm") is None and isinstance(out.get("limit"), int):
            out["rpm"] = out["limit"]
        if out.get("rpm") is None and not out.get("unlimited"):
            out["unlimited"] = "rpm" in out or "limit" in out
        return out


class QualityTrendPoint(FlexOrchModel):
    date: str
    avg_quality_score: float | None = None
    grade_distribution: dict[str, int] = Field(default_factory=dict)
    avg_field_fill_rate: float | None = None
    job_count: int = 0


@dataclass(frozen=True)
class CreditVerdict:
    """Whether a batch fits the remaining credits.

    `affordable` is how many of the documents fit; `remaining` is None on plans
    with no credit limit.
    """

    needed: int
    remaining: int | None
    sufficient: bool
    affordable: int


@dataclass(frozen=True)
class RequestStats:
    """HTTP requests sent by a client (retries included), retries and 429s seen."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0


# --- auth, compliance, advanced ----------------------------------------------


class TokenPair(FlexOrchModel):
    access_token: str = Field(repr=False)
    refresh_token: str | None = Field(default=None, repr=False)
    token_type: str = "bearer"
    expires_in: float | None = None


class Account(FlexOrchModel):
    email: str | None = None


class ComplianceRecord(FlexOrchModel):
    controller: Any = None
    processing_activities: list[dict[str, Any]] = Field(default_factory=list)
    generated_at: str | None = None


class LLMConfig(FlexOrchModel):
    provider: str | None = None
    model: str | None = None


class FineTuneJob(FlexOrchModel):
    fine_tune_id: OptionalId = Field(
        default=None, validation_alias=AliasChoices("fine_tune_id", "job_id", "id")
    )
    status: str | None = None
    dataset_id: OptionalId = None
    model: str | None = None
