"""Text extraction, one reader per accepted file type."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flexorch_local.processing.einvoice import parse_xml
from flexorch_local.processing.errors import ExtractionFailed, UnsupportedDocument
from flexorch_local.processing.html import html_to_text
from flexorch_local.processing.mail import eml_to_text, msg_to_text
from flexorch_local.processing.ocr import ocr_available, ocr_image

# A page with fewer characters than this is taken as an image of text, not text.
MIN_TEXT_LAYER_CHARS = 20


@dataclass
class Extraction:
    text: str
    page_count: int | None = None
    ocr_confidence: float | None = None
    warnings: list[str] = field(default_factory=list)
    degraded: bool = False
    # From structured sources (XML e-invoices): exact values that override heuristics.
    document_type: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    line_items: list[dict[str, Any]] = field(default_factory=list)


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding that read it: UTF-8 (with BOMs), else cp1252, else latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _txt(data: bytes, locale: str) -> Extraction:
    text, encoding = decode_text(data)
    warnings = [] if encoding in ("utf-8-sig", "utf-16") else [f"text decoded as {encoding}"]
    return Extraction(text=text.replace("\r\n", "\n"), warnings=warnings)


def _html(data: bytes, locale: str) -> Extraction:
    return Extraction(text=html_to_text(decode_text(data)[0]))


def _eml(data: bytes, locale: str) -> Extraction:
    text, _attachments = eml_to_text(data)
    return Extraction(text=text)


def _msg(data: bytes, locale: str) -> Extraction:
    return Extraction(text=msg_to_text(data))


def _xml(data: bytes, locale: str) -> Extraction:
    doc = parse_xml(data)
    return Extraction(
        text=doc.text, document_type=doc.document_type, fields=doc.fields, line_items=doc.line_items
    )


def _pdf(data: bytes, locale: str) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionFailed("PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionFailed:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ExtractionFailed(f"PDF is corrupt or unreadable: {exc}") from exc
    if not pages:
        raise ExtractionFailed("PDF has no pages")
    text = "\n\n".join(p.strip() for p in pages)
    if len(text.strip()) >= MIN_TEXT_LAYER_CHARS:
        blank = [str(i + 1) for i, p in enumerate(pages) if not p.strip()]
        warnings = [f"pages without a text layer were skipped: {', '.join(blank)}"] if blank else []
        return Extraction(text=text, page_count=len(pages), warnings=warnings, degraded=bool(blank))
    if not ocr_available():
        raise ExtractionFailed(
            "scanned PDF has no text layer and no OCR engine (tesseract) is installed"
        )
    return _ocr_pdf(reader, locale)


def _ocr_pdf(reader: Any, locale: str) -> Extraction:
    texts: list[str] = []
    confidences: list[float] = []
    for page in reader.pages:
        for image in page.images:
            result = ocr_image(image.data, locale)
            texts.append(result.text)
            confidences.append(result.confidence)
    if not confidences:
        raise ExtractionFailed("scanned PDF has neither a text layer nor embedded page images")
    confidence = round(sum(confidences) / len(confidences), 4)
    return Extraction(
        text="\n\n".join(texts),
        page_count=len(reader.pages),
        ocr_confidence=confidence,
        warnings=["text was read by OCR"],
        degraded=confidence < 0.7,
    )


def _image(data: bytes, locale: str) -> Extraction:
    result = ocr_image(data, locale)
    return Extraction(
        text=result.text,
        page_count=1,
        ocr_confidence=result.confidence,
        warnings=["text was read by OCR"],
        degraded=result.confidence < 0.7,
    )


def _docx(data: bytes, locale: str) -> Extraction:
    from docx import Document
    from docx.oxml.ns import qn

    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionFailed(f"DOCX is corrupt or not a Word document: {exc}") from exc
    lines: list[str] = []
    # Walk the body in order so tables stay where they appear between paragraphs.
    paragraphs = iter(document.paragraphs)
    tables = iter(document.tables)
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(next(paragraphs).text)
        elif child.tag == qn("w:tbl"):
            for row in next(tables).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    # Merged cells repeat their text in every grid slot they span.
                    if not cells or cells[-1] != value:
                        cells.append(value)
                lines.append("\t".join(cells))
    text = "\n".join(line.rstrip() for line in lines)
    return Extraction(text=re.sub(r"\n{3,}", "\n\n", text).strip())


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx(data: bytes, locale: str) -> Extraction:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ExtractionFailed(f"XLSX is corrupt or not an Excel workbook: {exc}") from exc
    blocks: list[str] = []
    try:
        for sheet in workbook.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                values = [_cell(v) for v in row if v is not None and str(v).strip()]
                if values:
                    rows.append("\t".join(values))
            if rows:
                blocks.append(f"## {sheet.title}\n" + "\n".join(rows))
    finally:
        workbook.close()
    return Extraction(text="\n\n".join(blocks), page_count=len(blocks) or None)


_READERS: dict[str, Callable[[bytes, str], Extraction]] = {
    "pdf": _pdf,
    "docx": _docx,
    "txt": _txt,
    "xlsx": _xlsx,
    "html": _html,
    "eml": _eml,
    "msg": _msg,
    "xml": _xml,
    "jpg": _image,
    "png": _image,
    "tiff": _image,
}


def extract(data: bytes, file_type: str, locale: str = "und") -> Extraction:
    reader = _READERS.get(file_type)
    if reader is None:
        raise UnsupportedDocument(f"file type {file_type!r} is not supported")
    if not data.strip():
        raise ExtractionFailed("file is empty")
    extraction = reader(data, locale)
    if not extraction.text.strip():
        raise ExtractionFailed(f"no text could be extracted from this {file_type} file")
    return extraction
