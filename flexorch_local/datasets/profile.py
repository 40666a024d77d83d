"""Dataset profile: the figures GET /datasets/{id}/profile reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from flexorch_local.datasets.exports import EXPORT_FORMATS
from flexorch_local.datasets.rows import FIELD_COLUMNS

GRADES = ("A", "B", "C", "D")


def compute_profile(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregates over rows. pii_type_summary counts documents per PII type (rows keep the
    types, not the values or per-type counts); pii_findings_total counts every finding."""
    count = 0
    grades: Counter[str] = Counter()
    pii_types: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    document_types: Counter[str] = Counter()
    filled: Counter[str] = Counter()
    score_sum = fill_sum = 0.0
    pii_total = 0
    for row in rows:
        count += 1
        grades[str(row.get("quality_grade") or "D")] += 1
        pii_types.update(row.get("pii_types") or [])
        pii_total += int(row.get("pii_findings_count") or 0)
        languages[str(row.get("detected_language") or "und")] += 1
        document_types[str(row.get("document_type") or "general")] += 1
        score_sum += float(row.get("quality_score") or 0.0)
        fill_sum += float(row.get("field_fill_rate") or 0.0)
        for name in FIELD_COLUMNS:
            if row.get(name) not in (None, ""):
                filled[name] += 1
    return {
        "row_count": count,
        "grade_distribution": {g: grades.get(g, 0) for g in GRADES},
        "pii_type_summary": dict(sorted(pii_types.items())),
        "pii_findings_total": pii_total,
        "average_quality_score": round(score_sum / count, 2) if count else 0.0,
        "field_fill_rate": {
            "average": round(fill_sum / count, 4) if count else 0.0,
            "per_field": {n: round(filled[n] / count, 4) if count else 0.0 for n in FIELD_COLUMNS},
        },
        "languages": dict(sorted(languages.items())),
        "document_types": dict(sorted(document_types.items())),
        "available_formats": list(EXPORT_FORMATS),
    }
