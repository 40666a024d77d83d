"""The README's main job, run as a user runs it: twice in a row, as a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _main_job(work_dir: Path, *extra: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "devstack.main_job", "--work-dir", str(work_dir), *extra],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _metric(output: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)}\s+(\S+)\s*$", output, re.MULTILINE)
    assert match, f"no {name!r} row in:\n{output}"
    return match.group(1)


@pytest.mark.e2e
@pytest.mark.timeout(900)  # two whole runs, each starting its servers and Prefect
def test_main_job_exports_parquet_then_a_second_run_spends_nothing(tmp_path: Path) -> None:
    first = _main_job(tmp_path, "--plan", "starter", "--fresh")
    assert re.search(
        r"^Parquet: s3://flexorch-exports/exports/dataset=sample-documents/", first, re.M
    )
    assert int(_metric(first, "processed")) > 0
    assert int(_metric(first, "credits spent")) == int(_metric(first, "processed"))
    assert int(_metric(first, "quarantined (total)")) >= 3  # the shipped bad files
    assert "bad_customer_export.csv" in first and "UNSUPPORTED_FILE" in first

    second = _main_job(tmp_path, "--plan", "starter")
    assert _metric(second, "submitted") == "0"
    assert _metric(second, "credits spent") == "0"
    assert _metric(second, "skipped (already processed)") == _metric(first, "processed")
    assert "Parquet: s3://" in second
    # The key lives only in the owner-only account file, never in what the job prints.
    key = re.search(r"dfx_\w+", (tmp_path / "account-starter.json").read_text())
    assert key is not None
    assert key.group(0) not in first + second
