"""Every default the client uses, named once."""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://api.flexorch.com/v1"
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_RETRIES: Final = 4
USER_AGENT: Final = "flexorch-client-python/0.1.0"

# Backoff when the server gives no hint: full jitter over base * 2**attempt, capped.
INITIAL_RETRY_DELAY: Final = 0.5
MAX_BACKOFF_DELAY: Final = 8.0
# The longest server-requested wait (Retry-After, reset_in_seconds) the transport
# sleeps through. A longer one is not shortened, since an early retry only burns an
# attempt: the error is raised at once with `.retry_after` so the caller can schedule.
MAX_RETRY_AFTER: Final = 120.0

RATE_WINDOW_SECONDS: Final = 60.0
# After a failed rate-limit lookup, ask again no sooner than this: often enough that a
# passing outage does not leave the client unthrottled, rarely enough to cost little.
RATE_LIMITS_RETRY_SECONDS: Final = 60.0

# Refresh a JWT this long before it expires so no request races its expiry.
TOKEN_REFRESH_MARGIN: Final = 60.0
DEFAULT_TOKEN_LIFETIME: Final = 3600.0

DEFAULT_LOCALE: Final = "und"
DEFAULT_SEARCH_TOP_K: Final = 5
DEFAULT_ENGINE: Final = "deterministic"
ENGINE_COSTS: Final[dict[str, int]] = {"deterministic": 1, "local_ai": 3, "premium": 15}

DEFAULT_WAIT_TIMEOUT: Final = 600.0
DEFAULT_MIN_POLL_INTERVAL: Final = 1.0
DEFAULT_MAX_POLL_INTERVAL: Final = 15.0
POLL_BACKOFF_FACTOR: Final = 2.0
JOBS_PAGE_SIZE: Final = 100

STREAM_CHUNK_SIZE: Final = 64 * 1024

TERMINAL_JOB_STATUSES: Final = frozenset({"completed", "failed"})

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
REQUEST_ID_HEADER: Final = "X-Request-ID"
API_KEY_HEADER: Final = "X-API-KEY"
