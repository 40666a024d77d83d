"""IBANs as printed (grouped by four or solid), validated by ISO 13616 mod-97."""

from __future__ import annotations

import re

_IBAN_RE = re.compile(
    r"\b([A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,3})?)\b"
)


def valid_iban(candidate: str) -> bool:
    iban = candidate.replace(" ", "").replace("\u00a0", "")
    if not 15 <= len(iban) <= 34 or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def find_ibans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, compact IBAN) for every valid IBAN, spaced or not."""
    found = []
    for match in _IBAN_RE.finditer(text):
        raw = match.group(1)
        # Greedy grouping may swallow a following word; shorten until the checksum holds.
        while raw:
            if valid_iban(raw):
                compact = raw.replace(" ", "").replace("\u00a0", "")
                found.append((match.start(1), match.start(1) + len(raw), compact))
                break
            cut = max(raw.rfind(" "), raw.rfind("\u00a0"))
            if cut <= 4:
                break
            raw = raw[:cut]
    return found
