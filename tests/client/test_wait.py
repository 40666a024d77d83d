"""jobs.wait: request economy, adaptive intervals, deadline, progress reports."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from flexorch_client import AsyncFlexOrchClient, FlexOrchClient, WaitProgress
from tests.client._client_helpers import FakeTime


class FakeJobs:
    """A server whose jobs finish after a given number of polls of the list or the job."""

    def __init__(self, ids: list[str], finish_after: dict[str, int]) -> None:
        self.ids = ids
        self.finish_after = finish_after
        self.polls: dict[str, int] = dict.fromkeys(ids, 0)

    def _job(self, job_id: str) -> dict[str, Any]:
        self.polls[job_id] += 1
        done = self.polls[job_id] > self.finish_after.get(job_id, 0)
        status = "completed" if done else "running"
        if done and job_id.endswith("7"):
            status = "failed"
        return {"job_id": job_id, "status": status, "stage": None if done else "extract"}

    def list_page(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        size = min(int(request.url.params.get("page_size", "20")), 50)  # server caps pages
        chunk = self.ids[(page - 1) * size : page * size]
        return httpx.Response(
            200,
            json={
                "data": {
                    "items": [self._job(j) for j in chunk],
                    "total": len(self.ids),
                    "page": page,
                    "page_size": size,
                }
            },
        )

    def one(self, request: httpx.Request, job_id: str) -> httpx.Response:
        return httpx.Response(200, json={"data": self._job(job_id)})


def _mock(api: respx.MockRouter, fake: FakeJobs) -> tuple[respx.Route, respx.Route]:
    listing = api.get("/jobs").mock(side_effect=fake.list_page)
    single = api.get(url__regex=r"/jobs/(?P<job_id>[^/]+)$").mock(side_effect=fake.one)
    return listing, single


def test_hundred_jobs_cost_a_few_list_pages_per_round(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    ids = [f"job_{i}" for i in range(100)]
    fake = FakeJobs(ids, {j: (2 if i % 2 else 0) for i, j in enumerate(ids)})
    listing, single = _mock(api, fake)
    client = make_client()
    result = client.jobs.wait(ids, timeout=600, min_interval=1, max_interval=8)
    assert set(result.jobs) == set(ids) and result.timed_out == []
    assert single.call_count == 0
    # 3 rounds of 2 pages of 50: far below 100 GETs per round.
    assert listing.call_count == 6
    assert client.stats.requests == 6
    assert len(result.failed) == 10 and len(result.completed) == 90


def test_a_single_job_is_polled_directly(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    fake = FakeJobs(["job_1"], {"job_1": 1})
    listing, single = _mock(api, fake)
    result = make_client().jobs.wait(["job_1"])
    assert result.jobs["job_1"].status == "completed"
    assert listing.call_count == 0 and single.call_count == 2


def test_falls_back_to_per_job_gets_when_the_list_endpoint_is_missing(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    fake = FakeJobs(["job_1", "job_2", "job_3"], {"job_2": 1})
    listing = api.get("/jobs").respond(404, json={"error": {"code": "NOT_FOUND"}})
    single = api.get(url__regex=r"/jobs/(?P<job_id>[^/]+)$").mock(side_effect=fake.one)
    result = make_client().jobs.wait(["job_1", "job_2", "job_3"])
    assert result.timed_out == []
    # The 404 is learned once; later rounds do not ask the list again.
    assert listing.call_count == 1
    assert single.call_count == 3 + 1


def test_jobs_missing_from_the_list_are_fetched_one_by_one(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    fake = FakeJobs(["job_1", "job_2"], {})
    api.get("/jobs").respond(200, json={"data": {"items": [], "total": 0}})
    single = api.get(url__regex=r"/jobs/(?P<job_id>[^/]+)$").mock(side_effect=fake.one)
    result = make_client().jobs.wait(["job_1", "job_2"])
    assert set(result.jobs) == {"job_1", "job_2"}
    assert single.call_count == 2


def test_interval_backs_off_and_resets_and_deadline_holds(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    fake = FakeJobs(["job_1", "job_2"], {"job_1": 4, "job_2": 10_000})
    _mock(api, fake)
    result = make_client().jobs.wait(["job_1", "job_2"], timeout=40, min_interval=1, max_interval=8)
    assert result.timed_out == ["job_2"]
    assert result.jobs["job_1"].status == "completed"
    assert result.jobs["job_2"].status == "running"
    # Doubling while nothing changes, back to the minimum when job_1 finishes,
    # and the last sleep trimmed to the deadline.
    assert fake_time.sleeps[:5] == [2, 4, 8, 8, 1]
    assert sum(fake_time.sleeps) == pytest.approx(40)


# --- on_progress ----------------------------------------------------------------------------

# job_1 finishes in round 1, job_7 fails in round 2, round 3 changes nothing, job_2 ends round 4.
PROGRESS_IDS = ["job_1", "job_7", "job_2"]
PROGRESS_FINISH = {"job_1": 0, "job_7": 1, "job_2": 3}
EXPECTED_PROGRESS = [
    WaitProgress(total=3, completed=1, failed=0, pending=2, elapsed_seconds=0),
    WaitProgress(total=3, completed=1, failed=1, pending=1, elapsed_seconds=1),
    WaitProgress(total=3, completed=2, failed=1, pending=0, elapsed_seconds=4),
]


def test_progress_is_reported_only_after_rounds_that_finished_a_job(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    fake = FakeJobs(PROGRESS_IDS, PROGRESS_FINISH)
    _mock(api, fake)
    seen: list[WaitProgress] = []
    result = make_client().jobs.wait(
        PROGRESS_IDS, timeout=60, min_interval=1, max_interval=8, on_progress=seen.append
    )
    assert result.timed_out == []
    assert fake_time.sleeps == [1, 1, 2]  # four rounds
    assert seen == EXPECTED_PROGRESS


def test_no_progress_is_reported_when_nothing_finishes(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    _mock(api, FakeJobs(["job_1", "job_2"], {"job_1": 10_000, "job_2": 10_000}))
    seen: list[WaitProgress] = []
    result = make_client().jobs.wait(
        ["job_1", "job_2"], timeout=30, min_interval=1, max_interval=8, on_progress=seen.append
    )
    assert result.timed_out == ["job_1", "job_2"]
    assert len(fake_time.sleeps) > 2 and seen == []


def test_a_failing_progress_callback_is_logged_and_the_wait_goes_on(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _mock(api, FakeJobs(PROGRESS_IDS, PROGRESS_FINISH))
    calls: list[WaitProgress] = []

    def broken(progress: WaitProgress) -> None:
        calls.append(progress)
        raise RuntimeError("progress bar is down")

    with caplog.at_level(logging.WARNING, logger="flexorch_client"):
        result = make_client().jobs.wait(PROGRESS_IDS, min_interval=1, on_progress=broken)
    assert result.timed_out == [] and len(result.completed) == 2 and len(result.failed) == 1
    assert calls == EXPECTED_PROGRESS
    warnings = [r for r in caplog.records if r.name == "flexorch_client"]
    assert len(warnings) == 3 and all(r.levelno == logging.WARNING for r in warnings)
    assert "progress bar is down" in caplog.text


@pytest.mark.anyio
async def test_async_wait_reports_progress_the_same_way(
    api: respx.MockRouter,
    make_async_client: Callable[..., AsyncFlexOrchClient],
    fake_time: FakeTime,
) -> None:
    _mock(api, FakeJobs(PROGRESS_IDS, PROGRESS_FINISH))
    seen: list[WaitProgress] = []
    async with make_async_client() as client:
        result = await client.jobs.wait(
            PROGRESS_IDS, timeout=60, min_interval=1, max_interval=8, on_progress=seen.append
        )
    assert result.timed_out == []
    assert seen == EXPECTED_PROGRESS


def test_wait_progress_is_frozen() -> None:
    progress = EXPECTED_PROGRESS[0]
    with pytest.raises(ValidationError):
        progress.completed = 3  # type: ignore[misc]


# --- jobs FlexOrch no longer knows ------------------------------------------------------------


def _mock_with_purged(api: respx.MockRouter, fake: FakeJobs, purged: set[str]) -> respx.Route:
    def one(request: httpx.Request, job_id: str) -> httpx.Response:
        if job_id in purged:
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "gone"}})
        return fake.one(request, job_id)

    api.get("/jobs").respond(404)  # no list endpoint: every job is fetched by id
    return api.get(url__regex=r"/jobs/(?P<job_id>[^/]+)$").mock(side_effect=one)


def test_a_purged_job_is_reported_missing_and_the_others_still_finish(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    fake = FakeJobs(["job_1", "job_2", "job_7"], {"job_1": 2, "job_7": 1})
    single = _mock_with_purged(api, fake, {"job_2"})
    seen: list[WaitProgress] = []
    result = make_client().jobs.wait(
        ["job_1", "job_2", "job_7"], min_interval=1, on_progress=seen.append
    )
    assert result.missing == ["job_2"]
    assert result.timed_out == []
    assert set(result.jobs) == {"job_1", "job_7"}
    assert [j.job_id for j in result.completed] == ["job_1"]
    assert [j.job_id for j in result.failed] == ["job_7"]
    # Asked once, then left alone.
    asked = [c.request.url.path for c in single.calls]
    assert asked.count("/v1/jobs/job_2") == 1
    assert seen[0] == WaitProgress(
        total=3, completed=0, failed=0, pending=2, elapsed_seconds=0, missing=1
    )
    assert seen[-1].pending == 0 and seen[-1].missing == 1
    assert (seen[-1].completed, seen[-1].failed) == (1, 1)


def test_a_job_purged_mid_wait_leaves_pending_and_timed_out(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    fake = FakeJobs(["job_1", "job_2"], {"job_1": 10_000, "job_2": 1})
    purged: set[str] = set()

    def one(request: httpx.Request, job_id: str) -> httpx.Response:
        if job_id in purged:
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND"}})
        if fake.polls["job_2"] >= 1:
            purged.add("job_1")
        return fake.one(request, job_id)

    api.get("/jobs").respond(404)
    api.get(url__regex=r"/jobs/(?P<job_id>[^/]+)$").mock(side_effect=one)
    result = make_client().jobs.wait(["job_1", "job_2"], timeout=30, min_interval=1)
    assert result.missing == ["job_1"]
    assert result.timed_out == []
    assert list(result.jobs) == ["job_2"]


@pytest.mark.anyio
async def test_async_wait_reports_missing_jobs_too(
    api: respx.MockRouter, make_async_client: Callable[..., AsyncFlexOrchClient]
) -> None:
    _mock_with_purged(api, FakeJobs(["job_1", "job_2"], {}), {"job_1"})
    async with make_async_client() as client:
        result = await client.jobs.wait(["job_1", "job_2"])
    assert result.missing == ["job_1"] and list(result.jobs) == ["job_2"]


# --- a long tenant history ------------------------------------------------------------------


class HistoryJobs(FakeJobs):
    """`GET /jobs` newest first: the waited-for jobs on top of a long finished history."""

    def __init__(
        self,
        new: list[str],
        finish_after: dict[str, int],
        old: int,
        clock: Callable[[], float] = lambda: 0.0,
    ) -> None:
        super().__init__(new, finish_after)
        self.listing = list(reversed(new)) + [f"old_{i}" for i in range(old)]
        self.clock = clock
        self.sent_at: list[float] = []

    def list_page(self, request: httpx.Request) -> httpx.Response:
        self.sent_at.append(self.clock())
        page = int(request.url.params.get("page", "1"))
        size = min(int(request.url.params.get("page_size", "20")), 50)
        chunk = self.listing[(page - 1) * size : page * size]
        items = [
            self._job(j) if j in self.polls else {"job_id": j, "status": "completed"} for j in chunk
        ]
        body = {"items": items, "total": len(self.listing), "page": page, "page_size": size}
        return httpx.Response(200, json={"data": body})

    def one(self, request: httpx.Request, job_id: str) -> httpx.Response:
        self.sent_at.append(self.clock())
        return super().one(request, job_id)

    def requests_per_round(self) -> list[int]:
        # The fake clock only moves between rounds, so one timestamp is one round.
        return [self.sent_at.count(t) for t in dict.fromkeys(self.sent_at)]


def test_new_jobs_on_top_of_a_long_history_cost_one_request_per_round(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient], fake_time: FakeTime
) -> None:
    ids = [f"job_{i}" for i in range(50)]
    # One finishes in the first round, then two per round: the pending set passes
    # through every size down to a single job.
    finish = {j: (i + 1) // 2 for i, j in enumerate(ids)}
    fake = HistoryJobs(ids, finish, old=1000, clock=fake_time.clock)
    listing, single = _mock(api, fake)
    result = make_client().jobs.wait(ids, timeout=600, min_interval=1, max_interval=1)
    assert result.timed_out == [] and len(result.completed) == 45
    assert fake.requests_per_round() == [1] * 26
    # The last job alone is cheaper to fetch by id than to look for in a page.
    assert listing.call_count == 25 and single.call_count == 1


def test_unseen_jobs_deep_in_the_history_fall_back_to_gets_within_bounds(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    fake = HistoryJobs(["job_1", "job_2", "job_3"], {}, old=1000)
    # These jobs are not on the first pages (another run submitted many since).
    fake.listing = [f"newer_{i}" for i in range(500)] + fake.listing
    listing, single = _mock(api, fake)
    result = make_client().jobs.wait(["job_1", "job_2", "job_3"])
    assert len(result.completed) == 3
    # Three pages were worth a try; then one GET each: twice the per-job price at worst.
    assert listing.call_count == 3 and single.call_count == 3
