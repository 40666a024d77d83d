"""Job status, listing, feedback, and waiting for many jobs cheaply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable
from typing import Any

from .._constants import (
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_MIN_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    JOBS_PAGE_SIZE,
    POLL_BACKOFF_FACTOR,
)
from .._exceptions import APIStatusError, NotFoundError
from .._steps import Call, Op, OpContext, Pause, single
from ..models import Feedback, Job, JobPage, WaitProgress, WaitResult
from ._base import AsyncResource, SyncResource

logger = logging.getLogger("flexorch_client")

ProgressCallback = Callable[[WaitProgress], None]


def _get(job_id: str) -> Op[Job]:
    return single(Call("GET", f"/jobs/{job_id}"), Job.model_validate)


def _list(page: int, page_size: int, status: str | None) -> Op[JobPage]:
    params = {"page": page, "page_size": page_size, "status": status}
    return single(Call("GET", "/jobs", params=params), JobPage.model_validate)


def _feedback(job_id: str, rating: str, issue: str | None, notes: str | None) -> Op[Feedback]:
    body = {k: v for k, v in {"rating": rating, "issue": issue, "notes": notes}.items() if v}
    return single(Call("POST", f"/jobs/{job_id}/feedback", json=body), Feedback.model_validate)


def _list_pending(ctx: OpContext, pending: set[str]) -> Generator[Any, Any, dict[str, Job]]:
    """Read `GET /jobs` pages, newest first, while that stays cheaper than per-job GETs.

    The jobs being waited for are recent, so they sit on the first pages however
    long the tenant's history is. Reading stops once the pages spent reach the
    number of GETs the still-unseen jobs would cost, which bounds a miss to about
    twice the per-job price.
    """
    found: dict[str, Job] = {}
    pages_read = 0
    while True:
        unseen = len(pending) - len(found)
        # A page can never beat a single GET, so one unseen job is fetched directly.
        if unseen < 2 or pages_read >= unseen:
            return found
        page = pages_read + 1
        try:
            data = yield Call("GET", "/jobs", params={"page": page, "page_size": JOBS_PAGE_SIZE})
        except APIStatusError as exc:
            if exc.status_code in (404, 405, 501):
                ctx.jobs_list_supported = False
                return found
            raise
        pages_read += 1
        ctx.jobs_list_supported = True
        listing = JobPage.model_validate(data)
        size = listing.page_size or JOBS_PAGE_SIZE
        found.update((j.job_id, j) for j in listing.items if j.job_id in pending)
        if len(listing.items) < size or (
            listing.total is not None and page * size >= listing.total
        ):
            return found


def _poll_round(
    ctx: OpContext, pending: set[str]
) -> Generator[Any, Any, tuple[dict[str, Job], set[str]]]:
    """This round's job states, and the ids the server no longer knows."""
    found: dict[str, Job] = {}
    gone: set[str] = set()
    if ctx.jobs_list_supported is not False:
        found = yield from _list_pending(ctx, pending)
    for job_id in sorted(pending - found.keys()):
        try:
            data = yield Call("GET", f"/jobs/{job_id}")
        except NotFoundError:
            # One purged job must not cost the caller every other job's outcome.
            gone.add(job_id)
            continue
        found[job_id] = Job.model_validate(data)
    return found, gone


def _progress(
    order: list[str],
    states: dict[str, Job],
    pending: set[str],
    missing: set[str],
    elapsed: float,
) -> WaitProgress:
    done = [j for j in order if j not in pending and j not in missing]
    completed = sum(states[j].status == "completed" for j in done)
    return WaitProgress(
        total=len(order),
        completed=completed,
        failed=len(done) - completed,
        pending=len(pending),
        elapsed_seconds=elapsed,
        missing=len(missing),
    )


def _report(on_progress: ProgressCallback, progress: WaitProgress) -> None:
    # The caller's reporting is a side show: a failing progress bar must not cost the
    # wait its result (and the jobs it already saw finish).
    try:
        on_progress(progress)
    except Exception:
        logger.warning("on_progress callback raised; the wait goes on", exc_info=True)


def _wait(
    ctx: OpContext,
    job_ids: Iterable[str],
    timeout: float,
    min_interval: float,
    max_interval: float,
    on_progress: ProgressCallback | None = None,
) -> Op[WaitResult]:
    order = list(dict.fromkeys(str(j) for j in job_ids))
    pending = set(order)
    states: dict[str, Job] = {}
    missing: set[str] = set()
    start = ctx.clock()
    deadline = start + timeout
    interval = min_interval
    while pending:
        before = len(pending)
        found, gone = yield from _poll_round(ctx, pending)
        for job_id, job in found.items():
            states[job_id] = job
            if job.is_terminal:
                pending.discard(job_id)
        pending -= gone
        missing |= gone
        # Finished jobs never return to pending, so a shorter pending set is exactly "the
        # numbers moved"; queued -> running would report nothing new.
        if on_progress is not None and len(pending) < before:
            _report(on_progress, _progress(order, states, pending, missing, ctx.clock() - start))
        remaining = deadline - ctx.clock()
        if not pending or remaining <= 0:
            break
        # Poll fast while jobs are finishing, slow down geometrically while nothing moves.
        interval = (
            min_interval
            if len(pending) < before
            else min(interval * POLL_BACKOFF_FACTOR, max_interval)
        )
        yield Pause(min(interval, remaining))
    return WaitResult(
        jobs={j: states[j] for j in order if j in states and j not in missing},
        timed_out=[j for j in order if j in pending],
        missing=[j for j in order if j in missing],
    )


class Jobs(SyncResource):
    def get(self, job_id: str) -> Job:
        """One job's current state. Raises NotFoundError for an unknown id."""
        return self._run(_get(job_id))

    def list(self, *, page: int = 1, page_size: int = 100, status: str | None = None) -> JobPage:
        """One page of the tenant's jobs, newest first; `status` filters them."""
        return self._run(_list(page, page_size, status))

    def wait(
        self,
        job_ids: Iterable[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        min_interval: float = DEFAULT_MIN_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: Callable[[WaitProgress], None] | None = None,
    ) -> WaitResult:
        """Poll until every job is completed or failed, or `timeout` seconds pass.

        Each round reads `GET /jobs` pages from the newest on while that costs
        fewer requests than one `GET /jobs/{id}` per job not yet seen, then
        fetches the rest one by one. The interval starts at
        `min_interval`, grows geometrically up to `max_interval` while nothing
        finishes, and drops back when something does. Jobs still running at the
        deadline are listed in `timed_out`; nothing is raised for them.

        A job FlexOrch answers 404 for (purged by retention, or never this
        tenant's) is listed in `missing`, not in `jobs` or `timed_out`; no
        NotFoundError is raised and the wait goes on for the others. It counts
        as finished for `WaitProgress` (`missing`, not `pending`).

        `on_progress` is called with a `WaitProgress` after each polling round in
        which a job finished, at most once per round and never for a round that
        changed nothing. It runs on the waiting thread (in the async client, on the
        event loop), so it should be quick; an exception it raises is logged as a
        warning on the `flexorch_client` logger and the wait goes on.
        """
        return self._run(
            _wait(self._ctx, job_ids, timeout, min_interval, max_interval, on_progress)
        )

    def feedback(
        self, job_id: str, rating: str, issue: str | None = None, notes: str | None = None
    ) -> Feedback:
        """Rate a job's result: `rating` is "positive" or "negative"; `issue` one of
        wrong_fields, missing_data, wrong_classification, pii_not_masked, other."""
        return self._run(_feedback(job_id, rating, issue, notes))


class AsyncJobs(AsyncResource):
    async def get(self, job_id: str) -> Job:
        """See `Jobs.get`."""
        return await self._run(_get(job_id))

    async def list(
        self, *, page: int = 1, page_size: int = 100, status: str | None = None
    ) -> JobPage:
        """See `Jobs.list`."""
        return await self._run(_list(page, page_size, status))

    async def wait(
        self,
        job_ids: Iterable[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        min_interval: float = DEFAULT_MIN_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: Callable[[WaitProgress], None] | None = None,
    ) -> WaitResult:
        """See `Jobs.wait`; `on_progress` is a plain (not async) callable here too."""
        return await self._run(
            _wait(self._ctx, job_ids, timeout, min_interval, max_interval, on_progress)
        )

    async def feedback(
        self, job_id: str, rating: str, issue: str | None = None, notes: str | None = None
    ) -> Feedback:
        """See `Jobs.feedback`."""
        return await self._run(_feedback(job_id, rating, issue, notes))
