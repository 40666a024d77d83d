"""Prefect tasks of the ingest pipeline, one module per FlexOrch area."""
