"""FlexOrch connection settings and the one client a flow run shares between its tasks."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from flexorch_client import FlexOrchClient


class FlexOrchSettings(BaseSettings):
    """Read from FLEXORCH_* so credentials never become flow parameters (which Prefect stores
    and shows); the key is a SecretStr, or the name of a Prefect Secret block that holds it."""

    model_config = SettingsConfigDict(env_prefix="FLEXORCH_", extra="ignore")

    base_url: str = Field("https://api.flexorch.com/v1", description="FlexOrch API base URL.")
    api_key: SecretStr | None = Field(None, description="A dfx_ API key.")
    api_key_block: str | None = Field(
        None, description="Name of a Prefect Secret block holding the API key."
    )

    def resolve_api_key(self) -> SecretStr:
        if self.api_key is not None:
            return self.api_key
        if self.api_key_block:
            from prefect.blocks.system import Secret

            block = Secret.load(self.api_key_block)
            return SecretStr(str(block.get()))  # type: ignore[union-attr]
        raise ValueError(
            "No FlexOrch API key: set FLEXORCH_API_KEY, or FLEXORCH_API_KEY_BLOCK to the name "
            "of a Prefect Secret block that holds it."
        )


def build_client(
    settings: FlexOrchSettings, *, rpm: int | None = None, window_seconds: float | None = None
) -> FlexOrchClient:
    """One client per run, so its throttle and request stats cover every task of the run.

    `rpm` unset lets the client ask FlexOrch; 0 turns throttling off. With an rpm, the window
    the server counts it over must come too: an rpm spread over 60 s against a server that
    counts per 10 s sends six times too few requests (or, the other way round, meets 429s).
    """
    # The client shares one process-wide throttle per key, rpm and window: the probe client
    # that learned the limit during preflight and this one count against the same budget.
    return FlexOrchClient(
        api_key=settings.resolve_api_key().get_secret_value(),
        base_url=settings.base_url,
        rpm=rpm,
        rate_window_seconds=window_seconds,
    )
