"""The exception the loader raises for bad input: every problem found, one printable line each."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["InputError"]


class InputError(Exception):
    """Bad input files. ``errors`` holds one line per problem, ready to print to stderr.

    Each line has the shape ``error: <file>: document <n> (<Kind>/<name>): <field path>: <problem>``, or
    ``error: <file>: line <l> column <c>: <problem>`` for YAML syntax errors and ``error: <file>: <problem>``
    for files that cannot be read.

    Args:
        errors: the error lines, in the order found.
    """

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))
