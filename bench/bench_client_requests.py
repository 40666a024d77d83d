"""Requests and wall time per document: flexorch_client vs the official flexorch-sdk 0.3.3.

Starts a flexorch-local (via devstack), then for the same batch of small documents runs
the SDK's documented loop (process_many, then job.wait() per job) and our client
(one multipart upload, then jobs.wait), counting every HTTP request each one sends.

    .venv/bin/python bench/bench_client_requests.py [--docs 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devstack import LocalStack
from flexorch_client import FlexOrchClient, UploadFile

_sent = 0
_original_send = httpx.Client.send


def _counting_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
    global _sent
    if "/_local/" not in request.url.path:
        _sent += 1
    return _original_send(self, request, **kwargs)


def _measure(run: Callable[[], None]) -> tuple[int, float]:
    global _sent
    _sent = 0
    started = time.perf_counter()
    run()
    return _sent, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20)
    args = parser.parse_args()
    httpx.Client.send = _counting_send  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp), prefect_server=False) as stack:
        stack.set_knobs(processing_delay=0.5)
        docs = Path(tmp) / "docs"
        docs.mkdir()
        paths = []
        for i in range(args.docs):
            p = docs / f"invoice_{i}.txt"
            p.write_text(f"Invoice INV-{i}\nVendor: Bench GmbH\nTotal: {i}.50 EUR\n")
            paths.append(p)

        def sdk_run() -> None:
            from flexorch_sdk import FlexOrchClient as SdkClient

            sdk = SdkClient(stack.create_account("pro"), base_url=stack.flexorch_url)
            for job in sdk.process_many(paths):
                job.wait(timeout=300)

        def our_run() -> None:
            with FlexOrchClient(stack.create_account("pro"), base_url=stack.flexorch_url) as c:
                result = c.documents.process([UploadFile.from_path(p) for p in paths])
                c.jobs.wait(result.job_ids, timeout=300, min_interval=0.5)

        sdk_requests, sdk_time = _measure(sdk_run)
        our_requests, our_time = _measure(our_run)
    n = args.docs
    print(f"documents: {n}")
    print(
        f"flexorch-sdk 0.3.3 : {sdk_requests:4d} requests ({sdk_requests / n:.2f}/doc), "
        f"{sdk_time:.1f} s"
    )
    print(
        f"flexorch_client    : {our_requests:4d} requests ({our_requests / n:.2f}/doc), "
        f"{our_time:.1f} s"
    )
    print(
        f"ratio requests sdk/ours: {sdk_requests / max(our_requests, 1):.1f}x; "
        f"time sdk/ours: {sdk_time / max(our_time, 1e-9):.1f}x"
    )


if __name__ == "__main__":
    main()
