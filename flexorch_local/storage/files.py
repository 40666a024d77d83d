"""Key files under the data dir (the JWT secret, the Fernet key)."""

from __future__ import annotations

import os
from pathlib import Path


def read_or_create_private(path: Path, make: bytes) -> bytes:
    """The file's bytes; first created with `make`, owner-only from its very first byte.

    os.open with mode 0o600 rather than write-then-chmod: in between, the secret would sit in
    a world-readable file. O_EXCL: when two threads race, one creates and the other reads."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(make)
    return path.read_bytes()
