"""The README's main job: the `ingest` flow end to end on the embedded default.

Starts flexorch-local and the moto S3 server on free ports, creates an account and the export
bucket, runs `ingest` over samples/documents with Prefect's embedded SQLite API (no Prefect
server to run), prints where the Parquet landed and the summary, and stops what it started.
flexorch-local's data, the account and the run ledger are kept in the work folder, so a
second run resumes like a nightly run does: it uploads nothing new and spends no credit.
`--fresh` starts from an empty work folder instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import httpx

from devstack.stack import LocalStack

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK_DIR = REPO_ROOT / ".flexorch-dev" / "main-job"
EXPORT_BUCKET = "flexorch-exports"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/main-job", description=__doc__)
    parser.add_argument(
        "--plan",
        choices=["trial", "starter", "pro", "enterprise"],
        default="pro",
        help="plan of the flexorch-local account the flow runs as (pro shows indexing too)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="where server data, the account, the ledger and logs are kept between runs",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="empty the work folder first: a new account, no ledger, everything processed again",
    )
    return parser.parse_args(argv)


def _ledger_path(work_dir: Path, plan: str) -> Path:
    return work_dir / f"ledger-{plan}.json"


def _account_key(stack: LocalStack, plan: str) -> str:
    """The plan's account from an earlier run when flexorch-local still knows it, else a new one."""
    saved = stack.work_dir / f"account-{plan}.json"
    if saved.exists():
        key = str(json.loads(saved.read_text())["api_key"])
        answer = httpx.get(f"{stack.flexorch_url}/usage", headers={"X-API-KEY": key}, timeout=30)
        if answer.status_code == 200:
            return key
        if answer.status_code != 401:
            answer.raise_for_status()
    # A new account knows none of the old ledger's jobs: start that ledger afresh too.
    _ledger_path(stack.work_dir, plan).unlink(missing_ok=True)
    key = stack.create_account(plan)
    # Owner-only: it is a (local) API key.
    fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"plan": plan, "api_key": key}, out)
    return key


def _use_embedded_prefect(work_dir: Path) -> None:
    # Before Prefect is imported: no PREFECT_API_URL means Prefect's own embedded API on a
    # SQLite file, kept under our work folder rather than the user's ~/.prefect.
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT_HOME"] = str(work_dir / "prefect-home")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The embedded server's 20 s default is too short on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    work_dir = args.work_dir.resolve()
    if args.fresh and work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    _use_embedded_prefect(work_dir)

    print(f"main-job: starting flexorch-local and the S3 server (logs in {work_dir / 'logs'})")
    with LocalStack(work_dir, prefect_server=False) as stack:
        os.environ.update(stack.s3_env())
        api_key = _account_key(stack, args.plan)
        stack.create_bucket(EXPORT_BUCKET)
        print(f"main-job: flexorch-local at {stack.flexorch_url}, S3 at {stack.s3_endpoint_url}")
        print(f"main-job: {args.plan} account created; running the ingest flow")

        sys.path.insert(0, str(REPO_ROOT))
        from flows.main_job import run_main_job

        summary = run_main_job(
            flexorch_url=stack.flexorch_url,
            api_key=api_key,
            s3_endpoint_url=stack.s3_endpoint_url,
            bucket=EXPORT_BUCKET,
            ledger_path=_ledger_path(work_dir, args.plan),
        )
    print("main-job: servers stopped")
    return 0 if summary is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
