"""The one settings class of flexorch-local (env prefix ``FLEXORCH_LOCAL_``)."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from flexorch_local.storage.files import read_or_create_private

# Knobs that may be changed while the server runs (GET/PUT /_local/knobs).
KNOB_NAMES = (
    "processing_delay",
    "error_rate",
    "latency",
    "job_failure_rate",
    "seed",
    "workers",
    "rate_window_seconds",
)


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLEXORCH_LOCAL_", extra="ignore")

    data_dir: Path = Path("./.flexorch-local")
    host: str = "127.0.0.1"
    port: int = 8400
    workers: int = Field(default=2, ge=1, le=64)
    processing_delay: float = Field(default=0.0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    latency: float = Field(default=0.0, ge=0)
    job_failure_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int | None = None
    # Whole seconds, so Retry-After (integer seconds, rounded up) never exceeds the window.
    rate_window_seconds: int = Field(default=60, ge=1)
    jwt_secret: str | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "flexorch-local.sqlite3"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def resolved_jwt_secret(self) -> str:
        """The configured secret, else one generated once and kept in the data dir.

        Kept on disk so tokens issued before a restart stay valid after it."""
        if self.jwt_secret:
            return self.jwt_secret
        made = secrets.token_urlsafe(48).encode()
        return read_or_create_private(self.data_dir / "jwt_secret", made).decode().strip()
