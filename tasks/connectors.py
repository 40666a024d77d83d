"""Connectors (FlexOrch /connectors): prove FlexOrch can read a connector source before use."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flexorch_client import FlexOrchClient
from tasks.errors import ConnectorError


@task(cache_policy=NO_CACHE)
def check_connector(client: FlexOrchClient, connector_id: str) -> None:
    result = client.connectors.test(connector_id)
    if not result.ok:
        raise ConnectorError(
            f"FlexOrch cannot reach connector {connector_id}: {result.message or 'no reason given'}"
        )
    get_run_logger().info("Connector %s reachable", connector_id)
