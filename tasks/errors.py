"""One base error per way an ingest run can end early, each with a message a user can act on.

Client errors are translated here at the edge, so flows never show a raw HTTP error and never
carry a credential into a message.
"""

from __future__ import annotations


class IngestError(RuntimeError):
    """Base of every error the ingest pipeline raises on purpose."""


class AccountError(IngestError):
    """The FlexOrch account cannot run this pipeline at all (bad key, trial over)."""


class InsufficientCreditsError(IngestError):
    def __init__(self, *, documents: int, cost_each: int, needed: int, remaining: int) -> None:
        self.needed = needed
        self.remaining = remaining
        fits = remaining // cost_each if cost_each else documents
        super().__init__(
            f"Not enough FlexOrch credits: {documents} new document(s) x {cost_each} credit(s) "
            f"= {needed} needed, {remaining} remaining. Top up, or rerun with "
            f"on_insufficient_credits='defer' to process the {fits} that fit now."
        )


class RequestRejectedError(IngestError):
    """FlexOrch refused an upload request as a whole (not one of its files)."""


class ConnectorError(IngestError):
    """A source connector or the export bucket cannot be reached or written."""


class QualityGateError(IngestError):
    """The dataset's quality breaches the gate and the gate is set to fail."""


class ExportVerificationError(IngestError):
    """The Parquet read back from S3 does not match what was exported."""


class AccountingError(IngestError):
    """A document ended the run in no bucket (or in two): a pipeline bug, never ignored."""
