"""Submit (FlexOrch /data-process): multi-file uploads or connector keys, through the client's
throttle, with every file either accepted or rejected with its reason."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flexorch_client import FlexOrchClient, JobRef, ProcessResult, UploadFile
from flexorch_client.errors import (
    APIStatusError,
    BadRequestError,
    FileTooLargeError,
    InvalidAPIKeyError,
    NotFoundError,
    QuotaExceededError,
    RateLimitExceededError,
    TrialExpiredError,
    UnsupportedFileError,
)
from tasks.errors import ConnectorError, RequestRejectedError
from tasks.ledger import Ledger, LedgerEntry
from tasks.models import ConnectorSource, Engine, Source, SourceDocument
from tasks.preflight import account_error

# 400/422 codes that name one file of a request; any other code is about the request itself.
FILE_CODES = frozenset(
    {"FILE_TOO_LARGE", "UNSUPPORTED_FILE", "EMPTY_FILE", "CORRUPT_FILE", "ENCRYPTED_FILE"}
)


QUOTA_REASON = "deferred: FlexOrch answered QUOTA_EXCEEDED before this batch was accepted"


@dataclass
class BatchOutcome:
    accepted: list[tuple[SourceDocument, JobRef]] = field(default_factory=list)
    rejected: list[tuple[SourceDocument, str]] = field(default_factory=list)
    # FlexOrch accepted nothing of these (out of credits, or rate limited past the deadline);
    # every later batch would meet the same answer
    not_sent: list[SourceDocument] = field(default_factory=list)
    not_sent_reason: str = ""
    # sent, but the answer named neither a job nor a rejection for them
    unacknowledged: list[SourceDocument] = field(default_factory=list)

    def merge(self, other: BatchOutcome) -> BatchOutcome:
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.not_sent += other.not_sent
        self.not_sent_reason = self.not_sent_reason or other.not_sent_reason
        self.unacknowledged += other.unacknowledged
        return self


@dataclass
class Patience:
    """How long submit may pause for a Retry-After longer than the client waits out itself:
    once per request, and only while the pause ends before `deadline` (on `clock`)."""

    deadline: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = lambda _: None

    def affords(self, seconds: float) -> bool:
        return self.clock() + seconds <= self.deadline


def match_result(batch: list[SourceDocument], result: ProcessResult) -> BatchOutcome:
    """Pair each file of a batch with its job or its rejection.

    By the filename the answer gives (a batch never repeats one, see `plan_batches`). A job
    under a name the batch does not hold, such as a duplicate answered with the name of the
    document FlexOrch already had, takes an unclaimed file by position, as the answer lists jobs
    in upload order; but only when the answer covers every file, so a guess is never needed.
    A file the answer does not name stays unacknowledged, out of the ledger, so a rerun sends it
    again (FlexOrch's duplicate check makes that free if it was in fact accepted).
    """
    by_name = {d.filename: d for d in batch} | {d.key: d for d in batch}
    out = BatchOutcome()
    claimed: set[str] = set()

    def claim(name: str | None) -> SourceDocument | None:
        doc = by_name.get(name or "")
        if doc is None or doc.sha256 in claimed:
            return None
        claimed.add(doc.sha256)
        return doc

    for rej in result.rejected:
        if (doc := claim(rej.filename)) is not None:
            out.rejected.append((doc, f"rejected {rej.code or 'by FlexOrch'}: {rej.reason or ''}"))
    unnamed: list[JobRef] = []
    for ref in result.jobs:
        if (doc := claim(ref.filename)) is not None:
            out.accepted.append((doc, ref))
        else:
            unnamed.append(ref)
    left = [d for d in batch if d.sha256 not in claimed]
    if unnamed and len(unnamed) == len(left):
        out.accepted += zip(left, unnamed, strict=True)
        left = []
    out.unacknowledged = left
    return out


def is_about_a_file(exc: APIStatusError) -> bool:
    """Whether an upload error names one file (quarantine it) rather than the request."""
    if isinstance(exc, FileTooLargeError | UnsupportedFileError):
        return True
    return (exc.code or "").upper() in FILE_CODES


def _reason(exc: APIStatusError) -> str:
    return f"rejected {exc.status_code} {exc.code or ''}: {exc.message}".replace("  ", " ")


def _send(
    client: FlexOrchClient,
    batch: list[SourceDocument],
    source: Source,
    locale: str,
    engine: Engine,
) -> ProcessResult:
    if isinstance(source, ConnectorSource):
        keys = [d.connector_key or d.key for d in batch]
        return client.documents.process_from_connector(source.connector_id, keys, locale=locale)
    files = [UploadFile(filename=d.filename, content=Path(d.local_path or d.key)) for d in batch]
    config: dict[str, Any] | None = None if engine == "deterministic" else {"engine": engine}
    return client.documents.process(files, locale=locale, pipeline_config=config)


def _send_patiently(
    client: FlexOrchClient,
    batch: list[SourceDocument],
    source: Source,
    locale: str,
    engine: Engine,
    patience: Patience | None,
) -> ProcessResult:
    try:
        return _send(client, batch, source, locale, engine)
    except RateLimitExceededError as exc:
        wait = exc.retry_after
        if patience is None or wait is None or not patience.affords(wait):
            raise
        patience.log(
            f"FlexOrch answered RATE_LIMIT_EXCEEDED asking for {wait:.0f}s, more than the client "
            f"waits out: pausing once, then sending the batch of {len(batch)} again"
        )
        patience.sleep(wait)
        return _send(client, batch, source, locale, engine)


def _connector_still_there(client: FlexOrchClient, connector_id: str, exc: NotFoundError) -> None:
    try:
        client.connectors.get(connector_id)
    except NotFoundError:
        raise ConnectorError(
            f"FlexOrch no longer knows connector {connector_id} (404 {exc.code or ''}: "
            f"{exc.message}); nothing of this batch was recorded, so a rerun sends it again."
        ) from None


def send_batch(
    client: FlexOrchClient,
    batch: list[SourceDocument],
    source: Source,
    locale: str,
    engine: Engine,
    patience: Patience | None = None,
) -> BatchOutcome:
    try:
        return match_result(batch, _send_patiently(client, batch, source, locale, engine, patience))
    except QuotaExceededError:
        return BatchOutcome(not_sent=list(batch), not_sent_reason=QUOTA_REASON)
    except RateLimitExceededError as exc:
        after = (
            "no wait given" if exc.retry_after is None else f"retry after {exc.retry_after:.0f}s"
        )
        reason = (
            f"deferred: FlexOrch answered RATE_LIMIT_EXCEEDED ({after}) past the run's deadline"
        )
        return BatchOutcome(not_sent=list(batch), not_sent_reason=reason)
    except (InvalidAPIKeyError, TrialExpiredError) as exc:
        # About the account, not the files: end the run and record nothing against them.
        raise account_error(exc) from None
    except NotFoundError as exc:
        # A connector request names keys and a connector; an upload names nothing that can
        # be missing, so there the URL itself is wrong.
        if not isinstance(source, ConnectorSource):
            raise RequestRejectedError(
                f"FlexOrch answered 404 {exc.code or ''} to an upload: {exc.message} (request id "
                f"{exc.request_id}); check FLEXORCH_BASE_URL. Nothing of this batch was recorded."
            ) from None
        _connector_still_there(client, source.connector_id, exc)
        # A key gone from the bucket since discover: find it by sending its batch-mates alone.
        if len(batch) == 1:
            return BatchOutcome(rejected=[(batch[0], _reason(exc))])
    except (FileTooLargeError, UnsupportedFileError, BadRequestError) as exc:
        if not is_about_a_file(exc):
            # About the request itself (a field, the config, the client): every file would be
            # refused the same way, and rejecting them for good would hide a fixable fault.
            raise RequestRejectedError(
                f"FlexOrch refused the upload request ({exc.status_code} {exc.code or 'no code'}"
                f"): {exc.message} (request id {exc.request_id}). The {len(batch)} document(s) "
                "of this batch stay unrecorded, so a rerun sends them again."
            ) from None
        # About a file's content: another try will not help the bad file, but its
        # batch-mates deserve a chance on their own.
        if len(batch) == 1:
            return BatchOutcome(rejected=[(batch[0], _reason(exc))])
    out = BatchOutcome()
    for doc in batch:
        out.merge(send_batch(client, [doc], source, locale, engine, patience))
    return out


@task(cache_policy=NO_CACHE)
def submit_batch(
    client: FlexOrchClient,
    batch: list[SourceDocument],
    source: Source,
    locale: str,
    engine: Engine,
    deadline: float | None = None,
) -> BatchOutcome:
    """One upload request (no Prefect retries: the client retries transport errors, and a
    blind resend after an unseen success would upload twice).

    `deadline` (time.monotonic) bounds a pause for a long Retry-After; None: no pause."""
    logger = get_run_logger()
    patience = None if deadline is None else Patience(deadline, log=logger.warning)
    outcome = send_batch(client, batch, source, locale, engine, patience)
    logger.info(
        "Batch of %d: %d accepted (%d already known to FlexOrch), %d rejected, %d not sent, "
        "%d unacknowledged",
        len(batch),
        len(outcome.accepted),
        sum(ref.is_duplicate for _, ref in outcome.accepted),
        len(outcome.rejected),
        len(outcome.not_sent),
        len(outcome.unacknowledged),
    )
    return outcome


@dataclass
class ReprocessOutcome:
    started: list[LedgerEntry] = field(default_factory=list)
    # still failed, their reason saying why no reprocess was started
    refused: list[LedgerEntry] = field(default_factory=list)
    deferred: list[LedgerEntry] = field(default_factory=list)


def reprocess_failed(
    client: FlexOrchClient,
    ledger: Ledger,
    failed: list[LedgerEntry],
    engine: Engine,
    save: Callable[[Ledger], None],
) -> ReprocessOutcome:
    """Start one reprocess per failed document with the run's engine, saving the ledger after
    each so a crash loses no new job id.

    A document FlexOrch refuses (gone, or a bad request) keeps its failure with the reason
    added; QUOTA_EXCEEDED would refuse every later one too, so they are left as they are.
    """
    out = ReprocessOutcome()
    config = {"engine": engine}
    for i, entry in enumerate(failed):
        try:
            ref = client.documents.reprocess(entry.document_id or "", pipeline_config=config)
        except QuotaExceededError:
            note = "reprocess not started: FlexOrch answered QUOTA_EXCEEDED"
            out.deferred = [
                ledger.update(e.sha256, reason=f"{e.reason}; {note}") for e in failed[i:]
            ]
            save(ledger)
            return out
        except (NotFoundError, BadRequestError) as exc:
            reason = f"{entry.reason}; reprocess refused: {_reason(exc).removeprefix('rejected ')}"
            out.refused.append(ledger.update(entry.sha256, reason=reason))
        else:
            out.started.append(
                ledger.update(entry.sha256, state="submitted", job_id=ref.job_id, reprocessed=True)
            )
        save(ledger)
    return out
