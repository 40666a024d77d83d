"""Account endpoints: signup, login, refresh (no credentials needed to call them)."""

from __future__ import annotations

from pydantic import SecretStr

from .._steps import Call, Op, single
from ..models import Account, TokenPair
from ._base import AsyncResource, SyncResource


def _reveal(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _signup(email: str, password: str | SecretStr) -> Op[Account]:
    body = {"email": email, "password": _reveal(password)}
    return single(
        Call("POST", "/auth/signup", json=body, authenticated=False), Account.model_validate
    )


def _login(email: str, password: str | SecretStr) -> Op[TokenPair]:
    body = {"email": email, "password": _reveal(password)}
    return single(
        Call("POST", "/auth/login", json=body, authenticated=False), TokenPair.model_validate
    )


def _refresh(refresh_token: str | SecretStr) -> Op[TokenPair]:
    body = {"refresh_token": _reveal(refresh_token)}
    call = Call("POST", "/auth/refresh", json=body, authenticated=False)
    return single(call, TokenPair.model_validate)


class Auth(SyncResource):
    """Raw auth calls. A client built with email and password already logs in and
    refreshes by itself; use these to obtain tokens for other purposes."""

    def signup(self, email: str, password: str | SecretStr) -> Account:
        """Create an account; it must be verified before `login` works."""
        return self._run(_signup(email, password))

    def login(self, email: str, password: str | SecretStr) -> TokenPair:
        """Exchange credentials for tokens. Raises InvalidAPIKeyError if wrong."""
        return self._run(_login(email, password))

    def refresh(self, refresh_token: str | SecretStr) -> TokenPair:
        """Exchange a refresh token for a new access token."""
        return self._run(_refresh(refresh_token))


class AsyncAuth(AsyncResource):
    async def signup(self, email: str, password: str | SecretStr) -> Account:
        """See `Auth.signup`."""
        return await self._run(_signup(email, password))

    async def login(self, email: str, password: str | SecretStr) -> TokenPair:
        """See `Auth.login`."""
        return await self._run(_login(email, password))

    async def refresh(self, refresh_token: str | SecretStr) -> TokenPair:
        """See `Auth.refresh`."""
        return await self._run(_refresh(refresh_token))
