"""What resources hand to the transport.

An operation is a generator that yields `Call`s (one HTTP exchange each,
retried by the transport) and `Pause`s (sleep), receives each call's
unwrapped JSON result, and returns the parsed model. Written once, it runs
unchanged under the sync and the async client; only the driver's I/O differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from .models import UploadFile

T = TypeVar("T")

Destination = Path | IO[bytes]


@dataclass(frozen=True)
class Call:
    """One API request.

    `files` are rebuilt from their UploadFile on every attempt; `destination`
    makes the transport stream the body there instead of parsing JSON.
    """

    method: str
    path: str
    # Bodies carry secrets (LLM keys, webhook secrets, passwords, refresh tokens) and
    # a Call ends up in logs and tracebacks, so its repr names only the endpoint.
    params: Mapping[str, Any] | None = field(default=None, repr=False)
    json: Any = field(default=None, repr=False)
    files: Sequence[UploadFile] = field(default=(), repr=False)
    data: Mapping[str, str] | None = field(default=None, repr=False)
    destination: Destination | None = field(default=None, repr=False)
    authenticated: bool = field(default=True, repr=False)


@dataclass(frozen=True)
class Pause:
    seconds: float


Op = Generator[Call | Pause, Any, T]


@dataclass
class OpContext:
    """Per-client memory shared by operations (what the server turned out to support)."""

    clock: Callable[[], float] = time.monotonic
    export_route: str | None = None
    jobs_list_supported: bool | None = None


def single(call: Call, parse: Callable[[Any], T]) -> Op[T]:
    """The common operation: one call, one parse."""
    result = yield call
    return parse(result)
