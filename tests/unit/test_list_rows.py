"""`list`'s rows from requests as the API returns them: ages as kubectl prints them, and sane values for a
request the pipeline has not reached yet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vcluster_platform.cli.status import list_rows, list_text, short_age

NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("when", "shown"), [
    ("2026-12-07T11:59:15Z", "45s"), ("2026-12-07T11:58:00Z", "2m"), ("2026-12-07T10:01:00Z", "119m"),
    ("2026-12-07T10:00:00Z", "2h"), ("2026-12-05T12:00:01Z", "47h"), ("2026-12-04T12:00:00Z", "3d"), (None, "-"),
])
def test_ages_read_like_kubectl(when: str | None, shown: str) -> None:
    assert short_age(when, NOW) == shown


def test_a_request_without_status_is_pending_with_its_requested_preset() -> None:
    request = {"metadata": {"namespace": "team-a", "name": "dev", "creationTimestamp": "2026-12-07T11:00:00Z"},
               "spec": {"name": "team-a-dev", "vcluster": {"preset": "prod"}}}
    assert list_rows([request], NOW) == [{"namespace": "team-a", "name": "dev", "tenant": "team-a-dev",
                                          "phase": "Pending", "readyPods": "-", "api": "-", "preset": "prod",
                                          "age": "60m"}]
    assert list_text(list_rows([request], NOW)).splitlines()[1].split() == [
        "team-a", "dev", "Pending", "-", "-", "prod", "60m"]
