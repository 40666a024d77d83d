"""The result of processing one document, as the server stores and serves it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PiiFinding(BaseModel):
    """Where PII was found; the value itself is never kept."""

    type: str
    start: int
    end: int


class ProcessingResult(BaseModel):
    file_type: str
    text: str
    masked_text: str
    document_type: str
    fields: dict[str, Any]
    line_items: list[dict[str, Any]] = Field(default_factory=list)
    pii_findings: list[PiiFinding] = Field(default_factory=list)
    pii_type_summary: dict[str, int] = Field(default_factory=dict)
    quality_score: float
    quality_grade: str
    field_fill_rate: float
    ocr_confidence: float | None = None
    detected_language: str
    degraded: bool = False
    warnings: list[str] = Field(default_factory=list)
    page_count: int | None = None
    char_count: int
