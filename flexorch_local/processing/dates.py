"""Dates in the common EN/DE/FR/TR/ES/IT/NL spellings, normalised to ISO 8601."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    # en
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # de
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "dezember": 12,
    # fr
    "janvier": 1,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    # tr
    "ocak": 1,
    "şubat": 2,
    "mart": 3,
    "nisan": 4,
    "mayıs": 5,
    "haziran": 6,
    "temmuz": 7,
    "ağustos": 8,
    "eylül": 9,
    "ekim": 10,
    "kasım": 11,
    "aralık": 12,
    # es / it / nl (the common ones)
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "gennaio": 1,
    "febbraio": 2,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "mei": 5,
    "augustus": 8,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))

DATE_RE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<nd>\d{1,2})[./-](?P<nm>\d{1,2})[./-](?P<ny>\d{4}|\d{2})"
    r"|(?P<td>\d{1,2})\.?\s+(?P<tm>" + _MONTH_NAMES + r")\.?,?\s+(?P<ty>\d{4})"
    r"|(?P<um>" + _MONTH_NAMES + r")\.?\s+(?P<ud>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<uy>\d{4})"
    r")(?!\d)",
    re.IGNORECASE,
)


def _make(year: int, month: int, day: int) -> str | None:
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def normalise_match(match: re.Match[str]) -> str | None:
    g = match.groupdict()
    if g["iy"]:
        return _make(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["ny"]:
        first, second = int(g["nd"]), int(g["nm"])
        # Day first (Europe) unless that is impossible and month first (US) is not.
        if second > 12 >= first:
            first, second = second, first
        return _make(int(g["ny"]), second, first)
    if g["ty"]:
        return _make(int(g["ty"]), _MONTHS[g["tm"].lower()], int(g["td"]))
    return _make(int(g["uy"]), _MONTHS[g["um"].lower()], int(g["ud"]))


def find_dates(text: str) -> list[tuple[int, str]]:
    """(position, ISO date) for every valid date in the text."""
    found = []
    for match in DATE_RE.finditer(text):
        iso = normalise_match(match)
        if iso:
            found.append((match.start(), iso))
    return found


def parse_date(value: str) -> str | None:
    match = DATE_RE.search(value)
    return normalise_match(match) if match else None
