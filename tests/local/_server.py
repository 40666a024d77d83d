"""A flexorch-local subprocess for the HTTP tests, started through devstack's process helper."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devstack import ManagedProcess, free_port

BIN = Path(sys.executable).parent / "flexorch-local"


@dataclass
class LocalServer:
    data_dir: Path
    log_path: Path
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    proc: ManagedProcess | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root}/v1"

    def start(self) -> LocalServer:
        argv = [str(BIN), "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
                "--workers", "2", *self.extra_args]  # fmt: skip
        self.proc = ManagedProcess("flexorch-local", argv, self.log_path).start()
        self.proc.wait_healthy(f"{self.root}/health", ok=lambda r: r.status_code == 200)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout=15)
        self.proc = None

    def account(self, plan: str = "starter", **kwargs: Any) -> str:
        response = httpx.post(f"{self.root}/_local/accounts", json={"plan": plan, **kwargs})
        response.raise_for_status()
        return str(response.json()["api_key"])

    def client(self, key: str | None = None, **headers: str) -> httpx.Client:
        if key:
            headers["X-API-KEY"] = key
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def knobs(self, **values: Any) -> dict[str, Any]:
        response = httpx.put(f"{self.root}/_local/knobs", json=values)
        response.raise_for_status()
        return dict(response.json())


@contextmanager
def running_server(work: Path) -> Iterator[LocalServer]:
    """A server with its data and log under `work`, stopped on leaving."""
    srv = LocalServer(work / "data", work / "server.log").start()
    try:
        yield srv
    finally:
        srv.stop()
