"""Rendered pages for the OCR tests: text drawn with Pillow, saved as images or image-only PDFs."""

from __future__ import annotations

import io
import random

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from flexorch_local.processing.ocr import OcrUnavailable, Tesseract, find_tesseract

FONT_SIZE = 28


def require_tesseract() -> Tesseract:
    """The real OCR engine; a missing one fails the test, since skipping would hide that OCR
    was never exercised."""
    try:
        return find_tesseract()
    except OcrUnavailable as exc:
        reason = exc.reason
    # Failed outside the except block so the report is this one line, not a chained traceback.
    pytest.fail(
        f"OCR tests need tesseract: {reason}. Run scripts/bootstrap as root or "
        "`apt-get install tesseract-ocr tesseract-ocr-eng`.",
        pytrace=False,
    )


def render_lines(lines: list[str], *, ink: int = 0, paper: int = 255) -> Image.Image:
    """A grey-scale page in Pillow's bundled TrueType font (Pillow >= 10.1), so no system font
    is needed; 28 px is 10 pt print scanned at 200 dpi."""
    font = ImageFont.load_default(size=FONT_SIZE)
    step = int(FONT_SIZE * 1.45)
    page = Image.new("L", (FONT_SIZE * 60, 80 + step * len(lines)), paper)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((FONT_SIZE * 2, 40 + i * step), line, font=font, fill=ink)
    return page


def degrade(page: Image.Image, *, blur: float, noise: float, seed: int = 7) -> Image.Image:
    """A bad scan: blurred, then a share of the pixels replaced by random grey (fixed seed)."""
    out = page.filter(ImageFilter.GaussianBlur(blur))
    rnd = random.Random(seed)
    pixels = out.load()
    assert pixels is not None
    width, height = out.size
    for _ in range(int(width * height * noise)):
        pixels[rnd.randrange(width), rnd.randrange(height)] = rnd.randrange(256)
    return out


def encode(page: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    # Saved from a copy: Pillow leaves the last encoder's settings on the image, and a PNG's
    # break a later multi-page TIFF that appends the same (session-wide) page.
    page.copy().save(buffer, fmt, **options)
    return buffer.getvalue()


def image_only_pdf(*pages: Image.Image) -> bytes:
    """What a scanner writes: one full-page image per page and no text layer."""
    pdf = FPDF()
    for page in pages:
        pdf.add_page()
        pdf.image(io.BytesIO(encode(page, "PNG")), x=0, y=0, w=pdf.w)
    return bytes(pdf.output())


def text_and_scan_pdf(text_lines: list[str], scan: Image.Image, *, drawing: bool = False) -> bytes:
    """Page 1 with a text layer, page 2 a scanned image, and optionally page 3 with only a
    drawing (neither text nor image)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text_lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.image(io.BytesIO(encode(scan, "PNG")), x=0, y=0, w=pdf.w)
    if drawing:
        pdf.add_page()
        pdf.rect(20, 20, 50, 50)
    return bytes(pdf.output())
