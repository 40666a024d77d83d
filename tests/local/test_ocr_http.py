"""A PNG invoice uploaded to a running flexorch-local is read by OCR (real tesseract)."""

from __future__ import annotations

import httpx

from tests.local._local_helpers import data, upload, wait_job
from tests.local.processing._ocr_helpers import encode, render_lines, require_tesseract

SCANNED_INVOICE = [
    "Havenkant Print BV",
    "Kade 7, 3011 Rotterdam",
    "",
    "INVOICE",
    "Invoice No: HP-2024-0412",
    "Invoice Date: 18.06.2024",
    "Due Date: 18 July 2024",
    "",
    "Brochures A5, 2,000 copies        1,240.00",
    "Total Amount Due: EUR 1,240.00",
    "Please pay to IBAN NL91 ABNA 0417 1643 00 within 30 days.",
]


def test_png_invoice_is_read_by_ocr(api: httpx.Client) -> None:
    require_tesseract()  # the server subprocess finds the same binary: it inherits our env
    png = encode(render_lines(SCANNED_INVOICE), "PNG")
    job = wait_job(api, data(upload(api, ("scanned-invoice.png", png)))["job_id"])
    assert job["status"] == "completed", job["failure_reason"]
    assert job["document_type"] == "invoice"
    summary = job["processing_summary"]
    assert summary["quality"]["ocr_confidence"] >= 0.85
    assert summary["fields"]["document_no"] == "HP-2024-0412"
    assert summary["fields"]["iban"] == "NL91ABNA0417164300"
    assert summary["fields"]["total_amount"] == 1240.0
    assert "text was read by OCR" in job["warnings"]
    assert job["pii_findings_count"] >= 1
