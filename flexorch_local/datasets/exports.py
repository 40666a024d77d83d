"""Streaming dataset exports.

Every format is produced as an iterator of byte chunks of roughly CHUNK_BYTES, so the
server can stream a large dataset without holding it in memory: text formats are
written row by row, Parquet and Arrow row group by row group, and XLSX (a zip that
cannot be streamed while written) goes through a temporary file read back in chunks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.parquet as pq

from flexorch_local.datasets.chunks import chunk_rows
from flexorch_local.datasets.rows import ARROW_SCHEMA, DATASET_COLUMNS, conform

CHUNK_BYTES = 64 * 1024
ROW_GROUP_ROWS = 500
GRADE_ORDER = ("A", "B", "C", "D")

_FORMATS: dict[str, tuple[str, str]] = {
    "json": ("application/json", "json"),
    "jsonl": ("application/x-ndjson", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "xml": ("application/xml", "xml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "rag": ("application/x-ndjson", "rag.jsonl"),
    "hf": ("application/vnd.apache.arrow.stream", "arrow"),
}
EXPORT_FORMATS: tuple[str, ...] = tuple(_FORMATS)
# XML 1.0 and Excel both refuse most control characters.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_CELL_LIMIT = 32767


def _check_format(fmt: str) -> str:
    name = fmt.lower().strip()
    if name not in _FORMATS:
        raise ValueError(
            f"unknown export format {fmt!r}; valid formats: {', '.join(EXPORT_FORMATS)}"
        )
    return name


def media_type(fmt: str) -> str:
    return _FORMATS[_check_format(fmt)][0]


def file_extension(fmt: str) -> str:
    return _FORMATS[_check_format(fmt)][1]


def _quality_filter(min_quality: str | None) -> Callable[[Mapping[str, Any]], bool]:
    if min_quality is None or min_quality == "":
        return lambda row: True
    grade = min_quality.upper()
    if grade not in GRADE_ORDER:
        raise ValueError(
            f"min_quality must be one of {', '.join(GRADE_ORDER)}, not {min_quality!r}"
        )
    allowed = frozenset(GRADE_ORDER[: GRADE_ORDER.index(grade) + 1])
    return lambda row: row.get("quality_grade") in allowed


class _Drain(io.RawIOBase):
    """A write-only sink whose bytes are taken out as they arrive (for pyarrow writers)."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._buffer += chunk
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _coalesce(pieces: Iterable[bytes | str]) -> Iterator[bytes]:
    """Join small writes into chunks of about CHUNK_BYTES."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece.encode("utf-8") if isinstance(piece, str) else piece
        if len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _json(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


def _jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def _flat(value: Any) -> Any:
    return ";".join(value) if isinstance(value, list) else value


def _csv(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DATASET_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else _flat(row[c]) for c in DATASET_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(_flat(value))
    return text.replace("|", "\\|").replace("\n", " ")


def _md(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "# Dataset export\n"
    for row in rows:
        yield f"\n## {_md_cell(row['filename'])} ({_md_cell(row['document_id'])})\n\n"
        yield "| field | value |\n| --- | --- |\n"
        for column in DATASET_COLUMNS:
            if column != "text":
                yield f"| {column} | {_md_cell(row[column])} |\n"
        fence = "````" if "```" in (row["text"] or "") else "```"
        yield f"\n{fence}text\n{row['text'] or ''}\n{fence}\n"


def _xml_value(value: Any) -> str:
    return escape(_ILLEGAL_XML.sub("", str(value)))


def _xml(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<dataset>\n'
    for row in rows:
        parts = ["  <record>\n"]
        for column in DATASET_COLUMNS:
            value = row[column]
            if value is None:
                parts.append(f"    <{column}/>\n")
            elif isinstance(value, list):
                items = "".join(f"<type>{_xml_value(v)}</type>" for v in value)
                parts.append(f"    <{column}>{items}</{column}>\n")
            else:
                parts.append(f"    <{column}>{_xml_value(value)}</{column}>\n")
        parts.append("  </record>\n")
        yield "".join(parts)
    yield "</dataset>\n"


def _arrow_batches(rows: Iterable[dict[str, Any]]) -> Iterator[pa.Table]:
    for batch in _batched(rows, ROW_GROUP_ROWS):
        yield pa.Table.from_pylist(batch, schema=ARROW_SCHEMA)


def _parquet(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    sink = _Drain()
    with pq.ParquetWriter(sink, ARROW_SCHEMA, compression="zstd") as writer:
        for table in _arrow_batches(rows):
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            yield sink.take()
    yield sink.take()


def _hf(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    sink = _Drain()
    with pa.ipc.new_stream(sink, ARROW_SCHEMA) as writer:
        for table in _arrow_batches(rows):
            writer.write_table(table)
            yield sink.take()
    yield sink.take()


def _xlsx_cell(value: Any) -> Any:
    value = _flat(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)[:_EXCEL_CELL_LIMIT]
    return value


def _xlsx(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("documents")
    sheet.append(list(DATASET_COLUMNS))
    for row in rows:
        sheet.append([_xlsx_cell(row[c]) for c in DATASET_COLUMNS])
    with tempfile.TemporaryFile(prefix="flexorch-export-", suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _rag(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        for chunk in chunk_rows([row]):
            text = chunk.pop("text")
            record = {"id": chunk["chunk_id"], "text": text, "metadata": chunk}
            yield json.dumps(record, ensure_ascii=False) + "\n"


_TEXT_WRITERS: dict[str, Callable[[Iterable[dict[str, Any]]], Iterator[str]]] = {
    "json": _json,
    "jsonl": _jsonl,
    "csv": _csv,
    "md": _md,
    "xml": _xml,
    "rag": _rag,
}
_BINARY_WRITERS: dict[str, Callable[[Iterable[dict[str, Any]]], Iterator[bytes]]] = {
    "parquet": _parquet,
    "hf": _hf,
    "xlsx": _xlsx,
}


def iter_export(
    rows: Iterable[Mapping[str, Any]], fmt: str, *, min_quality: str | None = None
) -> Iterator[bytes]:
    """The dataset in `fmt` as byte chunks; min_quality "B" keeps grades A and B.

    Format and grade are checked before the first chunk so errors surface before a
    response starts streaming.
    """
    name = _check_format(fmt)
    keep = _quality_filter(min_quality)
    selected = (conform(row) for row in rows if keep(row))
    if name in _TEXT_WRITERS:
        return _coalesce(_TEXT_WRITERS[name](selected))
    return _coalesce(_BINARY_WRITERS[name](selected))
