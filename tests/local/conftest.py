"""flexorch-local started as a real subprocess (`flexorch-local serve`) on a free port.

Every test in this folder talks to it over HTTP. A moto S3 server runs in-process for the
connector tests. Accounts are made through the loopback-only `/_local/accounts`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from _local_helpers import data, sample, upload, wait_job

BIN = Path(sys.executable).parent / "flexorch-local"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalServer:
    data_dir: Path
    log_path: Path
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root}/v1"

    def start(self) -> LocalServer:
        args = [str(BIN), "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
                "--workers", "2", *self.extra_args]  # fmt: skip
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"flexorch-local exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.root}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("flexorch-local did not start in 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    work = tmp_path_factory.mktemp("flexorch-local")
    srv = LocalServer(work / "data", work / "server.log").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def pro_key(server: LocalServer) -> str:
    return server.account("pro")


@pytest.fixture
def api(server: LocalServer, pro_key: str) -> Iterator[httpx.Client]:
    with server.client(pro_key) as client:
        yield client


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    moto.start()
    yield f"http://127.0.0.1:{port}"
    moto.stop()


@pytest.fixture
def processed(api: httpx.Client) -> Callable[[str], dict[str, Any]]:
    """Upload a sample (made unique so it is never a duplicate) and wait for its job."""

    def _run(name: str) -> dict[str, Any]:
        content = sample(name).read_bytes()
        if name.endswith((".txt", ".eml", ".html")):
            content += f"\nref {time.monotonic_ns()}\n".encode()
        job_id = data(upload(api, (name, content)))["job_id"]
        return wait_job(api, job_id)

    return _run
