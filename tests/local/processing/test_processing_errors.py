"""File type detection and the errors for files that cannot be processed."""

from __future__ import annotations

import pytest

from flexorch_local.processing import (
    ExtractionFailed,
    UnsupportedDocument,
    detect_file_type,
    process_document,
)


@pytest.mark.parametrize(
    ("filename", "head", "expected"),
    [
        ("a.pdf", b"%PDF-1.7\n", "pdf"),
        ("a.docx", b"PK\x03\x04rest", "docx"),
        ("a.xlsx", b"PK\x03\x04rest", "xlsx"),
        ("a.txt", b"hello", "txt"),
        ("a.htm", b"<html></html>", "html"),
        ("a.eml", b"From: a@b.c\r\n", "eml"),
        ("a.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "msg"),
        ("a.xml", b"<?xml version='1.0'?><Invoice/>", "xml"),
        ("a.JPEG", b"\xff\xd8\xff\xe0", "jpg"),
        ("a.png", b"\x89PNG\r\n\x1a\n", "png"),
        ("a.tif", b"II*\x00", "tiff"),
        ("noext", b"%PDF-1.4", "pdf"),
        ("a.csv", b"a,b\n1,2\n", None),
        ("setup.exe", b"MZ\x90\x00", None),
        ("invoice.pdf", b"MZ\x90\x00", None),
        ("invoice.txt", b"MZ\x90\x00\x03\x00", None),
        ("a.docx", b"%PDF-1.4", None),
        ("a.zip", b"PK\x03\x04", None),
    ],
)
def test_detect_file_type(filename: str, head: bytes, expected: str | None) -> None:
    assert detect_file_type(filename, head) == expected


def test_csv_rejected() -> None:
    with pytest.raises(UnsupportedDocument, match="CSV is not accepted"):
        process_document(b"name,email\nA,a@b.c\n", "customers.csv")


def test_renamed_exe_rejected() -> None:
    with pytest.raises(UnsupportedDocument, match="does not match"):
        process_document(b"MZ\x90\x00" + b"\x00" * 200, "invoice.pdf")


def test_empty_file() -> None:
    with pytest.raises(ExtractionFailed, match="empty"):
        process_document(b"", "invoice.pdf")
    with pytest.raises(ExtractionFailed, match="empty"):
        process_document(b"  \n", "notes.txt")


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"%PDF-1.4\n garbage that is not a pdf", "broken.pdf", "PDF"),
        (b"PK\x03\x04 truncated zip", "broken.docx", "DOCX"),
        (b"PK\x03\x04 truncated zip", "broken.xlsx", "XLSX"),
        (b"<?xml version='1.0'?><Invoice><ID>1</Invoice>", "broken.xml", "not well-formed"),
        (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "bomb.xml", "entities"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "mail.msg", ".msg"),
        (b"just some words without headers", "mail.eml", "not an e-mail"),
    ],
)
def test_corrupt_files(data: bytes, filename: str, reason: str) -> None:
    with pytest.raises(ExtractionFailed, match=reason) as info:
        process_document(data, filename)
    assert info.value.reason == str(info.value)


def test_pdf_without_text_or_images(blank_pdf: bytes) -> None:
    """Nothing for OCR to read either, whether or not tesseract is installed."""
    with pytest.raises(ExtractionFailed) as info:
        process_document(blank_pdf, "scan.pdf")
    assert info.value.reason == "PDF has neither a text layer nor page images: nothing to read"
