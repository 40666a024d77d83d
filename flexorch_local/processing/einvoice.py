"""Structured e-invoices (UBL 2.x and UN/CEFACT CII) read from their XML.

The text of every node feeds classification and PII detection like any other document;
the known tags give exact fields that beat regular expressions over that text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from flexorch_local.processing.errors import ExtractionFailed

_ROOT_TYPES = {
    "Invoice": "invoice",
    "CreditNote": "invoice",
    "CrossIndustryInvoice": "invoice",
    "Order": "purchase_order",
    "DespatchAdvice": "delivery_note",
    "Quotation": "sales_proposal",
}


@dataclass
class XmlDocument:
    text: str
    document_type: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    line_items: list[dict[str, Any]] = field(default_factory=list)


def _local(tag: object) -> str:
    name = tag if isinstance(tag, str) else ""
    return name.rsplit("}", 1)[-1]


def _find(node: ET.Element, *path: str) -> ET.Element | None:
    """Follow local names (namespace-agnostic), depth-first at each step."""
    current: ET.Element | None = node
    for name in path:
        if current is None:
            return None
        current = next(
            (c for c in current.iter() if c is not current and _local(c.tag) == name), None
        )
    return current


def _child(node: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in node if _local(c.tag) == name), None)


def _text(node: ET.Element | None) -> str | None:
    if node is None or node.text is None or not node.text.strip():
        return None
    return node.text.strip()


def _amount(node: ET.Element | None) -> float | None:
    value = _text(node)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _cii_date(node: ET.Element | None) -> str | None:
    value = _text(_find(node, "DateTimeString")) if node is not None else None
    if value and len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def _ubl(root: ET.Element) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    payable = _find(root, "LegalMonetaryTotal", "PayableAmount")
    supplier = _find(root, "AccountingSupplierParty")
    vendor = None
    if supplier is not None:
        vendor = _text(_find(supplier, "PartyName", "Name")) or _text(
            _find(supplier, "RegistrationName")
        )
    fields = {
        "document_no": _text(_child(root, "ID")),
        "document_date": _text(_child(root, "IssueDate")),
        "due_date": _text(_child(root, "DueDate")) or _text(_find(root, "PaymentDueDate")),
        "total_amount": _amount(payable),
        "currency": (payable.get("currencyID") if payable is not None else None)
        or _text(_child(root, "DocumentCurrencyCode")),
        "iban": _text(_find(root, "PayeeFinancialAccount", "ID")),
        "vendor": vendor,
    }
    items = []
    for line in root.iter():
        if _local(line.tag) not in ("InvoiceLine", "CreditNoteLine", "OrderLine"):
            continue
        quantity = next(
            (c for c in line if _local(c.tag) in ("InvoicedQuantity", "CreditedQuantity")), None
        )
        items.append(
            {
                "description": _text(_find(line, "Item", "Name"))
                or _text(_find(line, "Description")),
                "quantity": _amount(quantity),
                "unit_price": _amount(_find(line, "Price", "PriceAmount")),
                "amount": _amount(_child(line, "LineExtensionAmount")),
            }
        )
    return fields, items


def _cii(root: ET.Element) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    total = _find(root, "DuePayableAmount")
    if total is None:
        total = _find(root, "GrandTotalAmount")
    seller = _find(root, "SellerTradeParty")
    fields = {
        "document_no": _text(_find(root, "ExchangedDocument", "ID")),
        "document_date": _cii_date(_find(root, "IssueDateTime")),
        "due_date": _cii_date(_find(root, "DueDateDateTime")),
        "total_amount": _amount(total),
        "currency": (total.get("currencyID") if total is not None else None)
        or _text(_find(root, "InvoiceCurrencyCode")),
        "iban": _text(_find(root, "IBANID")),
        "vendor": _text(_child(seller, "Name")) if seller is not None else None,
    }
    items = []
    for line in root.iter():
        if _local(line.tag) != "IncludedSupplyChainTradeLineItem":
            continue
        items.append(
            {
                "description": _text(_find(line, "SpecifiedTradeProduct", "Name")),
                "quantity": _amount(_find(line, "BilledQuantity")),
                "unit_price": _amount(_find(line, "ChargeAmount")),
                "amount": _amount(_find(line, "LineTotalAmount")),
            }
        )
    return fields, items


def parse_xml(data: bytes) -> XmlDocument:
    # Entity declarations are how XML bombs and external-entity reads start; invoices need none.
    if b"<!ENTITY" in data or b"<!entity" in data:
        raise ExtractionFailed("XML declares entities, which are refused for safety")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ExtractionFailed(f"XML is not well-formed: {exc}") from exc
    text = "\n".join(t.strip() for t in root.itertext() if t.strip())
    kind = _ROOT_TYPES.get(_local(root.tag))
    if _local(root.tag) == "CrossIndustryInvoice":
        fields, items = _cii(root)
    elif kind is not None:
        fields, items = _ubl(root)
    else:
        fields, items = {}, []
    fields = {k: v for k, v in fields.items() if v is not None}
    return XmlDocument(text=text, document_type=kind, fields=fields, line_items=items)
