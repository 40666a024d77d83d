"""Dataset rows made by processing real documents, plus many synthetic ones."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from flexorch_local.datasets import dataset_row
from flexorch_local.processing import process_document

DOCUMENTS = {
    "invoice.txt": (
        "Nordlicht Software GmbH\nINVOICE\nInvoice No: NL-2024-0815\nInvoice Date: 12.03.2024\n"
        "Due Date: 11.04.2024\nThe invoice covers the software licence and the onboarding "
        "workshop delivered in March.\nTotal Amount Due: EUR 2,261.00\n"
        "IBAN DE89 3704 0044 0532 0130 00, questions to billing@nordlicht-software.de\n"
    ),
    "payslip.txt": (
        "Payslip May 2024\nEmployer: Northwind Logistics BV\nEmployee Name: Johanna Meyer\n"
        "Pay date: 31.05.2024\nGross pay: EUR 5,250.00\nNet pay: EUR 3,148.60\n"
        "Salary paid to the account of the employee with the usual deductions for income tax.\n"
    ),
    "contract.txt": (
        "SERVICE AGREEMENT\nThis Agreement is made on 1 February 2024 between Brightlane "
        "Consulting Ltd and Atelier Moreau SARL. The parties agree that the Provider delivers "
        "advisory services. Either party may terminate with three months notice. Governing "
        "law is England and Wales.\n"
    ),
    "notes.txt": "hi",
}


def rows_for(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        dataset_row(
            document_id=f"doc_{i}",
            job_id=f"job_{i}",
            execution_id="exe_1",
            filename=name,
            result=result,
            created_at="2024-06-01T12:00:00Z",
        )
        for i, (name, result) in enumerate(results.items())
    ]


@pytest.fixture(scope="session")
def rows() -> list[dict[str, Any]]:
    results = {name: process_document(text.encode(), name) for name, text in DOCUMENTS.items()}
    return rows_for(results)


@pytest.fixture(scope="session")
def many_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i in range(3000):
        row = dict(rows[i % len(rows)])
        row["document_id"] = f"doc_bulk_{i}"
        # Distinct words per row so compressed formats cannot shrink the export to one chunk.
        noise = " ".join(hashlib.sha256(f"{i}:{j}".encode()).hexdigest()[:10] for j in range(40))
        row["text"] = f"Row {i}. {row['text'] or ''} {noise}"
        out.append(row)
    return out
