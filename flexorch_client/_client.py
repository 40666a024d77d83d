"""`FlexOrchClient` and `AsyncFlexOrchClient`: configuration and resource wiring."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from ._auth import AuthState
from ._config import ClientSettings
from ._constants import DEFAULT_SEARCH_TOP_K, RATE_WINDOW_SECONDS
from ._throttle import SlidingWindowThrottle, Throttle, shared_throttle
from ._transport import AsyncTransport, SyncTransport, _Policy
from .models import RequestStats, SearchResult
from .resources.advanced import AsyncFineTune, AsyncSettingsAPI, FineTune, SettingsAPI
from .resources.auth import AsyncAuth, Auth
from .resources.compliance import AsyncCompliance, Compliance
from .resources.connectors import AsyncConnectors, AsyncWebhooks, Connectors, Webhooks
from .resources.datasets import AsyncDatasets, Datasets
from .resources.documents import AsyncDocuments, Documents
from .resources.jobs import AsyncJobs, Jobs
from .resources.search import search_op
from .resources.usage import AsyncCredits, AsyncUsageAPI, Credits, UsageAPI


def _secret(value: str | SecretStr | None, fallback: SecretStr | None) -> SecretStr | None:
    if value is None:
        return fallback
    return value if isinstance(value, SecretStr) else SecretStr(value)


class _Base:
    """Resolves arguments against ClientSettings and builds the shared policy."""

    _policy: _Policy
    _config: ClientSettings

    def _configure(
        self,
        *,
        api_key: str | SecretStr | None,
        base_url: str | None,
        jwt: str | SecretStr | None,
        email: str | None,
        password: str | SecretStr | None,
        rpm: int | None,
        rate_window_seconds: float | None,
        throttle: Throttle | None,
        max_retries: int | None,
        timeout: float | None,
        settings: ClientSettings | None,
        clock: Callable[[], float] | None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        base = settings if settings is not None else ClientSettings()
        overrides: dict[str, Any] = {
            "api_key": _secret(api_key, base.api_key),
            "jwt": _secret(jwt, base.jwt),
            "password": _secret(password, base.password),
            "base_url": base_url or base.base_url,
            "email": email or base.email,
            "rpm": base.rpm if rpm is None else rpm,
            "rate_window_seconds": rate_window_seconds or base.rate_window_seconds,
            "max_retries": base.max_retries if max_retries is None else max_retries,
            "timeout": base.timeout if timeout is None else timeout,
        }
        self._config = config = base.model_copy(update=overrides)
        mono = clock or time.monotonic
        auth = AuthState(
            api_key=config.api_key,
            jwt=config.jwt,
            email=config.email,
            password=config.password,
            clock=mono,
        )
        # Clients for the same account share one process-wide window, unless a
        # a test injected its own clock or sleep.
        account = hashlib.sha256(
            (config.base_url + "\0" + "\0".join(auth.secrets()[:1])).encode()
        ).hexdigest()

        def make(rpm: int, window_seconds: float = RATE_WINDOW_SECONDS) -> Throttle:
            if clock is None and sleep is None and async_sleep is None:
                return shared_throttle(account, rpm, window_seconds)
            return SlidingWindowThrottle(
                rpm,
                window_seconds=window_seconds,
                clock=mono,
                sleep=sleep or time.sleep,
                async_sleep=async_sleep or asyncio.sleep,
            )

        if throttle is None and config.rpm:
            throttle = make(config.rpm, config.rate_window_seconds)
        self._policy = _Policy(
            base_url=config.base_url,
            max_retries=config.max_retries,
            auth=auth,
            throttle=throttle,
            learn_rpm=config.rpm is None,
            make_throttle=make,
            clock=mono,
        )

    @property
    def stats(self) -> RequestStats:
        """Requests sent so far (every attempt counts), retries, and 429s received."""
        return self._policy.stats

    @property
    def config(self) -> ClientSettings:
        """The resolved settings (secrets stay masked in its repr)."""
        return self._config

    @property
    def throttle(self) -> Throttle | None:
        """The throttle in use (None until learned, or when the plan is unlimited)."""
        return self._policy.throttle

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._config.base_url!r}, "
            f"auth={self._policy.auth.mode!r})"
        )


class FlexOrchClient(_Base):
    """Blocking client for the FlexOrch v1 API.

    Args:
        api_key: `dfx_...` key sent as X-API-KEY (default FLEXORCH_API_KEY).
        base_url: API root including `/v1` (default FLEXORCH_BASE_URL or the public API).
        jwt: a bearer token to use instead of a key.
        email, password: log in for a JWT, refresh it before expiry and once after a 401.
        rpm: requests per minute to stay under; 0 disables throttling; when unset
            the limit and its window (`window_seconds`, 60 when the server omits
            it) are read once from `/usage/rate-limits` before the first request;
            if that lookup fails, requests go unthrottled and a later request asks
            again, at most once per minute.
        rate_window_seconds: the window a given `rpm` is counted over (default 60),
            for servers that report another one. Clients given the same key, rpm
            and window share one process-wide throttle.
        throttle: a ready throttle (e.g. one shared between processes) instead of rpm.
        max_retries: retries after the first attempt for transient failures (default 4).
        timeout: seconds per HTTP request (default 30).
        settings: a ClientSettings to start from instead of the environment.
        http_client, sleep, clock: injection points, mainly for tests.

    Every method raises a `flexorch_client.errors.FlexOrchError` subclass on failure.
    """

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        base_url: str | None = None,
        jwt: str | SecretStr | None = None,
        email: str | None = None,
        password: str | SecretStr | None = None,
        rpm: int | None = None,
        rate_window_seconds: float | None = None,
        throttle: Throttle | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        settings: ClientSettings | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._configure(
            api_key=api_key,
            base_url=base_url,
            jwt=jwt,
            email=email,
            password=password,
            rpm=rpm,
            rate_window_seconds=rate_window_seconds,
            throttle=throttle,
            max_retries=max_retries,
            timeout=timeout,
            settings=settings,
            clock=clock,
            sleep=sleep,
        )
        http = http_client or httpx.Client(timeout=self._config.timeout)
        self._transport = t = SyncTransport(self._policy, http, sleep or time.sleep)
        self.documents = Documents(t)
        self.jobs = Jobs(t)
        self.datasets = Datasets(t)
        self.connectors = Connectors(t)
        self.webhooks = Webhooks(t)
        self.usage = UsageAPI(t)
        self.credits = Credits(t)
        self.compliance = Compliance(t)
        self.auth = Auth(t)
        self.settings = SettingsAPI(t)
        self.fine_tune = FineTune(t)

    def search(
        self,
        query: str,
        *,
        top_k: int = DEFAULT_SEARCH_TOP_K,
        mode: str = "auto",
        filters: Mapping[str, Any] | None = None,
    ) -> list[SearchResult]:
        """Search indexed datasets (Pro+). `mode`: auto, structured, semantic or hybrid;
        `filters` may hold quality_grade, language, dataset_id, document_type."""
        return self._transport.run(search_op(query, top_k, mode, filters))

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def __enter__(self) -> FlexOrchClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncFlexOrchClient(_Base):
    """The asyncio twin of `FlexOrchClient`: same arguments, awaited methods."""

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        base_url: str | None = None,
        jwt: str | SecretStr | None = None,
        email: str | None = None,
        password: str | SecretStr | None = None,
        rpm: int | None = None,
        rate_window_seconds: float | None = None,
        throttle: Throttle | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        settings: ClientSettings | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._configure(
            api_key=api_key,
            base_url=base_url,
            jwt=jwt,
            email=email,
            password=password,
            rpm=rpm,
            rate_window_seconds=rate_window_seconds,
            throttle=throttle,
            max_retries=max_retries,
            timeout=timeout,
            settings=settings,
            clock=clock,
            async_sleep=sleep,
        )
        http = http_client or httpx.AsyncClient(timeout=self._config.timeout)
        self._transport = t = AsyncTransport(self._policy, http, sleep or asyncio.sleep)
        self.documents = AsyncDocuments(t)
        self.jobs = AsyncJobs(t)
        self.datasets = AsyncDatasets(t)
        self.connectors = AsyncConnectors(t)
        self.webhooks = AsyncWebhooks(t)
        self.usage = AsyncUsageAPI(t)
        self.credits = AsyncCredits(t)
        self.compliance = AsyncCompliance(t)
        self.auth = AsyncAuth(t)
        self.settings = AsyncSettingsAPI(t)
        self.fine_tune = AsyncFineTune(t)

    async def search(
        self,
        query: str,
        *,
        top_k: int = DEFAULT_SEARCH_TOP_K,
        mode: str = "auto",
        filters: Mapping[str, Any] | None = None,
    ) -> list[SearchResult]:
        """See `FlexOrchClient.search`."""
        return await self._transport.run(search_op(query, top_k, mode, filters))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._transport.close()

    async def __aenter__(self) -> AsyncFlexOrchClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
