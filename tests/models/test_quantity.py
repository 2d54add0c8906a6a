"""Kubernetes quantity and duration semantics (k8s.io/apimachinery/pkg/api/resource)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.quantity import (
    QuantityError,
    cpu_millis,
    format_bytes,
    format_cpu,
    parse_duration,
    parse_quantity,
    resource_value,
)

# "The following represent roughly the same value: 128974848, 129e6, 129M, 128974848000m, 123Mi"
# (kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-memory). Exactly:
# 128974848 == 128974848000m == 123Mi, and 129e6 == 129M, which is a little more.


@pytest.mark.parametrize("text", ["128974848", "128974848000m", "123Mi", 128974848])
def test_docs_memory_examples_equal_123Mi(text: object) -> None:
    assert parse_quantity(text) == 123 * 2**20 == 128974848
    assert resource_value("memory", text) == 128974848


@pytest.mark.parametrize("text", ["129e6", "129M", "129000k", "0.129G", "129E+6"])
def test_docs_memory_examples_equal_129M(text: str) -> None:
    assert parse_quantity(text) == 129_000_000
    assert parse_quantity(text) != parse_quantity("123Mi")


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("0.1", 100),
        (0.1, 100),
        ("100m", 100),
        ("1", 1000),
        (1, 1000),
        ("2.5", 2500),
        ("1500m", 1500),
        ("0.1m", 1),  # MilliValue rounds up
        ("1n", 1),
        ("0", 0),
        ("1e-3", 1),
        ("1k", 1_000_000),
        (".5", 500),
    ],
)
def test_cpu_millis(text: object, millis: int) -> None:
    assert cpu_millis(text) == millis
    assert resource_value("cpu", text) == millis


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("memory", "1Gi", 2**30),
        ("memory", "1G", 10**9),
        ("memory", "1.5Gi", 3 * 2**29),
        ("memory", "0.5", 1),  # Value() rounds up
        ("memory", "100m", 1),
        ("ephemeral-storage", "10Ki", 10240),
        ("example.com/gpu", "2", 2),
        ("pods", "110", 110),
    ],
)
def test_resource_value(name: str, text: str, value: int) -> None:
    assert resource_value(name, text) == value


@pytest.mark.parametrize(
    "text",
    [
        "five",
        "",
        "1Mb",
        "1 Gi",
        "1.2.3",
        "--1",
        "1e",
        "0x10",
        "1KI",
        True,
        None,
        [1],
        float("inf"),
        "1e4294967297",  # exponent beyond int32 (upstream parses "Ki" alone and "1e9999": see _upstream)
    ],
)
def test_not_a_quantity(text: object) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_quantity_error_message_quotes_the_text() -> None:
    with pytest.raises(QuantityError, match=r'^"five" is not a quantity$'):
        parse_quantity("five")


def test_signs() -> None:
    assert parse_quantity("-1Ki") == -1024
    assert parse_quantity("+1.5") == Fraction(3, 2)


@pytest.mark.parametrize(
    ("millis", "text"), [(2000, "2"), (500, "500m"), (1500, "1500m"), (0, "0"), (100000, "100")]
)
def test_format_cpu(millis: int, text: str) -> None:
    assert format_cpu(millis) == text


@pytest.mark.parametrize(
    ("amount", "text"), [(2**30, "1Gi"), (1536 * 2**20, "1536Mi"), (1000, "1000"), (0, "0")]
)
def test_format_bytes(amount: int, text: str) -> None:
    assert format_bytes(amount) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("10m", 600.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
        ("1d", 86400.0),
        ("2h45m30s", 9930.0),
        ("1us", 1e-6),
        ("90", 90.0),
        ("1.5", 1.5),
        (90, 90.0),
        (0, 0.0),
        (2.5, 2.5),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["-1s", "-5", -1, "5 seconds", "", " ", "1x", "s", "h1", True, None, "1h 30m"]
)
def test_not_a_duration(text: object) -> None:
    with pytest.raises(QuantityError):
        parse_duration(text)


# ---- properties ------------------------------------------------------------------------------------------

naturals = st.integers(min_value=0, max_value=10**15)


@given(naturals)
def test_integer_text_round_trips(n: int) -> None:
    assert parse_quantity(str(n)) == n
    assert parse_quantity(n) == n


@given(st.integers(min_value=0, max_value=10**12))
def test_format_cpu_round_trips(millis: int) -> None:
    assert cpu_millis(format_cpu(millis)) == millis


@given(st.integers(min_value=0, max_value=2**62))
def test_format_bytes_round_trips(amount: int) -> None:
    assert resource_value("memory", format_bytes(amount)) == amount


@given(naturals)
def test_suffixes_scale(n: int) -> None:
    assert parse_quantity(f"{n}Ki") == min(n * 1024, 2**63 - 1)  # BinarySI caps at MaxInt64
    assert parse_quantity(f"{n}Mi") == min(n * 2**20, 2**63 - 1)
    assert parse_quantity(f"{n}k") == n * 1000
    assert parse_quantity(f"{n}m") == Fraction(n, 1000)
    assert parse_quantity(f"{n}n") == Fraction(n, 10**9)


@given(naturals, st.integers(min_value=0, max_value=18))
def test_exponent_and_decimal_forms_agree(n: int, k: int) -> None:
    assert parse_quantity(f"{n}e{k}") == parse_quantity(str(n) + "0" * k)
    assert parse_quantity(f"{n}E{k}") == n * 10**k


@given(naturals)
def test_exponent_matches_si_suffix(n: int) -> None:
    for exponent, suffix in ((3, "k"), (6, "M"), (9, "G"), (-3, "m")):
        assert parse_quantity(f"{n}e{exponent}") == parse_quantity(f"{n}{suffix}")


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=999_999))
def test_decimal_fraction_is_exact_and_cpu_rounds_up(whole: int, frac: int) -> None:
    text = f"{whole}.{frac:06d}"
    exact = Fraction(whole) + Fraction(frac, 10**6)
    assert parse_quantity(text) == exact
    assert cpu_millis(text) == -((-exact * 1000).numerator // (exact * 1000).denominator)


@given(st.integers(0, 100), st.integers(0, 59), st.integers(0, 59))
def test_duration_parts_add_up(h: int, m: int, s: int) -> None:
    assert parse_duration(f"{h}h{m}m{s}s") == h * 3600 + m * 60 + s
