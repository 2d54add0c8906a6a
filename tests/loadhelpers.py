"""Helpers shared by the loader's validation tests."""

from __future__ import annotations

import textwrap

import pytest

from models.errors import InputError
from models.loader import load_text


def errors_of(text: str) -> list[str]:
    """The error lines the loader reports for (dedented) YAML ``text`` read as ``t.yaml``; it must fail."""
    with pytest.raises(InputError) as info:
        load_text(textwrap.dedent(text), "t.yaml")
    return info.value.errors


def assert_rejected(text: str, fragment: str) -> None:
    """The loader rejects one-document ``text``: some error line holds ``fragment``, and every line names the
    file and document 1 (the table-driven rejection tests share this check)."""
    errors = errors_of(text)
    assert any(fragment in line for line in errors), errors
    assert all(line.startswith("error: t.yaml: document 1 ") for line in errors), errors
