"""Kubernetes resource quantities and Go-style durations, parsed exactly as Kubernetes parses them.

Kubernetes stores a quantity as an exact decimal (``resource.Quantity``); the scheduler then reads CPU with
``MilliValue()`` and everything else with ``Value()``, both of which round *up* to the next integer. We parse to a
``Fraction`` so no digit is lost, and round up only at that last step, as Kubernetes does.
"""

from __future__ import annotations

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


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}


def parse_duration(value: object) -> float:
    """Parse a duration: plain seconds (``90``, ``1.5``) or Go style (``90s``, ``10m``, ``1h30m``, ``500ms``).

    ``d`` (days) is accepted as a convenience Go does not have; a day of cluster life is ``1d`` or ``24h``.

    Raises:
        QuantityError: not a non-negative duration.
    """
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise QuantityError(f"{value!r} is not a non-negative duration")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise QuantityError(f"{value!r} is not a duration (expected e.g. 90s, 10m, 1h30m)")
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pos, seconds = 0, 0.0
        for part in _DURATION_PART.finditer(text):
            if part.start() != pos:
                break
            seconds += float(part.group(1)) * _UNIT_SECONDS[part.group(2)]
            pos = part.end()
        if pos != len(text) or pos == 0:
            raise QuantityError(f'"{text}" is not a duration (expected e.g. 90s, 10m, 1h30m)') from None
    if not math.isfinite(seconds) or seconds < 0:
        raise QuantityError(f'"{text}" is not a non-negative duration')
    return seconds
