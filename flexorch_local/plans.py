"""Plan table from the FlexOrch contract, with the values the contract leaves open chosen here."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    name: str
    credits: int
    max_file_bytes: int
    # Requests per rate window: a minute, unless the rate_window_seconds knob changes it.
    rpm: int
    retention_days: int
    search: bool
    fine_tune: bool
    byo_llm: bool
    trial_days: int | None = None


# RPM for trial, pro and enterprise are not published; these are flexorch-local's choices.
PLANS: dict[str, Plan] = {
    "trial": Plan("trial", 1_200, 10 * MB, 60, 7, False, False, False, trial_days=30),
    "starter": Plan("starter", 1_200, 25 * MB, 60, 30, False, False, False),
    "pro": Plan("pro", 6_000, 50 * MB, 300, 90, True, True, False),
    "enterprise": Plan("enterprise", 100_000, 100 * MB, 1_000, 365, True, True, True),
}

# A multipart request may carry several files; its whole body is capped at this many
# times the plan's file limit so an oversized request is refused from its Content-Length.
REQUEST_FILES_FACTOR = 5

ENGINE_COSTS = {"deterministic": 1, "local_ai": 3, "premium": 15}
