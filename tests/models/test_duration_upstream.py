"""Duration facts ported from Go's own tests for ``time.ParseDuration`` (inputs and expected results only).

Source: Go src/time/time_test.go parseDurationTests / parseDurationErrorTests (golang/go). Every upstream row is
here, in upstream order, with kubesim's decision: the Go value (in nanoseconds, as Go states it), or ``ERROR``.
Where kubesim differs from Go the row's comment names the documented extension of ``parse_duration``:

- plain numbers are seconds ("3" is 3 s; Go rejects a number without a unit, except "0");
- ``d`` is a day ("1d" is 86400 s; Go has no ``d`` unit);
- negative durations are rejected ("-5s"; Go accepts them). A negative zero ("-0") is zero, as in Go.

Everything else agrees with Go, including its int64-nanosecond limit: a duration above 9223372036854775807 ns
(2562047h47m16.854775807s, about 292 years) is an error. ``parse_duration`` returns float seconds and keeps
sub-nanosecond digits Go truncates, so values are compared to within 1 ns (and one float ulp).

``parse_go_duration`` (for fields Go parses itself, such as a CronJob's ``@every``) has no extensions: it is
checked against the same rows with Go's own results (``GO_SIGNED`` holds Go's values of the negative rows).

Go's byte strings that are not UTF-8 ("\\x85\\x85", "\\xffff") reach kubesim as decoded text; they are given here
as the same code points (U+0085, U+00FF), and as ``bytes``, which is no duration at all.
"""

from __future__ import annotations

import pytest

from models.quantity import QuantityError, parse_duration, parse_go_duration

NS = 1
US = 1000 * NS
MS = 1000 * US
S = 1000 * MS
MIN = 60 * S
H = 60 * MIN
DAY = 24 * H
MAX_NS = 2**63 - 1  # Go's largest Duration, time.Duration(math.MaxInt64)
ERROR = "error"

# parseDurationTests: every row is valid in Go.
GO_VALID: list[tuple[str, int | str]] = [
    # simple
    ("0", 0),
    ("5s", 5 * S),
    ("30s", 30 * S),
    ("1478s", 1478 * S),
    # sign
    ("-5s", ERROR),  # extension: negative durations are rejected (Go: -5s)
    ("+5s", 5 * S),
    ("-0", 0),
    ("+0", 0),
    # decimal
    ("5.0s", 5 * S),
    ("5.6s", 5 * S + 600 * MS),
    ("5.s", 5 * S),
    (".5s", 500 * MS),
    ("1.0s", 1 * S),
    ("1.00s", 1 * S),
    ("1.004s", 1 * S + 4 * MS),
    ("1.0040s", 1 * S + 4 * MS),
    ("100.00100s", 100 * S + 1 * MS),
    # different units
    ("10ns", 10 * NS),
    ("11us", 11 * US),
    ("12\u00b5s", 12 * US),  # U+00B5 micro sign
    ("12\u03bcs", 12 * US),  # U+03BC Greek small letter mu
    ("13ms", 13 * MS),
    ("14s", 14 * S),
    ("15m", 15 * MIN),
    ("16h", 16 * H),
    # composite durations
    ("3h30m", 3 * H + 30 * MIN),
    ("10.5s4m", 4 * MIN + 10 * S + 500 * MS),
    ("-2m3.4s", ERROR),  # extension: negative durations are rejected (Go: -2m3.4s)
    ("1h2m3s4ms5us6ns", 1 * H + 2 * MIN + 3 * S + 4 * MS + 5 * US + 6 * NS),
    ("39h9m14.425s", 39 * H + 9 * MIN + 14 * S + 425 * MS),
    # large value
    ("52763797000ns", 52763797000 * NS),
    # more than 9 digits after the decimal point (golang.org/issue/6617)
    ("0.3333333333333333333h", 20 * MIN),
    # 1<<53 + 1 cannot be stored exactly in a float64
    ("9007199254740993ns", (1 << 53) + 1),
    # largest duration that int64 nanoseconds can represent
    ("9223372036854775807ns", MAX_NS),
    ("9223372036854775.807us", MAX_NS),
    ("9223372036s854ms775us807ns", MAX_NS),
    ("-9223372036854775808ns", ERROR),  # extension: negative durations are rejected (Go: MinInt64 ns)
    ("-9223372036854775.808us", ERROR),  # extension: negative durations are rejected (Go: MinInt64 ns)
    ("-9223372036s854ms775us808ns", ERROR),  # extension: negative durations are rejected (Go: MinInt64 ns)
    # largest negative value (listed twice upstream; once here)
    # largest negative round-trip value (golang.org/issue/48629)
    ("-2562047h47m16.854775808s", ERROR),  # extension: negative durations are rejected (Go: MinInt64 ns)
    # huge string (golang.org/issue/15011)
    ("0.100000000000000000000h", 6 * MIN),
    # the first overflow check in Go's leadingFraction
    ("0.830103483285477580700h", 49 * MIN + 48 * S + 372539827 * NS),
]

# parseDurationErrorTests: every row is an error in Go.
GO_ERRORS: list[tuple[str, int | str]] = [
    # invalid
    ("", ERROR),
    ("3", 3 * S),  # extension: a plain number is seconds (Go: no unit)
    ("-", ERROR),
    ("s", ERROR),
    (".", ERROR),
    ("-.", ERROR),
    (".s", ERROR),
    ("+.s", ERROR),
    ("1d", 1 * DAY),  # extension: d is a day (Go: unknown unit)
    ("\x85\x85", ERROR),
    ("\xffff", ERROR),
    ("hello \xffff world", ERROR),
    ("\ufffd", ERROR),  # utf8.RuneError
    ("\ufffd hello \ufffd world", ERROR),  # utf8.RuneError
    # overflow
    ("9223372036854775810ns", ERROR),
    ("9223372036854775808ns", ERROR),
    ("-9223372036854775809ns", ERROR),
    ("9223372036854776us", ERROR),
    ("3000000h", ERROR),
    ("9223372036854775.808us", ERROR),
    ("9223372036854ms775us808ns", ERROR),
]

# kubesim's own rows: the edges of the extensions, and what Python's float() would accept but Go's grammar (an
# optional sign, then ASCII digits with at most one ".", then a unit) does not. A plain number follows the same
# grammar, without the unit.
KUBESIM: list[tuple[object, int | str]] = [
    ("2562047h47m16.854775807s", MAX_NS),  # Go's TestParseDurationRoundTrip: Duration(MaxInt64).String()
    ("2562047h47m16.854775808s", ERROR),  # one nanosecond more
    ("9223372036.854775807", MAX_NS),  # plain seconds share the limit
    ("9223372036.854775808", ERROR),
    ("106751d", 106751 * DAY),  # the most whole days under the limit
    ("106752d", ERROR),
    ("1.5", 1500 * MS),
    ("90", 90 * S),
    ("+90", 90 * S),
    ("5.", 5 * S),
    (".5", 500 * MS),
    ("-0s", 0),  # zero, not negative
    ("-0.0", 0),
    ("-5", ERROR),  # negative
    ("1_000", ERROR),  # float() accepts digit-group underscores; Go does not
    ("1_000s", ERROR),
    ("inf", ERROR),
    ("Infinity", ERROR),
    ("-inf", ERROR),
    ("nan", ERROR),
    ("NaN", ERROR),
    ("1e3", ERROR),  # float() accepts an exponent; Go has none (YAML 1e3 arrives as this string)
    ("1E3", ERROR),
    ("1e3s", ERROR),
    ("0x10", ERROR),
    ("\u0663", ERROR),  # ARABIC-INDIC DIGIT THREE: float() accepts it, Go takes only ASCII digits
    ("\uff15s", ERROR),  # FULLWIDTH DIGIT FIVE
    ("1..5s", ERROR),
    ("1.5.s", ERROR),
    ("+-5s", ERROR),
    ("1h-5m", ERROR),  # a sign only leads
    ("1mss", ERROR),
    ("1S", ERROR),  # units are case-sensitive
    ("1H", ERROR),
    ("1h 30m", ERROR),
    ("1h\n30m", ERROR),
    (b"5s", ERROR),  # bytes are not text
    (b"\x85\x85", ERROR),
    # non-string values: int and float seconds, bool is not a number here
    (90, 90 * S),
    (1.5, 1500 * MS),
    (0, 0),
    (-0.0, 0),
    (-1, ERROR),
    (10**10, ERROR),  # over the limit
    (float("inf"), ERROR),
    (float("nan"), ERROR),
    (True, ERROR),
    (None, ERROR),
]


def _ids(rows: list[tuple[object, int | str]]) -> list[str]:
    return [ascii(text) for text, _ in rows]


@pytest.mark.parametrize(("text", "expected"), GO_VALID, ids=_ids(GO_VALID))
def test_go_parse_duration_tests(text: str, expected: int | str) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), GO_ERRORS, ids=_ids(GO_ERRORS))
def test_go_parse_duration_error_tests(text: str, expected: int | str) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), KUBESIM, ids=_ids(KUBESIM))
def test_kubesim_duration_edges(text: object, expected: int | str) -> None:
    _check(text, expected)


def _check(text: object, expected: int | str) -> None:
    if expected == ERROR:
        with pytest.raises(QuantityError) as caught:
            parse_duration(text)
        message = str(caught.value)
        assert len(message.splitlines()) == 1, message  # one line, naming the value
        shown = text.strip() or text if isinstance(text, str) else text
        if isinstance(shown, str):
            assert (f'"{shown}"' if shown.isprintable() else repr(shown)) in message
        else:
            assert repr(shown) in message
    else:
        assert isinstance(expected, int)
        seconds = parse_duration(text)
        assert isinstance(seconds, float)
        assert seconds == pytest.approx(expected / S, rel=1e-15, abs=1e-9)
        assert str(seconds)[0] != "-"  # never a negative zero


def test_go_byte_strings_are_no_duration() -> None:
    for raw in (b"\x85\x85", b"\xffff", b"hello \xffff world"):
        with pytest.raises(QuantityError):
            parse_duration(raw)


# Go's values of the parseDurationTests rows ``parse_duration`` rejects as negative.
GO_SIGNED: dict[str, int] = {
    "-5s": -5 * S,
    "-2m3.4s": -(2 * MIN + 3 * S + 400 * MS),
    "-9223372036854775808ns": -(2**63),
    "-9223372036854775.808us": -(2**63),
    "-9223372036s854ms775us808ns": -(2**63),
    "-2562047h47m16.854775808s": -(2**63),
}


@pytest.mark.parametrize(("text", "kubesim"), GO_VALID + GO_ERRORS, ids=_ids(GO_VALID + GO_ERRORS))
def test_go_duration_is_exactly_go(text: str, kubesim: int | str) -> None:
    """``parse_go_duration``: every parseDurationTests row is Go's value, every parseDurationErrorTests row an error
    with Go's message (``time: invalid duration "3"``)."""
    go_valid = any(text == row for row, _ in GO_VALID)
    if go_valid:
        expected = GO_SIGNED.get(text, kubesim)
        assert isinstance(expected, int)
        assert parse_go_duration(text) == pytest.approx(expected / S, rel=1e-15, abs=1e-9)
    else:
        with pytest.raises(QuantityError, match=r"^time: invalid duration "):
            parse_go_duration(text)


def test_every_takes_go_durations_only() -> None:
    """A CronJob's ``@every`` goes through Go's parser: a plain number or a day is no duration there."""
    from models._workloads import CronSyntaxError, parse_schedule

    assert parse_schedule("@every 1h30m").every == 5400.0
    assert parse_schedule("@every 1.5s").every == 1.0  # whole seconds, as robfig/cron rounds
    for text in ("@every 90", "@every 1d", "@every 1e3s", "@every 3000000h"):
        with pytest.raises(CronSyntaxError, match="time: invalid duration"):
            parse_schedule(text)
