"""Enterprise features: bring-your-own LLM settings and fine-tuning."""

from __future__ import annotations

from pydantic import SecretStr

from .._steps import Call, Op, single
from ..models import FineTuneJob, LLMConfig
from ._base import AsyncResource, SyncResource


def _llm_config(provider: str, model: str, api_key: str | SecretStr) -> Op[LLMConfig]:
    key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
    body = {"provider": provider, "model": model, "api_key": key}
    return single(Call("POST", "/settings/llm-config", json=body), LLMConfig.model_validate)


def _ft_create(dataset_id: str, model: str, suffix: str | None) -> Op[FineTuneJob]:
    body = {"dataset_id": dataset_id, "model": model, "suffix": suffix}
    return single(Call("POST", "/fine-tune", json=body), FineTuneJob.model_validate)


def _ft_get(job_id: str) -> Op[FineTuneJob]:
    return single(Call("GET", f"/fine-tune/{job_id}"), FineTuneJob.model_validate)


class SettingsAPI(SyncResource):
    def llm_config(self, provider: str, model: str, api_key: str | SecretStr) -> LLMConfig:
        """Use your own LLM provider (Enterprise; PlanUpgradeRequiredError otherwise).
        The provider key is sent once and never echoed back."""
        return self._run(_llm_config(provider, model, api_key))


class AsyncSettingsAPI(AsyncResource):
    async def llm_config(self, provider: str, model: str, api_key: str | SecretStr) -> LLMConfig:
        """See `SettingsAPI.llm_config`."""
        return await self._run(_llm_config(provider, model, api_key))


class FineTune(SyncResource):
    def create(self, dataset_id: str, model: str, suffix: str | None = None) -> FineTuneJob:
        """Start fine-tuning `model` on a dataset."""
        return self._run(_ft_create(dataset_id, model, suffix))

    def get(self, job_id: str) -> FineTuneJob:
        """A fine-tuning job's progress."""
        return self._run(_ft_get(job_id))


class AsyncFineTune(AsyncResource):
    async def create(self, dataset_id: str, model: str, suffix: str | None = None) -> FineTuneJob:
        """See `FineTune.create`."""
        return await self._run(_ft_create(dataset_id, model, suffix))

    async def get(self, job_id: str) -> FineTuneJob:
        """See `FineTune.get`."""
        return await self._run(_ft_get(job_id))
