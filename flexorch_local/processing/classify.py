"""Keyword classification of business documents (EN/DE/FR/TR keywords).

Each type has weighted phrases; words in the title lines count triple, because a
document usually names its own kind at the top ("INVOICE", "Lohnabrechnung").
"""

from __future__ import annotations

import re

DOCUMENT_TYPES = (
    "invoice",
    "expense_report",
    "purchase_order",
    "sales_proposal",
    "bank_statement",
    "payroll",
    "budget",
    "delivery_note",
    "tax_declaration",
    "contract",
    "general",
)

_KEYWORDS: dict[str, dict[str, float]] = {
    "invoice": {
        "invoice": 3,
        "tax invoice": 2,
        "invoice number": 2,
        "invoice no": 2,
        "bill to": 2,
        "amount due": 2,
        "rechnung": 3,
        "rechnungsnummer": 2,
        "rechnungsbetrag": 2,
        "facture": 3,
        "numéro de facture": 2,
        "fatura": 3,
        "e-fatura": 2,
        "vat": 0.5,
        "mwst": 0.5,
        "tva": 0.5,
        "kdv": 0.5,
        "payment terms": 1,
    },
    "expense_report": {
        "expense report": 4,
        "expense claim": 4,
        "reimbursement": 2,
        "expenses": 1.5,
        "spesenabrechnung": 4,
        "reisekostenabrechnung": 4,
        "note de frais": 4,
        "masraf beyanı": 4,
        "masraf raporu": 4,
        "harcırah": 3,
        "mileage": 1,
    },
    "purchase_order": {
        "purchase order": 4,
        "po number": 3,
        "order number": 1.5,
        "ship to": 1,
        "bestellung": 3,
        "bestellnummer": 2,
        "bon de commande": 4,
        "satın alma siparişi": 4,
        "sipariş": 2,
    },
    "sales_proposal": {
        "proposal": 3,
        "quotation": 3,
        "quote": 1.5,
        "offer valid": 2,
        "valid until": 1,
        "angebot": 3,
        "kostenvoranschlag": 3,
        "devis": 3,
        "proposition commerciale": 4,
        "teklif": 3,
        "fiyat teklifi": 4,
    },
    "bank_statement": {
        "bank statement": 4,
        "account statement": 4,
        "statement of account": 4,
        "opening balance": 3,
        "closing balance": 3,
        "kontoauszug": 4,
        "anfangssaldo": 3,
        "endsaldo": 3,
        "relevé de compte": 4,
        "solde": 1.5,
        "hesap özeti": 4,
        "hesap ekstresi": 4,
        "balance": 0.5,
        "transactions": 1,
    },
    "payroll": {
        "payslip": 4,
        "pay slip": 4,
        "payroll": 3,
        "salary": 2,
        "gross pay": 3,
        "net pay": 3,
        "employee": 1,
        "lohnabrechnung": 4,
        "gehaltsabrechnung": 4,
        "bruttolohn": 3,
        "nettolohn": 3,
        "bulletin de paie": 4,
        "fiche de paie": 4,
        "salaire": 2,
        "bordro": 4,
        "maaş": 2,
        "brüt": 1,
        "net ücret": 3,
        "income tax": 1,
        "social security": 1,
    },
    "budget": {
        "budget": 3,
        "forecast": 1.5,
        "fiscal year": 1,
        "haushaltsplan": 4,
        "budgetplan": 4,
        "budget prévisionnel": 4,
        "bütçe": 4,
        "planned": 1,
        "actual": 0.5,
        "variance": 1.5,
    },
    "delivery_note": {
        "delivery note": 4,
        "packing slip": 4,
        "delivered": 1,
        "shipment": 1,
        "lieferschein": 4,
        "bon de livraison": 4,
        "irsaliye": 4,
        "sevk irsaliyesi": 4,
    },
    "tax_declaration": {
        "tax return": 4,
        "tax declaration": 4,
        "taxable income": 2,
        "steuererklärung": 4,
        "umsatzsteuervoranmeldung": 4,
        "finanzamt": 2,
        "déclaration d'impôt": 4,
        "déclaration de revenus": 4,
        "vergi beyannamesi": 4,
        "beyanname": 3,
        "form 1040": 4,
        "vat return": 4,
        "vat payable": 2,
        "output vat": 2,
        "input vat": 2,
        "taxable sales": 2,
        "déclaration de tva": 4,
        "tva à payer": 2,
        "kdv beyannamesi": 4,
        "taxpayer": 1.5,
    },
    "contract": {
        "agreement": 3,
        "contract": 3,
        "hereinafter": 3,
        "the parties": 2,
        "governing law": 3,
        "terms and conditions": 1.5,
        "termination": 1.5,
        "vertrag": 3,
        "vertragsparteien": 3,
        "kündigung": 1.5,
        "contrat": 3,
        "les parties": 2,
        "sözleşme": 3,
        "taraflar": 2,
        "signature": 1,
        "witness whereof": 3,
    },
}

MIN_SCORE = 3.0
_TITLE_LINES = 3
_MAX_HITS = 3


def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)")


_PATTERNS = {
    kind: [(_pattern(p), w) for p, w in phrases.items()] for kind, phrases in _KEYWORDS.items()
}


def classification_scores(text: str) -> dict[str, float]:
    body = text.casefold()
    title = "\n".join([line for line in body.splitlines() if line.strip()][:_TITLE_LINES])
    scores: dict[str, float] = {}
    for kind, patterns in _PATTERNS.items():
        score = 0.0
        for pattern, weight in patterns:
            hits = min(len(pattern.findall(body)), _MAX_HITS)
            if hits:
                score += weight * (1 + 0.25 * (hits - 1))
                if pattern.search(title):
                    score += 2 * weight
        scores[kind] = round(score, 3)
    return scores


def classify(text: str) -> str:
    scores = classification_scores(text)
    best = max(DOCUMENT_TYPES[:-1], key=lambda k: (scores[k], -DOCUMENT_TYPES.index(k)))
    return best if scores[best] >= MIN_SCORE else "general"
