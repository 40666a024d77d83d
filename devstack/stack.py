"""The embedded default: flexorch-local + moto S3 (+ optionally a Prefect server) on free ports."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from devstack.processes import ManagedProcess, free_port

# moto accepts any credentials; fixed ones keep every client of the stack on the same account.
S3_ACCESS_KEY_ID = "devstack"
S3_SECRET_ACCESS_KEY = "devstack-secret"
S3_REGION = "us-east-1"


class StackSettings(BaseSettings):
    """How the local stack starts; env prefix FLEXORCH_DEVSTACK_."""

    model_config = SettingsConfigDict(env_prefix="FLEXORCH_DEVSTACK_")

    startup_timeout: float = Field(90.0, description="Seconds each server may take to answer.")
    local_workers: int = Field(2, description="flexorch-local processing workers.")
    prefect_server: bool = Field(False, description="Start a Prefect server too.")


def _bin(name: str) -> str:
    """A console script from the interpreter's own environment (the project's .venv)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


class LocalStack:
    """Starts the servers on enter, ends exactly those on exit.

    `work_dir` keeps flexorch-local's data, the Prefect database and every server log, so a
    failed run can be inspected afterwards.
    """

    def __init__(
        self,
        work_dir: Path,
        *,
        prefect_server: bool | None = None,
        settings: StackSettings | None = None,
        local_knobs: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings or StackSettings()
        self.work_dir = Path(work_dir).resolve()
        self.with_prefect = (
            self.settings.prefect_server if prefect_server is None else prefect_server
        )
        self.local_knobs = local_knobs or {}
        self._procs: list[ManagedProcess] = []
        self._local: ManagedProcess | None = None
        self.local_port = 0
        self.s3_port = 0
        self.prefect_port = 0

    # ---- addresses -------------------------------------------------------------------------
    @property
    def flexorch_root_url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    @property
    def flexorch_url(self) -> str:
        return f"{self.flexorch_root_url}/v1"

    @property
    def s3_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def prefect_api_url(self) -> str | None:
        return f"http://127.0.0.1:{self.prefect_port}/api" if self.with_prefect else None

    @property
    def logs_dir(self) -> Path:
        return self.work_dir / "logs"

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> LocalStack:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_s3()
            self.start_flexorch_local()
            if self.with_prefect:
                self.start_prefect()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in reversed(self._procs):
            proc.stop()
        self._procs.clear()
        self._local = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _launch(self, proc: ManagedProcess, health_url: str) -> ManagedProcess:
        self._procs.append(proc.start())
        proc.wait_healthy(health_url, timeout=self.settings.startup_timeout)
        return proc

    def _start_s3(self) -> None:
        self.s3_port = free_port()
        proc = ManagedProcess(
            "moto S3 server",
            [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)],
            self.logs_dir / "moto.log",
        )
        self._launch(proc, f"{self.s3_endpoint_url}/moto-api/")

    def start_flexorch_local(self) -> None:
        """(Re)start flexorch-local on the same port and data dir: state survives a restart."""
        if self._local is not None:
            self._local.stop()
            self._procs.remove(self._local)
        self.local_port = self.local_port or free_port()
        argv = [
            _bin("flexorch-local"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.local_port),
            "--data-dir",
            str(self.work_dir / "flexorch-local"),
            "--workers",
            str(self.settings.local_workers),
        ]
        for knob, value in self.local_knobs.items():
            argv += [f"--{knob.replace('_', '-')}", str(value)]
        proc = ManagedProcess("flexorch-local", argv, self.logs_dir / "flexorch-local.log")
        self._local = self._launch(proc, f"{self.flexorch_root_url}/health")

    def start_prefect(self) -> str:
        """Start a Prefect server (SQLite under work_dir) unless one runs; returns its API URL."""
        if self.prefect_port:
            return f"http://127.0.0.1:{self.prefect_port}/api"
        self.with_prefect = True
        self.prefect_port = free_port()
        home = self.work_dir / "prefect"
        home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_API_URL": "",
        }
        proc = ManagedProcess(
            "Prefect server",
            [
                _bin("prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.prefect_port),
            ],
            self.logs_dir / "prefect-server.log",
            env=env,
        )
        self._launch(proc, f"{self.prefect_api_url}/health")
        return f"http://127.0.0.1:{self.prefect_port}/api"

    # ---- helpers for callers ---------------------------------------------------------------
    def create_account(
        self,
        plan: str = "starter",
        *,
        rpm: int | None = None,
        credits: int | None = None,
        trial_ends_at: str | None = None,
        email: str | None = None,
        password: str | None = None,
    ) -> str:
        """A new flexorch-local tenant; returns its `dfx_` API key."""
        body = {
            "plan": plan,
            "rpm": rpm,
            "credits": credits,
            "trial_ends_at": trial_ends_at,
            "email": email,
            "password": password,
        }
        response = httpx.post(
            f"{self.flexorch_root_url}/_local/accounts",
            json={k: v for k, v in body.items() if v is not None},
            timeout=30.0,
        )
        response.raise_for_status()
        payload = response.json()
        data = payload.get("data", payload)
        return str(data["api_key"])

    def set_knobs(self, **knobs: Any) -> dict[str, Any]:
        """Change flexorch-local's fault and speed knobs while it runs."""
        response = httpx.put(f"{self.flexorch_root_url}/_local/knobs", json=knobs, timeout=30.0)
        response.raise_for_status()
        payload = response.json()
        return dict(payload.get("data", payload))

    def s3_client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint_url,
            aws_access_key_id=S3_ACCESS_KEY_ID,
            aws_secret_access_key=S3_SECRET_ACCESS_KEY,
            region_name=S3_REGION,
        )

    def create_bucket(self, name: str) -> str:
        client = self.s3_client()
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if name not in existing:
            client.create_bucket(Bucket=name)
        return name

    def s3_env(self) -> dict[str, str]:
        """Environment that points boto3 (and prefect-aws) at the moto server."""
        return {
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": S3_REGION,
            "AWS_ENDPOINT_URL_S3": self.s3_endpoint_url,
        }
