"""Datasets for flexorch-local: rows, streaming exports, profiles, chunks, vectors, search.

Pure functions over rows (dicts in the DATASET_COLUMNS shape); no HTTP, no storage.
"""

from flexorch_local.datasets.chunks import chunk_rows, split_text
from flexorch_local.datasets.exports import (
    EXPORT_FORMATS,
    file_extension,
    iter_export,
    media_type,
)
from flexorch_local.datasets.profile import compute_profile
from flexorch_local.datasets.rows import ARROW_SCHEMA, DATASET_COLUMNS, dataset_row, mask_iban
from flexorch_local.datasets.search import FILTER_KEYS, SEARCH_MODES, search
from flexorch_local.datasets.vectors import HashingVectoriser, Vectoriser, cosine

__all__ = [
    "ARROW_SCHEMA",
    "DATASET_COLUMNS",
    "EXPORT_FORMATS",
    "FILTER_KEYS",
    "SEARCH_MODES",
    "HashingVectoriser",
    "Vectoriser",
    "chunk_rows",
    "compute_profile",
    "cosine",
    "dataset_row",
    "file_extension",
    "iter_export",
    "mask_iban",
    "media_type",
    "search",
    "split_text",
]
