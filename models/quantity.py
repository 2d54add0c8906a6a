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
    "QuantityError",
    "cpu_millis",
    "format_bytes",
    "format_cpu",
    "parse_duration",
    "parse_quantity",
    "resource_value",
]

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
# The grammar of k8s.io/apimachinery/pkg/api/resource: <sign><digits>[.<digits>]<suffix>, where the suffix is a
# binary SI suffix, a decimal SI suffix, or a decimal exponent (e|E followed by a signed integer).
_QUANTITY = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")


class QuantityError(ValueError):
    """A string that Kubernetes would not accept as a quantity or a duration."""


def parse_quantity(value: object) -> Fraction:
    """Parse a Kubernetes quantity (``500m``, ``1.5``, ``2Gi``, ``1e3``, ``100M``, ``0.1Ki``) exactly.

    Integers and floats from YAML are accepted as Kubernetes accepts JSON numbers: through their decimal text.

    Raises:
        QuantityError: the value is not a quantity (the message is the part after the field path).
    """
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a quantity")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{value!r} is not a quantity")
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise QuantityError(f"{value!r} is not a quantity")
    match = _QUANTITY.match(text)
    if match is None:
        raise QuantityError(f"{text!r} is not a quantity".replace("'", '"'))
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    magnitude = Fraction(number if not number.endswith(".") else number[:-1])
    if suffix in _BINARY:
        magnitude *= _BINARY[suffix]
    elif suffix in _DECIMAL:
        magnitude *= _DECIMAL[suffix]
    else:  # decimal exponent
        exponent = int(suffix[1:])
        if abs(exponent) > 1000:
            raise QuantityError(f'"{text}" is not a quantity: exponent out of range')
        magnitude *= Fraction(10) ** exponent
    return -magnitude if sign == "-" else magnitude


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def cpu_millis(value: object) -> int:
    """CPU in millicores, rounded up as ``Quantity.MilliValue()`` does (``0.1m`` is 1m)."""
    return _ceil(parse_quantity(value) * 1000)


def resource_value(name: str, value: object) -> int:
    """A resource amount in the unit the scheduler compares: millicores for ``cpu``, else ``Value()`` (ceil)."""
    if name == "cpu":
        return cpu_millis(value)
    return _ceil(parse_quantity(value))


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
