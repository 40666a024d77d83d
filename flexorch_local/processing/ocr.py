"""OCR through the tesseract command line.

tesseract is called as a subprocess so the server needs no Python binding. Which binary runs
is decided in one place, `find_tesseract`: FLEXORCH_LOCAL_TESSERACT when set (a path or a
command name), else `tesseract` on PATH. When there is none the caller gets OcrUnavailable,
whose reason says how to install it, instead of an empty document.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from flexorch_local.processing.errors import ExtractionFailed

TESSERACT_ENV = "FLEXORCH_LOCAL_TESSERACT"
OCR_TIMEOUT_SECONDS = 120.0
# A whole document's budget, so a 500-page scan cannot hold a worker for hours.
OCR_DOCUMENT_TIMEOUT_SECONDS = 600.0
INSTALL_HINT = (
    "install it with `apt-get install tesseract-ocr tesseract-ocr-eng` "
    "(scripts/bootstrap does this when run as root)"
)
_LINE_KEY = ("page_num", "block_num", "par_num", "line_num")
_LANGS = {"de": "deu", "fr": "fra", "tr": "tur", "es": "spa", "it": "ita", "nl": "nld"}
# OpenMP makes tesseract spin on every core it sees: measured 2.4-3.4 s per page with two
# threads against 0.4 s with one, and the server already runs several jobs side by side.
_ENV_OVERRIDES = {"OMP_THREAD_LIMIT": "1"}


class OcrUnavailable(ExtractionFailed):
    """There is no OCR engine to run; `reason` completes "... needs OCR and <reason>"."""


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float | None  # 0-1, mean of tesseract's word confidences; None: no words
    words: int
    pages: int


def combine(results: Sequence[OcrText]) -> OcrText:
    """Several images read as one document; confidence weighted by words, so a logo read as
    two garbage words does not count as much as a page of text."""
    words = sum(r.words for r in results)
    weighted = sum((r.confidence or 0.0) * r.words for r in results)
    return OcrText(
        text="\n\n".join(r.text for r in results if r.text),
        confidence=round(weighted / words, 4) if words else None,
        words=words,
        pages=sum(r.pages for r in results),
    )


def parse_tsv(tsv: str) -> OcrText:
    """tesseract's TSV: one row per word (level 5) with a 0-100 confidence; -1 marks rows
    for pages, blocks, paragraphs and lines, which carry no text."""
    rows = tsv.splitlines()
    header = rows[0].split("\t") if rows else []
    try:
        col = {name: header.index(name) for name in ("level", "page_num", "block_num",
               "par_num", "line_num", "conf", "text")}  # fmt: skip
    except ValueError:
        raise ExtractionFailed("OCR output was not tesseract's TSV table") from None
    lines: dict[tuple[int, int, int, int], list[str]] = {}
    pages: set[str] = set()
    confidences: list[float] = []
    for row in rows[1:]:
        cols = row.split("\t")
        if len(cols) <= col["conf"]:
            continue
        # Counted from every row, so a page on which nothing was read still counts.
        pages.add(cols[col["page_num"]])
        word = cols[col["text"]].strip() if len(cols) > col["text"] else ""
        if cols[col["level"]] != "5" or not word:
            continue
        try:
            conf = float(cols[col["conf"]])
            page, block, par, line = (int(cols[col[n]]) for n in _LINE_KEY)
        except ValueError:
            continue
        if conf < 0:
            continue
        confidences.append(min(conf, 100.0) / 100)
        lines.setdefault((page, block, par, line), []).append(word)
    parts: list[str] = []
    previous: tuple[int, int] | None = None
    for (page, block, _par, _line), words in lines.items():
        # A blank line between layout blocks keeps the header, address and table apart, as
        # tesseract's own text output does.
        if previous is not None and (page, block) != previous:
            parts.append("")
        parts.append(" ".join(words))
        previous = (page, block)
    mean = sum(confidences) / len(confidences) if confidences else None
    return OcrText(
        text="\n".join(parts),
        confidence=round(mean, 4) if mean is not None else None,
        words=len(confidences),
        pages=len(pages) or 1,
    )


def _failure(stderr: bytes, returncode: int) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    errors = [
        line for line in lines if line.startswith("Error") and "during processing" not in line
    ]
    if any("pixRead" in line for line in errors):
        return f"image is corrupt or not a format OCR can read ({errors[0]})"
    detail = errors[0] if errors else next((x for x in reversed(lines) if x), "no message")
    return f"OCR failed (tesseract exit code {returncode}): {detail}"


@dataclass(frozen=True)
class Tesseract:
    path: str
    languages: frozenset[str]

    def language_for(self, locale: str) -> str:
        # English is always added when installed: invoices mix it in whatever their language.
        wanted = [_LANGS.get(locale.split("-")[0].lower()), "eng"]
        chosen = [lang for lang in dict.fromkeys(wanted) if lang and lang in self.languages]
        if not chosen:
            raise OcrUnavailable(
                f"the OCR engine {self.path} has no English language data; "
                "install it with `apt-get install tesseract-ocr-eng`"
            )
        return "+".join(chosen)

    def read(
        self, image: bytes, locale: str = "und", timeout: float = OCR_TIMEOUT_SECONDS
    ) -> OcrText:
        # The image goes in on stdin: no temporary file to clean up, and tesseract still
        # reads every page of a multi-page TIFF that way.
        command = [self.path, "stdin", "stdout", "-l", self.language_for(locale), "tsv"]
        try:
            done = subprocess.run(
                command,
                input=image,
                capture_output=True,
                timeout=timeout,
                check=False,
                env={**os.environ, **_ENV_OVERRIDES},
            )
        except subprocess.TimeoutExpired as exc:
            raise ExtractionFailed(f"OCR gave up on this image after {timeout:g} s") from exc
        except OSError as exc:
            raise OcrUnavailable(f"the OCR engine {self.path} could not be started: {exc}") from exc
        if done.returncode != 0:
            raise ExtractionFailed(_failure(done.stderr, done.returncode))
        return parse_tsv(done.stdout.decode("utf-8", "replace"))


def _languages(path: str) -> frozenset[str]:
    try:
        done = subprocess.run([path, "--list-langs"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrUnavailable(f"the OCR engine {path} could not be started: {exc}") from exc
    # tesseract 4 printed the list on stderr, 5 on stdout; the first line is a heading.
    listing = (done.stdout or done.stderr).decode("utf-8", "replace").splitlines()[1:]
    return frozenset(line.strip() for line in listing if line.strip())


def find_tesseract() -> Tesseract:
    """The OCR engine to use, or OcrUnavailable saying why there is none."""
    configured = os.environ.get(TESSERACT_ENV, "").strip()
    path = shutil.which(configured or "tesseract")
    if path is None:
        if configured:
            raise OcrUnavailable(
                f"the OCR engine set in {TESSERACT_ENV} ({configured}) does not exist or is not "
                "executable"
            )
        raise OcrUnavailable(f"no OCR engine (tesseract) is installed; {INSTALL_HINT}")
    return Tesseract(path=path, languages=_languages(path))
