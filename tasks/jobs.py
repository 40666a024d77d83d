"""Wait (FlexOrch /jobs): the one wait-for-jobs piece every flow uses, plus feedback."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flexorch_client import FlexOrchClient, Job, WaitResult

MIN_POLL_SECONDS = 0.5
MAX_POLL_SECONDS = 10.0


@task(cache_policy=NO_CACHE)
def wait_for_jobs(
    client: FlexOrchClient,
    job_ids: list[str],
    max_wait_seconds: float,
    poll_frequency_seconds: float = MIN_POLL_SECONDS,
) -> WaitResult:
    """Wait until every job is completed or failed, or the deadline passes.

    The client polls adaptively (one list call covers many jobs, intervals grow while nothing
    changes) and retries transient errors. Jobs still running at the deadline come back in
    `timed_out`; they stay `submitted` in the ledger so a rerun waits for them again instead
    of resending. Never cached: a cached status is a stale status.
    """
    if not job_ids:
        return WaitResult(jobs={})
    result = client.jobs.wait(
        list(dict.fromkeys(job_ids)),
        timeout=max_wait_seconds,
        min_interval=poll_frequency_seconds,
        max_interval=MAX_POLL_SECONDS,
    )
    get_run_logger().info(
        "Jobs: %d completed, %d failed, %d still running after %.0fs",
        len(result.completed),
        len(result.failed),
        len(result.timed_out),
        max_wait_seconds,
    )
    return result


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def job_status(client: FlexOrchClient, job_id: str) -> Job:
    return client.jobs.get(job_id)


@task(cache_policy=NO_CACHE)
def send_negative_feedback(client: FlexOrchClient, job_id: str, grade: str) -> None:
    client.jobs.feedback(
        job_id, "negative", issue="other", notes=f"quality grade {grade} in pipeline gate"
    )
