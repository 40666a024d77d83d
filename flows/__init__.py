"""Prefect flows: run from the repository root (`flows.ingest`)."""
