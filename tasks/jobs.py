"""Wait (FlexOrch /jobs): the one wait-for-jobs piece every flow uses, plus feedback."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flexorch_client import FlexOrchClient, WaitProgress, WaitResult

MIN_POLL_SECONDS = 0.5
MAX_POLL_SECONDS = 10.0
# A nightly wait of thousands of jobs should show it is alive without flooding the run log.
LOG_EVERY_SECONDS = 30.0


class WaitReporter:
    """Turns the client's wait progress into a moving progress bar and a sparse log.

    `move` receives a percentage between `start` and `end` as jobs finish (the flow's share
    of the progress artifact for this wait); log lines come at most every `log_every` seconds
    of the wait, measured on the client's clock.
    """

    def __init__(
        self,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        move: Callable[[float], None] | None = None,
        start: float = 0.0,
        end: float = 100.0,
        log_every: float = LOG_EVERY_SECONDS,
    ) -> None:
        self._logger = logger
        self._move = move
        self._start, self._end = start, end
        self._log_every = log_every
        self._logged_at: float | None = None
        self._moved_to: float | None = None

    def __call__(self, progress: WaitProgress) -> None:
        finished = progress.completed + progress.failed
        if self._move is not None and progress.total:
            percent = round(self._start + (self._end - self._start) * finished / progress.total, 1)
            # Each move is a Prefect API call; skip the ones nobody could see.
            if percent != self._moved_to:
                self._moved_to = percent
                self._move(percent)
        now = progress.elapsed_seconds
        if self._logged_at is None or now - self._logged_at >= self._log_every:
            self._logged_at = now
            self._logger.info(
                "Waiting for jobs: %d/%d finished (%d completed, %d failed), %d pending "
                "after %.0fs",
                finished,
                progress.total,
                progress.completed,
                progress.failed,
                progress.pending,
                now,
            )


@task(cache_policy=NO_CACHE)
def wait_for_jobs(
    client: FlexOrchClient,
    job_ids: list[str],
    max_wait_seconds: float,
    poll_frequency_seconds: float = MIN_POLL_SECONDS,
    progress: Callable[[float], None] | None = None,
    progress_span: tuple[float, float] = (0.0, 100.0),
) -> WaitResult:
    """Wait until every job is completed or failed, or the deadline passes.

    The client polls adaptively (one list call covers many jobs, intervals grow while nothing
    changes) and retries transient errors. Jobs still running at the deadline come back in
    `timed_out`; they stay `submitted` in the ledger so a rerun waits for them again instead
    of resending. Never cached: a cached status is a stale status.

    While waiting, a line is logged at most every LOG_EVERY_SECONDS, and `progress` (when
    given) is moved across `progress_span` as jobs finish.
    """
    if not job_ids:
        return WaitResult(jobs={})
    logger = get_run_logger()
    started = time.monotonic()
    result = client.jobs.wait(
        list(dict.fromkeys(job_ids)),
        timeout=max_wait_seconds,
        min_interval=poll_frequency_seconds,
        max_interval=MAX_POLL_SECONDS,
        on_progress=WaitReporter(logger, progress, *progress_span),
    )
    logger.info(
        "Jobs: %d completed, %d failed, %d still running, %d unknown to FlexOrch at the end "
        "of a %.0fs wait (deadline %.0fs)",
        len(result.completed),
        len(result.failed),
        len(result.timed_out),
        len(result.missing),
        time.monotonic() - started,
        max_wait_seconds,
    )
    return result


@task(cache_policy=NO_CACHE)
def send_negative_feedback(client: FlexOrchClient, job_id: str, grade: str) -> None:
    client.jobs.feedback(
        job_id, "negative", issue="other", notes=f"quality grade {grade} in pipeline gate"
    )
