"""Retry policy: which failures are retried and how long to wait before the next attempt."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from ._constants import INITIAL_RETRY_DELAY, MAX_BACKOFF_DELAY, MAX_RETRY_AFTER
from ._exceptions import FlexOrchError


def _parse_seconds(value: str, *, now: float) -> float | None:
    """One Retry-After value: "12", "1.5", "1500ms" or an HTTP date."""
    text = value.strip()
    if not text:
        return None
    lowered = text.lower()
    try:
        if lowered.endswith("ms"):
            return max(0.0, float(lowered[:-2]) / 1000.0)
        if lowered.endswith("s") and not lowered[-2:-1].isalpha():
            return max(0.0, float(lowered[:-1]))
        return max(0.0, float(lowered))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def parse_retry_after(
    headers: Mapping[str, str], body: Any = None, *, now: Callable[[], float] = time.time
) -> float | None:
    """The server's wait hint in seconds, or None when it gave none.

    Looks at `retry-after-ms`, then `Retry-After` (seconds, "...ms" or an HTTP
    date), then `reset_in_seconds` anywhere in a JSON error body.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is not None:
        parsed = _parse_seconds(value, now=now())
        if parsed is not None:
            return parsed
    return _reset_from_body(body)


def _reset_from_body(body: Any) -> float | None:
    if not isinstance(body, Mapping):
        return None
    for holder in (body.get("error"), body, body.get("data"), body.get("rate_limit")):
        if isinstance(holder, Mapping):
            reset = holder.get("reset_in_seconds")
            if isinstance(reset, int | float) and not isinstance(reset, bool):
                return max(0.0, float(reset))
            nested = holder.get("rate_limit")
            if isinstance(nested, Mapping):
                found = _reset_from_body(nested)
                if found is not None:
                    return found
    return None


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff for retry number `attempt` (0-based)."""
    ceiling = min(MAX_BACKOFF_DELAY, INITIAL_RETRY_DELAY * (2.0**attempt))
    return (rng or random).uniform(0.0, ceiling)


def retry_delay(
    error: FlexOrchError,
    attempt: int,
    max_retries: int,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before retrying after `error`, or None to give up.

    `attempt` counts retries already made. Terminal errors (quota, trial, plan,
    413, 415, 4xx validation) are never retried. A server hint is honoured as
    given up to MAX_RETRY_AFTER; a longer one gives up at once (the error keeps
    its `retry_after` for the caller).
    """
    if not error.retryable or attempt >= max_retries:
        return None
    hint = getattr(error, "retry_after", None)
    if isinstance(hint, float | int):
        return float(hint) if hint <= MAX_RETRY_AFTER else None
    return backoff_delay(attempt, rng)
