"""Fernet encryption for secrets at rest (connector credentials, webhook secrets, LLM keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from flexorch_local.storage.files import read_or_create_private


class SecretBox:
    def __init__(self, data_dir: Path) -> None:
        key = read_or_create_private(data_dir / "fernet.key", Fernet.generate_key())
        self._fernet = Fernet(key)

    def seal(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def open(self, token: str) -> Any:
        return json.loads(self._fernet.decrypt(token.encode()))
