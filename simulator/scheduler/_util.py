"""Go-compatible integer arithmetic used by the plugins' score formulas.

kube-scheduler computes in int64 with Go semantics: ``/`` truncates toward zero and ``math.Round`` rounds half away
from zero. Python's ``//`` floors and ``round`` rounds half to even, so neither may be used where signs can differ.
"""

from __future__ import annotations

import math

__all__ = ["MAX_NODE_SCORE", "go_div", "go_round"]

MAX_NODE_SCORE = 100  # fwk.MaxNodeScore


def go_div(a: int, b: int) -> int:
    """Go's integer division ``a / b``: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def go_round(x: float) -> int:
    """Go's ``math.Round``: to the nearest integer, halves away from zero."""
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return int(t)
