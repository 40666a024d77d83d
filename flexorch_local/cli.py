"""flexorch-local command line: serve, account create, account verify, account revoke."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flexorch_local.config import LocalSettings
from flexorch_local.errors import ApiError
from flexorch_local.plans import PLANS

if TYPE_CHECKING:
    from flexorch_local.services.context import Context


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flexorch-local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--data-dir", type=Path)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--processing-delay", type=float)
    serve.add_argument("--error-rate", type=float)
    serve.add_argument("--latency", type=float)
    serve.add_argument("--job-failure-rate", type=float)
    serve.add_argument("--seed", type=int)
    serve.add_argument("--rate-window-seconds", type=int)

    account = sub.add_parser("account", help="manage accounts").add_subparsers(
        dest="account_command", required=True
    )
    create = account.add_parser("create", help="create an account; prints its dfx_ key last")
    create.add_argument("--plan", choices=sorted(PLANS), required=True)
    create.add_argument("--rpm", type=int)
    create.add_argument("--credits", type=int)
    create.add_argument("--trial-ends", dest="trial_ends")
    create.add_argument("--email")
    create.add_argument("--password")
    create.add_argument("--data-dir", type=Path)
    verify = account.add_parser("verify", help="mark an e-mail verified (stands in for the link)")
    verify.add_argument("--email", required=True)
    verify.add_argument("--data-dir", type=Path)
    revoke = account.add_parser("revoke", help="revoke an API key (its 401 is INVALID_API_KEY)")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", help="the whole dfx_ key")
    which.add_argument("--key-prefix", dest="key_prefix", help="its first 8 characters")
    revoke.add_argument("--data-dir", type=Path)
    return parser


def _revoke(ctx: Context, args: argparse.Namespace) -> int:
    from flexorch_local.services import accounts

    if args.key:
        if not accounts.revoke_key(ctx, args.key):
            print("no such API key", file=sys.stderr)
            return 1
        print(f"revoked {args.key[:8]}")
        return 0
    matched = accounts.revoke_by_prefix(ctx, args.key_prefix)
    if matched != 1:
        reason = "no active key" if matched == 0 else f"{matched} active keys; pass --key"
        print(f"{args.key_prefix}: {reason}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_prefix[:8]}")
    return 0


def _settings(args: argparse.Namespace, names: Sequence[str]) -> LocalSettings:
    overrides: dict[str, Any] = {
        n: getattr(args, n) for n in names if getattr(args, n, None) is not None
    }
    return LocalSettings(**overrides)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from flexorch_local.app import create_app

    names = (
        "host",
        "port",
        "data_dir",
        "workers",
        "processing_delay",
        "error_rate",
        "latency",
        "job_failure_rate",
        "seed",
        "rate_window_seconds",
    )
    settings = _settings(args, names)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def _account(args: argparse.Namespace) -> int:
    from flexorch_local.services import accounts
    from flexorch_local.services.context import Context

    ctx = Context.open(_settings(args, ("data_dir",)))
    if args.account_command == "revoke":
        return _revoke(ctx, args)
    if args.account_command == "verify":
        tenant_id = accounts.verify_email(ctx, args.email)
        if tenant_id is None:
            print(f"no account with e-mail {args.email}", file=sys.stderr)
            return 1
        print(f"verified {args.email} ({tenant_id})")
        return 0
    try:
        key, tenant_id = accounts.create_account(
            ctx,
            args.plan,
            rpm=args.rpm,
            credits=args.credits,
            trial_ends_at=args.trial_ends,
            email=args.email,
            password=args.password,
        )
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"tenant {tenant_id} (plan {args.plan})")
    # Last line, alone, so scripts can take it with `tail -n 1`.
    print(key)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return _account(args)


if __name__ == "__main__":
    sys.exit(main())
