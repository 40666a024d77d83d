"""The flat dataset record and its fixed schema.

Every export is built from rows in this shape, so the columns and their types are the
same for one document, a million, or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from flexorch_local.processing.fields import FIELD_NAMES
from flexorch_local.processing.models import ProcessingResult

ARROW_SCHEMA = pa.schema(
    [
        ("document_id", pa.string()),
        ("job_id", pa.string()),
        ("execution_id", pa.string()),
        ("filename", pa.string()),
        ("document_type", pa.string()),
        ("detected_language", pa.string()),
        ("quality_score", pa.float64()),
        ("quality_grade", pa.string()),
        ("pii_findings_count", pa.int64()),
        ("pii_types", pa.list_(pa.string())),
        ("field_fill_rate", pa.float64()),
        ("vendor", pa.string()),
        ("document_date", pa.string()),
        ("due_date", pa.string()),
        ("total_amount", pa.float64()),
        ("currency", pa.string()),
        ("iban", pa.string()),
        ("document_no", pa.string()),
        ("text", pa.string()),
        ("char_count", pa.int64()),
        ("created_at", pa.string()),
    ]
)
DATASET_COLUMNS: tuple[str, ...] = tuple(ARROW_SCHEMA.names)
FIELD_COLUMNS: tuple[str, ...] = FIELD_NAMES
_FLOATS = frozenset({"quality_score", "field_fill_rate", "total_amount"})
_INTS = frozenset({"pii_findings_count", "char_count"})


def mask_iban(iban: str | None) -> str | None:
    """Country code and last four characters only: enough to recognise, not to pay into."""
    if not iban:
        return None
    compact = iban.replace(" ", "")
    if len(compact) <= 6:
        return "*" * len(compact)
    return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]


def dataset_row(
    *,
    document_id: str,
    job_id: str,
    execution_id: str,
    filename: str,
    result: ProcessingResult,
    created_at: str,
) -> dict[str, Any]:
    fields = result.fields
    total = fields.get("total_amount")
    return {
        "document_id": document_id,
        "job_id": job_id,
        "execution_id": execution_id,
        "filename": filename,
        "document_type": result.document_type,
        "detected_language": result.detected_language,
        "quality_score": float(result.quality_score),
        "quality_grade": result.quality_grade,
        "pii_findings_count": len(result.pii_findings),
        "pii_types": sorted(result.pii_type_summary),
        "field_fill_rate": float(result.field_fill_rate),
        "vendor": fields.get("vendor"),
        "document_date": fields.get("document_date"),
        "due_date": fields.get("due_date"),
        "total_amount": float(total) if isinstance(total, int | float) else None,
        "currency": fields.get("currency"),
        "iban": mask_iban(fields.get("iban")),
        "document_no": fields.get("document_no"),
        "text": result.masked_text,
        "char_count": result.char_count,
        "created_at": created_at,
    }


def conform(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row restricted to the schema's columns with the schema's types (None if absent)."""
    out: dict[str, Any] = {}
    for name in DATASET_COLUMNS:
        value = row.get(name)
        if value is None:
            out[name] = None
        elif name in _FLOATS:
            out[name] = float(value)
        elif name in _INTS:
            out[name] = int(value)
        elif name == "pii_types":
            out[name] = [str(v) for v in value]
        else:
            out[name] = str(value)
    return out
