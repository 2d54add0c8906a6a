"""Quantity facts ported from Kubernetes' own tests (inputs and expected results only).

Source: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go (kubernetes/kubernetes). Each case id
names the upstream test it comes from. Expected values are the upstream ``decQuantity(mantissa, exponent)`` as an
exact number; ``MilliValue()`` / ``Value()`` are ``cpu_millis`` / ``resource_value``.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from models.quantity import (
    MAX_ALLOWED,
    QuantityError,
    canonical_quantity,
    cpu_millis,
    parse_quantity,
    resource_value,
)


def dec(mantissa: int, exponent: int) -> Fraction:
    return mantissa * Fraction(10) ** exponent


# TestQuantityParse: (input, expected value). Includes its "things that saturate/round" rows: parsing rounds a
# non-zero amount up to a whole number of nano units, and caps a BinarySI amount at MaxInt64.
PARSE = [
    ("0", dec(0, 0)),
    ("0n", dec(0, 0)),
    ("0u", dec(0, 0)),
    ("0m", dec(0, 0)),
    ("0Ki", dec(0, 0)),
    ("0k", dec(0, 0)),
    ("0Mi", dec(0, 0)),
    ("0M", dec(0, 0)),
    ("0Gi", dec(0, 0)),
    ("0G", dec(0, 0)),
    ("0Ti", dec(0, 0)),
    ("0T", dec(0, 0)),
    ("1", dec(1, 0)),
    ("1Ki", dec(1024, 0)),
    ("8Ki", dec(8 * 1024, 0)),
    ("7Mi", dec(7 * 1024**2, 0)),
    ("6Gi", dec(6 * 1024**3, 0)),
    ("5Ti", dec(5 * 1024**4, 0)),
    ("4Pi", dec(4 * 1024**5, 0)),
    ("3Ei", dec(3 * 1024**6, 0)),
    ("10Ti", dec(10 * 1024**4, 0)),
    ("100Ti", dec(100 * 1024**4, 0)),
    ("5n", dec(5, -9)),
    ("4u", dec(4, -6)),
    ("3m", dec(3, -3)),
    ("9", dec(9, 0)),
    ("8k", dec(8, 3)),
    ("50k", dec(5, 4)),
    ("7M", dec(7, 6)),
    ("6G", dec(6, 9)),
    ("5T", dec(5, 12)),
    ("40T", dec(4, 13)),
    ("300T", dec(3, 14)),
    ("2P", dec(2, 15)),
    ("1E", dec(1, 18)),
    ("1E-3", dec(1, -3)),
    ("1e3", dec(1, 3)),
    ("1E6", dec(1, 6)),
    ("1e9", dec(1, 9)),
    ("1E12", dec(1, 12)),
    ("1e15", dec(1, 15)),
    ("1E18", dec(1, 18)),
    ("1e14", dec(1, 14)),
    ("1e13", dec(1, 13)),
    ("100.035k", dec(100035, 0)),
    ("0.001", dec(1, -3)),
    ("0.0005k", dec(5, -1)),
    ("0.005", dec(5, -3)),
    ("0.05", dec(5, -2)),
    ("0.5", dec(5, -1)),
    ("0.00050k", dec(5, -1)),
    ("0.00500", dec(5, -3)),
    ("0.05000", dec(5, -2)),
    ("0.50000", dec(5, -1)),
    ("0.5e0", dec(5, -1)),
    ("0.5e-1", dec(5, -2)),
    ("0.5e-2", dec(5, -3)),
    ("10.035M", dec(10035, 3)),
    ("1.2e3", dec(12, 2)),
    ("1.3E+6", dec(13, 5)),
    ("1.40e9", dec(14, 8)),
    ("1.53E12", dec(153, 10)),
    ("1.6e15", dec(16, 14)),
    ("1.7E18", dec(17, 17)),
    ("9.01", dec(901, -2)),
    ("8.1k", dec(81, 2)),
    ("7.123456M", dec(7123456, 0)),
    ("6.987654321G", dec(6987654321, 0)),
    ("5.444T", dec(5444, 9)),
    ("40.1T", dec(401, 11)),
    ("300.2T", dec(3002, 11)),
    ("2.5P", dec(25, 14)),
    ("1.01E", dec(101, 16)),
    ("3.001n", dec(4, -9)),
    ("1.1E-9", dec(2, -9)),
    ("0.0000000001", dec(1, -9)),
    ("0.0000000005", dec(1, -9)),
    ("0.00000000050", dec(1, -9)),
    ("0.5e-9", dec(1, -9)),
    ("0.9n", dec(1, -9)),
    ("0.00000012345", dec(124, -9)),
    ("0.00000012354", dec(124, -9)),
    ("9Ei", Fraction(MAX_ALLOWED)),
    ("9223372036854775807Ki", Fraction(MAX_ALLOWED)),
    ("12E", dec(12, 18)),
    ("100.035Ki", dec(10243584, -2)),
    ("0.5Mi", dec(512 * 1024, 0)),
    ("0.05Gi", dec(536870912, -1)),
    ("0.025Ti", dec(274877906944, -1)),
    ("0.000000000001Ki", dec(2, -9)),
    (".001", dec(1, -3)),
    (".0001k", dec(100, -3)),
    ("1.", dec(1, 0)),
    ("1.G", dec(1, 9)),
]


@pytest.mark.parametrize(("text", "expected"), PARSE, ids=[f"TestQuantityParse:{t}" for t, _ in PARSE])
def test_parse(text: str, expected: Fraction) -> None:
    assert parse_quantity(text) == expected
    # "Try everything with an explicit +" and "the negative version of everything".
    assert parse_quantity("+" + text) == expected
    assert parse_quantity("-" + text) == -expected


INVALID = [
    "",
    "1.1.M",
    "1+1.0M",
    "0.1mi",
    "0.1am",
    "aoeu",
    ".5i",
    "1i",
    "-3.01i",
    "-3.01e-",
    "1e4294967297",
    "Non-Numeric",  # TestQuantityParseNonNumericPanic
]


@pytest.mark.parametrize("text", INVALID, ids=[f"TestQuantityParse-invalid:{t!r}" for t in INVALID])
def test_invalid(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


# TestQuantityParse's invalid list has " 1" and "1 " for ParseQuantity itself; a manifest reaches it through
# Quantity.UnmarshalJSON, which trims whitespace first (TestJSONWhitespace), so kubesim accepts them as 1.
@pytest.mark.parametrize(
    ("text", "expected"),
    [(" 1", 1), ("1 ", 1), (1, 1), (10, 10), (-1, -1), (" -1", -1)],
    ids=["TestJSONWhitespace:q-space-1", "TestJSONWhitespace:q-1-space", "1", "10", "-1", "space-minus-1"],
)
def test_json_whitespace(text: object, expected: int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text",
    [".", "-.", "+"],
    ids=["TestParseQuantityString:.", "TestParseQuantityString:-.", "parseQuantityString:+"],
)
def test_empty_number_parts_are_zero(text: str) -> None:
    assert parse_quantity(text) == 0


@pytest.mark.parametrize(
    ("text", "ok", "expected"),
    [
        ("1e14", True, dec(1, 14)),
        ("1E-2147483647", True, dec(1, -9)),  # -MaxInt32: accepted, rounds up to 1n
        ("1E2147483648", False, None),
        ("1E-2147483648", False, None),
        ("1E4294967297", False, None),
        ("1E8589934592", False, None),
        ("1E9223372036854775807", False, None),
        ("1E9223372036854775808", False, None),
        ("1E6024865272343", False, None),
    ],
    ids=lambda v: f"TestInterpretExponentInt32Bounds:{v}" if isinstance(v, str) else "",
)
def test_exponent_bounds(text: str, ok: bool, expected: Fraction | None) -> None:
    if ok:
        assert parse_quantity(text) == expected
    else:
        with pytest.raises(QuantityError):
            parse_quantity(text)


def test_max_int32_exponent_is_accepted() -> None:
    # TestInterpretExponentInt32Bounds: E2147483647 (MaxInt32) is a valid suffix. kubesim saturates the value.
    assert parse_quantity("1E2147483647") > 2**63


@pytest.mark.parametrize(
    ("x", "y", "cmp"),
    [("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1), ("10000T", "100Gi", 1)],
    ids=lambda v: f"TestQuantityCmp:{v}" if isinstance(v, str) else str(v),
)
def test_cmp(x: str, y: str, cmp: int) -> None:
    a, b = parse_quantity(x), parse_quantity(y)
    assert (a > b) - (a < b) == cmp


@pytest.mark.parametrize(
    ("text", "value", "milli"),
    [
        ("-.484785E-7466", -1, -1),
        (".484785E-7466", 1, 1),
        ("-.484785E-1", -1, -49),
        (".484785E-1", 1, 49),
        ("-0.0005", -1, -1),
        ("0.0005", 1, 1),
        ("-1500m", -2, -1500),
        ("1500m", 2, 1500),
        ("-9.5000000001Gi", -10200547329, -10200547328108),
        ("9.5000000001Gi", 10200547329, 10200547328108),
        ("-1", -1, -1000),
        ("1", 1, 1000),
        ("0", 0, 0),
    ],
    ids=lambda v: f"TestNegativeValueRoundsAwayFromZero:{v}" if isinstance(v, str) else str(v),
)
def test_value_and_milli_value_round_away_from_zero(text: str, value: int, milli: int) -> None:
    assert resource_value("memory", text) == value
    assert cpu_millis(text) == milli


# TestQuantityString rows whose expected string parses back (the table's round-trip check): the canonical form of
# the expected string is itself, and of the alternate spelling is the expected string.
STRING = [
    ("1Gi", "1024Mi"),
    ("300Mi", "307200Ki"),
    ("6Ki", ""),
    ("1001Gi", "1025024Mi"),
    ("1Ti", "1024Gi"),
    ("5", "5000m"),
    ("500m", "0.5"),
    ("1G", "1000M"),
    ("1G", "0.001T"),
    ("1m", "1000u"),
    ("80m", ""),
    ("1080m", "1.08"),
    ("1080m", "1080000000n"),
    ("300M", ""),
    ("1T", ""),
    ("1E", ""),
    ("1e21", "1000E"),
    ("5e21", "5000E"),
    ("1e24", "1000000E"),
    ("1e72", ""),
    ("1234567M", ""),
    ("1234567m", ""),
    ("3k", ""),
    ("1025", ""),
    ("0", ""),
    ("1e9", ".001e12"),
    ("1e-3", "0.001e0"),
    ("1e-9", "1000e-12"),
    ("80e-3", ""),
    ("300e6", ""),
    ("1e12", ""),
    ("1e3", ""),
    ("3e3", ""),
    ("0", "00"),
    ("1n", ""),
    ("80n", ""),
    ("1080n", ""),
    ("1u", ""),
    ("80u", ""),
    ("1080u", ""),
]


@pytest.mark.parametrize(
    ("expect", "alternate"), STRING, ids=[f"TestQuantityString:{e}<-{a or e}" for e, a in STRING]
)
def test_canonical_string(expect: str, alternate: str) -> None:
    assert canonical_quantity(expect) == expect
    if alternate:
        assert canonical_quantity(alternate) == expect
    if expect != "0":
        assert canonical_quantity("-" + expect) == "-" + expect


EMIT = [
    ("1Ki", "1Ki"),
    ("1Mi", "1Mi"),
    ("1Gi", "1Gi"),
    ("1024Mi", "1Gi"),
    ("1000M", "1G"),
    (".001Ki", "1024m"),
    (".000001Ki", "1024u"),
    (".000000001Ki", "1024n"),
    (".000000000001Ki", "2n"),
]


@pytest.mark.parametrize(("text", "expect"), EMIT, ids=[f"TestQuantityParseEmit:{t}" for t, _ in EMIT])
def test_parse_emit(text: str, expect: str) -> None:
    assert canonical_quantity(text) == expect
    assert canonical_quantity("-" + text) == "-" + expect


def test_parse_zero_emits_zero() -> None:
    # TestQuantityParseZero
    assert canonical_quantity("0") == "0"
