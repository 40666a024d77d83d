"""Generate the sample documents the main job ingests: `python samples/make_samples.py`.

A realistic mix of invoices, payroll, contracts, bank statements and e-mails in every format
FlexOrch accepts, carrying names, amounts, dates, IBANs and e-mail addresses so that field
extraction and PII masking have something to show; plus a few bad files that must end the run
quarantined with their reasons. Output is byte-for-byte reproducible (fixed timestamps), so
regenerating does not change content hashes and a rerun of the pipeline stays a no-op.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from docx import Document
from fpdf import FPDF

OUT = Path(__file__).resolve().parent / "documents"
FIXED = dt.datetime(2024, 6, 3, 9, 0, 0)
ZIP_EPOCH = (2024, 6, 3, 9, 0, 0)


def _pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(FIXED.replace(tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _normalise_zip(raw: bytes) -> bytes:
    # docx/xlsx are zip files stamped with the current time; rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                # openpyxl stamps "modified" with the save time whatever the properties say.
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-06-03T09:00:00Z", data
                )
            dst.writestr(info, data)
    return out.getvalue()


def _docx(title: str, paragraphs: list[str]) -> bytes:
    doc = Document()
    doc.core_properties.created = FIXED
    doc.core_properties.modified = FIXED
    doc.core_properties.author = "Sample Generator"
    doc.add_heading(title, level=1)
    for text in paragraphs:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def _xlsx(sheet: str, rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


def _eml(sender: str, to: str, subject: str, date: str, body: str) -> bytes:
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{body}\n"
    ).encode()


def invoice_pdf() -> bytes:
    return _pdf(
        [
            "ACME Industrial Supplies GmbH",
            "Hafenstrasse 12, 20457 Hamburg - billing@acme-industrial.de",
            "INVOICE",
            "Invoice No: INV-2024-0117",
            "Invoice Date: 2024-04-15",
            "Due Date: 2024-05-15",
            "Bill to: Northwind Logistics BV, attn. Sophie de Vries (sophie.devries@northwind.nl)",
            "1 x Hydraulic pump HP-220              EUR 1,840.00",
            "4 x Replacement seal kit SK-9          EUR   236.00",
            "Subtotal                               EUR 2,076.00",
            "VAT 19%                                EUR   394.44",
            "Total Amount                           EUR 2,470.44",
            "Please pay to IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX",
        ]
    )


def invoice_docx() -> bytes:
    return _docx(
        "Invoice INV-88213",
        [
            "Vendor: Brightlane Consulting Ltd, 4 Mercer Street, London WC2H 9QE",
            "Invoice Number: INV-88213",
            "Invoice Date: 2024-05-02",
            "Due Date: 2024-06-01",
            "Customer: Harbor Retail Group, contact James Whitaker (j.whitaker@harborretail.co.uk)",
            "Strategy workshop (2 days) - GBP 4,800.00",
            "Travel expenses - GBP 312.50",
            "Total Amount: GBP 5,112.50",
            "Payment by bank transfer to IBAN GB29 NWBK 6016 1331 9268 19.",
        ],
    )


def invoice_html() -> bytes:
    return b"""<!doctype html>
<html><head><title>Invoice 2024-3391 - Solaris Energy SAS</title></head>
<body>
<h1>Solaris Energy SAS</h1>
<p>12 rue de la Paix, 75002 Paris - factures@solaris-energy.fr</p>
<h2>Invoice 2024-3391</h2>
<p>Invoice Date: 2024-03-28<br>Due Date: 2024-04-27</p>
<p>Customer: Atelier Moreau SARL, Claire Moreau (claire.moreau@ateliermoreau.fr)</p>
<table>
<tr><th>Item</th><th>Amount</th></tr>
<tr><td>Solar panel installation, 12 kWp</td><td>EUR 14,250.00</td></tr>
<tr><td>Grid connection fee</td><td>EUR 480.00</td></tr>
<tr><td><b>Total Amount</b></td><td><b>EUR 14,730.00</b></td></tr>
</table>
<p>IBAN: FR14 2004 1010 0505 0001 3M02 606</p>
</body></html>
"""


def einvoice_xml() -> bytes:
    # UBL lines are long by nature; keep them as a real e-invoice would have them.
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">
  <ID>EINV-2024-00452</ID>
  <IssueDate>2024-05-20</IssueDate>
  <DueDate>2024-06-19</DueDate>
  <DocumentCurrencyCode>EUR</DocumentCurrencyCode>
  <AccountingSupplierParty><Party>
    <PartyName><Name>Rheinland Office Supplies AG</Name></PartyName>
    <Contact><ElectronicMail>invoices@rheinland-office.de</ElectronicMail></Contact>
  </Party></AccountingSupplierParty>
  <AccountingCustomerParty><Party>
    <PartyName><Name>Kessler &amp; Partner Steuerberatung</Name></PartyName>
    <Contact><Name>Markus Kessler</Name>
      <ElectronicMail>m.kessler@kessler-partner.de</ElectronicMail></Contact>
  </Party></AccountingCustomerParty>
  <PaymentMeans><PayeeFinancialAccount>
    <ID>DE44 5001 0517 5407 3249 31</ID></PayeeFinancialAccount></PaymentMeans>
  <InvoiceLine><ID>1</ID><Note>Printer paper A4, 40 boxes</Note>
    <LineExtensionAmount currencyID="EUR">612.00</LineExtensionAmount></InvoiceLine>
  <InvoiceLine><ID>2</ID><Note>Toner cartridges, 6 units</Note>
    <LineExtensionAmount currencyID="EUR">534.00</LineExtensionAmount></InvoiceLine>
  <LegalMonetaryTotal><PayableAmount currencyID="EUR">1364.74</PayableAmount></LegalMonetaryTotal>
</Invoice>
"""


def payroll_pdf() -> bytes:
    return _pdf(
        [
            "PAYSLIP - May 2024",
            "Employer: Northwind Logistics BV, Keizersgracht 101, Amsterdam",
            "Employee: Johanna Meyer, employee no. E-10442",
            "E-mail: johanna.meyer@northwind.nl   Phone: +31 6 1234 5678",
            "Pay date: 2024-05-31",
            "Gross salary                     EUR 5,250.00",
            "Income tax withheld              EUR 1,412.30",
            "Social security                  EUR   689.10",
            "Net pay                          EUR 3,148.60",
            "Paid to IBAN NL91 ABNA 0417 1643 00",
        ]
    )


def payroll_xlsx() -> bytes:
    return _xlsx(
        "Payroll Q2 2024",
        [
            ["Payroll summary Q2 2024", None, None, None, None],
            ["Employee", "E-mail", "IBAN", "Gross (EUR)", "Net (EUR)"],
            ["Johanna Meyer", "johanna.meyer@northwind.nl", "NL91ABNA0417164300", 15750.0, 9445.8],
            ["Pieter Bakker", "pieter.bakker@northwind.nl", "NL02RABO0123456789", 13200.0, 8110.4],
            ["Amira Haddad", "amira.haddad@northwind.nl", "NL39INGB0001234567", 16800.0, 10024.9],
            ["Total", None, None, 45750.0, 27581.1],
            ["Pay date", "2024-06-28", None, None, None],
        ],
    )


def contract_docx() -> bytes:
    return _docx(
        "Service Agreement",
        [
            "This Service Agreement is made on 2024-02-01 between Harbor Retail Group plc "
            "(the Client), represented by James Whitaker, and Brightlane Consulting Ltd "
            "(the Provider), represented by Olivia Grant (olivia.grant@brightlane.co.uk).",
            "1. Term. The agreement runs from 2024-03-01 to 2025-02-28 and renews for one year "
            "unless either party gives 60 days written notice.",
            "2. Fees. The Client pays a monthly retainer of GBP 7,500.00, invoiced on the first "
            "business day of each month, payable within 30 days.",
            "3. Payment details. Payments are made to IBAN GB33 BUKB 2020 1555 5555 55.",
            "4. Confidentiality. Each party keeps the other's information confidential for five "
            "years after termination.",
            "Signed: James Whitaker, Olivia Grant",
        ],
    )


def contract_txt() -> bytes:
    return b"""COMMERCIAL LEASE AGREEMENT

Date: 2024-01-10
Landlord: Harbor Street Properties LLC, 88 Harbor Street, Boston, MA 02110
Tenant: Greenleaf Bakery Inc., represented by Maria Lopez (maria.lopez@greenleafbakery.com)

Premises: Unit 3B, 88 Harbor Street, Boston.
Term: 36 months commencing 2024-02-01 and ending 2027-01-31.
Monthly rent: USD 4,200.00, due on the first day of each month.
Security deposit: USD 8,400.00.
Rent is paid by wire transfer to account IBAN US64 SVBK US6S 3300 9673 8637 (Silicon Valley Bank).

Late payment incurs a fee of 5% of the monthly rent.
Signed by both parties on 2024-01-10.
"""


def bank_statement_pdf() -> bytes:
    return _pdf(
        [
            "ING Bank N.V. - Account Statement April 2024",
            "Account holder: Pieter Bakker, Prinsengracht 263, Amsterdam",
            "IBAN: NL39 INGB 0001 2345 67",
            "Statement period: 2024-04-01 to 2024-04-30",
            "Opening balance                        EUR 12,408.17",
            "2024-04-02  Salary Northwind Logistics  +EUR 4,420.00",
            "2024-04-05  Rent Keizersgracht BV       -EUR 1,650.00",
            "2024-04-12  Albert Heijn 1043           -EUR    86.45",
            "2024-04-19  Transfer to DE89370400440532013000  -EUR 500.00",
            "2024-04-28  Vattenfall energy           -EUR   142.30",
            "Closing balance                        EUR 14,449.42",
            "Questions? service@ing.nl",
        ]
    )


def bank_statement_xlsx() -> bytes:
    return _xlsx(
        "Statement 2024-05",
        [
            ["Deutsche Bank AG - Kontoauszug Mai 2024", None, None],
            ["Account holder", "Markus Kessler", None],
            ["IBAN", "DE44500105175407324931", None],
            ["Date", "Description", "Amount (EUR)"],
            ["2024-05-01", "Opening balance", 8210.55],
            ["2024-05-03", "Client payment Rheinland Office Supplies AG", 2300.0],
            ["2024-05-10", "Office rent Kessler & Partner", -1950.0],
            ["2024-05-21", "Lufthansa booking LH2034", -412.9],
            ["2024-05-31", "Closing balance", 8147.65],
        ],
    )


def email_reminder() -> bytes:
    return _eml(
        "Accounts Receivable <ar@acme-industrial.de>",
        "Sophie de Vries <sophie.devries@northwind.nl>",
        "Payment reminder: invoice INV-2024-0117 overdue",
        "Mon, 20 May 2024 08:15:00 +0200",
        "Dear Ms de Vries,\n\nour records show that invoice INV-2024-0117 dated 2024-04-15 "
        "over EUR 2,470.44 was due on 2024-05-15 and remains unpaid.\n"
        "Please transfer the amount to IBAN DE89 3704 0044 0532 0130 00 within 7 days.\n\n"
        "Kind regards,\nThomas Brandt\nACME Industrial Supplies GmbH\n+49 40 555 0192",
    )


def email_renewal() -> bytes:
    return _eml(
        "Olivia Grant <olivia.grant@brightlane.co.uk>",
        "James Whitaker <j.whitaker@harborretail.co.uk>",
        "Renewal of the service agreement for 2025",
        "Tue, 14 May 2024 16:42:00 +0100",
        "Hi James,\n\nthe current service agreement ends on 2025-02-28. For the renewal we "
        "propose a monthly retainer of GBP 7,900.00 from 2025-03-01.\n"
        "Could you confirm by 2024-06-30? Invoices stay payable to IBAN GB33 BUKB 2020 1555 "
        "5555 55.\n\nBest,\nOlivia Grant\nBrightlane Consulting Ltd",
    )


def expense_report_txt() -> bytes:
    return b"""EXPENSE REPORT

Employee: Amira Haddad (amira.haddad@northwind.nl), cost centre 4410
Trip: Customer visit Berlin, 2024-05-06 to 2024-05-08
Report date: 2024-05-10

2024-05-06  Train Amsterdam-Berlin (DB)          EUR 129.90
2024-05-06  Hotel Adlon, 2 nights                 EUR 486.00
2024-05-07  Client dinner, Restaurant Tim Raue    EUR 214.50
2024-05-08  Taxi to Berlin Hbf                    EUR  23.80
Total Amount                                      EUR 854.20

Reimburse to IBAN NL39 INGB 0001 2345 67.
Approved by: Pieter Bakker, 2024-05-13
"""


def purchase_order_html() -> bytes:
    return b"""<!doctype html>
<html><head><title>Purchase Order PO-55120</title></head>
<body>
<h1>Purchase Order PO-55120</h1>
<p>Buyer: Greenleaf Bakery Inc., 88 Harbor Street, Boston - purchasing@greenleafbakery.com</p>
<p>Supplier: Midwest Mills Co., contact Daniel Price (d.price@midwestmills.com)</p>
<p>Order date: 2024-05-17 &middot; Delivery date: 2024-05-31</p>
<ul>
<li>Organic wheat flour, 40 x 25 kg - USD 1,560.00</li>
<li>Rye flour, 10 x 25 kg - USD 465.00</li>
</ul>
<p><b>Total Amount: USD 2,025.00</b>, payment terms net 30.</p>
</body></html>
"""


def tax_txt() -> bytes:
    return b"""VAT RETURN - Q1 2024

Taxpayer: Atelier Moreau SARL, SIRET 552 120 222 00013
Contact: Claire Moreau, claire.moreau@ateliermoreau.fr, +33 1 42 68 53 00
Period: 2024-01-01 to 2024-03-31
Filing date: 2024-04-19

Taxable sales                     EUR 86,400.00
Output VAT (20%)                  EUR 17,280.00
Input VAT deductible              EUR  9,115.40
VAT payable                       EUR  8,164.60

Direct debit from IBAN FR76 3000 6000 0112 3456 7890 189 on 2024-04-30.
"""


def corrupt_docx() -> bytes:
    # Starts like a zip (so the extension looks plausible) but the archive is truncated.
    return b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + b"not really a word document" * 8


GOOD: dict[str, Callable[[], bytes]] = {
    "invoice_acme_INV-2024-0117.pdf": invoice_pdf,
    "invoice_brightlane_INV-88213.docx": invoice_docx,
    "invoice_solaris_2024-3391.html": invoice_html,
    "einvoice_rheinland_EINV-2024-00452.xml": einvoice_xml,
    "payslip_2024-05_johanna_meyer.pdf": payroll_pdf,
    "payroll_summary_q2_2024.xlsx": payroll_xlsx,
    "contract_service_agreement_brightlane.docx": contract_docx,
    "contract_lease_88_harbor_street.txt": contract_txt,
    "bank_statement_ing_2024-04.pdf": bank_statement_pdf,
    "bank_statement_deutsche_bank_2024-05.xlsx": bank_statement_xlsx,
    "email_payment_reminder_INV-2024-0117.eml": email_reminder,
    "email_contract_renewal_2025.eml": email_renewal,
    "expense_report_berlin_2024-05.txt": expense_report_txt,
    "purchase_order_PO-55120.html": purchase_order_html,
    "vat_return_q1_2024_atelier_moreau.txt": tax_txt,
}

BAD: dict[str, Callable[[], bytes]] = {
    "bad_customer_export.csv": lambda: (
        b"name,email,iban\nJohanna Meyer,johanna.meyer@northwind.nl,NL91ABNA0417164300\n"
    ),
    "bad_empty_scan.pdf": lambda: b"",
    "bad_corrupt_contract.docx": corrupt_docx,
}


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, make in {**GOOD, **BAD}.items():
        (out / name).write_bytes(make())
    print(f"wrote {len(GOOD)} documents and {len(BAD)} bad files to {out}")


if __name__ == "__main__":
    main()
