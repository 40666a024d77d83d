"""Realistic documents built in memory for the processing tests."""

from __future__ import annotations

import io

import pytest
from docx import Document
from fpdf import FPDF
from openpyxl import Workbook
from PIL import Image

from flexorch_local.processing.ocr import Tesseract
from tests.local.processing._ocr_helpers import (
    degrade,
    encode,
    image_only_pdf,
    render_lines,
    require_tesseract,
)

INVOICE_LINES = [
    "Nordlicht Software GmbH",
    "Torstrasse 21, 10119 Berlin",
    "Tel: +49 30 5557 1234",
    "E-mail: billing@nordlicht-software.de",
    "",
    "INVOICE",
    "",
    "Invoice No: NL-2024-0815",
    "Invoice Date: 12.03.2024",
    "Due Date: 11 April 2024",
    "",
    "Bill to: Harbor Freight Ltd, 4 Dock Road, Bristol",
    "",
    "Description            Qty   Unit Price     Amount",
    "Software licence        5       200.00   1,000.00",
    "Onboarding workshop     2       450.00     900.00",
    "",
    "Subtotal: EUR 1,900.00",
    "VAT 19%: EUR 361.00",
    "Total Amount Due: EUR 2,261.00",
    "",
    "Please transfer the amount to IBAN DE89 3704 0044 0532 0130 00 within 30 days.",
    "Questions about this invoice? Write to accounts@nordlicht-software.de.",
]
PAYSLIP_LINES = [
    "Payslip May 2024",
    "Employer: Northwind Logistics BV",
    "Employee Name: Johanna Meyer",
    "Pay date: 31/05/2024",
    "Gross pay: EUR 5,250.00",
    "Income tax: EUR 1,310.40",
    "Social security: EUR 791.00",
    "Net pay: EUR 3,148.60",
    "Salary paid to IBAN NL91 ABNA 0417 1643 00",
]
STATEMENT_LINES = [
    "Account Statement",
    "Bank: Sparkasse Musterstadt",
    "Account holder: Jonas Weber",
    "IBAN: DE44 5001 0517 5407 3249 31",
    "Statement date: 2024-05-31",
    "Opening balance: EUR 7,412.10",
    "2024-05-03  Rent May               -1,150.00",
    "2024-05-15  Salary Northwind        3,148.60",
    "2024-05-20  Card payment grocery      -262.05",
    "Closing balance: EUR 9,148.65",
]
CONTRACT_TEXT = (
    "SERVICE AGREEMENT\n\n"
    "This Service Agreement (the Agreement) is made on 1 February 2024 between Brightlane "
    "Consulting Ltd (hereinafter the Provider) and Atelier Moreau SARL (hereinafter the "
    "Client). The parties agree as follows.\n\n"
    "1. Services. The Provider will deliver monthly advisory services to the Client.\n"
    "2. Fees. The Client pays GBP 4,000 per month against invoice.\n"
    "3. Termination. Either party may terminate this Agreement with three months notice.\n"
    "4. Governing law. This Agreement is governed by the laws of England and Wales.\n\n"
    "Notices go to legal@brightlane.co.uk. In witness whereof the parties have signed."
)
GERMAN_INVOICE = (
    "Rechnung\n\nLieferant: Bergmann Werkzeuge GmbH\nRechnungsnummer: RE-2024-117\n"
    "Rechnungsdatum: 05.04.2024\nZahlbar bis: 05.05.2024\n\n"
    "Wir bedanken uns für Ihren Auftrag und berechnen Ihnen die folgenden Leistungen. "
    "Bitte überweisen Sie den Betrag auf das unten genannte Konto. Die Ware bleibt bis zur "
    "vollständigen Bezahlung unser Eigentum.\n\n"
    "Gesamtbetrag: 1.234,56 €\nIBAN: DE89370400440532013000\nKontakt: buchhaltung@bergmann.de\n"
)
UBL_INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>EINV-2024-00452</cbc:ID>
  <cbc:IssueDate>2024-05-20</cbc:IssueDate>
  <cbc:DueDate>2024-06-19</cbc:DueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Rheinland Office Supplies AG</cbc:Name></cac:PartyName>
    <cac:Contact><cbc:ElectronicMail>sales@rheinland-office.de</cbc:ElectronicMail></cac:Contact>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyName><cbc:Name>Northwind Logistics BV</cbc:Name></cac:PartyName>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cac:PayeeFinancialAccount>
    <cbc:ID>DE44500105175407324931</cbc:ID>
  </cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="EUR">1364.74</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="EA">10</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">846.80</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Office chair ergonomic</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">84.68</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
  <cac:InvoiceLine><cbc:ID>2</cbc:ID>
    <cbc:InvoicedQuantity unitCode="EA">5</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">300.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Desk lamp LED</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">60.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""


def make_pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)  # a drawing only: no text layer and no image for OCR to read
    return bytes(pdf.output())


@pytest.fixture(scope="session")
def blank_pdf() -> bytes:
    return make_blank_pdf()


@pytest.fixture(scope="session")
def invoice_pdf() -> bytes:
    return make_pdf(INVOICE_LINES)


@pytest.fixture(scope="session")
def payslip_docx() -> bytes:
    document = Document()
    document.add_heading("Payslip May 2024", level=1)
    for line in PAYSLIP_LINES[1:4]:
        document.add_paragraph(line)
    table = document.add_table(rows=0, cols=2)
    for line in PAYSLIP_LINES[4:8]:
        label, value = line.split(": ")
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph(PAYSLIP_LINES[8])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def statement_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "May 2024"
    for line in STATEMENT_LINES:
        if ": " in line:
            sheet.append(line.split(": ", 1))
        elif line[:4].isdigit():
            date, rest = line.split("  ", 1)
            text, amount = rest.rsplit(" ", 1)
            sheet.append([date, text.strip(), float(amount.replace(",", ""))])
        else:
            sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def contract_html() -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in CONTRACT_TEXT.split("\n") if p)
    return (
        "<!DOCTYPE html><html><head><title>x</title><style>p{color:red}</style>"
        "<script>var secret = 'do-not-index@example.com';</script></head>"
        f"<body>{paragraphs}</body></html>"
    ).encode()


@pytest.fixture(scope="session")
def reminder_eml() -> bytes:
    return (
        b"From: Accounts Receivable <ar@acme-industrial.de>\r\n"
        b"To: Sophie de Vries <sophie.devries@northwind.nl>\r\n"
        b"Subject: Payment reminder: invoice INV-2024-0117 overdue\r\n"
        b"Date: Mon, 20 May 2024 08:15:00 +0200\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Dear Ms de Vries,\r\n\r\nour records show that invoice INV-2024-0117 over "
        b"EUR 2,470.44 was due on 2024-05-15 and remains unpaid. Please transfer the amount "
        b"to IBAN DE89 3704 0044 0532 0130 00 within 7 days.\r\n\r\nKind regards,\r\n"
        b"ACME Industrial Supplies GmbH\r\n"
        b"--b1\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="INV-2024-0117.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
    )


@pytest.fixture(scope="session")
def german_txt() -> bytes:
    return GERMAN_INVOICE.encode("cp1252")


@pytest.fixture(scope="session")
def ubl_xml() -> bytes:
    return UBL_INVOICE


@pytest.fixture(scope="session")
def tesseract() -> Tesseract:
    return require_tesseract()


@pytest.fixture(scope="session")
def invoice_page() -> Image.Image:
    return render_lines(INVOICE_LINES)


@pytest.fixture(scope="session")
def invoice_lines() -> list[str]:
    return INVOICE_LINES


@pytest.fixture(scope="session")
def payslip_lines() -> list[str]:
    return PAYSLIP_LINES


@pytest.fixture(scope="session")
def invoice_png(invoice_page: Image.Image) -> bytes:
    return encode(invoice_page, "PNG")


@pytest.fixture(scope="session")
def scanned_invoice_pdf(invoice_page: Image.Image) -> bytes:
    return image_only_pdf(invoice_page)


@pytest.fixture(scope="session")
def poor_invoice_png() -> bytes:
    """Grey on grey, blurred and speckled: tesseract still reads it as an invoice, at a
    confidence of about 0.58 (tesseract 5.3.0)."""
    page = render_lines(INVOICE_LINES, ink=80, paper=180)
    return encode(degrade(page, blur=1.0, noise=0.03), "PNG")
