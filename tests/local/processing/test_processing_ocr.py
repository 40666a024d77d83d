"""OCR with the real tesseract binary: images and scanned PDFs become processed documents.

Tests taking the `tesseract` fixture fail (not skip) when it is missing; the engine-missing
branch is tested by pointing FLEXORCH_LOCAL_TESSERACT at a path that does not exist.
"""

from __future__ import annotations

import io
import stat
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from flexorch_local.processing import ExtractionFailed, ProcessingResult, process_document
from flexorch_local.processing.ocr import (
    TESSERACT_ENV,
    OcrUnavailable,
    Tesseract,
    find_tesseract,
    parse_tsv,
)
from flexorch_local.processing.quality import OCR_CAP_CONFIDENCE
from tests.local.processing._ocr_helpers import (
    encode,
    image_only_pdf,
    render_lines,
    text_and_scan_pdf,
)

INVOICE_FIELDS = {
    "vendor": "Nordlicht Software GmbH",
    "document_no": "NL-2024-0815",
    "document_date": "2024-03-12",
    "due_date": "2024-04-11",
    "total_amount": 2261.0,
    "currency": "EUR",
    "iban": "DE89370400440532013000",
}


def assert_invoice_read(result: ProcessingResult) -> None:
    assert result.document_type == "invoice"
    assert result.fields == INVOICE_FIELDS
    assert "Total Amount Due: EUR 2,261.00" in result.text
    assert result.ocr_confidence is not None and result.ocr_confidence >= 0.85
    assert result.quality_grade == "A" and not result.degraded
    assert result.warnings == ["text was read by OCR"]
    # PII found in OCR text is masked like any other text.
    assert result.pii_type_summary["iban"] == 1 and result.pii_type_summary["email"] == 2
    assert "IBAN [MASKED_IBAN] within 30 days" in result.masked_text
    for secret in ("DE89 3704", "billing@nordlicht-software.de", "5557 1234"):
        assert secret in result.text and secret not in result.masked_text


@pytest.mark.parametrize(("fmt", "filename"), [("PNG", "scan.png"), ("JPEG", "scan.jpg"),
                                               ("TIFF", "scan.tiff")])  # fmt: skip
def test_invoice_image_is_read(
    tesseract: Tesseract, invoice_page: Image.Image, fmt: str, filename: str
) -> None:
    result = process_document(encode(invoice_page, fmt), filename)
    assert result.file_type == filename.rsplit(".", 1)[1] and result.page_count == 1
    assert_invoice_read(result)


def test_ocr_text_matches_the_rendered_lines(
    tesseract: Tesseract, invoice_png: bytes, invoice_lines: list[str]
) -> None:
    started = time.monotonic()
    read = tesseract.read(invoice_png)
    elapsed = time.monotonic() - started
    expected = [" ".join(line.split()) for line in invoice_lines if line.strip()]
    assert [line for line in read.text.splitlines() if line] == expected
    assert read.words == sum(len(line.split()) for line in expected)
    assert 0.85 <= (read.confidence or 0) <= 1
    # One thread per page (OMP_THREAD_LIMIT=1) reads this page in about 0.4 s; with OpenMP's
    # default it took 2-3 s, so this catches the spin coming back without being flaky.
    assert elapsed < 10


def test_scanned_pdf_is_read(tesseract: Tesseract, scanned_invoice_pdf: bytes) -> None:
    assert not PdfReader(io.BytesIO(scanned_invoice_pdf)).pages[0].extract_text().strip()
    result = process_document(scanned_invoice_pdf, "scan.pdf")
    assert result.file_type == "pdf" and result.page_count == 1
    assert_invoice_read(result)


def test_multi_page_scans(
    tesseract: Tesseract, invoice_page: Image.Image, payslip_lines: list[str]
) -> None:
    payslip = render_lines(payslip_lines)
    pdf = process_document(image_only_pdf(invoice_page, payslip), "two-pages.pdf")
    tiff = process_document(
        encode(invoice_page, "TIFF", save_all=True, append_images=[payslip]), "two-pages.tiff"
    )
    for result in (pdf, tiff):
        assert result.page_count == 2
        assert "Invoice No: NL-2024-0815" in result.text
        assert "Net pay: EUR 3,148.60" in result.text
        assert result.text.index("NL-2024-0815") < result.text.index("3,148.60")
        assert result.ocr_confidence is not None and result.ocr_confidence >= 0.85


def test_pdf_with_text_and_scanned_pages(
    tesseract: Tesseract, invoice_page: Image.Image, payslip_lines: list[str]
) -> None:
    """Only pages without a text layer are read by OCR; a page with neither stays skipped."""
    pdf = text_and_scan_pdf(payslip_lines, invoice_page, drawing=True)
    result = process_document(pdf, "mixed.pdf")
    assert result.page_count == 3
    assert "Employee Name: Johanna Meyer" in result.text
    assert "Total Amount Due: EUR 2,261.00" in result.text
    assert result.ocr_confidence is not None and result.ocr_confidence >= 0.85
    assert result.warnings == ["pages without a text layer were skipped: 3", "text was read by OCR"]
    assert result.degraded


def test_poor_scan_caps_grade_at_c(tesseract: Tesseract, poor_invoice_png: bytes) -> None:
    result = process_document(poor_invoice_png, "poor.png")
    assert result.ocr_confidence is not None
    assert 0.3 < result.ocr_confidence < OCR_CAP_CONFIDENCE
    assert result.quality_grade in ("C", "D") and result.quality_score <= 64
    assert result.degraded
    assert any("grade is capped at C" in warning for warning in result.warnings)
    assert result.document_type == "invoice"


def test_blank_and_corrupt_images_fail_with_reason(tesseract: Tesseract) -> None:
    with pytest.raises(ExtractionFailed, match="OCR found no text in this image"):
        process_document(encode(Image.new("L", (800, 600), 255), "PNG"), "blank.png")
    with pytest.raises(ExtractionFailed, match="image is corrupt or not a format OCR can read"):
        process_document(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png")
    blank_scan = image_only_pdf(Image.new("L", (800, 600), 255))
    with pytest.raises(ExtractionFailed, match="OCR found no text in this scanned PDF"):
        process_document(blank_scan, "blank-scan.pdf")


# The engine-missing branch and the setting, with no real tesseract involved.


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    missing = str(tmp_path / "no-such-tesseract")
    monkeypatch.setenv(TESSERACT_ENV, missing)
    return missing


def test_image_without_ocr_engine(no_tesseract: str, invoice_png: bytes) -> None:
    with pytest.raises(ExtractionFailed) as info:
        process_document(invoice_png, "receipt.png")
    assert info.value.reason == (
        f"image needs OCR and the OCR engine set in {TESSERACT_ENV} ({no_tesseract}) does not "
        "exist or is not executable"
    )


def test_scanned_pdf_without_ocr_engine(no_tesseract: str, scanned_invoice_pdf: bytes) -> None:
    with pytest.raises(ExtractionFailed) as info:
        process_document(scanned_invoice_pdf, "scan.pdf")
    assert info.value.reason == (
        f"scanned PDF has no text layer and the OCR engine set in {TESSERACT_ENV} "
        f"({no_tesseract}) does not exist or is not executable"
    )


def test_no_tesseract_on_path_names_the_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, invoice_png: bytes, scanned_invoice_pdf: bytes
) -> None:
    monkeypatch.delenv(TESSERACT_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    hint = (
        "no OCR engine (tesseract) is installed; install it with `apt-get install tesseract-ocr "
        "tesseract-ocr-eng` (scripts/bootstrap does this when run as root)"
    )
    with pytest.raises(ExtractionFailed) as image:
        process_document(invoice_png, "receipt.png")
    assert image.value.reason == f"image needs OCR and {hint}"
    with pytest.raises(ExtractionFailed) as pdf:
        process_document(scanned_invoice_pdf, "scan.pdf")
    assert pdf.value.reason == f"scanned PDF has no text layer and {hint}"


def test_text_pdf_with_a_scanned_page_degrades_without_ocr(
    no_tesseract: str, invoice_page: Image.Image, payslip_lines: list[str]
) -> None:
    result = process_document(text_and_scan_pdf(payslip_lines, invoice_page), "mixed.pdf")
    assert result.degraded and result.ocr_confidence is None
    assert result.warnings == [
        f"pages without a text layer need OCR and the OCR engine set in {TESSERACT_ENV} "
        f"({no_tesseract}) does not exist or is not executable",
        "pages without a text layer were skipped: 2",
    ]


def _fake_tesseract(tmp_path: Path, name: str, body: str) -> Path:
    script = tmp_path / name
    script.write_text(
        "#!/bin/sh\n"
        "if [ \"$1\" = --list-langs ]; then printf 'List of available languages (1):\\neng\\n'; "
        "exit 0; fi\n" + body
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
    "4\t1\t1\t1\t1\t0\t0\t0\t100\t10\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t96.5\tInvoice\n"
    "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t91.5\tNo:\n"
    "5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t95\t \n"
    "5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t60\tTotal\n"
    "5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t80\tEUR\n"
    "1\t2\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
    "5\t2\t1\t1\t1\t1\t0\t0\t10\t10\t100\tpage-two\n"
    "1\t3\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
)


def test_parse_tsv_lines_blocks_pages_and_confidence_scale() -> None:
    read = parse_tsv(TSV)
    assert read.text == "Invoice No:\nTotal\n\nEUR\n\npage-two"
    # Word rows only, blank words dropped, tesseract's 0-100 scale brought to 0-1.
    assert read.words == 5 and read.pages == 3  # page 3 is blank but still a page
    assert read.confidence == round((96.5 + 91.5 + 60 + 80 + 100) / 500, 4)
    empty = parse_tsv(TSV.splitlines()[0] + "\n")
    assert (empty.text, empty.words, empty.confidence) == ("", 0, None)
    with pytest.raises(ExtractionFailed, match="TSV"):
        parse_tsv("Invoice No: 1\n")


def test_languages_follow_locale_and_installed_packs() -> None:
    only_english = Tesseract(path="tesseract", languages=frozenset({"eng", "osd"}))
    assert only_english.language_for("de-DE") == "eng"
    assert only_english.language_for("und") == "eng"
    german = Tesseract(path="tesseract", languages=frozenset({"eng", "deu"}))
    assert german.language_for("de-DE") == "deu+eng"
    with pytest.raises(OcrUnavailable, match="tesseract-ocr-eng"):
        Tesseract(path="tesseract", languages=frozenset({"osd"})).language_for("en")


def test_setting_picks_the_binary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, invoice_png: bytes
) -> None:
    fake = _fake_tesseract(tmp_path, "tsv", f"cat <<'EOF'\n{TSV}EOF\n")
    monkeypatch.setenv(TESSERACT_ENV, str(fake))
    engine = find_tesseract()
    assert engine.path == str(fake) and engine.languages == {"eng"}
    result = process_document(invoice_png, "receipt.png")
    assert result.text.startswith("Invoice No:") and result.page_count == 3


def test_engine_errors_and_timeouts_become_reasons(tmp_path: Path, invoice_png: bytes) -> None:
    failing = Tesseract(
        str(_fake_tesseract(tmp_path, "failing", "echo 'Error: cannot load model' >&2; exit 3\n")),
        frozenset({"eng"}),
    )
    with pytest.raises(ExtractionFailed) as failed:
        failing.read(invoice_png)
    assert failed.value.reason == "OCR failed (tesseract exit code 3): Error: cannot load model"
    hanging = Tesseract(
        str(_fake_tesseract(tmp_path, "hanging", "exec sleep 30\n")), frozenset({"eng"})
    )
    started = time.monotonic()
    with pytest.raises(ExtractionFailed, match=r"OCR gave up on this image after 0.5 s"):
        hanging.read(invoice_png, timeout=0.5)
    assert time.monotonic() - started < 10


def test_failing_engine_on_pdf_pages(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    invoice_page: Image.Image,
    payslip_lines: list[str],
    scanned_invoice_pdf: bytes,
) -> None:
    """A page OCR cannot read costs that page only; a scan with no readable page fails."""
    failing = _fake_tesseract(tmp_path, "failing", "echo 'Error: cannot load model' >&2; exit 3\n")
    monkeypatch.setenv(TESSERACT_ENV, str(failing))
    problem = "page 2: OCR failed (tesseract exit code 3): Error: cannot load model"
    result = process_document(text_and_scan_pdf(payslip_lines, invoice_page), "mixed.pdf")
    assert result.degraded and result.ocr_confidence is None
    assert result.warnings == ["pages without a text layer were skipped: 2", problem]
    with pytest.raises(ExtractionFailed) as info:
        process_document(scanned_invoice_pdf, "scan.pdf")
    assert info.value.reason == (
        "OCR found no text in this scanned PDF: its pages are blank or too noisy or blurred to "
        f"read ({problem.replace('page 2', 'page 1')})"
    )
