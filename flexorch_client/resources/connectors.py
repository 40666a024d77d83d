"""Storage connectors and webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from .._steps import Call, Op, single
from ..models import Connector, ConnectorTest, Webhook
from ._base import AsyncResource, SyncResource, items_of


def _create(type: str, name: str, config: Mapping[str, Any]) -> Op[Connector]:
    body = {"type": type, "name": name, "config": dict(config)}
    return single(Call("POST", "/connectors", json=body), Connector.model_validate)


def _get(connector_id: str) -> Op[Connector]:
    return single(Call("GET", f"/connectors/{connector_id}"), Connector.model_validate)


def _list() -> Op[list[Connector]]:
    data = yield Call("GET", "/connectors")
    return [Connector.model_validate(c) for c in items_of(data, "connectors")]


def _test(connector_id: str) -> Op[ConnectorTest]:
    return single(Call("POST", f"/connectors/{connector_id}/test"), ConnectorTest.model_validate)


def _webhook(
    url: str, events: Sequence[str], secret: str | SecretStr, auto_export: Mapping[str, Any] | None
) -> Op[Webhook]:
    raw = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    body: dict[str, Any] = {"url": url, "events": list(events), "secret": raw}
    if auto_export is not None:
        body["auto_export"] = dict(auto_export)
    return single(Call("POST", "/webhooks", json=body), Webhook.model_validate)


class Connectors(SyncResource):
    def create(self, type: str, name: str, config: Mapping[str, Any]) -> Connector:
        """Register a bucket (`type` s3, gcs or azure_blob); secrets in `config`
        are stored encrypted and never echoed back."""
        return self._run(_create(type, name, config))

    def get(self, connector_id: str) -> Connector:
        """One connector. Raises NotFoundError for an unknown id."""
        return self._run(_get(connector_id))

    def list(self) -> list[Connector]:
        """The tenant's connectors."""
        return self._run(_list())

    def test(self, connector_id: str) -> ConnectorTest:
        """Ask the server whether the connector's bucket can be reached."""
        return self._run(_test(connector_id))


class AsyncConnectors(AsyncResource):
    async def create(self, type: str, name: str, config: Mapping[str, Any]) -> Connector:
        """See `Connectors.create`."""
        return await self._run(_create(type, name, config))

    async def get(self, connector_id: str) -> Connector:
        """See `Connectors.get`."""
        return await self._run(_get(connector_id))

    async def list(self) -> list[Connector]:
        """See `Connectors.list`."""
        return await self._run(_list())

    async def test(self, connector_id: str) -> ConnectorTest:
        """See `Connectors.test`."""
        return await self._run(_test(connector_id))


class Webhooks(SyncResource):
    def create(
        self,
        url: str,
        events: Sequence[str],
        secret: str | SecretStr,
        auto_export: Mapping[str, Any] | None = None,
    ) -> Webhook:
        """Register `url` for `events` (job.completed, job.failed, dataset.ready);
        deliveries are signed with HMAC-SHA256 of the body using `secret`."""
        return self._run(_webhook(url, events, secret, auto_export))


class AsyncWebhooks(AsyncResource):
    async def create(
        self,
        url: str,
        events: Sequence[str],
        secret: str | SecretStr,
        auto_export: Mapping[str, Any] | None = None,
    ) -> Webhook:
        """See `Webhooks.create`."""
        return await self._run(_webhook(url, events, secret, auto_export))
