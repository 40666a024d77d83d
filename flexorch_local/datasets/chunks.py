"""Masked text cut into overlapping chunks for retrieval, each carrying its row's metadata."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Metadata copied from the row when present; the server may add dataset_id and row_id.
_CARRIED = (
    "dataset_id",
    "row_id",
    "job_id",
    "execution_id",
    "filename",
    "quality_grade",
    "document_type",
    "quality_score",
)


def split_text(text: str, max_chars: int = 1200, overlap: int = 150) -> list[str]:
    """Windows of at most max_chars that end at a paragraph, sentence or word boundary."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    overlap = max(0, min(overlap, max_chars // 2))
    text = text.strip()
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + max_chars)
        if end < len(text):
            window = text[start:end]
            floor = max_chars // 2
            for boundary in ("\n\n", "\n", ". ", " "):
                cut = window.rfind(boundary)
                if cut >= floor:
                    end = start + cut + len(boundary)
                    break
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        if end >= len(text):
            break
        next_start = max(end - overlap, start + 1)
        # Start the overlap on a word so no chunk opens mid-word.
        space = text.find(" ", next_start, end)
        start = space + 1 if space != -1 and overlap else next_start
    return pieces


def chunk_rows(
    rows: Iterable[Mapping[str, Any]], max_chars: int = 1200, overlap: int = 150
) -> list[dict[str, Any]]:
    chunks: list[dict[str, Any]] = []
    for row in rows:
        document_id = row.get("document_id")
        for index, piece in enumerate(split_text(row.get("text") or "", max_chars, overlap)):
            chunk: dict[str, Any] = {
                "chunk_id": f"{document_id}:{index}",
                "document_id": document_id,
                "chunk_index": index,
                "text": piece,
                "language": row.get("detected_language"),
            }
            for key in _CARRIED:
                chunk[key] = row.get(key)
            chunks.append(chunk)
    return chunks
