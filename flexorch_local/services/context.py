"""Everything a service needs, built once per app and shared by routes and workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flexorch_local.config import LocalSettings
from flexorch_local.errors import not_found
from flexorch_local.services.knobs import Knobs
from flexorch_local.services.ratelimit import RateLimiter
from flexorch_local.storage import BlobStore, Database
from flexorch_local.storage.crypto import SecretBox

if TYPE_CHECKING:
    from flexorch_local.services.worker import WorkerPool


@dataclass
class Context:
    settings: LocalSettings
    db: Database
    blobs: BlobStore
    secrets: SecretBox
    knobs: Knobs
    limiter: RateLimiter = field(default_factory=RateLimiter)
    pool: WorkerPool | None = None

    @classmethod
    def open(cls, settings: LocalSettings) -> Context:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            db=Database(settings.db_path),
            blobs=BlobStore(settings.blob_dir),
            secrets=SecretBox(settings.data_dir),
            knobs=Knobs(settings),
        )

    def submit(self, task: str, ref: str) -> None:
        if self.pool is not None:
            self.pool.submit(task, ref)

    def owned(self, table: str, what: str, row_id: str, tenant_id: str) -> dict[str, Any]:
        """A row of the caller's tenant; another tenant's id is as unknown as a made-up one."""
        row = self.db.one(
            f"SELECT * FROM {table} WHERE id = ? AND tenant_id = ?", [row_id, tenant_id]
        )
        if row is None:
            raise not_found(what)
        return row
