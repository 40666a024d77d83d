"""Session fixtures that start real servers: flexorch-local, a moto S3 server, a Prefect server.

Everything is started through `devstack`, the same code the README's main job uses, on free
ports, and ended at the end of the session. Server logs stay under the session's temp folder;
a failing start prints the tail of the log.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack import LocalStack


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """flexorch-local and the moto S3 server, shared by the whole session."""
    stack = LocalStack(tmp_path_factory.mktemp("devstack"), prefect_server=False)
    with stack:
        yield stack


@pytest.fixture(scope="session")
def flexorch_local_url(local_stack: LocalStack) -> str:
    """Base URL of the session's flexorch-local, ending in /v1."""
    return local_stack.flexorch_url


@pytest.fixture(scope="session")
def make_account(local_stack: LocalStack) -> Callable[..., str]:
    """`make_account(plan="starter", rpm=None, credits=None, trial_ends_at=None) -> api key`."""

    def _make(plan: str = "starter", **kwargs: Any) -> str:
        return local_stack.create_account(plan, **kwargs)

    return _make


@pytest.fixture(scope="session")
def s3_endpoint_url(local_stack: LocalStack) -> str:
    return local_stack.s3_endpoint_url


@pytest.fixture(scope="session")
def s3_client(local_stack: LocalStack) -> Any:
    return local_stack.s3_client()


@pytest.fixture(scope="session")
def prefect_api_url(local_stack: LocalStack) -> Iterator[str]:
    """A real Prefect server for the session; flows run in tests report to it over HTTP."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = local_stack.start_prefect()
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    os.environ.update(local_stack.s3_env())
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
            # Flush Prefect's background log and event queues while the server still runs,
            # instead of at interpreter exit against a server that is gone.
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=10)
            EventsWorker.drain_all(timeout=10)
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path
