"""Credits, rate limits, quality trend, and the pre-flight credit check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._constants import DEFAULT_ENGINE, ENGINE_COSTS
from .._steps import Call, Op, single
from ..models import CreditVerdict, QualityTrendPoint, RateLimits, UploadFile, Usage
from ._base import AsyncResource, SyncResource, items_of


def _usage() -> Op[Usage]:
    return single(Call("GET", "/usage"), Usage.model_validate)


def _rate_limits() -> Op[RateLimits]:
    return single(Call("GET", "/usage/rate-limits"), RateLimits.model_validate)


def _trend(period: str) -> Op[list[QualityTrendPoint]]:
    data = yield Call("GET", "/usage/quality-trend", params={"period": period})
    return [QualityTrendPoint.model_validate(p) for p in items_of(data, "trend", "days")]


def verdict(count: int, cost: int, remaining: int | None) -> CreditVerdict:
    """Compare the cost of `count` documents with the remaining credits."""
    needed = count * cost
    if remaining is None:
        return CreditVerdict(needed=needed, remaining=None, sufficient=True, affordable=count)
    affordable = min(count, max(remaining, 0) // cost) if cost > 0 else count
    return CreditVerdict(
        needed=needed, remaining=remaining, sufficient=needed <= remaining, affordable=affordable
    )


def _estimate(
    documents: Sequence[UploadFile] | int, engine: str, costs: Mapping[str, int] | None
) -> Op[CreditVerdict]:
    table = {**ENGINE_COSTS, **(costs or {})}
    if engine not in table:
        raise ValueError(f"no credit cost known for engine {engine!r}; pass costs={{...}}")
    count = documents if isinstance(documents, int) else len(documents)
    usage = yield from _usage()
    return verdict(count, table[engine], usage.credits.remaining)


class UsageAPI(SyncResource):
    def get(self) -> Usage:
        """Plan, credits used/limit/remaining and trial state."""
        return self._run(_usage())

    def rate_limits(self) -> RateLimits:
        """The plan's requests per minute and the current window's use."""
        return self._run(_rate_limits())

    def quality_trend(self, period: str = "30d") -> list[QualityTrendPoint]:
        """Daily quality averages over `period` ("7d", "30d" or "90d")."""
        return self._run(_trend(period))


class AsyncUsageAPI(AsyncResource):
    async def get(self) -> Usage:
        """See `UsageAPI.get`."""
        return await self._run(_usage())

    async def rate_limits(self) -> RateLimits:
        """See `UsageAPI.rate_limits`."""
        return await self._run(_rate_limits())

    async def quality_trend(self, period: str = "30d") -> list[QualityTrendPoint]:
        """See `UsageAPI.quality_trend`."""
        return await self._run(_trend(period))


class Credits(SyncResource):
    def estimate(
        self,
        documents: Sequence[UploadFile] | int,
        *,
        engine: str = DEFAULT_ENGINE,
        costs: Mapping[str, int] | None = None,
    ) -> CreditVerdict:
        """Check whether `documents` (files or a count) fit the remaining credits.

        Costs per document default to deterministic 1, local_ai 3, premium 15;
        `costs` overrides any of them. One `GET /usage` request. Raises
        ValueError for an engine with no known cost.
        """
        return self._run(_estimate(documents, engine, costs))


class AsyncCredits(AsyncResource):
    async def estimate(
        self,
        documents: Sequence[UploadFile] | int,
        *,
        engine: str = DEFAULT_ENGINE,
        costs: Mapping[str, int] | None = None,
    ) -> CreditVerdict:
        """See `Credits.estimate`."""
        return await self._run(_estimate(documents, engine, costs))
