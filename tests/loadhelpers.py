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
