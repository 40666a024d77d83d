"""File type detection from the name and the first bytes.

The extension says what the uploader claims; the magic bytes say what the file is.
Both must agree, so a renamed executable or a CSV posing as text is turned away.
"""

from __future__ import annotations

import os

FILE_TYPES = ("pdf", "docx", "txt", "xlsx", "html", "eml", "msg", "xml", "jpg", "png", "tiff")

_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "txt",
    ".text": "txt",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".eml": "eml",
    ".msg": "msg",
    ".xml": "xml",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
    ".tif": "tiff",
    ".tiff": "tiff",
}

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
# Executables, archives and office formats we do not read: never text, whatever the name says.
_FOREIGN_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\x1f\x8b", b"Rar!")
_TEXT_TYPES = frozenset({"txt", "html", "eml", "xml"})


def _magic_type(head: bytes) -> str | None:
    stripped = head.lstrip()
    for magic, kind in _BINARY_MAGIC:
        if stripped.startswith(magic) if kind == "pdf" else head.startswith(magic):
            return kind
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    if any(head.startswith(m) for m in _FOREIGN_MAGIC):
        return "foreign"
    return None


def _looks_like_text(head: bytes) -> bool:
    sample = head[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls <= max(1, len(sample) // 100)


def _sniff_text(head: bytes) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if start.startswith(b"<?xml") and b"<html" not in start:
        return "xml"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "html"
    header_names = (b"from:", b"received:", b"return-path:", b"mime-version:", b"message-id:")
    if start.startswith(header_names):
        return "eml"
    return "txt"


def claimed_type(filename: str) -> str | None:
    """The accepted type the extension claims, or None."""
    return _EXTENSIONS.get(os.path.splitext(filename.strip().lower())[1])


def detect_file_type(filename: str, head: bytes) -> str | None:
    """The accepted type of the file, or None when it is unsupported or mislabelled."""
    ext = os.path.splitext(filename.strip().lower())[1]
    claimed = _EXTENSIONS.get(ext)
    if ext and claimed is None:
        return None
    magic = _magic_type(head)
    if claimed is None:
        # No extension: trust content alone, but only for kinds content identifies unambiguously.
        if magic in ("pdf", "jpg", "png", "tiff"):
            return magic
        if magic is None and head and _looks_like_text(head):
            return _sniff_text(head)
        return None
    if claimed in ("pdf", "jpg", "png", "tiff"):
        return claimed if magic == claimed else None
    if claimed in ("docx", "xlsx"):
        return claimed if magic == "zip" else None
    if claimed == "msg":
        return claimed if magic == "ole" else None
    if claimed in _TEXT_TYPES:
        if magic is not None or not _looks_like_text(head):
            return None
        return claimed
    return None
