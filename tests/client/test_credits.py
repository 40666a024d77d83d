"""client.credits.estimate: per-engine costs against the remaining credits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import respx

from flexorch_client import CreditVerdict, FlexOrchClient, UploadFile


def _usage(api: respx.MockRouter, remaining: int | None, limit: int | None = 1200) -> None:
    api.get("/usage").respond(
        200,
        json={
            "data": {
                "plan": "starter",
                "usage": {"credits": {"used": 0, "limit": limit, "remaining": remaining}},
            }
        },
    )


@pytest.mark.parametrize(
    ("engine", "count", "remaining", "expected"),
    [
        ("deterministic", 10, 100, CreditVerdict(10, 100, True, 10)),
        ("local_ai", 10, 20, CreditVerdict(30, 20, False, 6)),
        ("premium", 3, 44, CreditVerdict(45, 44, False, 2)),
        ("premium", 3, 45, CreditVerdict(45, 45, True, 3)),
        ("deterministic", 5, 0, CreditVerdict(5, 0, False, 0)),
    ],
)
def test_estimate_per_engine(
    api: respx.MockRouter,
    make_client: Callable[..., FlexOrchClient],
    engine: str,
    count: int,
    remaining: int,
    expected: CreditVerdict,
) -> None:
    _usage(api, remaining)
    assert make_client().credits.estimate(count, engine=engine) == expected


def test_estimate_counts_files_and_accepts_custom_costs(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    _usage(api, 10)
    files = [UploadFile(f"{i}.pdf", b"x") for i in range(4)]
    verdict = make_client().credits.estimate(files, engine="premium", costs={"premium": 5})
    assert verdict == CreditVerdict(needed=20, remaining=10, sufficient=False, affordable=2)


def test_unlimited_credits_are_always_sufficient(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    _usage(api, None, limit=None)
    verdict = make_client().credits.estimate(1000, engine="premium")
    assert verdict.sufficient and verdict.affordable == 1000 and verdict.remaining is None


def test_unknown_engine_is_refused_before_any_request(
    api: respx.MockRouter, make_client: Callable[..., FlexOrchClient]
) -> None:
    client = make_client()
    with pytest.raises(ValueError, match="turbo"):
        client.credits.estimate(1, engine="turbo")
    assert client.stats.requests == 0
