"""The properties hold for any address plan: the platform's load-balancer pools (a refusal of VIPs outside
them, tested in tests/unit/test_effective.py) are left out, so generated subnets render."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def any_address_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCLUSTER_PLATFORM_LOAD_BALANCER_POOLS", "")
