"""Deterministic field extraction: labelled values first, document-wide fallbacks second."""

from __future__ import annotations

import re
from typing import Any

from flexorch_local.processing.amounts import AMOUNT, currencies_in, parse_amount
from flexorch_local.processing.dates import find_dates, parse_date
from flexorch_local.processing.ibans import find_ibans

FIELD_NAMES = (
    "vendor",
    "document_date",
    "due_date",
    "total_amount",
    "currency",
    "iban",
    "document_no",
)

# Labels in priority order: the first label that yields a value wins.
_DOCUMENT_DATE_LABELS = (
    r"invoice date",
    r"date of issue",
    r"issue date",
    r"issued on",
    r"statement date",
    r"order date",
    r"pay date",
    r"payment date",
    r"rechnungsdatum",
    r"belegdatum",
    r"ausstellungsdatum",
    r"date de (?:la )?facture",
    r"date d'émission",
    r"fatura tarihi",
    r"düzenleme tarihi",
    r"date",
    r"datum",
    r"tarih",
    r"fecha",
    r"data",
)
_DUE_DATE_LABELS = (
    r"due date",
    r"payment due(?: date| by| on)?",
    r"pay(?:able)? by",
    r"due by",
    r"due on",
    r"fälligkeitsdatum",
    r"fällig am",
    r"fällig",
    r"zahlbar bis",
    r"zahlungsziel",
    r"date d'échéance",
    r"échéance",
    r"à payer avant le",
    r"son ödeme tarihi",
    r"vade tarihi",
    r"vade",
)
_TOTAL_LABELS = (
    r"vat payable",
    r"tax payable",
    r"tax due",
    r"zahllast",
    r"tva à payer",
    r"ödenecek kdv",
    r"total amount due",
    r"amount due",
    r"balance due",
    r"total due",
    r"grand total",
    r"invoice total",
    r"total amount",
    r"net pay",
    r"net salary",
    r"closing balance",
    r"gesamtbetrag",
    r"rechnungsbetrag",
    r"zu zahlender betrag",
    r"zahlbetrag",
    r"auszahlungsbetrag",
    r"nettolohn",
    r"nettogehalt",
    r"endsaldo",
    r"neuer saldo",
    r"montant total",
    r"total ttc",
    r"net à payer",
    r"montant dû",
    r"solde final",
    r"genel toplam",
    r"ödenecek tutar",
    r"net ücret",
    r"net maaş",
    r"toplam tutar",
    r"total",
    r"gesamt",
    r"summe",
    r"toplam",
    r"totale",
    r"totaal",
)
_DOCUMENT_NO_LABELS = (
    r"invoice (?:no\.?|number|#|nr\.?)",
    r"invoice id",
    r"po (?:no\.?|number|#)",
    r"purchase order (?:no\.?|number|#)",
    r"order (?:no\.?|number|#)",
    r"contract (?:no\.?|number|#)",
    r"statement (?:no\.?|number|#)",
    r"delivery note (?:no\.?|number|#)",
    r"quot(?:e|ation) (?:no\.?|number|#)",
    r"proposal (?:no\.?|number|#)",
    r"report (?:no\.?|number|#|id)",
    r"payslip (?:no\.?|number|#)",
    r"rechnungs-?(?:nummer|nr\.?)",
    r"rechnung nr\.?",
    r"bestell-?(?:nummer|nr\.?)",
    r"vertrags-?(?:nummer|nr\.?)",
    r"lieferschein-?(?:nummer|nr\.?)",
    r"angebots-?(?:nummer|nr\.?)",
    r"facture n[°o]\.?",
    r"n[°o] de facture",
    r"numéro de facture",
    r"fatura no\.?",
    r"fatura numarası",
    r"belge no\.?",
    r"sözleşme no\.?",
    r"document (?:no\.?|number|#)",
    r"reference",
    r"ref\.?",
    r"no\.",
    r"nr\.",
    # A title followed directly by its number: "Invoice 2024-3391", "Purchase Order PO-55120".
    r"invoice",
    r"purchase order",
    r"rechnung",
    r"facture",
    r"fatura",
    r"delivery note",
    r"lieferschein",
    r"quotation",
    r"contract",
)
_VENDOR_LABELS = (
    r"vendor", r"supplier", r"seller", r"issued by", r"employer", r"bank", r"taxpayer",
    r"lieferant", r"verkäufer", r"arbeitgeber", r"fournisseur", r"vendeur", r"employeur",
    r"satıcı", r"tedarikçi", r"işveren",
)  # fmt: skip
# Weaker: "From" is often a department, "Company" may be the customer's.
_WEAK_VENDOR_LABELS = (r"from", r"company", r"firma", r"firma adı", r"société")
# A company on a line starting like this is the customer, not the vendor.
_CUSTOMER_LINE = re.compile(
    r"^\s*(?:bill(?:ed)? to|sold to|ship to|customer|client|buyer|attn|kunde|rechnungsempfänger|"
    r"destinataire|müşteri|alıcı|to)\b",
    re.IGNORECASE,
)
_LEADING_LABEL = re.compile(r"^[^:\n]{1,25}:\s*")
_COMPANY = re.compile(
    r"^[^\n\t]{0,60}?\b(?:GmbH|AG|KG|UG|Ltd\.?|Limited|LLC|Inc\.?|Corp\.?|PLC|LLP|S\.?A\.?S?|SARL|"
    r"S\.?à r\.?l\.?|B\.?V\.?|N\.?V\.?|S\.?p\.?A\.?|S\.?r\.?l\.?|A\.Ş\.|Ltd\. Şti\.|Bank)\b\.?",
    re.MULTILINE,
)
_SEPARATOR = r"\s*(?:[:#\-–]|\t)?\s*"
_DOC_NO_VALUE = re.compile(r"[A-Z0-9][A-Z0-9\-/._]{1,30}", re.IGNORECASE)
_TITLE_WORDS = re.compile(
    r"\b(?:agreement|summary|report|employee|invoice|rechnung|facture|fatura|payslip|pay slip|"
    r"statement|contract|"
    r"purchase order|delivery note|quotation|proposal|budget|expense report|page \d)",
    re.IGNORECASE,
)


def _label_re(labels: tuple[str, ...], separator: str = _SEPARATOR) -> list[re.Pattern[str]]:
    return [
        re.compile(r"(?<![\w-])" + label + r"(?![\w])" + separator, re.IGNORECASE)
        for label in labels
    ]


_DOCUMENT_DATE_RES = _label_re(_DOCUMENT_DATE_LABELS)
_DUE_DATE_RES = _label_re(_DUE_DATE_LABELS)
_TOTAL_RES = _label_re(_TOTAL_LABELS)
_DOCUMENT_NO_RES = _label_re(_DOCUMENT_NO_LABELS)
# Vendor labels are common words ("Bank details"), so they need an explicit colon or tab.
_VENDOR_RES = _label_re(_VENDOR_LABELS, r"[ \t]*(?::|\t)[ \t]*")
_WEAK_VENDOR_RES = _label_re(_WEAK_VENDOR_LABELS, r"[ \t]*(?::|\t)[ \t]*")
# Words before a label that change its meaning: "Subtotal", "Due date", "Date of birth"...
_SUBTOTAL = re.compile(r"(?:sub|zwischen|sous[- ]|ara\s?)\s*$", re.IGNORECASE)
_NOT_ISSUE_DATE = re.compile(
    r"(?:due|payment|delivery|birth|start|end|fällig|liefer|geburts|échéance|ödeme|vade)"
    r"[\s-]*$",
    re.IGNORECASE,
)


def _after(text: str, match: re.Match[str], width: int = 80) -> str:
    """The rest of the label's line, or the next line when the label ends its line."""
    rest = text[match.end() : match.end() + width]
    line = rest.split("\n", 1)[0]
    if line.strip():
        return line
    following = rest.split("\n", 2)
    return following[1] if len(following) > 1 else ""


def _labelled(
    text: str,
    patterns: list[re.Pattern[str]],
    last: bool = False,
    reject_before: re.Pattern[str] = _SUBTOTAL,
) -> list[str]:
    """Candidate value strings after each label, in label priority order."""
    out = []
    for pattern in patterns:
        matches = list(pattern.finditer(text))
        if last:
            matches.reverse()
        for match in matches:
            if reject_before.search(text[max(0, match.start() - 12) : match.start()]):
                continue
            out.append(_after(text, match))
    return out


def _date_field(
    text: str, patterns: list[re.Pattern[str]], reject_before: re.Pattern[str] = _SUBTOTAL
) -> str | None:
    for value in _labelled(text, patterns, reject_before=reject_before):
        iso = parse_date(value[:40])
        if iso:
            return iso
    return None


_AMOUNT_IN_VALUE = re.compile(r"(?:[€$£₺]|[A-Z]{3})?\s*(" + AMOUNT + r")")


def _total(text: str) -> tuple[float | None, str | None]:
    for value in _labelled(text, _TOTAL_RES, last=True):
        for match in _AMOUNT_IN_VALUE.finditer(value):
            amount = parse_amount(match.group(1))
            # A bare year or a percentage is not a total.
            tail = value[match.end() : match.end() + 2].strip()
            if amount is None or tail.startswith("%"):
                continue
            currencies = currencies_in(value)
            return amount, currencies[0] if currencies else None
    return None, None


def _document_no(text: str) -> str | None:
    for value in _labelled(text, _DOCUMENT_NO_RES):
        match = _DOC_NO_VALUE.match(value.strip())
        if not match or not any(ch.isdigit() for ch in match.group(0)):
            continue
        candidate = match.group(0).rstrip("._-/")
        # "Invoice 15.03.2024" or "Total 1,200.00" are a date and an amount, not a number.
        if parse_date(candidate) or re.fullmatch(r"[\d.,]+", candidate):
            continue
        return candidate
    return None


def _clean_name(value: str) -> str | None:
    value = _LEADING_LABEL.sub("", re.sub(r"<[^>]*>|\S+@\S+", "", value))
    name = re.split(r"\t| {2,}|,|;| \| ", value.strip())[0].strip(" :-")
    # Keep abbreviation dots ("A.Ş.", "Inc."), drop a sentence's full stop.
    if re.search(r"[a-zß]{4,}\.$", name):
        name = name[:-1]
    if len(name) < 2 or not name[0].isalpha() or "@" in name:
        return None
    return name[:120]


def _vendor(text: str) -> str | None:
    head = text[:3000]
    for value in _labelled(head, _VENDOR_RES):
        name = _clean_name(value)
        if name:
            return name
    for company in _COMPANY.finditer(head):
        if _CUSTOMER_LINE.match(company.group(0)):
            continue
        name = _clean_name(company.group(0))
        if name and not _TITLE_WORDS.search(name):
            return name
    for value in _labelled(head, _WEAK_VENDOR_RES):
        name = _clean_name(value)
        if name:
            return name
    # Last resort: a letterhead, i.e. a first line that is a bare name.
    first = next((line.strip() for line in head.splitlines() if line.strip()), "")
    if first and not re.search(r"[\d:\t@#]", first) and not _TITLE_WORDS.search(first):
        return _clean_name(first)
    return None


def extract_fields(text: str) -> dict[str, Any]:
    """The seven standard fields; None where the document does not say."""
    total, total_currency = _total(text)
    currencies = currencies_in(text)
    currency = total_currency or (max(currencies, key=currencies.count) if currencies else None)
    document_date = _date_field(text, _DOCUMENT_DATE_RES, _NOT_ISSUE_DATE)
    due_date = _date_field(text, _DUE_DATE_RES)
    if document_date is None:
        dates = [iso for _, iso in find_dates(text) if iso != due_date]
        document_date = dates[0] if dates else None
    ibans = find_ibans(text)
    return {
        "vendor": _vendor(text),
        "document_date": document_date,
        "due_date": due_date,
        "total_amount": total,
        "currency": currency,
        "iban": ibans[0][2] if ibans else None,
        "document_no": _document_no(text),
    }


_ITEM_LINE = re.compile(
    r"^(?P<desc>[^\t\d][^\t]*?[A-Za-zÀ-ɏ][^\t]*?)\s*(?:\t|\s{2,}|\s)"
    r"(?P<qty>\d+(?:[.,]\d+)?)\s*(?:x|pcs|stk|h|hrs|adet)?\s*(?:\t|\s+)"
    r"(?:[€$£₺]\s*)?(?P<price>" + AMOUNT + r")\s*(?:[€$£₺]|[A-Z]{3})?\s*(?:\t|\s+)"
    r"(?:[€$£₺]\s*)?(?P<amount>" + AMOUNT + r")\s*(?:[€$£₺]|[A-Z]{3})?\s*$",
    re.IGNORECASE,
)
_TOTAL_LINE = re.compile(r"^(?:sub)?total\b|^summe|^gesamt|^toplam|^montant total", re.IGNORECASE)
_NOT_ITEM = re.compile(
    r"total|summe|gesamt|toplam|subtotal|vat|mwst|tva|kdv|tax|steuer|balance|saldo", re.IGNORECASE
)


_MONEY = r"(?:[€$£₺]|[A-Z]{3})?\s*(?P<money>" + AMOUNT + r")\s*(?:[€$£₺]|[A-Z]{3})?"
# "4 x Replacement seal kit   EUR 236.00"
_QTY_FIRST = re.compile(
    r"^(?P<qty>\d+(?:[.,]\d+)?)\s*[x×]\s+(?P<desc>[^\t]*?[A-Za-zÀ-ɏ][^\t]*?)(?:\t|\s{2,}|\s+-\s+)"
    + _MONEY
    + r"$"
)
# "Grid connection fee<TAB>EUR 480.00": only with an explicit currency or two decimals.
_DESC_AMOUNT = re.compile(
    r"^(?P<desc>[A-Za-zÀ-ɏ][^\t:]*?)(?:\t|\s{2,}|\s+-\s+)"
    r"(?=(?:[€$£₺]|[A-Z]{3})\s*\d|\S*\d[.,]\d\d\b)" + _MONEY + r"$"
)


def _simple_item(line: str) -> dict[str, Any] | None:
    match = _QTY_FIRST.match(line) or _DESC_AMOUNT.match(line)
    if not match or _NOT_ITEM.search(match.group("desc")) or parse_date(line):
        return None
    amount = parse_amount(match.group("money"))
    if amount is None:
        return None
    quantity = parse_amount(match.group("qty")) if "qty" in match.groupdict() else None
    unit_price = round(amount / quantity, 4) if quantity else None
    return {
        "description": match.group("desc").strip(" .:-\t"),
        "quantity": quantity,
        "unit_price": unit_price,
        "amount": amount,
    }


def _table_item(line: str) -> dict[str, Any] | None:
    match = _ITEM_LINE.match(line)
    if not match or _NOT_ITEM.search(match.group("desc")):
        return None
    qty = parse_amount(match.group("qty"))
    price = parse_amount(match.group("price"))
    amount = parse_amount(match.group("amount"))
    if qty is None or price is None or amount is None:
        return None
    # The arithmetic check keeps dates and reference numbers out of the items.
    if abs(qty * price - amount) > max(0.02, abs(amount) * 0.01):
        return None
    return {
        "description": match.group("desc").strip(" .:-\t"),
        "quantity": qty,
        "unit_price": price,
        "amount": amount,
    }


def extract_line_items(text: str, limit: int = 200) -> list[dict[str, Any]]:
    """Item rows: description, quantity, unit price, amount (None where not printed).

    Rows with quantity, price and amount must add up; looser shapes count only above the
    first total line, where item tables live.
    """
    items: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.strip()
        item = _table_item(line)
        if item is None and _TOTAL_LINE.match(line):
            break
        if item is None:
            item = _simple_item(line)
        if item is not None:
            items.append(item)
            if len(items) >= limit:
                break
    return items
