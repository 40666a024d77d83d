"""The whole transport policy: auth headers, envelope, error mapping, retries,
throttling and streaming, for the sync and the async client.

`_Policy` decides; `SyncTransport` and `AsyncTransport` only do the I/O the
policy asks for, so both clients behave identically.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
from pydantic import ValidationError

from ._auth import AuthState
from ._constants import (
    IDEMPOTENCY_HEADER,
    RATE_LIMITS_RETRY_SECONDS,
    RATE_WINDOW_SECONDS,
    REQUEST_ID_HEADER,
    STREAM_CHUNK_SIZE,
    USER_AGENT,
)
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    FlexOrchError,
    InvalidAPIKeyError,
    RateLimitExceededError,
    error_class,
    error_fields,
    secret_values,
)
from ._retry import parse_retry_after, retry_delay
from ._steps import Call, Destination, Op, OpContext, Pause
from ._throttle import AnswerAwareThrottle, PausableThrottle, Throttle
from .models import ExportResult, RateLimits, RequestStats

logger = logging.getLogger("flexorch_client")

T = TypeVar("T")

_ENVELOPE_KEYS = frozenset({"status", "data", "error", "meta", "message", "request_id"})


class _Sink:
    """Writes a streamed body to its destination while hashing and counting it.

    A Path is written to a sibling `.part` file and renamed on success, so a
    failed download never leaves a truncated file under the final name.
    """

    def __init__(self, destination: Destination) -> None:
        self._digest = hashlib.sha256()
        self.written = 0
        self._path: Path | None = None
        self._part: Path | None = None
        self._file: IO[bytes]
        if isinstance(destination, Path):
            self._path = destination
            self._part = destination.with_name(destination.name + ".part")
            self._file = self._part.open("wb")
            self._start = 0
        else:
            self._file = destination
            self._start = destination.tell() if destination.seekable() else -1

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._digest.update(chunk)
        self.written += len(chunk)

    def commit(self) -> ExportResult:
        if self._path is not None and self._part is not None:
            self._file.close()
            os.replace(self._part, self._path)
        return ExportResult(bytes_written=self.written, sha256=self._digest.hexdigest())

    def abort(self) -> bool:
        """Undo a partial write; False when the destination cannot be rewound."""
        if self._part is not None:
            self._file.close()
            self._part.unlink(missing_ok=True)
            return True
        if self._start >= 0:
            self._file.seek(self._start)
            self._file.truncate()
            return True
        return self.written == 0


class _Policy:
    """Everything about a request except performing it."""

    def __init__(
        self,
        *,
        base_url: str,
        max_retries: int,
        auth: AuthState,
        throttle: Throttle | None,
        learn_rpm: bool,
        make_throttle: Callable[[int, float], Throttle],
        clock: Callable[[], float],
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.auth = auth
        self.throttle = throttle
        self.learn_pending = learn_rpm and throttle is None
        self._learn_after = float("-inf")
        self._learn_warned = False
        self._make_throttle = make_throttle
        self._wall_clock = wall_clock
        self._rng = rng
        self.ctx = OpContext(clock=clock)
        self._stats_lock = threading.Lock()
        self._requests = 0
        self._retries = 0
        self._rate_limited = 0

    @property
    def stats(self) -> RequestStats:
        with self._stats_lock:
            return RequestStats(self._requests, self._retries, self._rate_limited)

    def redact(self, text: str, call: Call | None = None) -> str:
        secrets = set(self.auth.secrets())
        if call is not None:
            # A server may echo a credential the request carried in any wording, not
            # only under its field name; short values would blank out ordinary words.
            sent = secret_values(call.json) | secret_values(call.data)
            secrets |= {v for v in sent if len(v) >= 4}
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def idempotency_key(call: Call) -> str | None:
        # One key per logical POST, reused by every retry, so the server can
        # drop a duplicate when a response was lost after the work was done.
        return uuid.uuid4().hex if call.method.upper() == "POST" else None

    def build_request(
        self, http: httpx.Client | httpx.AsyncClient, call: Call, idempotency_key: str | None
    ) -> httpx.Request:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if call.authenticated:
            headers.update(self.auth.headers())
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        params = {k: v for k, v in (call.params or {}).items() if v is not None}
        # Files are read again for every attempt: a retried upload is sent whole.
        files = [("files", (f.filename, f.read(), f.mime_type)) for f in call.files] or None
        with self._stats_lock:
            self._requests += 1
        return http.build_request(
            call.method,
            f"{self.base_url}/{call.path.lstrip('/')}",
            params=params or None,
            json=call.json if call.json is not None else None,
            data=dict(call.data) if call.data else None,
            files=files,
            headers=headers,
        )

    def connection_error(self, exc: httpx.TransportError) -> APIConnectionError:
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return cls(self.redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))

    def status_error(self, response: httpx.Response, call: Call | None = None) -> APIStatusError:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        code, message, _ = error_fields(body)
        if message is None:
            message = response.reason_phrase or f"HTTP {response.status_code}"
        return error_class(response.status_code, code)(
            self.redact(message, call),
            status_code=response.status_code,
            code=code,
            request_id=response.headers.get(REQUEST_ID_HEADER),
            retry_after=parse_retry_after(response.headers, body, now=self._wall_clock),
        )

    def unwrap(self, response: httpx.Response, call: Call | None = None) -> Any:
        """The result inside `{data}` / `{status, data, error}`, or a bare body as is."""
        if not response.content:
            return None
        try:
            body = response.json()
        except ValueError:
            return response.text
        if isinstance(body, Mapping) and "data" in body and set(body) <= _ENVELOPE_KEYS:
            if body.get("status") == "error" or (body.get("error") and body["data"] is None):
                code, message, _ = error_fields(body)
                raise error_class(response.status_code, code)(
                    self.redact(message or "error envelope in a success response", call),
                    status_code=response.status_code,
                    code=code,
                    request_id=response.headers.get(REQUEST_ID_HEADER),
                )
            return body["data"]
        return body

    def should_renew(self, error: FlexOrchError, call: Call, renewed: bool) -> bool:
        return (
            isinstance(error, InvalidAPIKeyError)
            and call.authenticated
            and not renewed
            and self.auth.can_refresh()
        )

    def next_delay(self, error: FlexOrchError, call: Call, attempt: int) -> float | None:
        """Wait before retry number `attempt + 1`, or None to raise `error`."""
        if isinstance(error, APIStatusError) and error.status_code == 429:
            with self._stats_lock:
                self._rate_limited += 1
        delay = retry_delay(error, attempt, self.max_retries, self._rng)
        if delay is None:
            return None
        if isinstance(error, RateLimitExceededError) and isinstance(
            self.throttle, PausableThrottle
        ):
            self.throttle.pause(delay)
        with self._stats_lock:
            self._retries += 1
        logger.info(
            "retrying %s %s in %.2fs after %s (retry %d of %d, request_id=%s)",
            call.method,
            call.path,
            delay,
            type(error).__name__,
            attempt + 1,
            self.max_retries,
            error.request_id,
        )
        return delay

    @staticmethod
    def note_answer(throttle: Throttle | None) -> None:
        if isinstance(throttle, AnswerAwareThrottle):
            throttle.answered()

    def should_learn(self) -> bool:
        return self.learn_pending and self.ctx.clock() >= self._learn_after

    def learn_failed(self, exc: Exception) -> None:
        # Throttling stays off only until the next try, not for the client's life.
        self._learn_after = self.ctx.clock() + RATE_LIMITS_RETRY_SECONDS
        if self._learn_warned:
            logger.debug("rate-limit lookup failed again: %s", exc)
            return
        self._learn_warned = True
        logger.warning(
            "could not learn the rate limit (%s); sending unthrottled, asking again in %g s",
            exc,
            RATE_LIMITS_RETRY_SECONDS,
        )

    def install_rate_limits(self, data: Any) -> None:
        limits = RateLimits.model_validate(data) if isinstance(data, Mapping) else None
        self.learn_pending = False
        if limits is not None and not limits.unlimited and limits.rpm:
            reported = limits.window_seconds
            window = reported if reported is not None and reported > 0 else RATE_WINDOW_SECONDS
            self.throttle = self._make_throttle(limits.rpm, window)
            # The lookup itself counts on the server but passed no throttle.
            self.note_answer(self.throttle)
            logger.debug("throttling to %d requests per %g s", limits.rpm, window)


RATE_LIMITS_CALL = Call("GET", "/usage/rate-limits")


class SyncTransport:
    """Blocking I/O for `_Policy`."""

    def __init__(self, policy: _Policy, http: httpx.Client, sleep: Callable[[float], None]) -> None:
        self.policy = policy
        self.http = http
        self._sleep = sleep
        self._learn_lock = threading.Lock()

    def run(self, op: Op[T]) -> T:
        """Drive an operation to its result, sending its calls and sleeping its pauses."""
        value: Any = None
        error: FlexOrchError | None = None
        while True:
            try:
                step = op.throw(error) if error is not None else op.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            if isinstance(step, Pause):
                self._sleep(step.seconds)
                continue
            try:
                value = self.send(step)
            except FlexOrchError as exc:
                error = exc

    def _prepare(self) -> None:
        p = self.policy
        if p.auth.needs_token():
            with p.auth.lock:
                if p.auth.needs_token():
                    self.run(p.auth.renew())
        if p.should_learn():
            with self._learn_lock:
                if p.should_learn():
                    # Cleared only once the throttle is in place: until then every
                    # other caller waits on the lock instead of sending unthrottled.
                    try:
                        p.install_rate_limits(self._send(RATE_LIMITS_CALL))
                    except (FlexOrchError, ValidationError) as exc:
                        p.learn_failed(exc)

    def send(self, call: Call) -> Any:
        """Send one call with retries; returns its unwrapped JSON or ExportResult."""
        if call.authenticated:
            self._prepare()
        return self._send(call)

    def _send(self, call: Call) -> Any:
        p = self.policy
        key = p.idempotency_key(call)
        attempt, renewed = 0, False
        while True:
            # Held in a local: the throttle answered must be the one acquired,
            # even if the limit is learned while this request is in flight.
            throttle = p.throttle
            if throttle is not None:
                throttle.acquire()
            request = p.build_request(self.http, call, key)
            try:
                response = self._exchange(request, throttle)
            except httpx.TransportError as exc:
                error: FlexOrchError = p.connection_error(exc)
            else:
                try:
                    if response.is_success:
                        if call.destination is not None:
                            return self._download(response, call.destination)
                        response.read()
                        return p.unwrap(response, call)
                    response.read()
                    error = p.status_error(response, call)
                except httpx.TransportError as exc:
                    error = p.connection_error(exc)
                finally:
                    response.close()
            if p.should_renew(error, call, renewed):
                renewed = True
                with p.auth.lock:
                    self.run(p.auth.renew())
                continue
            delay = p.next_delay(error, call, attempt)
            if delay is None:
                raise error
            attempt += 1
            self._sleep(delay)

    def _exchange(self, request: httpx.Request, throttle: Throttle | None) -> httpx.Response:
        # The throttle hears of a failed send too: the server may have counted it.
        try:
            return self.http.send(request, stream=True)
        finally:
            self.policy.note_answer(throttle)

    def _download(self, response: httpx.Response, destination: Destination) -> ExportResult:
        sink = _Sink(destination)
        try:
            for chunk in response.iter_bytes(STREAM_CHUNK_SIZE):
                sink.write(chunk)
        except httpx.TransportError as exc:
            if not sink.abort():
                raise self.policy.connection_error(exc) from exc
            raise
        except BaseException:
            sink.abort()
            raise
        return sink.commit()

    def close(self) -> None:
        self.http.close()


class AsyncTransport:
    """Non-blocking I/O for `_Policy`; the same decisions as `SyncTransport`."""

    def __init__(
        self,
        policy: _Policy,
        http: httpx.AsyncClient,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.policy = policy
        self.http = http
        self._sleep = sleep
        self._auth_lock: asyncio.Lock | None = None
        self._learn_lock: asyncio.Lock | None = None

    async def run(self, op: Op[T]) -> T:
        """Drive an operation to its result, sending its calls and sleeping its pauses."""
        value: Any = None
        error: FlexOrchError | None = None
        while True:
            try:
                step = op.throw(error) if error is not None else op.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            if isinstance(step, Pause):
                await self._sleep(step.seconds)
                continue
            try:
                value = await self.send(step)
            except FlexOrchError as exc:
                error = exc

    async def _renew(self) -> None:
        self._auth_lock = self._auth_lock or asyncio.Lock()
        async with self._auth_lock:
            await self.run(self.policy.auth.renew())

    async def _prepare(self) -> None:
        p = self.policy
        if p.auth.needs_token():
            await self._renew()
        if p.should_learn():
            self._learn_lock = self._learn_lock or asyncio.Lock()
            async with self._learn_lock:
                if p.should_learn():
                    try:
                        p.install_rate_limits(await self._send(RATE_LIMITS_CALL))
                    except (FlexOrchError, ValidationError) as exc:
                        p.learn_failed(exc)

    async def send(self, call: Call) -> Any:
        """Send one call with retries; returns its unwrapped JSON or ExportResult."""
        if call.authenticated:
            await self._prepare()
        return await self._send(call)

    async def _send(self, call: Call) -> Any:
        p = self.policy
        key = p.idempotency_key(call)
        attempt, renewed = 0, False
        while True:
            throttle = p.throttle
            if throttle is not None:
                await throttle.aacquire()
            request = p.build_request(self.http, call, key)
            try:
                response = await self._exchange(request, throttle)
            except httpx.TransportError as exc:
                error: FlexOrchError = p.connection_error(exc)
            else:
                try:
                    if response.is_success:
                        if call.destination is not None:
                            return await self._download(response, call.destination)
                        await response.aread()
                        return p.unwrap(response, call)
                    await response.aread()
                    error = p.status_error(response, call)
                except httpx.TransportError as exc:
                    error = p.connection_error(exc)
                finally:
                    await response.aclose()
            if p.should_renew(error, call, renewed):
                renewed = True
                await self._renew()
                continue
            delay = p.next_delay(error, call, attempt)
            if delay is None:
                raise error
            attempt += 1
            await self._sleep(delay)

    async def _exchange(self, request: httpx.Request, throttle: Throttle | None) -> httpx.Response:
        try:
            return await self.http.send(request, stream=True)
        finally:
            self.policy.note_answer(throttle)

    async def _download(self, response: httpx.Response, destination: Destination) -> ExportResult:
        sink = _Sink(destination)
        try:
            async for chunk in response.aiter_bytes(STREAM_CHUNK_SIZE):
                sink.write(chunk)
        except httpx.TransportError as exc:
            if not sink.abort():
                raise self.policy.connection_error(exc) from exc
            raise
        except BaseException:
            sink.abort()
            raise
        return sink.commit()

    async def close(self) -> None:
        await self.http.aclose()
