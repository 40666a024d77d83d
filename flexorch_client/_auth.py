"""Credentials: which header to send, and the JWT login/refresh cycle."""

from __future__ import annotations

import threading
from collections.abc import Callable

from pydantic import SecretStr

from ._constants import API_KEY_HEADER, DEFAULT_TOKEN_LIFETIME, TOKEN_REFRESH_MARGIN
from ._exceptions import APIStatusError
from ._steps import Call, Op
from .models import TokenPair


class AuthState:
    """Holds the secrets (never in a repr) and the current access token.

    With an API key it only adds `X-API-KEY`. With a JWT it sends
    `Authorization: Bearer`. With email and password it logs in lazily,
    refreshes before `expires_in` runs out, and can refresh once after a 401.
    """

    def __init__(
        self,
        *,
        api_key: SecretStr | None,
        jwt: SecretStr | None,
        email: str | None,
        password: SecretStr | None,
        clock: Callable[[], float],
    ) -> None:
        self._api_key = api_key
        self._access = jwt
        self._refresh: SecretStr | None = None
        self._email = email
        self._password = password
        self._clock = clock
        self._expires_at: float | None = None
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AuthState(mode={self.mode!r})"

    @property
    def mode(self) -> str:
        if self._api_key is not None:
            return "api_key"
        if self._email and self._password is not None:
            return "password"
        if self._access is not None:
            return "jwt"
        return "none"

    def headers(self) -> dict[str, str]:
        if self._api_key is not None:
            return {API_KEY_HEADER: self._api_key.get_secret_value()}
        if self._access is not None:
            return {"Authorization": f"Bearer {self._access.get_secret_value()}"}
        return {}

    def needs_token(self) -> bool:
        """True when a login or refresh must happen before the next request."""
        if self.mode != "password":
            return False
        if self._access is None:
            return True
        return self._expires_at is not None and self._clock() >= self._expires_at

    def can_refresh(self) -> bool:
        return self.mode == "password" or (self.mode == "jwt" and self._refresh is not None)

    def secrets(self) -> list[str]:
        """Every secret value, so error text can be scrubbed of them."""
        values = [self._api_key, self._access, self._refresh, self._password]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]

    def apply(self, tokens: TokenPair) -> None:
        self._access = SecretStr(tokens.access_token)
        if tokens.refresh_token:
            self._refresh = SecretStr(tokens.refresh_token)
        lifetime = tokens.expires_in if tokens.expires_in is not None else DEFAULT_TOKEN_LIFETIME
        self._expires_at = self._clock() + max(0.0, lifetime - TOKEN_REFRESH_MARGIN)

    def renew(self) -> Op[None]:
        """Refresh the access token, falling back to a fresh login.

        Raises InvalidAPIKeyError (or what login raises) when neither works.
        """
        if self._refresh is not None:
            try:
                data = yield Call(
                    "POST",
                    "/auth/refresh",
                    json={"refresh_token": self._refresh.get_secret_value()},
                    authenticated=False,
                )
                self.apply(TokenPair.model_validate(data))
                return
            except APIStatusError:
                if self.mode != "password":
                    raise
        if self._email and self._password is not None:
            data = yield Call(
                "POST",
                "/auth/login",
                json={"email": self._email, "password": self._password.get_secret_value()},
                authenticated=False,
            )
            self.apply(TokenPair.model_validate(data))
