"""Serve and deploy the pipelines."""
