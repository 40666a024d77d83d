"""The pieces of the pipeline on their own: language, classification, fields, grades."""

from __future__ import annotations

import pytest

from flexorch_local.processing import classify, detect_language, grade_for
from flexorch_local.processing.amounts import parse_amount
from flexorch_local.processing.dates import parse_date
from flexorch_local.processing.fields import extract_fields
from flexorch_local.processing.quality import quality


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Please find attached the invoice for the services we provided to you in March.", "en"),
        ("Bitte überweisen Sie den Betrag bis zum Monatsende auf das Konto der Firma.", "de"),
        ("Nous vous remercions pour votre commande et vous prions de régler la facture.", "fr"),
        ("Bu fatura için ödeme tarihi ve toplam tutar aşağıda bir tablo ile verilmiştir.", "tr"),
        ("Le enviamos la factura con la fecha de pago y el importe total para su revisión.", "es"),
        (
            "Vi inviamo la fattura con la data di pagamento e il totale che non è stato pagato.",
            "it",
        ),
        (
            "Wij sturen u de factuur met het bedrag en de datum van betaling voor uw bestelling.",
            "nl",
        ),
        ("12345 67890 ###", "und"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("EXPENSE REPORT\nTaxi 23.00\nHotel 180.00\nReimbursement requested", "expense_report"),
        ("Purchase Order PO-1\nShip to: depot\nPO Number: 77", "purchase_order"),
        (
            "Angebot\nWir unterbreiten Ihnen folgendes Angebot, gültig bis Ende Mai.",
            "sales_proposal",
        ),
        ("Kontoauszug Nr. 5\nAnfangssaldo 100,00\nEndsaldo 200,00", "bank_statement"),
        ("Bulletin de paie\nSalaire brut 3 000,00\nNet à payer 2 300,00", "payroll"),
        ("Budget 2025\nPlanned vs actual\nVariance by department", "budget"),
        ("Lieferschein\nWir liefern Ihnen folgende Artikel", "delivery_note"),
        ("Vergi Beyannamesi\nBeyanname dönemi 2024", "tax_declaration"),
        ("SÖZLEŞME\nTaraflar aşağıdaki şartlarda anlaşmıştır. Bu sözleşme", "contract"),
        ("Fatura\nFatura No: A-1\nGenel Toplam: 1.000,00 TL", "invoice"),
        ("Meeting notes from Tuesday about the office move.", "general"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    assert classify(text) == kind


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("1 234,56", 1234.56),
        ("1'234.50", 1234.5),
        ("1234.5", 1234.5),
        ("1,250", 1250.0),
        ("-42,10", -42.1),
        ("abc", None),
    ],
)
def test_parse_amount(raw: str, value: float | None) -> None:
    assert parse_amount(raw) == value


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("15.03.2024", "2024-03-15"),
        ("03/25/2024", "2024-03-25"),
        ("2024-3-5", "2024-03-05"),
        ("5 March 2024", "2024-03-05"),
        ("March 5th, 2024", "2024-03-05"),
        ("12. März 2024", "2024-03-12"),
        ("1er avril 2024", None),
        ("3 avril 2024", "2024-04-03"),
        ("15 Ağustos 2024", "2024-08-15"),
        ("31.02.2024", None),
    ],
)
def test_parse_date(raw: str, iso: str | None) -> None:
    assert parse_date(raw) == iso


def test_turkish_invoice_fields() -> None:
    text = (
        "Anadolu Tekstil A.Ş.\nFATURA\nFatura No: TR-2024-55\nFatura Tarihi: 02.05.2024\n"
        "Son Ödeme Tarihi: 01.06.2024\nGenel Toplam: 12.500,00 TL\n"
    )
    fields = extract_fields(text)
    assert fields["vendor"] == "Anadolu Tekstil A.Ş."
    assert fields["document_no"] == "TR-2024-55"
    assert fields["document_date"] == "2024-05-02"
    assert fields["due_date"] == "2024-06-01"
    assert fields["total_amount"] == 12500.0
    assert fields["currency"] == "TRY"


def test_missing_fields_are_none() -> None:
    fields = extract_fields("Hello world, nothing to see here.")
    assert fields["total_amount"] is None and fields["iban"] is None
    assert fields["document_no"] is None and fields["due_date"] is None


def test_subtotal_is_not_the_total() -> None:
    fields = extract_fields("Subtotal: 100.00 EUR\nVAT: 19.00 EUR\nTotal: 119.00 EUR\n")
    assert fields["total_amount"] == 119.0


@pytest.mark.parametrize(
    ("score", "grade"), [(100, "A"), (85, "A"), (84.99, "B"), (65, "B"), (64.9, "C"), (45, "C"),
                         (44.9, "D"), (0, "D")]
)  # fmt: skip
def test_grade_bands(score: float, grade: str) -> None:
    assert grade_for(score) == grade


def test_low_ocr_confidence_caps_at_c() -> None:
    score, grade = quality(1.0, 1.0, "invoice", ocr_confidence=0.65, degraded=False)
    assert grade == "C" and score <= 64
    score, grade = quality(1.0, 1.0, "invoice", ocr_confidence=0.95, degraded=False)
    assert grade == "A"


def test_field_fill_rate_moves_the_score() -> None:
    full, _ = quality(1.0, 1.0, "invoice", None, False)
    empty, grade = quality(1.0, 0.0, "invoice", None, False)
    assert full == 100.0 and empty == 65.0 and grade == "B"


def test_line_item_shapes() -> None:
    from flexorch_local.processing.fields import extract_line_items

    text = (
        "1 x Hydraulic pump HP-220              EUR 1,840.00\n"
        "4 x Replacement seal kit SK-9          EUR   236.00\n"
        "Grid connection fee\tEUR 480.00\n"
        "Subtotal                               EUR 2,556.00\n"
        "Paid on\t12.05.2024\n"
    )
    items = extract_line_items(text)
    assert [i["description"] for i in items] == [
        "Hydraulic pump HP-220",
        "Replacement seal kit SK-9",
        "Grid connection fee",
    ]
    assert items[1]["quantity"] == 4.0 and items[1]["unit_price"] == 59.0
    assert items[2]["quantity"] is None and items[2]["amount"] == 480.0
