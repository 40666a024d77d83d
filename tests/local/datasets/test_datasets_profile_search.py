"""Profile figures, chunking, the local vectoriser and search."""

from __future__ import annotations

from typing import Any

import pytest

from flexorch_local.datasets import (
    EXPORT_FORMATS,
    HashingVectoriser,
    Vectoriser,
    chunk_rows,
    compute_profile,
    cosine,
    search,
    split_text,
)


def test_profile(rows: list[dict[str, Any]]) -> None:
    profile = compute_profile(rows)
    assert profile["row_count"] == 4
    assert sum(profile["grade_distribution"].values()) == 4
    assert set(profile["grade_distribution"]) == {"A", "B", "C", "D"}
    assert profile["pii_type_summary"]["email"] == 1
    assert profile["pii_type_summary"]["name"] == 1
    assert profile["document_types"] == {"contract": 1, "general": 1, "invoice": 1, "payroll": 1}
    expected = round(sum(r["quality_score"] for r in rows) / 4, 2)
    assert profile["average_quality_score"] == expected
    per_field = profile["field_fill_rate"]["per_field"]
    assert per_field["iban"] == 0.25 and per_field["document_date"] == 0.75
    assert profile["languages"]["en"] >= 2
    assert profile["available_formats"] == list(EXPORT_FORMATS)


def test_profile_empty() -> None:
    profile = compute_profile([])
    assert profile["row_count"] == 0 and profile["average_quality_score"] == 0.0
    assert profile["grade_distribution"] == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_split_text_overlaps_on_word_boundaries() -> None:
    words = " ".join(f"word{i}" for i in range(600))
    pieces = split_text(words, max_chars=300, overlap=50)
    assert len(pieces) > 10
    assert all(len(p) <= 300 for p in pieces)
    assert all(p.startswith("word") for p in pieces)
    first_tail = pieces[0].split()[-1]
    assert first_tail in pieces[1].split()[:10]
    assert split_text("") == []


def test_chunk_rows_metadata(rows: list[dict[str, Any]]) -> None:
    tagged = [{**r, "dataset_id": "ds_1", "row_id": i} for i, r in enumerate(rows)]
    chunks = chunk_rows(tagged, max_chars=120, overlap=20)
    invoice = [c for c in chunks if c["document_id"] == "doc_0"]
    assert len(invoice) > 1
    assert [c["chunk_index"] for c in invoice] == list(range(len(invoice)))
    first = invoice[0]
    assert first["dataset_id"] == "ds_1" and first["row_id"] == 0
    assert first["document_type"] == "invoice" and first["language"] == "en"
    assert first["quality_grade"] == rows[0]["quality_grade"]


def test_vectoriser_is_deterministic_and_normalised() -> None:
    vectoriser = HashingVectoriser()
    a, b = vectoriser.embed(["Net pay for May", "Net pay for May"])
    assert a == b and len(a) == 512
    assert abs(sum(x * x for x in a) - 1.0) < 1e-4
    similar = cosine(a, vectoriser.embed(["net salary pay May"])[0])
    unrelated = cosine(a, vectoriser.embed(["governing law of England"])[0])
    assert similar > unrelated
    assert Vectoriser().name == "local-hashing-ngram-512"  # no model is installed here


@pytest.fixture(scope="module")
def index(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], HashingVectoriser]:
    vectoriser = HashingVectoriser()
    chunks = chunk_rows([{**r, "dataset_id": "ds_1"} for r in rows])
    for chunk, vector in zip(chunks, vectoriser.embed([c["text"] for c in chunks]), strict=True):
        chunk["vector"] = vector
    return chunks, vectoriser


@pytest.mark.parametrize("mode", ["auto", "semantic", "structured", "hybrid"])
def test_search_finds_relevant_chunk_first(
    index: tuple[list[dict[str, Any]], HashingVectoriser], mode: str
) -> None:
    chunks, vectoriser = index
    results = search(chunks, "payslip net pay", mode=mode, vectoriser=vectoriser)
    assert results[0]["document_id"] == "doc_1"
    top = results[0]
    assert set(top) == {"score", "chunk_text", "document_id", "dataset_id", "metadata"}
    assert top["dataset_id"] == "ds_1" and 0 < top["score"] <= 1
    assert "vector" not in top["metadata"]
    contract = search(chunks, "terminate agreement governing law", mode=mode, vectoriser=vectoriser)
    assert contract[0]["document_id"] == "doc_2"


def test_search_filters_and_top_k(index: tuple[list[dict[str, Any]], HashingVectoriser]) -> None:
    chunks, vectoriser = index
    results = search(
        chunks, "licence", filters={"document_type": "invoice"}, top_k=5, vectoriser=vectoriser
    )
    assert results and {r["metadata"]["document_type"] for r in results} == {"invoice"}
    assert search(chunks, "pay", filters={"dataset_id": "ds_other"}, vectoriser=vectoriser) == []
    assert len(search(chunks, "the", top_k=2, mode="semantic", vectoriser=vectoriser)) == 2
    with pytest.raises(ValueError, match="valid modes"):
        search(chunks, "x", mode="fuzzy", vectoriser=vectoriser)
