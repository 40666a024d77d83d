"""The deployment definitions stay in step with the flow they deploy."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect.utilities.callables import parameter_schema

from flows.ingest import ingest
from tasks.models import IngestParams

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_deploys_ingest_nightly_with_valid_parameters():
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    (deployment,) = project["deployments"]
    module, _, name = deployment["entrypoint"].partition(":")
    flow = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), name)
    assert flow.name == "ingest"
    assert deployment["schedules"][0]["cron"]
    assert deployment["work_pool"]["name"]
    IngestParams.model_validate(deployment["parameters"]["params"])


def test_the_ui_form_has_titles_and_descriptions():
    schema = parameter_schema(ingest.fn).model_dump_for_openapi()
    assert list(schema["properties"]) == ["params"]
    params = schema["definitions"]["IngestParams"]["properties"]
    assert params["dry_run"]["title"] == "Dry run" and params["dry_run"]["description"]
    assert "api_key" not in str(schema)


def test_runs_of_a_deployment_never_overlap(monkeypatch):
    (deployment,) = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    assert deployment["concurrency_limit"] == 1

    import deployments.serve as serve

    served: dict[str, object] = {}
    monkeypatch.setattr(serve.ingest, "serve", lambda **kwargs: served.update(kwargs))
    serve.main(["--bucket", "exports", "--no-schedule"])
    assert served["global_limit"] == 1
