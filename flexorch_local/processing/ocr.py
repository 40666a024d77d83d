"""Optional OCR through the tesseract command line.

tesseract is called as a subprocess so the server needs no Python binding; when it is
missing the caller gets a clear ExtractionFailed instead of an empty document.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flexorch_local.processing.errors import ExtractionFailed

OCR_TIMEOUT_SECONDS = 120
_LANGS = {"de": "deu", "fr": "fra", "tr": "tur", "es": "spa", "it": "ita", "nl": "nld"}


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float  # 0-1, mean of tesseract's word confidences


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def _tesseract_lang(locale: str) -> str:
    # Always include English: invoices mix it in, and "eng" is the one pack always installed.
    extra = _LANGS.get(locale.split("-")[0].lower())
    return f"{extra}+eng" if extra else "eng"


def _parse_tsv(tsv: str) -> OcrText:
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if conf < 0:
            continue
        confidences.append(conf)
        lines.setdefault((cols[2], cols[3], cols[4]), []).append(cols[11])
    text = "\n".join(" ".join(words) for words in lines.values())
    mean = sum(confidences) / len(confidences) / 100 if confidences else 0.0
    return OcrText(text=text, confidence=round(mean, 4))


def ocr_image(image: bytes, locale: str = "und") -> OcrText:
    exe = shutil.which("tesseract")
    if exe is None:
        raise ExtractionFailed("image needs OCR and no OCR engine (tesseract) is installed")
    with tempfile.TemporaryDirectory(prefix="flexorch-ocr-") as tmp:
        src = Path(tmp) / "page"
        src.write_bytes(image)
        for lang in dict.fromkeys((_tesseract_lang(locale), "eng")):
            try:
                done = subprocess.run(
                    [exe, str(src), "stdout", "-l", lang, "tsv"],
                    capture_output=True,
                    timeout=OCR_TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise ExtractionFailed("OCR timed out on this image") from exc
            if done.returncode == 0:
                return _parse_tsv(done.stdout.decode("utf-8", "replace"))
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionFailed(f"OCR failed: {message[-1] if message else 'tesseract error'}")
