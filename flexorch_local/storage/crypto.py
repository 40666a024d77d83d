"""Fernet encryption for secrets at rest (connector credentials, webhook secrets, LLM keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet


class SecretBox:
    def __init__(self, data_dir: Path) -> None:
        key_path = data_dir / "fernet.key"
        if not key_path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            key_path.write_bytes(Fernet.generate_key())
            key_path.chmod(0o600)
        self._fernet = Fernet(key_path.read_bytes())

    def seal(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def open(self, token: str) -> Any:
        return json.loads(self._fernet.decrypt(token.encode()))
