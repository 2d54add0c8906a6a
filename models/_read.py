"""A small path-tracking reader over decoded YAML, used by every kind's reader function.

A reader never raises on bad input: it records the problem against the field path and returns a default, so
that one run of the loader reports every problem in the files at once (Kubernetes' ``field.ErrorList`` habit).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from models.quantity import QuantityError, parse_duration

UNSUPPORTED = "field is not supported by kubesim (it would change behaviour); use --lenient to ignore it"
UNSUPPORTED_LENIENT = "field is not supported by kubesim (it would change behaviour); ignored (--lenient)"
REQUIRED = "required field is missing"

_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def show(value: object) -> str:
    """A value as it would appear in JSON (``"five"``, ``3``, ``true``, ``null``), for messages."""
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def type_name(value: object) -> str:
    """The YAML word for a value's type (``a string``, ``a list``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def child(path: str, key: str) -> str:
    """``path.key``, or ``path[key]`` when the key is not a plain word (label keys, ``nvidia.com/gpu``)."""
    part = key if _SIMPLE_KEY.match(key) else f"[{key}]"
    if not path:
        return part
    return f"{path}{part}" if part.startswith("[") else f"{path}.{part}"


@attrs.define
class Problems:
    """Errors and warnings of one load, in the order found."""

    lenient: bool = False
    errors: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)


@attrs.define
class Doc:
    """Where we are: file, document number and the object's kind/name, plus the sink for problems."""

    problems: Problems
    file: str
    number: int
    kind: str | None = None
    name: str | None = None
    prefix: str = ""  # "items[2]" inside a List

    def where(self) -> str:
        """``shop.yaml: document 3 (Deployment/web)``."""
        name = self.name if self.name is not None else "?"
        what = "?" if self.kind is None else f"{self.kind}/{name}"
        return f"{self.file}: document {self.number} ({what})"

    def _line(self, level: str, path: str, message: str) -> str:
        full = path
        if self.prefix:
            full = self.prefix + ("." + path if path and not path.startswith("[") else path)
        return (
            f"{level}: {self.where()}: {full}: {message}" if full else f"{level}: {self.where()}: {message}"
        )

    def error(self, path: str, message: str) -> None:
        """Record an error at ``path``."""
        self.problems.errors.append(self._line("error", path, message))

    def warn(self, path: str, message: str) -> None:
        """Record a warning at ``path``."""
        self.problems.warnings.append(self._line("warning", path, message))

    def error_or_warn(self, path: str, message: str, lenient_message: str) -> None:
        """An error, or with ``--lenient`` a warning."""
        if self.problems.lenient:
            self.warn(path, lenient_message)
        else:
            self.error(path, message)

    def unsupported(self, path: str) -> None:
        """A field Kubernetes knows that would change behaviour but kubesim does not model."""
        self.error_or_warn(path, UNSUPPORTED, UNSUPPORTED_LENIENT)

    def fields(self, path: str, value: object) -> Fields | None:
        """A reader over the mapping at ``path``, or ``None`` (and an error) if ``value`` is not a mapping."""
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {type_name(value)}")
            return None
        return Fields(self, path, value)


class Fields:
    """A mapping at ``path`` whose keys a reader consumes; :meth:`done` reports the ones nobody consumed."""

    def __init__(self, doc: Doc, path: str, data: dict[Any, Any]) -> None:
        self.doc = doc
        self.path = path
        self.data = data
        self._used: set[str] = set()

    # ---- plumbing ------------------------------------------------------------------------------------------
    def at(self, key: str) -> str:
        """The path of ``key`` in this mapping."""
        return child(self.path, key)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present with a non-null value (Kubernetes treats ``null`` as absent)."""
        return self.data.get(key) is not None

    def get(self, key: str) -> Any:
        """The raw value of ``key`` (``None`` when absent or null), marking it consumed."""
        self._used.add(key)
        return self.data.get(key)

    def error(self, key: str, message: str) -> None:
        """An error at ``key`` of this mapping."""
        self.doc.error(self.at(key), message)

    def _missing(self, key: str, required: bool) -> None:
        if required:
            self.error(key, REQUIRED)

    def done(self, ignored: Iterable[str] = (), unsupported: Iterable[str] = ()) -> None:
        """Report keys not consumed: ``ignored`` ones pass, ``unsupported`` ones are unsupported, others
        unknown."""
        ignored_set, unsupported_set = set(ignored), set(unsupported)
        for key, value in self.data.items():
            if not isinstance(key, str):
                self.doc.error(self.path, f"field names must be strings, got {show(key)}")
                continue
            if key in self._used or key in ignored_set:
                continue
            if key in unsupported_set:
                if value is not None and value is not False and value != [] and value != {}:
                    self.doc.unsupported(self.at(key))
                continue
            self.error(key, f'unknown field "{key}"')

    # ---- typed getters -------------------------------------------------------------------------------------
    def string(self, key: str, default: str = "", *, required: bool = False) -> str:
        """A string field."""
        value = self.get(key)
        if value is None:
            self._missing(key, required)
            return default
        if not isinstance(value, str):
            self.error(key, f"expected a string, got {type_name(value)} {show(value)}")
            return default
        if required and not value:
            self.error(key, REQUIRED)
        return str(value)

    def choice(
        self,
        key: str,
        choices: tuple[str, ...],
        default: str = "",
        *,
        required: bool = False,
        empty_is_default: bool = False,
    ) -> str:
        """A string field limited to ``choices`` (Kubernetes' ``Unsupported value`` check).

        ``empty_is_default``: ``""`` means "unset" and gets ``default``, as where Kubernetes' defaulting tests
        ``if x == ""`` (a non-pointer string field) or validation accepts ``""``.
        """
        if not self.has(key):
            return self.string(key, default, required=required)
        value = self.get(key)
        if empty_is_default and value == "":
            return default
        if not isinstance(value, str) or value not in choices:
            self.error(key, unsupported_value(value, choices))
            return default
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        """A boolean field."""
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"expected a boolean, got {type_name(value)} {show(value)}")
            return default
        return value

    def opt_int(self, key: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        """An optional integer field with Kubernetes' range messages."""
        value = self.get(key)
        if value is None:
            return None
        return check_int(self.doc, self.at(key), value, minimum=minimum, maximum=maximum)

    def integer(
        self,
        key: str,
        default: int = 0,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> int:
        """An integer field (YAML ints only: ``"3"`` and ``3.0`` are errors, as in Kubernetes)."""
        if self.data.get(key) is None:
            self.get(key)
            self._missing(key, required)
            return default
        value = self.opt_int(key, minimum=minimum, maximum=maximum)
        return default if value is None else value

    def number(self, key: str, default: float = 0.0, *, minimum: float | None = None) -> float:
        """A real number field (int or float)."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.error(key, f"expected a number, got {type_name(value)} {show(value)}")
            return default
        if minimum is not None and value < minimum:
            self.error(key, f"must be greater than or equal to {minimum:g}")
            return default
        return float(value)

    def duration(self, key: str, default: float = 0.0, *, required: bool = False) -> float:
        """A duration field (``90``, ``90s``, ``1h30m``) in seconds."""
        value = self.get(key)
        if value is None:
            self._missing(key, required)
            return default
        try:
            return parse_duration(value)
        except QuantityError as exc:
            self.error(key, str(exc))
            return default

    def mapping(self, key: str, *, required: bool = False) -> Fields | None:
        """A nested object, or ``None`` when absent (or not a mapping, which is an error)."""
        value = self.get(key)
        if value is None:
            self._missing(key, required)
            return None
        return self.doc.fields(self.at(key), value)

    def items(self, key: str, *, required: bool = False) -> Iterator[tuple[str, Any]]:
        """The ``(path, item)`` pairs of a list field."""
        value = self.get(key)
        if value is None:
            self._missing(key, required)
            return
        if not isinstance(value, list):
            self.error(key, f"expected a list, got {type_name(value)}")
            return
        if required and not value:
            self.error(key, "must have at least one item")
        base = self.at(key)
        for index, item in enumerate(value):
            yield f"{base}[{index}]", item

    def list_of_fields(self, key: str, *, required: bool = False) -> Iterator[tuple[str, Fields]]:
        """The ``(path, Fields)`` of a list of objects; items that are not mappings are reported, skipped."""
        for path, item in self.items(key, required=required):
            fields = self.doc.fields(path, item)
            if fields is not None:
                yield path, fields

    def str_list(self, key: str) -> tuple[str, ...]:
        """A list of strings."""
        out: list[str] = []
        for path, item in self.items(key):
            if isinstance(item, str):
                out.append(item)
            else:
                self.doc.error(path, f"expected a string, got {type_name(item)} {show(item)}")
        return tuple(out)

    def str_map(self, key: str) -> dict[str, str]:
        """A ``map[string]string`` (values must be YAML strings: quote ``"true"`` and ``"5"``)."""
        value = self.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(key, f"expected a mapping, got {type_name(value)}")
            return {}
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                self.error(key, f"keys must be strings, got {show(k)}")
                continue
            if not isinstance(v, str):
                hint = f" (quote it: {show(show(v))})" if isinstance(v, bool | int | float) else ""
                self.doc.error(
                    child(self.at(key), k), f"expected a string, got {type_name(v)} {show(v)}{hint}"
                )
                continue
            out[k] = v
        return out


def unsupported_value(value: object, choices: tuple[str, ...]) -> str:
    """Kubernetes' ``Unsupported value`` message."""
    return f"unsupported value {show(value)}: supported values: " + ", ".join(f'"{c}"' for c in choices)


def check_int(
    doc: Doc, path: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """Validate an integer value at ``path``; ``None`` after reporting an error."""
    if isinstance(value, bool) or not isinstance(value, int):
        doc.error(path, f"expected an integer, got {type_name(value)} {show(value)}")
        return None
    if minimum is not None and value < minimum:
        doc.error(path, f"must be greater than or equal to {minimum}")
        return None
    if maximum is not None and value > maximum:
        doc.error(path, f"must be less than or equal to {maximum}")
        return None
    return value
