"""Datasets (FlexOrch /datasets): build from completed executions, profile, and the quality gate."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flexorch_client import Dataset, DatasetProfile, FlexOrchClient
from tasks.errors import IngestError
from tasks.models import QualityGate

DATASET_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class GateMetrics:
    completed: int
    failed: int
    average_score: float | None
    grade_d_share: float
    failed_share: float


@dataclass(frozen=True)
class GateResult:
    metrics: GateMetrics
    breaches: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.breaches


def gate_metrics(scores: list[float | None], grades: list[str | None], failed: int) -> GateMetrics:
    """Metrics over the dataset's documents: scores/grades of the completed ones, and how
    many of the processed documents failed."""
    completed = len(grades)
    known = [s for s in scores if s is not None]
    return GateMetrics(
        completed=completed,
        failed=failed,
        average_score=round(sum(known) / len(known), 2) if known else None,
        grade_d_share=round(sum(g == "D" for g in grades) / completed, 4) if completed else 0.0,
        failed_share=round(failed / (completed + failed), 4) if completed + failed else 0.0,
    )


def evaluate_gate(metrics: GateMetrics, gate: QualityGate) -> GateResult:
    breaches = []
    if metrics.average_score is not None and metrics.average_score < gate.min_average_score:
        breaches.append(
            f"average score {metrics.average_score:.1f} is below {gate.min_average_score:.1f}"
        )
    if metrics.grade_d_share > gate.max_grade_d_share:
        breaches.append(
            f"grade D share {metrics.grade_d_share:.0%} is above {gate.max_grade_d_share:.0%}"
        )
    if metrics.failed_share > gate.max_failed_share:
        breaches.append(
            f"failed share {metrics.failed_share:.0%} is above {gate.max_failed_share:.0%}"
        )
    return GateResult(metrics, breaches)


@task(cache_policy=NO_CACHE)
def build_dataset(
    client: FlexOrchClient, name: str, execution_ids: list[str], timeout: float = 300.0
) -> Dataset:
    """Create the dataset from completed executions and wait until it is ready."""
    dataset = client.datasets.create(name, execution_ids=execution_ids)
    deadline = time.monotonic() + timeout
    while dataset.status not in (None, "ready"):
        if dataset.status == "failed":
            raise IngestError(f"FlexOrch failed to build dataset {dataset.dataset_id}")
        if time.monotonic() > deadline:
            raise IngestError(f"Dataset {dataset.dataset_id} not ready after {timeout:.0f}s")
        time.sleep(DATASET_POLL_SECONDS)
        dataset = client.datasets.get(dataset.dataset_id)
    get_run_logger().info(
        "Dataset %s (%s) ready with %s row(s)", dataset.dataset_id, name, dataset.row_count
    )
    return dataset


def _profile_markdown(profile: DatasetProfile, result: GateResult, gate: QualityGate) -> str:
    m = result.metrics
    verdict = "passed" if result.passed else "BREACHED"
    lines = [
        f"# Dataset profile `{profile.dataset_id}`",
        "",
        f"Quality gate: **{verdict}** (on breach: {gate.on_breach})",
        "",
        "| metric | value | gate |",
        "|---|---|---|",
        f"| average score | {m.average_score} | >= {gate.min_average_score} |",
        f"| grade D share | {m.grade_d_share:.0%} | <= {gate.max_grade_d_share:.0%} |",
        f"| failed share | {m.failed_share:.0%} | <= {gate.max_failed_share:.0%} |",
        f"| completed / failed | {m.completed} / {m.failed} | |",
        "",
        "| grade | documents |",
        "|---|---|",
        *[f"| {g} | {n} |" for g, n in sorted(profile.grade_distribution.items())],
        "",
        "| PII type | findings |",
        "|---|---|",
        *[f"| {t} | {n} |" for t, n in sorted(profile.pii_type_summary.items())],
    ]
    lines += ["", *[f"- breach: {b}" for b in result.breaches]]
    return "\n".join(lines)


@task(cache_policy=NO_CACHE)
def profile_and_gate(
    client: FlexOrchClient,
    dataset: Dataset,
    metrics: GateMetrics,
    gate: QualityGate,
    artifact_key: str,
) -> GateResult:
    """Publish the profile as an artifact and judge it; the flow decides whether a breach
    fails the run (after it has written the summary, so a failed run still accounts for
    every document)."""
    profile = client.datasets.profile(dataset.dataset_id)
    result = evaluate_gate(metrics, gate)
    create_markdown_artifact(
        markdown=_profile_markdown(profile, result, gate),
        key=artifact_key,
        description=f"Profile and quality gate of dataset {dataset.name}",
    )
    if not result.passed:
        get_run_logger().warning("Quality gate breached: %s", "; ".join(result.breaches))
    return result
