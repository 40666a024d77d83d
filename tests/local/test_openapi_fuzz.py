"""Schemathesis over /openapi.json: no generated request may produce a 5xx.

Bounded (≤ 50 examples per operation, one worker, a time budget) because the machine is shared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.local._server import LocalServer

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_no_server_errors(server: LocalServer, tmp_path: Path) -> None:
    key = server.account("enterprise", rpm=1_000_000, credits=1_000_000)
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{server.root}/openapi.json",
         "--checks", "not_a_server_error", "-H", f"X-API-KEY: {key}",
         "--max-examples", "50", "--workers", "1", "--max-time", "120", "--seed", "1",
         "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
         "--request-timeout", "30", "--no-color", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    tail = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, tail
