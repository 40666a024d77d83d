"""extract -> classify -> fields -> privacy -> quality, for one document."""

from __future__ import annotations

from flexorch_local.processing.amounts import currency_of
from flexorch_local.processing.classify import classify
from flexorch_local.processing.dates import parse_date
from flexorch_local.processing.errors import ExtractionFailed, UnsupportedDocument
from flexorch_local.processing.extract import extract
from flexorch_local.processing.fields import extract_fields, extract_line_items
from flexorch_local.processing.filetypes import claimed_type, detect_file_type
from flexorch_local.processing.ibans import valid_iban
from flexorch_local.processing.language import detect_language
from flexorch_local.processing.models import PiiFinding, ProcessingResult
from flexorch_local.processing.privacy import mask_text, run_audit, type_summary
from flexorch_local.processing.quality import field_fill_rate, quality

_HEAD_BYTES = 8192


def _merge_structured(fields: dict[str, object], structured: dict[str, object]) -> None:
    """Values from e-invoice tags replace the text heuristics, once normalised."""
    for name, value in structured.items():
        if name in ("document_date", "due_date") and isinstance(value, str):
            value = parse_date(value) or value
        elif name == "currency" and isinstance(value, str):
            value = currency_of(value) or value.upper()
        elif name == "iban" and isinstance(value, str):
            compact = value.replace(" ", "").upper()
            if not valid_iban(compact):
                continue
            value = compact
        fields[name] = value


def process_document(data: bytes, filename: str, locale: str = "und") -> ProcessingResult:
    if not data.strip() and claimed_type(filename) is not None:
        # An empty upload of an accepted type is a failed document, not a wrong type.
        raise ExtractionFailed(f"{filename!r} is empty ({len(data)} bytes)")
    file_type = detect_file_type(filename, data[:_HEAD_BYTES])
    if file_type is None:
        raise UnsupportedDocument(
            f"{filename!r} is not a supported document (accepted: pdf, docx, txt, xlsx, html, "
            "eml, msg, xml, jpg, png, tiff; CSV is not accepted) or its content does not "
            "match its extension"
        )
    extraction = extract(data, file_type, locale)
    text = extraction.text
    language = detect_language(text)
    document_type = extraction.document_type or classify(text)
    fields = extract_fields(text)
    _merge_structured(fields, extraction.fields)
    line_items = extraction.line_items or extract_line_items(text)
    outcome = run_audit(text, locale, language)
    fill = field_fill_rate(document_type, fields)
    score, grade = quality(
        outcome.text_score, fill, document_type, extraction.ocr_confidence, extraction.degraded
    )
    return ProcessingResult(
        file_type=file_type,
        text=text,
        masked_text=mask_text(text, outcome.findings),
        document_type=document_type,
        fields=fields,
        line_items=line_items,
        pii_findings=[PiiFinding(type=f.type, start=f.start, end=f.end) for f in outcome.findings],
        pii_type_summary=type_summary(outcome.findings),
        quality_score=score,
        quality_grade=grade,
        field_fill_rate=fill,
        ocr_confidence=extraction.ocr_confidence,
        detected_language=language,
        degraded=extraction.degraded,
        warnings=extraction.warnings,
        page_count=extraction.page_count,
        char_count=len(text),
    )
