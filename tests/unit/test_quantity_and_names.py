from decimal import Decimal

import pytest

from vcluster_platform.models.names import TENANT_NAME_MAX, check_label, is_dns1123_label, is_dns1123_subdomain
from vcluster_platform.models.quantity import normalize_quantity, parse_quantity


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Decimal("0.5")), ("2", Decimal(2)), ("1.5", Decimal("1.5")), ("768Mi", Decimal(768 * 2**20)),
    ("2Gi", Decimal(2 * 2**30)), ("1k", Decimal(1000)), ("1e3", Decimal(1000)), ("100n", Decimal("1e-7")),
])
def test_parse_quantity(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("raw", ["", "abc", "2 Gi", "2GB", "-1", "1.2.3", "Gi", "0", True, None, [1]])
def test_bad_quantities_are_rejected(raw: object) -> None:
    with pytest.raises(ValueError):
        normalize_quantity(raw)


def test_yaml_numbers_become_quantity_text() -> None:
    assert normalize_quantity(2) == "2"
    assert normalize_quantity(0.5) == "0.5"


def test_binary_is_larger_than_decimal() -> None:
    assert parse_quantity("1Gi") > parse_quantity("1G")


@pytest.mark.parametrize(("value", "ok"), [("a", True), ("a-b", True), ("-a", False), ("a-", False),
                                           ("A", False), ("a.b", False), ("a" * 63, True), ("a" * 64, False)])
def test_dns1123_label(value: str, ok: bool) -> None:
    assert is_dns1123_label(value) is ok


def test_dns1123_subdomain() -> None:
    assert is_dns1123_subdomain("media.integratn.tech")
    assert not is_dns1123_subdomain("media..tech")
    assert not is_dns1123_subdomain("a" * 64 + ".tech")


def test_tenant_name_limit_keeps_the_longest_derived_name_valid() -> None:
    longest_job_name = "x" * TENANT_NAME_MAX + "-kubeconfig-sync-" + "0" * 8
    assert is_dns1123_label(longest_job_name)
    with pytest.raises(ValueError, match="maximum"):
        check_label("x" * (TENANT_NAME_MAX + 1), TENANT_NAME_MAX)
