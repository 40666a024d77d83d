"""Client settings read from arguments or FLEXORCH_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._constants import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT


class ClientSettings(BaseSettings):
    """Configuration for `FlexOrchClient` / `AsyncFlexOrchClient`.

    Every field can come from the environment with the `FLEXORCH_` prefix
    (`FLEXORCH_API_KEY`, `FLEXORCH_BASE_URL`, `FLEXORCH_RPM`, ...). Secrets are
    `SecretStr`, so printing the settings never shows them.
    """

    model_config = SettingsConfigDict(env_prefix="FLEXORCH_", extra="ignore")

    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    jwt: SecretStr | None = None
    email: str | None = None
    password: SecretStr | None = None
    # 0 turns client-side throttling off without asking the server for the limit.
    rpm: int | None = Field(default=None, ge=0)
    # The window `rpm` is counted over when given by hand (learned limits bring their own).
    rate_window_seconds: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, ge=0)
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
