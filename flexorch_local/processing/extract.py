"""Text extraction, one reader per accepted file type."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flexorch_local.processing.einvoice import parse_xml
from flexorch_local.processing.errors import ExtractionFailed, UnsupportedDocument
from flexorch_local.processing.html import html_to_text
from flexorch_local.processing.mail import eml_to_text, msg_to_text
from flexorch_local.processing.ocr import (
    OCR_DOCUMENT_TIMEOUT_SECONDS,
    OCR_TIMEOUT_SECONDS,
    OcrText,
    OcrUnavailable,
    Tesseract,
    combine,
    find_tesseract,
)
from flexorch_local.processing.quality import OCR_CAP_CONFIDENCE

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


def _ocr_warnings(confidence: float | None) -> list[str]:
    warnings = ["text was read by OCR"]
    if confidence is not None and confidence < OCR_CAP_CONFIDENCE:
        warnings.append(
            f"OCR confidence {confidence:.2f} is below {OCR_CAP_CONFIDENCE}: the text may be "
            "misread, so the grade is capped at C"
        )
    return warnings


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
    scanned = len("".join(pages).strip()) < MIN_TEXT_LAYER_CHARS
    # In a scan every page image is read, even where a scanner stamped a few characters of
    # text; in a text PDF only pages without any text are taken for scanned ones, so a logo
    # on a title page does not bring OCR guesses into good text.
    to_read = [
        i
        for i, text in enumerate(pages)
        if (scanned or not text.strip()) and _has_images(reader.pages[i])
    ]
    if scanned and not to_read:
        raise ExtractionFailed("PDF has neither a text layer nor page images: nothing to read")
    warnings: list[str] = []
    ocr: _PagesOcr | None = None
    if to_read:
        try:
            ocr = _ocr_pages(reader, to_read, find_tesseract(), locale)
        except OcrUnavailable as exc:
            if scanned:
                raise ExtractionFailed(f"scanned PDF has no text layer and {exc.reason}") from exc
            warnings.append(f"pages without a text layer need OCR and {exc.reason}")
        else:
            if scanned and not ocr.result.words:
                detail = f" ({ocr.problems[0]})" if ocr.problems else ""
                raise ExtractionFailed(
                    "OCR found no text in this scanned PDF: its pages are blank or too noisy "
                    f"or blurred to read{detail}"
                )
            for i, text in ocr.texts.items():
                pages[i] = "\n".join(part for part in (pages[i].strip(), text) if part)
    blank = [str(i + 1) for i, text in enumerate(pages) if not text.strip()]
    if blank:
        warnings.append(f"pages without a text layer were skipped: {', '.join(blank)}")
    confidence = ocr.result.confidence if ocr is not None else None
    if ocr is not None:
        warnings += ocr.problems + (_ocr_warnings(confidence) if ocr.result.words else [])
    return Extraction(
        text="\n\n".join(p.strip() for p in pages),
        page_count=len(pages),
        ocr_confidence=confidence,
        warnings=warnings,
        degraded=bool(blank)
        or bool(ocr is not None and ocr.problems)
        or (confidence is not None and confidence < OCR_CAP_CONFIDENCE),
    )


def _has_images(page: Any) -> bool:
    try:
        return len(page.images) > 0
    except Exception:
        # Listing does not decode anything; if even that fails, let the OCR step try the
        # page and report what went wrong rather than silently skip it.
        return True


@dataclass
class _PagesOcr:
    texts: dict[int, str]
    result: OcrText
    problems: list[str]


def _ocr_pages(reader: Any, indices: list[int], engine: Tesseract, locale: str) -> _PagesOcr:
    deadline = time.monotonic() + OCR_DOCUMENT_TIMEOUT_SECONDS
    texts: dict[int, str] = {}
    results: list[OcrText] = []
    problems: list[str] = []
    for i in indices:
        read: list[OcrText] = []
        try:
            images = list(reader.pages[i].images)
        except ImportError as exc:
            raise ExtractionFailed(f"reading the images inside a PDF needs Pillow: {exc}") from exc
        except Exception as exc:
            # pypdf hands image decoding to filters (CCITT, JBIG2, JPX...) that fail in many
            # ways; one bad page image should not cost the pages that can be read.
            problems.append(f"page {i + 1}: its images could not be decoded ({exc})")
            continue
        for image in images:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExtractionFailed(
                    f"OCR of this PDF took longer than {OCR_DOCUMENT_TIMEOUT_SECONDS:g} s "
                    f"and stopped at page {i + 1} of {len(reader.pages)}"
                )
            try:
                read.append(engine.read(image.data, locale, min(OCR_TIMEOUT_SECONDS, remaining)))
            except OcrUnavailable:
                raise  # no engine: no later image can be read either
            except ExtractionFailed as exc:
                problems.append(f"page {i + 1}: {exc.reason}")
        page = combine(read)
        if page.text:
            texts[i] = page.text
        results.append(page)
    return _PagesOcr(texts=texts, result=combine(results), problems=problems)


def _image(data: bytes, locale: str) -> Extraction:
    try:
        result = find_tesseract().read(data, locale)
    except OcrUnavailable as exc:
        raise ExtractionFailed(f"image needs OCR and {exc.reason}") from exc
    if not result.words:
        raise ExtractionFailed(
            "OCR found no text in this image: it is blank or too noisy or blurred to read"
        )
    return Extraction(
        text=result.text,
        page_count=result.pages,
        ocr_confidence=result.confidence,
        warnings=_ocr_warnings(result.confidence),
        degraded=result.confidence is not None and result.confidence < OCR_CAP_CONFIDENCE,
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
