"""Kubernetes resource quantities and Go-style durations, parsed exactly as Kubernetes parses them.

Kubernetes stores a quantity as an exact decimal (``resource.Quantity``); the scheduler then reads CPU with
``MilliValue()`` and everything else with ``Value()``, both of which round *up* to the next integer. We parse to a
``Fraction`` so no digit is lost, and round up only at that last step, as Kubernetes does.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

__all__ = [
    "MAX_ALLOWED",
    "QuantityError",
    "canonical_quantity",
    "cpu_millis",
    "format_bytes",
    "format_cpu",
    "parse_duration",
    "parse_quantity",
    "resource_value",
]

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}  # powers of 10
# The grammar of k8s.io/apimachinery/pkg/api/resource (parseQuantityString + suffixer.interpret): an optional
# sign, optional digits, an optional "." with optional digits, then a suffix: a binary SI suffix, a decimal SI
# suffix, or a decimal exponent (e|E and a signed integer within +-MaxInt32). Every part may be empty, so "+",
# "." and "Ki" all parse (as 0), exactly as ParseQuantity accepts them; only the empty string is refused.
_QUANTITY = re.compile(r"^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_MAX_INT32 = 2**31 - 1
# resource.maxAllowed: a BinarySI quantity is capped at MaxInt64 ("9Ei" parses as 9223372036854775807).
MAX_ALLOWED = 2**63 - 1
_NANO = 10**9
# kubesim's own limit: a decimal exponent beyond this (upstream accepts up to MaxInt32) saturates at 10**1000,
# which is more than any node holds; Kubernetes' own Value() overflows int64 long before.
_HUGE_DIGITS = 1000


class QuantityError(ValueError):
    """A string that Kubernetes would not accept as a quantity or a duration."""


def parse_quantity(value: object) -> Fraction:
    """Parse a Kubernetes quantity (``500m``, ``1.5``, ``2Gi``, ``1e3``, ``100M``, ``0.1Ki``) exactly.

    This is ``Quantity.UnmarshalJSON``: surrounding whitespace is trimmed, then ``ParseQuantity`` rules apply,
    including its rounding: a non-zero amount is rounded *up* (away from zero) to a whole number of nano units
    (``3.001n`` is ``4n``, ``0.0000000001`` is ``1n``), and a BinarySI amount is capped at MaxInt64.
    Integers and floats from YAML are accepted as Kubernetes accepts JSON numbers: through their decimal text.

    Raises:
        QuantityError: the value is not a quantity (the message is the part after the field path).
    """
    return _parse(value)[0]


def _parse(value: object) -> tuple[Fraction, str]:
    """The exact value and the ``Format`` (DecimalSI, BinarySI, DecimalExponent) ParseQuantity gives it."""
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a quantity")
    if isinstance(value, int):
        return Fraction(value), "DecimalSI"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{value!r} is not a quantity")
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise QuantityError(f"{value!r} is not a quantity")
    match = _QUANTITY.match(text) if text else None
    if match is None:
        raise QuantityError(f"{text!r} is not a quantity".replace("'", '"'))
    sign, whole, frac, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4) or ""
    mantissa = int((whole + frac) or "0")
    fmt = "BinarySI" if suffix in _BINARY else "DecimalSI" if suffix in _DECIMAL else "DecimalExponent"
    if mantissa == 0:
        return Fraction(0), fmt
    if suffix in _BINARY:
        magnitude = Fraction(mantissa * _BINARY[suffix], 10 ** len(frac))
    else:
        if suffix in _DECIMAL:
            exponent = _DECIMAL[suffix]
        else:  # decimal exponent; interpret() refuses anything outside the int32 range
            exponent = int(suffix[1:])
            if abs(exponent) > _MAX_INT32:
                raise QuantityError(f'"{text}" is not a quantity: exponent out of range')
        scale = exponent - len(frac)
        digits = len(str(mantissa))
        if digits + scale <= -9:  # at most 1n: rounds up to 1n (and keeps 10**-2147483647 cheap)
            magnitude = Fraction(1, _NANO)
        elif digits + scale > _HUGE_DIGITS:
            magnitude = Fraction(10**_HUGE_DIGITS)
        else:
            magnitude = mantissa * Fraction(10) ** scale
    # "rounds non-zero values up to the minimum representable value" (inf.RoundUp at nano scale).
    magnitude = Fraction(_ceil(magnitude * _NANO), _NANO)
    if suffix in _BINARY and magnitude > MAX_ALLOWED:
        magnitude = Fraction(MAX_ALLOWED)
    if fmt == "BinarySI" and magnitude < 1:
        fmt = "DecimalSI"  # "This avoids rounding and hopefully confusion, too."
    return (-magnitude if sign == "-" else magnitude), fmt


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def _away(value: Fraction) -> int:
    # Quantity.Value()/MilliValue(): "rounded up to the nearest integer away from 0".
    return _ceil(value) if value >= 0 else -_ceil(-value)


def cpu_millis(value: object) -> int:
    """CPU in millicores, rounded up as ``Quantity.MilliValue()`` does (``0.1m`` is 1m)."""
    return _away(parse_quantity(value) * 1000)


def resource_value(name: str, value: object) -> int:
    """A resource amount in the unit the scheduler compares: millicores for ``cpu``, else ``Value()`` (ceil)."""
    if name == "cpu":
        return cpu_millis(value)
    return _away(parse_quantity(value))


_SI_SUFFIX = {exp: suffix for suffix, exp in _DECIMAL.items()}
_BINARY_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]


def canonical_quantity(value: object) -> str:
    """The canonical form Kubernetes stores and prints for a quantity (``Quantity.String()`` after parsing).

    ``1024Mi`` is ``1Gi``, ``1000M`` is ``1G``, ``.001Ki`` is ``1024m``, ``1.5`` is ``1500m``, ``1e3`` stays
    ``1e3``; a binary amount that is fractional or below 1024 is written in decimal SI. From
    ``Quantity.CanonicalizeBytes`` (k8s.io/apimachinery/pkg/api/resource/quantity.go).

    Raises:
        QuantityError: not a quantity.
    """
    amount, fmt = _parse(value)
    if amount == 0:
        return "0"
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    if fmt == "BinarySI":
        if amount < 1024 or amount.denominator != 1:
            fmt = "DecimalSI"
        else:
            whole, power = amount.numerator, 0
            while whole % 1024 == 0 and power < len(_BINARY_SUFFIX) - 1:
                whole, power = whole // 1024, power + 1
            return f"{sign}{whole}{_BINARY_SUFFIX[power]}"
    # AsCanonicalBytes: every factor of 10 moves into the exponent, which then drops to a multiple of 3.
    exponent = 0
    number = amount
    while number.denominator != 1:
        number, exponent = number * 10, exponent - 1
    mantissa = number.numerator
    while mantissa % 10 == 0:
        mantissa, exponent = mantissa // 10, exponent + 1
    drop = exponent % 3
    mantissa, exponent = mantissa * 10**drop, exponent - drop
    if fmt == "DecimalSI" and exponent in _SI_SUFFIX:
        return f"{sign}{mantissa}{_SI_SUFFIX[exponent]}"
    return f"{sign}{mantissa}" + (f"e{exponent}" if exponent else "")


def format_cpu(millis: int) -> str:
    """Render millicores the way kubectl does: ``2`` for 2000m, ``500m`` otherwise."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_bytes(amount: int) -> str:
    """Render bytes with the largest binary suffix that divides them exactly (``2Gi``, ``1536Mi``)."""
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = _BINARY[suffix]
        if amount and amount % unit == 0:
            return f"{amount // unit}{suffix}"
    return str(amount)


# Go's time.ParseDuration grammar: an optional sign, then "0" or one or more <number><unit>, where a number is
# ASCII digits with at most one "." (at least one digit). kubesim's durations add the unit "d" and plain numbers
# (seconds). No exponent, underscore, inf or nan, and no non-ASCII digit, all of which Python's float() accepts.
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_GO_UNIT = "ns|us|\u00b5s|\u03bcs|ms|s|m|h"  # U+00B5 micro sign and U+03BC Greek mu, as in Go
_GO_DURATION = re.compile(rf"([+-]?)(0|(?:{_NUMBER}(?:{_GO_UNIT}))+)")
_DURATION = re.compile(rf"([+-]?)({_NUMBER}|(?:{_NUMBER}(?:{_GO_UNIT}|d))+)")
_DURATION_PART = re.compile(rf"({_NUMBER})({_GO_UNIT}|d)")
_UNIT_SECONDS = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "\u00b5s": Fraction(1, 10**6),
    "\u03bcs": Fraction(1, 10**6),
    "ms": Fraction(1, 10**3),
    "s": Fraction(1),
    "m": Fraction(60),
    "h": Fraction(3600),
    "d": Fraction(86400),
}
# Go's Duration is an int64 count of nanoseconds, so 2562047h47m16.854775807s (about 292 years) is the longest;
# Go drops digits below a nanosecond, so 2**63 ns and more is an error (-2**63 ns is the shortest).
_DURATION_LIMIT_NS = 2**63


def _quote(text: str) -> str:
    """``text`` in double quotes, or as ``repr`` when it holds a line break or another unprintable character."""
    return f'"{text}"' if text.isprintable() else repr(text)


def _exact_seconds(match: re.Match[str]) -> Fraction:
    """The signed, exact seconds of a ``_GO_DURATION`` or ``_DURATION`` match (a plain number is seconds)."""
    body = match[2]
    parts = _DURATION_PART.findall(body) or [(body, "s")]
    seconds = sum((Fraction(number) * _UNIT_SECONDS[unit] for number, unit in parts), Fraction(0))
    return -seconds if match[1] == "-" else seconds


def _in_go_range(seconds: Fraction) -> bool:
    ns = seconds * _NANO
    return -_DURATION_LIMIT_NS <= ns < _DURATION_LIMIT_NS


def parse_go_duration(text: str) -> float:
    """Go's own ``time.ParseDuration`` (``90m``, ``1h30m``, ``1.5h``, ``-5s``, ``0``), in seconds: no plain numbers
    other than ``0``, no ``d``, negatives allowed. For fields Go parses itself, such as a CronJob's ``@every``.

    Raises:
        QuantityError: not a Go duration, with Go's message (``time: invalid duration "3"``).
    """
    match = _GO_DURATION.fullmatch(text)
    if match is None:
        raise QuantityError(f"time: invalid duration {_quote(text)}")
    seconds = _exact_seconds(match)
    if not _in_go_range(seconds):
        raise QuantityError(f"time: invalid duration {_quote(text)}")
    return float(seconds)


def parse_duration(value: object) -> float:
    """Parse a duration in seconds: Go's ``time.ParseDuration`` (``90s``, ``10m``, ``1h30m``, ``500ms``, ``1.5h``).

    kubesim's differences from Go: a plain number is seconds (``90``, ``1.5``, or an ``int``/``float``); ``d`` is
    a day (``1d`` is ``24h``); a negative duration is rejected (``-0`` is zero); surrounding whitespace is ignored.
    As in Go, a duration longer than MaxInt64 nanoseconds (``2562047h47m16.854775807s``) is an error, and a
    number is ASCII digits with at most one ``.`` (no exponent, ``_``, ``inf`` or ``nan``).

    Raises:
        QuantityError: not a non-negative duration.
    """
    if isinstance(value, str):
        return _parse_duration_text(value)
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise QuantityError(f"{value!r} is not a non-negative duration")
        return _within_go_limit(Fraction(value), repr(value))
    raise QuantityError(f"{value!r} is not a duration (expected e.g. 90s, 10m, 1h30m)")


@functools.lru_cache(maxsize=4096)
def _parse_duration_text(value: str) -> float:
    """``parse_duration`` of a string. Cached: exact (Fraction) sums cost microseconds, and a run reads the same
    few strings (annotations, timeline times) again and again."""
    match = _DURATION.fullmatch(text := value.strip())
    if match is None:
        raise QuantityError(f"{_quote(text or value)} is not a duration (expected e.g. 90s, 10m, 1h30m)")
    seconds = _exact_seconds(match)
    shown = _quote(text)
    if seconds < 0:
        raise QuantityError(f"{shown} is not a non-negative duration")
    return _within_go_limit(abs(seconds), shown)  # (abs: -0 is zero)


def _within_go_limit(seconds: Fraction, shown: str) -> float:
    if seconds * _NANO >= _DURATION_LIMIT_NS:
        raise QuantityError(
            f"{shown} is longer than Go's longest duration, 2562047h47m16.854775807s (about 292 years)"
        )
    return float(seconds)
