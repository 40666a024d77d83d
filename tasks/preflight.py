"""Preflight (FlexOrch /usage): who we are, how fast we may go, and what the run can afford."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from flexorch_client import CreditVerdict, FlexOrchClient
from flexorch_client.errors import InvalidAPIKeyError, TrialExpiredError
from tasks.errors import AccountError, InsufficientCreditsError
from tasks.models import Engine, SourceDocument

MB = 1024 * 1024  # as FlexOrch (and flexorch-local) count a plan's file limit
# The contract's published per-file limits, for when /usage reports none. Enterprise limits
# are negotiated per contract, so that plan has no entry and gets no check before upload.
PLAN_MAX_FILE_BYTES: dict[str, int] = {"trial": 10 * MB, "starter": 25 * MB, "pro": 50 * MB}


class AccountStatus(BaseModel):
    plan: str
    rpm: int | None
    window_seconds: float | None = None  # what FlexOrch counts `rpm` over; None: 60 s
    credits_used: int
    credits_remaining: int | None  # None: the plan has no credit limit
    is_trial: bool = False
    trial_ends_at: str | None = None
    max_file_bytes: int | None = None  # None: no known per-file limit, nothing checked


@dataclass(frozen=True)
class SizeCheck:
    """New documents split by the plan's per-file limit, the oversized with their reason."""

    fits: list[SourceDocument]
    too_large: list[tuple[SourceDocument, str]]


def max_file_bytes(plan: str, reported: int | None) -> int | None:
    """The limit to check before upload: what FlexOrch reports, else the plan's published one."""
    return reported if reported is not None else PLAN_MAX_FILE_BYTES.get(plan.lower())


def _mb(size: int) -> str:
    return f"{size // MB}" if size % MB == 0 else f"{size / MB:.1f}"


def too_large_reason(size: int, limit: int, plan: str) -> str:
    shown = f"{size / MB:.1f} MB"
    if f"{size / MB:.1f}" == f"{limit / MB:.1f}":
        # Rounding would print "25.0 MB exceeds ... 25 MB": give the bytes that decide it.
        shown += f" ({size} bytes, limit {limit})"
    return (
        f"FILE_TOO_LARGE (checked before upload): {shown} exceeds the {plan} plan's "
        f"{_mb(limit)} MB limit"
    )


def check_sizes(docs: list[SourceDocument], *, limit: int | None, plan: str) -> SizeCheck:
    """Set aside what FlexOrch would refuse with FILE_TOO_LARGE, so it is never uploaded.

    A file of exactly `limit` bytes is accepted, as FlexOrch does.
    """
    if limit is None:
        return SizeCheck(list(docs), [])
    fits = [d for d in docs if d.size <= limit]
    too_large = [(d, too_large_reason(d.size, limit, plan)) for d in docs if d.size > limit]
    return SizeCheck(fits, too_large)


@dataclass(frozen=True)
class CreditPlan:
    """Which new documents this run can pay for; the rest wait for the next period."""

    cost_each: int
    needed: int
    remaining: int | None
    to_submit: list[SourceDocument]
    deferred: list[SourceDocument]

    @property
    def deferral_reason(self) -> str:
        return (
            f"deferred: credits fall short ({self.needed} needed for all new documents, "
            f"{self.remaining} remaining)"
        )


def plan_credits(new: list[SourceDocument], verdict: CreditVerdict, on_short: str) -> CreditPlan:
    """Decide what to send from FlexOrch's credit verdict for the new documents.

    The estimate is an upper bound: files FlexOrch rejects or recognises as duplicates cost 0.
    With `on_short="fail"` a shortfall raises with the numbers; with "defer" the first
    documents that fit go and the rest are deferred.
    """
    cost = verdict.needed // len(new) if new else 0
    if verdict.sufficient:
        return CreditPlan(cost, verdict.needed, verdict.remaining, list(new), [])
    remaining = verdict.remaining or 0
    if on_short == "fail":
        raise InsufficientCreditsError(
            documents=len(new), cost_each=cost, needed=verdict.needed, remaining=remaining
        )
    fits = verdict.affordable
    return CreditPlan(cost, verdict.needed, remaining, list(new[:fits]), list(new[fits:]))


def account_error(exc: InvalidAPIKeyError | TrialExpiredError) -> AccountError:
    """The message a user can act on, without the key and without the raw HTTP error."""
    if isinstance(exc, TrialExpiredError):
        return AccountError(
            "The FlexOrch trial has expired (TRIAL_EXPIRED): upgrade the plan to keep "
            f"ingesting (request id {exc.request_id})."
        )
    return AccountError(
        "FlexOrch rejected the API key (INVALID_API_KEY): check FLEXORCH_API_KEY or the "
        f"Secret block named by FLEXORCH_API_KEY_BLOCK (request id {exc.request_id})."
    )


def trial_over(ends_at: str | None, days_remaining: int | None) -> bool:
    if days_remaining is not None and days_remaining < 0:
        return True
    if not ends_at:
        return False
    end = dt.datetime.fromisoformat(ends_at.replace("Z", "+00:00"))
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.UTC)
    return end <= dt.datetime.now(dt.UTC)


@task(cache_policy=NO_CACHE)
def check_account(client: FlexOrchClient) -> AccountStatus:
    """Authenticate and read plan, RPM and credits; a dead key or trial ends the run here."""
    logger = get_run_logger()
    try:
        limits = client.usage.rate_limits()
        usage = client.usage.get()
    except (InvalidAPIKeyError, TrialExpiredError) as exc:
        raise account_error(exc) from None
    if usage.trial.is_trial and trial_over(
        usage.trial.trial_ends_at, usage.trial.trial_days_remaining
    ):
        # Usage stays readable after a trial ends; uploads do not, so stop before trying.
        raise AccountError(
            f"The FlexOrch trial ended on {usage.trial.trial_ends_at} (TRIAL_EXPIRED): upgrade "
            "the plan to keep ingesting."
        )
    plan = usage.plan or limits.plan or "unknown"
    account = AccountStatus(
        plan=plan,
        rpm=None if limits.unlimited else limits.rpm,
        window_seconds=limits.window_seconds,
        credits_used=usage.credits.used,
        credits_remaining=usage.credits.remaining,
        is_trial=usage.trial.is_trial,
        trial_ends_at=usage.trial.trial_ends_at,
        max_file_bytes=max_file_bytes(plan, usage.max_file_bytes),
    )
    logger.info(
        "FlexOrch account: plan %s, %s requests/min, %s credits remaining",
        account.plan,
        account.rpm or "unlimited",
        "unlimited" if account.credits_remaining is None else account.credits_remaining,
    )
    return account


@task(cache_policy=NO_CACHE)
def screen_file_sizes(account: AccountStatus, new: list[SourceDocument]) -> SizeCheck:
    checked = check_sizes(new, limit=account.max_file_bytes, plan=account.plan)
    if checked.too_large:
        get_run_logger().warning(
            "%d document(s) over the %s plan's %s MB file limit: quarantined without upload",
            len(checked.too_large),
            account.plan,
            _mb(account.max_file_bytes or 0),
        )
    return checked


@task(cache_policy=NO_CACHE)
def budget_credits(
    client: FlexOrchClient, new: list[SourceDocument], engine: Engine, on_short: str
) -> CreditPlan:
    """FlexOrch's own verdict (its costs per engine, its remaining credits), not a copy of it."""
    plan = plan_credits(new, client.credits.estimate(len(new), engine=engine), on_short)
    logger = get_run_logger()
    logger.info(
        "%d new document(s) cost at most %d credit(s); %s remaining",
        len(new),
        plan.needed,
        "unlimited" if plan.remaining is None else plan.remaining,
    )
    if plan.deferred:
        logger.warning(
            "Credits fall short: submitting %d, deferring %d to a later run",
            len(plan.to_submit),
            len(plan.deferred),
        )
    return plan


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def credits_used(client: FlexOrchClient) -> int:
    return client.usage.get().credits.used
