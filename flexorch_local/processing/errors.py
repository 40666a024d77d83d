"""Exceptions the server turns into rejected files or failed jobs."""

from __future__ import annotations


class ProcessingError(Exception):
    """Base class; `reason` is shown to the user, so it must name the problem."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedDocument(ProcessingError):
    """The file is not one of the accepted types (or lies about its type)."""


class ExtractionFailed(ProcessingError):
    """The file type is accepted but no usable text could be read from it."""
