"""process_document on realistic documents of every readable type."""

from __future__ import annotations

from flexorch_local.processing import ProcessingResult, process_document


def _no_raw(result: ProcessingResult, *values: str) -> None:
    for value in values:
        assert value not in result.masked_text
    assert "[MASKED_" in result.masked_text


def test_invoice_pdf(invoice_pdf: bytes) -> None:
    result = process_document(invoice_pdf, "invoice.pdf")
    assert result.file_type == "pdf"
    assert result.page_count == 1
    assert result.document_type == "invoice"
    assert result.fields == {
        "vendor": "Nordlicht Software GmbH",
        "document_date": "2024-03-12",
        "due_date": "2024-04-11",
        "total_amount": 2261.0,
        "currency": "EUR",
        "iban": "DE89370400440532013000",
        "document_no": "NL-2024-0815",
    }
    assert result.line_items == [
        {"description": "Software licence", "quantity": 5.0, "unit_price": 200.0,
         "amount": 1000.0},
        {"description": "Onboarding workshop", "quantity": 2.0, "unit_price": 450.0,
         "amount": 900.0},
    ]  # fmt: skip
    assert result.detected_language == "en"
    assert result.quality_grade == "A"
    assert result.field_fill_rate == 1.0
    assert result.ocr_confidence is None
    summary = result.pii_type_summary
    assert summary["email"] == 2 and summary["iban"] == 1 and summary["phone"] == 1
    _no_raw(result, "billing@nordlicht-software.de", "DE89 3704 0044 0532 0130 00", "5557 1234")
    assert "[MASKED_EMAIL]" in result.masked_text and "[MASKED_IBAN]" in result.masked_text
    assert result.char_count == len(result.text)


def test_findings_carry_positions_not_values(invoice_pdf: bytes) -> None:
    result = process_document(invoice_pdf, "invoice.pdf")
    dumped = result.model_dump()
    for finding in dumped["pii_findings"]:
        assert set(finding) == {"type", "start", "end"}
    emails = [f for f in result.pii_findings if f.type == "email"]
    assert result.text[emails[0].start : emails[0].end] == "billing@nordlicht-software.de"
    assert sum(result.pii_type_summary.values()) == len(result.pii_findings)


def test_payslip_docx_reads_tables(payslip_docx: bytes) -> None:
    result = process_document(payslip_docx, "payslip.docx")
    assert result.document_type == "payroll"
    assert "Net pay\tEUR 3,148.60" in result.text
    assert result.fields["vendor"] == "Northwind Logistics BV"
    assert result.fields["document_date"] == "2024-05-31"
    assert result.fields["total_amount"] == 3148.6
    assert result.fields["currency"] == "EUR"
    assert result.fields["iban"] == "NL91ABNA0417164300"
    assert "name" in result.pii_type_summary
    _no_raw(result, "Johanna Meyer", "NL91 ABNA 0417 1643 00")
    assert result.quality_grade in ("A", "B")


def test_bank_statement_xlsx(statement_xlsx: bytes) -> None:
    result = process_document(statement_xlsx, "statement.xlsx")
    assert result.text.startswith("## May 2024\n")
    assert "Opening balance\tEUR 7,412.10" in result.text
    assert result.document_type == "bank_statement"
    assert result.fields["vendor"] == "Sparkasse Musterstadt"
    assert result.fields["iban"] == "DE44500105175407324931"
    assert result.fields["total_amount"] == 9148.65
    assert result.fields["document_date"] == "2024-05-31"
    _no_raw(result, "DE44 5001 0517 5407 3249 31")


def test_contract_html_drops_scripts(contract_html: bytes) -> None:
    result = process_document(contract_html, "agreement.html")
    assert result.document_type == "contract"
    assert "do-not-index" not in result.text and "color:red" not in result.text
    assert result.text.startswith("SERVICE AGREEMENT\n")
    assert result.fields["vendor"] is None
    assert result.fields["document_date"] == "2024-02-01"
    assert result.detected_language == "en"
    assert result.quality_grade == "A"
    _no_raw(result, "legal@brightlane.co.uk")


def test_eml_headers_body_and_attachments(reminder_eml: bytes) -> None:
    result = process_document(reminder_eml, "reminder.eml")
    assert result.file_type == "eml"
    assert "Subject: Payment reminder: invoice INV-2024-0117 overdue" in result.text
    assert "Attachments: INV-2024-0117.pdf" in result.text
    assert result.document_type == "invoice"
    assert result.fields["vendor"] == "ACME Industrial Supplies GmbH"
    assert result.fields["document_no"] == "INV-2024-0117"
    assert result.fields["due_date"] == "2024-05-15"
    _no_raw(result, "ar@acme-industrial.de", "sophie.devries@northwind.nl")


def test_german_cp1252_txt(german_txt: bytes) -> None:
    result = process_document(german_txt, "rechnung.txt")
    assert "text decoded as cp1252" in result.warnings
    assert "Gesamtbetrag: 1.234,56 €" in result.text
    assert result.detected_language == "de"
    assert result.document_type == "invoice"
    assert result.fields["total_amount"] == 1234.56
    assert result.fields["currency"] == "EUR"
    assert result.fields["document_no"] == "RE-2024-117"
    assert result.fields["document_date"] == "2024-04-05"
    assert result.fields["due_date"] == "2024-05-05"
    assert result.fields["vendor"] == "Bergmann Werkzeuge GmbH"
    _no_raw(result, "DE89370400440532013000", "buchhaltung@bergmann.de")


def test_ubl_xml_fields_from_tags(ubl_xml: bytes) -> None:
    result = process_document(ubl_xml, "einvoice.xml")
    assert result.document_type == "invoice"
    assert result.fields == {
        "vendor": "Rheinland Office Supplies AG",
        "document_date": "2024-05-20",
        "due_date": "2024-06-19",
        "total_amount": 1364.74,
        "currency": "EUR",
        "iban": "DE44500105175407324931",
        "document_no": "EINV-2024-00452",
    }
    assert [item["description"] for item in result.line_items] == [
        "Office chair ergonomic",
        "Desk lamp LED",
    ]
    assert result.line_items[0]["quantity"] == 10.0
    _no_raw(result, "sales@rheinland-office.de", "DE44500105175407324931")


def test_deterministic(invoice_pdf: bytes) -> None:
    first = process_document(invoice_pdf, "invoice.pdf")
    second = process_document(invoice_pdf, "invoice.pdf")
    assert first.model_dump() == second.model_dump()
