"""Every export format round-trips, streams in chunks and keeps its schema when empty."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from flexorch_local.datasets import (
    ARROW_SCHEMA,
    DATASET_COLUMNS,
    EXPORT_FORMATS,
    file_extension,
    iter_export,
    media_type,
)


def _export(rows: list[dict[str, Any]], fmt: str, **kwargs: Any) -> bytes:
    return b"".join(iter_export(rows, fmt, **kwargs))


def test_row_shape(rows: list[dict[str, Any]]) -> None:
    invoice = rows[0]
    assert tuple(invoice) == DATASET_COLUMNS
    assert invoice["document_type"] == "invoice"
    assert invoice["iban"] == "DE****************3000"
    assert "billing@nordlicht-software.de" not in invoice["text"]
    assert "[MASKED_EMAIL]" in invoice["text"]
    assert invoice["pii_types"] == ["company_name", "email", "iban"]
    assert invoice["pii_findings_count"] == 3
    assert invoice["total_amount"] == 2261.0


def test_json(rows: list[dict[str, Any]]) -> None:
    data = json.loads(_export(rows, "json"))
    assert [r["document_id"] for r in data] == [r["document_id"] for r in rows]
    assert json.loads(_export([], "json")) == []


def test_jsonl(rows: list[dict[str, Any]]) -> None:
    lines = _export(rows, "jsonl").decode().splitlines()
    assert [json.loads(line)["filename"] for line in lines] == [r["filename"] for r in rows]


def test_csv(rows: list[dict[str, Any]]) -> None:
    reader = list(csv.DictReader(io.StringIO(_export(rows, "csv").decode())))
    assert tuple(reader[0]) == DATASET_COLUMNS
    assert reader[0]["pii_types"] == "company_name;email;iban"
    assert _export([], "csv").decode().strip() == ",".join(DATASET_COLUMNS)


def test_parquet_round_trip(rows: list[dict[str, Any]]) -> None:
    table = pq.read_table(io.BytesIO(_export(rows, "parquet")))
    assert table.schema.equals(ARROW_SCHEMA)
    assert table.to_pylist() == rows


def test_parquet_schema_when_empty() -> None:
    table = pq.read_table(io.BytesIO(_export([], "parquet")))
    assert table.num_rows == 0
    assert table.schema.equals(ARROW_SCHEMA)


def test_parquet_row_groups(many_rows: list[dict[str, Any]]) -> None:
    chunks = list(iter_export(many_rows, "parquet"))
    assert len(chunks) > 1
    parquet = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert parquet.metadata.num_rows == len(many_rows)
    assert parquet.metadata.num_row_groups == 6


def test_hf_arrow_stream(rows: list[dict[str, Any]]) -> None:
    table = pa.ipc.open_stream(_export(rows, "hf")).read_all()
    assert table.schema.equals(ARROW_SCHEMA)
    assert table.column("document_id").to_pylist() == [r["document_id"] for r in rows]
    empty = pa.ipc.open_stream(_export([], "hf")).read_all()
    assert empty.num_rows == 0 and empty.schema.equals(ARROW_SCHEMA)


def test_xlsx_opens(rows: list[dict[str, Any]]) -> None:
    workbook = load_workbook(io.BytesIO(_export(rows, "xlsx")), read_only=True)
    values = list(workbook["documents"].iter_rows(values_only=True))
    assert values[0] == DATASET_COLUMNS
    assert len(values) == len(rows) + 1
    assert values[1][DATASET_COLUMNS.index("vendor")] == "Nordlicht Software GmbH"


def test_xml_parses(rows: list[dict[str, Any]]) -> None:
    root = ET.fromstring(_export([*rows, {**rows[0], "text": "bad \x01 char & <tag>"}], "xml"))
    records = root.findall("record")
    assert len(records) == len(rows) + 1
    assert [t.text for t in records[0].find("pii_types")] == ["company_name", "email", "iban"]
    assert records[-1].findtext("text") == "bad  char & <tag>"


def test_markdown(rows: list[dict[str, Any]]) -> None:
    text = _export(rows, "md").decode()
    assert text.startswith("# Dataset export")
    assert "## invoice.txt (doc_0)" in text and "| document_type | invoice |" in text


def test_rag_chunks_with_metadata(rows: list[dict[str, Any]]) -> None:
    records = [json.loads(line) for line in _export(rows, "rag").decode().splitlines()]
    assert records[0]["id"] == "doc_0:0"
    assert records[0]["metadata"]["document_type"] == "invoice"
    assert records[0]["metadata"]["quality_grade"] == rows[0]["quality_grade"]
    assert all("@" not in r["text"] for r in records)


def test_min_quality_filters(rows: list[dict[str, Any]]) -> None:
    grades = [r["quality_grade"] for r in rows]
    assert "A" in grades and "C" in grades  # "notes.txt" is too short to reach B
    kept = json.loads(_export(rows, "json", min_quality="B"))
    assert {r["quality_grade"] for r in kept} <= {"A", "B"}
    assert len(kept) == sum(1 for g in grades if g in ("A", "B"))
    assert len(json.loads(_export(rows, "json", min_quality="D"))) == len(rows)
    with pytest.raises(ValueError, match="min_quality"):
        _export(rows, "json", min_quality="E")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_streams_in_many_chunks(many_rows: list[dict[str, Any]], fmt: str) -> None:
    chunks = iter_export(many_rows, fmt)
    first = next(chunks)
    rest = list(chunks)
    assert first and len(rest) >= 2, fmt
    assert max(len(c) for c in [first, *rest]) < 2 * 1024 * 1024


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="valid formats: json, jsonl, csv, parquet"):
        iter_export([], "pdf")
    with pytest.raises(ValueError):
        media_type("docx")


def test_media_types_and_extensions() -> None:
    assert media_type("parquet") == "application/vnd.apache.parquet"
    assert file_extension("hf") == "arrow"
    assert file_extension("jsonl") == "jsonl"
    assert media_type("csv").startswith("text/csv")
