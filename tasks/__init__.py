"""Prefect tasks of the ingest pipeline, one module per FlexOrch area.

Transient HTTP errors are retried by the FlexOrch client (its one transport policy); Prefect
retries only idempotent reads and ledger writes, so no task retry can upload twice or turn a
terminal answer (bad key, failed connector) into minutes of waiting.
"""
