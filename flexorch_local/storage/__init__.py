"""SQLite metadata store and the blob folder, both under the data dir."""

from flexorch_local.storage.blobs import BlobStore
from flexorch_local.storage.db import Database, new_id, now_iso

__all__ = ["BlobStore", "Database", "new_id", "now_iso"]
