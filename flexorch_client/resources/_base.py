"""Shared plumbing for resource classes: running operations and reading lists."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

from .._steps import Destination, Op, OpContext
from .._transport import AsyncTransport, SyncTransport

T = TypeVar("T")


class SyncResource:
    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    @property
    def _ctx(self) -> OpContext:
        return self._transport.policy.ctx

    def _run(self, op: Op[T]) -> T:
        return self._transport.run(op)


class AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    @property
    def _ctx(self) -> OpContext:
        return self._transport.policy.ctx

    async def _run(self, op: Op[T]) -> T:
        return await self._transport.run(op)


def items_of(data: Any, *keys: str) -> list[Any]:
    """The list in a bare-list body or under the first of `keys` (or "items")."""
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in (*keys, "items", "results", "data"):
            value = data.get(key)
            if isinstance(value, list):
                return value
    return []


def as_destination(destination: str | Path | IO[bytes]) -> Destination:
    return Path(destination) if isinstance(destination, str) else destination
