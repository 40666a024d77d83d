"""jobs.wait: request economy, adaptive intervals, deadline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from flexorch_client import FlexOrchClient
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
