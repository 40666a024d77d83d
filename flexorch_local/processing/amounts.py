"""Money amounts and currencies as printed in EN, DE, FR and TR documents."""

from __future__ import annotations

import re

_CODES = "EUR USD GBP CHF TRY JPY CNY SEK NOK DKK PLN CZK HUF CAD AUD INR RON BGN"
CURRENCY_CODES = frozenset(_CODES.split())
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "₺": "TRY", "¥": "JPY", "₹": "INR"}
_WORDS = {"tl": "TRY", "fr.": "CHF", "euro": "EUR", "euros": "EUR", "dollars": "USD"}

# A number with optional thousands separators (".", ",", space, apostrophe) and decimals.
AMOUNT = r"-?\d{1,3}(?:[.,'\u00a0\u202f ]\d{3})*(?:[.,]\d{1,2})?(?!\d)|-?\d+(?:[.,]\d{1,2})?(?!\d)"
AMOUNT_RE = re.compile(AMOUNT)
_CURRENCY_TOKEN = re.compile(
    r"(?<![A-Za-z])(" + "|".join(sorted(CURRENCY_CODES)) + r")(?![A-Za-z])|([€$£₺¥₹])"
    r"|(?<![A-Za-z])(TL|Fr\.|euros?|dollars)(?![A-Za-z])",
    re.IGNORECASE,
)


def parse_amount(raw: str) -> float | None:
    """1.234,56 / 1,234.56 / 1 234,56 / 1'234.56 / 1234.5 -> float; None if not a number."""
    s = re.sub(r"[\s\u00a0\u202f']", "", raw.strip())
    negative = s.startswith("-")
    s = s.lstrip("-")
    if not s or not re.fullmatch(r"[\d.,]+", s):
        return None
    last_dot, last_comma = s.rfind("."), s.rfind(",")
    decimal: str | None
    if last_dot >= 0 and last_comma >= 0:
        decimal = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        sep = "." if last_dot >= 0 else ","
        tail = s.rsplit(sep, 1)[1]
        # One separator followed by exactly three digits groups thousands (1.250 / 1,250).
        decimal = None if len(tail) == 3 or s.count(sep) > 1 else sep
    else:
        decimal = None
    if decimal is None:
        digits = s.replace(".", "").replace(",", "")
    else:
        thousands = "," if decimal == "." else "."
        digits = s.replace(thousands, "").replace(decimal, ".")
    try:
        value = float(digits)
    except ValueError:
        return None
    return -value if negative else value


def currency_of(token: str) -> str | None:
    upper = token.upper()
    if upper in CURRENCY_CODES:
        return upper
    symbol = _SYMBOLS.get(token)
    return symbol if symbol is not None else _WORDS.get(token.lower())


def currencies_in(text: str) -> list[str]:
    """Every currency mention in order of appearance, as ISO codes."""
    found = []
    for match in _CURRENCY_TOKEN.finditer(text):
        code = currency_of(match.group(0))
        if code:
            found.append(code)
    return found
