"""PII detection and masking on top of flexorch-audit.

flexorch-audit is FlexOrch's own engine, so its detectors decide what counts as PII.
Two gaps are closed here: IBANs printed in groups of four (audit only matches solid
ones) and the overlap of findings from different detectors, which audit leaves in and
which would corrupt the text if masked naively.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from flexorch_audit import audit, mask

from flexorch_local.processing.ibans import find_ibans

# audit() takes one locale; a document in language X gets X's detectors plus the EU and
# universal ones. Unknown language means every detector, as flexorch-audit documents.
# "tr:name" runs the Turkish locale but keeps only its label-based name detector (it knows
# English labels such as "Employee Name:"); the rest of that locale is Turkish-specific.
_AUDIT_LOCALES = {
    "en": ("eu", "us", "uk", "tr:name"),
    "de": ("eu", "de", "at", "tr:name"),
    "fr": ("eu", "fr", "be", "tr:name"),
    "tr": ("tr",),
    "es": ("eu", "es", "tr:name"),
    "it": ("eu", "it", "tr:name"),
    "nl": ("eu", "nl", "be", "tr:name"),
}
# Placeholders name the kind of data, not the detector that found it.
_CANONICAL = {
    "iban_intl": "iban",
    "iban_tr": "iban",
    "phone_intl": "phone",
    "phone_tr": "phone",
    "company_name_intl": "company_name",
    "company_name_tr": "company_name",
}
_LABELLED_PHONE = re.compile(
    r"(?i:\b(?:tel(?:efon|ephone)?|phone|mobile|mobil|fax|gsm|cep)\.?\s*[:.]?\s*)"
    r"(\(?\+?\d[\d ()/.\-]{5,18}\d)"
)


@dataclass(frozen=True)
class Finding:
    type: str
    start: int
    end: int


# Unknown language: every detector except the Turkish postal-code/province ones, which match
# any 5-digit number; those join only when the text shows Turkish letters.
_UNKNOWN_LANGUAGE = ("eu", "us", "uk", "de", "fr", "it", "nl", "es", "at", "be", "tr:name")
_TURKISH_LETTERS = re.compile("[ğĞşŞıİ]")


def audit_locales(locale: str, language: str, text: str = "") -> tuple[str, ...]:
    chosen = locale.split("-")[0].lower() if locale and locale != "und" else language
    if chosen in _AUDIT_LOCALES:
        return _AUDIT_LOCALES[chosen]
    return ("und",) if _TURKISH_LETTERS.search(text) else _UNKNOWN_LANGUAGE


def canonical_type(pii_type: str) -> str:
    return _CANONICAL.get(pii_type, pii_type)


@dataclass(frozen=True)
class AuditOutcome:
    findings: list[Finding]
    text_score: float  # flexorch-audit's 0-1 quality score; it does not depend on the locale


def _raw_findings(text: str, locales: tuple[str, ...]) -> tuple[list[Finding], float]:
    found = []
    text_score = 0.0
    for selector in locales:
        locale, _, only = selector.partition(":")
        result = audit(text, locale=locale)
        text_score = float(result["quality_score"])
        for f in result["pii"]:
            if only and f["type"] != only:
                continue
            found.append(Finding(canonical_type(f["type"]), f["start"], f["end"]))
    for start, end, _iban in find_ibans(text):
        found.append(Finding("iban", start, end))
    for match in _LABELLED_PHONE.finditer(text):
        if sum(ch.isdigit() for ch in match.group(1)) >= 7:
            found.append(Finding("phone", match.start(1), match.end(1)))
    return found, text_score


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    # Longest span wins (a whole IBAN over a postal-code-shaped piece of it); ties go to the
    # earlier start, then the type name, so the result never depends on detector order.
    kept: list[Finding] = []
    for f in sorted(set(findings), key=lambda f: (-(f.end - f.start), f.start, f.type)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end))


def run_audit(text: str, locale: str = "und", language: str = "und") -> AuditOutcome:
    findings, text_score = _raw_findings(text, audit_locales(locale, language, text))
    return AuditOutcome(_resolve_overlaps(findings), text_score)


def mask_text(text: str, findings: list[Finding]) -> str:
    spans = [
        {"type": f.type, "value": text[f.start : f.end], "start": f.start, "end": f.end}
        for f in findings
    ]
    return str(mask(text, spans, strategy="redact"))


def type_summary(findings: list[Finding]) -> dict[str, int]:
    return dict(sorted(Counter(f.type for f in findings).items()))
