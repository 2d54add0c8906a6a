"""Drawing helpers shared by the strategies: flags, picks, small integers, subsets and lists.

Why plain functions taking ``draw`` and cached strategies: building a strategy object costs a validation pass
on its first draw, and a pod spec makes dozens of draws. Drawing from strategies built once keeps a 20-node
cluster's generation around ten milliseconds (the stateful machine's step budget depends on it). Every helper
shrinks to the most ordinary value: ``False``, the first entry, the lower bound, the empty list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from simulator.testing._manifests import quantity_forms

__all__ = ["between", "flip", "keyed", "many", "pick", "quantity", "rarely", "subset"]

T = TypeVar("T")

_BOOL = st.booleans()


def rarely(draw: st.DrawFn) -> bool:
    """Draw a flag that is on about a quarter of the time and shrinks to off.

    Two fair booleans rather than ``sampled_from((False, False, True))``: Hypothesis' shrinker starts by trying
    every small integer choice as a possible ``one_of`` branch (``reduce_each_alternative``), at one or more
    test runs each, and boolean choices are exempt; with dozens of optional families per pod this halves the
    shrinker's first pass over a cluster.
    """
    return draw(_BOOL) and draw(_BOOL)


def flip(draw: st.DrawFn) -> bool:
    """Draw a fair flag (shrinks to ``False``)."""
    return draw(_BOOL)


@functools.lru_cache(maxsize=1024)
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def between(draw: st.DrawFn, low: int, high: int) -> int:
    """Draw an integer in ``[low, high]`` (shrinks to ``low``) through a cached ``integers``."""
    if low == high:
        return low
    return draw(_integers(low, high))


def pick(draw: st.DrawFn, values: Sequence[T]) -> T:
    """Draw one of ``values`` (shrinks to the first). By index, so values need not be hashable and the
    strategies cached are few (one per length); one of two is a boolean choice (see ``rarely``)."""
    return values[between(draw, 0, len(values) - 1)]


@functools.lru_cache(maxsize=1024)
def _index_sets(size: int, min_size: int, max_size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, size - 1), min_size=min_size, max_size=max_size, unique=True)


def subset(draw: st.DrawFn, values: Sequence[T], min_size: int, max_size: int) -> list[T]:
    """Draw ``min_size`` to ``max_size`` distinct entries of ``values`` (clamped to its length), in drawing
    order (shrinks to the first ones)."""
    size = len(values)
    if size == 0:
        return []
    indices = draw(_index_sets(size, min(min_size, size), min(max_size, size)))
    return [values[i] for i in indices]


@functools.lru_cache(maxsize=4096)
def _forms(resource: str, amount: int) -> tuple[str, ...]:
    return tuple(quantity_forms(resource, amount))


def quantity(draw: st.DrawFn, resource: str, amount: int) -> str:
    """``amount`` of ``resource`` in one of its exact text forms (shrinks to the canonical one)."""
    return pick(draw, _forms(resource, amount))


@st.composite
def _applied(draw: st.DrawFn, element: Callable[[st.DrawFn], Any]) -> Any:
    return element(draw)


def many(draw: st.DrawFn, element: Callable[[st.DrawFn], T], min_size: int, max_size: int) -> list[T]:
    """Draw a list of ``element(draw)`` results through ``st.lists``, so that the shrinker can delete one
    element (its whole span of choices) at a time; for the top-level collections of a cluster (faults,
    actions), where building one strategy per call is cheap next to what the elements draw."""
    result: list[T] = draw(st.lists(_applied(element), min_size=min_size, max_size=max_size))
    return result


@functools.lru_cache(maxsize=256)
def _keyed(sizes: tuple[int, ...], max_size: int) -> st.SearchStrategy[list[tuple[int, ...]]]:
    element = st.tuples(*(st.integers(0, size - 1) for size in sizes))
    return st.lists(element, max_size=max_size, unique_by=lambda t: t[0])


def keyed(draw: st.DrawFn, *columns: Sequence[T], max_size: int) -> list[tuple[T, ...]]:
    """Up to ``max_size`` rows, one entry of each column per row, unique by the first column: e.g. workloads
    as (name, kind, namespace). One ``st.lists`` of tuples, so deleting a row deletes all of its choices."""
    if any(len(column) == 0 for column in columns):
        return []
    rows = draw(_keyed(tuple(len(c) for c in columns), min(max_size, len(columns[0]))))
    return [tuple(column[i] for column, i in zip(columns, row, strict=True)) for row in rows]
