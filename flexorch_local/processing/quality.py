"""Quality score and grade.

score = 100 x (TEXT_WEIGHT x audit score + FIELD_WEIGHT x field fill rate), where the audit
score is flexorch-audit's 0-1 text score (completeness, length, noise) and the fill rate is
the share of the fields expected for the document type that were found. Documents whose
type expects few fields (contracts, general text) lean on the text score. OCR below 0.7
confidence caps the grade at C (the documented rule), and the score is capped with it so
grade and score never disagree. Bands: A 85-100, B 65-84, C 45-64, D 0-44.
"""

from __future__ import annotations

from typing import Any

from flexorch_local.processing.fields import FIELD_NAMES

EXPECTED_FIELDS: dict[str, tuple[str, ...]] = {
    "invoice": FIELD_NAMES,
    "expense_report": ("vendor", "document_date", "total_amount", "currency"),
    "purchase_order": ("vendor", "document_date", "total_amount", "currency", "document_no"),
    "sales_proposal": ("vendor", "document_date", "total_amount", "currency"),
    "bank_statement": ("vendor", "document_date", "iban", "total_amount", "currency"),
    "payroll": ("vendor", "document_date", "total_amount", "currency"),
    "budget": ("vendor", "document_date", "total_amount", "currency"),
    "delivery_note": ("vendor", "document_date", "document_no"),
    "tax_declaration": ("document_date", "total_amount", "currency"),
    "contract": ("vendor", "document_date"),
    "general": ("document_date",),
}
_FIELD_WEIGHTS = {"contract": 0.15, "general": 0.1}
DEFAULT_FIELD_WEIGHT = 0.35
OCR_CAP_CONFIDENCE = 0.7
GRADE_BANDS = (("A", 85.0), ("B", 65.0), ("C", 45.0), ("D", 0.0))
DEGRADED_PENALTY = 5.0


def field_fill_rate(document_type: str, fields: dict[str, Any]) -> float:
    expected = EXPECTED_FIELDS.get(document_type, EXPECTED_FIELDS["general"])
    found = sum(1 for name in expected if fields.get(name) not in (None, ""))
    return round(found / len(expected), 4)


def grade_for(score: float) -> str:
    return next(grade for grade, floor in GRADE_BANDS if score >= floor)


def quality(
    text_score: float,
    fill_rate: float,
    document_type: str,
    ocr_confidence: float | None,
    degraded: bool,
) -> tuple[float, str]:
    weight = _FIELD_WEIGHTS.get(document_type, DEFAULT_FIELD_WEIGHT)
    score = 100 * ((1 - weight) * text_score + weight * fill_rate)
    if ocr_confidence is not None:
        # Unreliable characters make every extracted value suspect, so confidence scales all.
        score *= min(1.0, ocr_confidence / 0.9)
    if degraded:
        score -= DEGRADED_PENALTY
    score = max(0.0, min(100.0, score))
    if ocr_confidence is not None and ocr_confidence < OCR_CAP_CONFIDENCE:
        score = min(score, 64.0)
    score = round(score, 2)
    return score, grade_for(score)
