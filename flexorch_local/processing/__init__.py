"""Document processing for flexorch-local: extract, classify, fields, PII, quality.

Pure functions over bytes; no HTTP, no storage. `process_document` is deterministic.
"""

from flexorch_local.processing.classify import DOCUMENT_TYPES, classify
from flexorch_local.processing.errors import ExtractionFailed, ProcessingError, UnsupportedDocument
from flexorch_local.processing.fields import FIELD_NAMES
from flexorch_local.processing.filetypes import FILE_TYPES, detect_file_type
from flexorch_local.processing.language import detect_language
from flexorch_local.processing.models import PiiFinding, ProcessingResult
from flexorch_local.processing.pipeline import process_document
from flexorch_local.processing.quality import grade_for

__all__ = [
    "DOCUMENT_TYPES",
    "FIELD_NAMES",
    "FILE_TYPES",
    "ExtractionFailed",
    "PiiFinding",
    "ProcessingError",
    "ProcessingResult",
    "UnsupportedDocument",
    "classify",
    "detect_file_type",
    "detect_language",
    "grade_for",
    "process_document",
]
