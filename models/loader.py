"""Load Kubernetes YAML (and kubesim's own kinds) into the attrs objects of ``models``.

``load_paths`` reads files and directories, ``load_text`` a string. Every problem in the inputs is collected
and raised at once as :class:`models.errors.InputError`, one line per problem::

    error: shop.yaml: document 3 (Pod/web): spec.containers[0].resources.requests.cpu: "x" is not a quantity
    error: shop.yaml: line 12 column 3: mapping values are not allowed here
    error: nope.yaml: no such file or directory

Warnings (``--lenient`` downgrades, timeline actions after the end) have the same shape and start with
``warning:``.

Field policy: modelled fields are parsed and validated as Kubernetes validates them; fields that do not change
simulated behaviour are accepted and ignored (an explicit list per object); fields Kubernetes knows that would
change behaviour but kubesim does not model are errors (warnings with ``lenient``); anything else is an
``unknown field``, as under Kubernetes' strict decoding. Defaults are Kubernetes' (see each reader's
docstring), e.g. namespace ``default``, Node allocatable from capacity with ``pods`` 110, Deployment
maxSurge/maxUnavailable 25 %, Job backoffLimit 6.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from models._cluster import (
    read_hpa,
    read_ingress,
    read_namespace,
    read_node,
    read_pdb,
    read_priorityclass,
    read_service,
)
from models._kubesim import read_nodepool, read_scenario
from models._pods import read_pod
from models._read import REQUIRED, Doc, Fields, Problems, show, type_name
from models._schedconfig import CONFIG_IGNORED, DEFAULT_CONFIG_NAME, read_schedconfig
from models._workloads import (
    read_cronjob,
    read_daemonset,
    read_deployment,
    read_job,
    read_replicaset,
    read_replicationcontroller,
    read_statefulset,
)
from models.errors import InputError
from models.kubesim import KUBESIM_API_VERSION
from models.meta import KObject
from models.policy import PriorityClass

__all__ = ["KINDS", "MAX_ERRORS", "InputError", "KindReader", "LoadResult", "load_paths", "load_text"]

MAX_ERRORS = 20
SUFFIXES = (".yaml", ".yml", ".json")


@attrs.frozen
class KindReader:
    """How to read one kind: its apiVersion, its reader, its extra accepted/unsupported top-level fields."""

    api_version: str
    read: Callable[[Fields], KObject]
    ignored: tuple[str, ...] = ("status",)
    unsupported: tuple[str, ...] = ()


KINDS: dict[str, KindReader] = {
    "Node": KindReader("v1", read_node, ignored=()),
    "Pod": KindReader("v1", read_pod),
    "Service": KindReader("v1", read_service),
    "ReplicationController": KindReader("v1", read_replicationcontroller),
    "Namespace": KindReader("v1", read_namespace),
    "Deployment": KindReader("apps/v1", read_deployment),
    "ReplicaSet": KindReader("apps/v1", read_replicaset),
    "StatefulSet": KindReader("apps/v1", read_statefulset),
    "DaemonSet": KindReader("apps/v1", read_daemonset),
    "Job": KindReader("batch/v1", read_job),
    "CronJob": KindReader("batch/v1", read_cronjob),
    "PodDisruptionBudget": KindReader("policy/v1", read_pdb),
    "PriorityClass": KindReader("scheduling.k8s.io/v1", read_priorityclass),
    "Ingress": KindReader("networking.k8s.io/v1", read_ingress),
    "HorizontalPodAutoscaler": KindReader("autoscaling/v2", read_hpa),
    "KubeSchedulerConfiguration": KindReader(
        "kubescheduler.config.k8s.io/v1", read_schedconfig, ignored=CONFIG_IGNORED, unsupported=("extenders",)
    ),
    "NodePool": KindReader(KUBESIM_API_VERSION, read_nodepool),
    "Scenario": KindReader(KUBESIM_API_VERSION, read_scenario),
}
"""Loadable kinds. (Endpoints is written by the endpoints controller and cannot be loaded.)"""

_SINGLETONS = ("Scenario", "KubeSchedulerConfiguration")


@attrs.define
class LoadResult:
    """The objects loaded, in document order, and the warnings (lines starting ``warning:``)."""

    objects: list[KObject] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)


# ---- YAML --------------------------------------------------------------------------------------------------


class _StrictSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that rejects duplicate keys, as Kubernetes' strict decoding does (PyYAML keeps the
    last)."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[tuple[str, str]] = set()
    for key_node, _value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            ident = (key_node.tag, key_node.value)
            if ident in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {show(key_node.value)}", key_node.start_mark
                )
            seen.add(ident)
    return loader.construct_mapping(node)


_StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_error_line(filename: str, exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        if mark is not None:
            return f"error: {filename}: line {mark.line + 1} column {mark.column + 1}: {problem}"
        return f"error: {filename}: {problem}"
    return f"error: {filename}: {exc}"


def _documents(text: str, filename: str, problems: Problems) -> Iterator[tuple[int, Any]]:
    """``(number, document)`` pairs; a syntax error is recorded and ends the file."""
    if filename.endswith(".json"):
        try:
            yield 1, json.loads(text)
        except json.JSONDecodeError as exc:
            problems.errors.append(f"error: {filename}: line {exc.lineno} column {exc.colno}: {exc.msg}")
        return
    number = 0
    try:
        for data in yaml.load_all(text, Loader=_StrictSafeLoader):
            number += 1
            yield number, data
    except yaml.YAMLError as exc:
        problems.errors.append(_yaml_error_line(filename, exc))


# ---- documents ---------------------------------------------------------------------------------------------


@attrs.define
class _Loader:
    problems: Problems
    objects: list[KObject] = attrs.field(factory=list)
    seen: dict[tuple[str, str, str], str] = attrs.field(factory=dict)
    singletons: dict[str, str] = attrs.field(factory=dict)
    global_default: str | None = None

    def load_text(self, text: str, filename: str) -> None:
        for number, data in _documents(text, filename, self.problems):
            if data is None:
                continue  # an empty document still counts for numbering
            self.document(Doc(self.problems, filename, number), data)

    def document(self, doc: Doc, data: Any, default_kind: str | None = None) -> None:
        if not isinstance(data, dict):
            doc.error("", f"a document must be a mapping, got {type_name(data)}")
            return
        kind = data.get("kind", default_kind)
        doc.kind = kind if isinstance(kind, str) and kind else None
        metadata = data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        doc.name = name if isinstance(name, str) and name else None
        if doc.kind == "KubeSchedulerConfiguration" and doc.name is None:
            doc.name = DEFAULT_CONFIG_NAME
        if doc.kind is not None and doc.kind not in KINDS and doc.kind.endswith("List"):
            self.list_document(doc, data)
            return
        root = Fields(doc, "", data)
        reader = self.kind_reader(doc, root, default_kind)
        if reader is None:
            return
        obj = reader.read(root)
        root.done(ignored=reader.ignored, unsupported=reader.unsupported)
        self.register(doc, obj)

    def kind_reader(self, doc: Doc, root: Fields, default_kind: str | None) -> KindReader | None:
        kind = root.get("kind") or default_kind
        api_version = root.get("apiVersion")
        if not isinstance(kind, str) or not kind:
            doc.error("kind", REQUIRED if kind is None else f"expected a string, got {type_name(kind)}")
            return None
        reader = KINDS.get(kind)
        if reader is None:
            doc.error("kind", _unknown_kind(kind))
            return None
        if api_version is None and default_kind is not None:
            api_version = reader.api_version
        if api_version is None:
            doc.error("apiVersion", f"{REQUIRED} (expected {show(reader.api_version)} for {kind})")
            return None
        if api_version != reader.api_version:
            doc.error(
                "apiVersion",
                f"{show(api_version)} is not the apiVersion of {kind} (expected {show(reader.api_version)})",
            )
            return None
        return reader

    def list_document(self, doc: Doc, data: dict[Any, Any]) -> None:
        """``kind: List`` (or ``PodList``, ...): each item is read as a document of its own, paths
        ``items[i]``."""
        root = Fields(doc, "", data)
        kind = str(root.get("kind"))
        item_kind = kind[: -len("List")] or None
        if item_kind is not None and item_kind not in KINDS:
            doc.error("kind", _unknown_kind(kind))
            return
        expected = KINDS[item_kind].api_version if item_kind else "v1"
        api_version = root.get("apiVersion")
        if api_version is None:
            doc.error("apiVersion", f"{REQUIRED} (expected {show(expected)} for {kind})")
        elif api_version != expected:
            doc.error(
                "apiVersion",
                f"{show(api_version)} is not the apiVersion of {kind} (expected {show(expected)})",
            )
        root.get("metadata")
        items = list(root.items("items"))
        root.done()
        for path, item in items:
            item_doc = Doc(self.problems, doc.file, doc.number, prefix=child_prefix(doc.prefix, path))
            self.document(item_doc, item, default_kind=item_kind)

    def register(self, doc: Doc, obj: KObject) -> None:
        where = f"{doc.file}: document {doc.number}" + (f" {doc.prefix}" if doc.prefix else "")
        if not obj.name:
            self.objects.append(obj)
            return
        key = (obj.kind, obj.namespace, obj.name)
        first = self.seen.get(key)
        if first is not None:
            doc.error("metadata.name", f"duplicate {obj.kind} {show(obj.key)}: already defined in {first}")
            return
        self.seen[key] = where
        if obj.kind in _SINGLETONS:
            other = self.singletons.get(obj.kind)
            if other is not None:
                doc.error("metadata.name", f"only one {obj.kind} may be given; another is in {other}")
                return
            self.singletons[obj.kind] = where
        if isinstance(obj, PriorityClass) and obj.global_default:
            if self.global_default is not None:
                doc.error(
                    "globalDefault",
                    f"only one PriorityClass may set globalDefault; another is {self.global_default}",
                )
            else:
                self.global_default = f"{obj.name} in {where}"
        self.objects.append(obj)

    def result(self) -> LoadResult:
        errors = self.problems.errors
        if errors:
            shown = errors[:MAX_ERRORS]
            if len(errors) > MAX_ERRORS:
                shown.append(f"error: {len(errors) - MAX_ERRORS} more errors not shown")
            raise InputError(shown)
        return LoadResult(objects=self.objects, warnings=list(self.problems.warnings))


def child_prefix(prefix: str, path: str) -> str:
    """The path prefix of a List item (``items[2]``, or ``items[0].items[2]`` when nested)."""
    return f"{prefix}.{path}" if prefix else path


def _unknown_kind(kind: str) -> str:
    if kind == "Endpoints":
        return (
            'unknown kind "Endpoints": Endpoints are written by kubesim\'s endpoints controller, not loaded'
        )
    close = difflib.get_close_matches(kind, list(KINDS), n=1)
    hint = f" (did you mean {show(close[0])}?)" if close else ""
    return f"unknown kind {show(kind)}{hint}"


# ---- entry points ------------------------------------------------------------------------------------------


def load_text(text: str, filename: str = "<string>", *, lenient: bool = False) -> LoadResult:
    """Load one YAML (multi-document) or JSON text.

    Args:
        text: the file's contents.
        filename: the name used in messages (``.json`` selects the JSON parser).
        lenient: downgrade "not supported by kubesim" errors to warnings.

    Raises:
        InputError: every problem found (at most ``MAX_ERRORS`` lines plus a count of the rest).
    """
    loader = _Loader(Problems(lenient=lenient))
    loader.load_text(text, filename)
    return loader.result()


def _expand(path: str, problems: Problems) -> list[str]:
    if os.path.isdir(path):
        found = sorted(str(p) for p in Path(path).rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        if not found:
            problems.warnings.append(f"warning: {path}: no *.yaml, *.yml or *.json files in this directory")
        return found
    return [path]


def load_paths(paths: Sequence[str | os.PathLike[str]], *, lenient: bool = False) -> LoadResult:
    """Load files and directories (searched recursively for ``*.yaml``, ``*.yml``, ``*.json``, sorted by
    path).

    Objects come back in document order, files in the order given.

    Raises:
        InputError: every problem found in all the files (unreadable files included).
    """
    loader = _Loader(Problems(lenient=lenient))
    for given in paths:
        for filename in _expand(os.fspath(given), loader.problems):
            try:
                text = Path(filename).read_text(encoding="utf-8")
            except FileNotFoundError:
                loader.problems.errors.append(f"error: {filename}: no such file or directory")
                continue
            except UnicodeDecodeError:
                loader.problems.errors.append(f"error: {filename}: not a UTF-8 text file")
                continue
            except OSError as exc:
                loader.problems.errors.append(f"error: {filename}: {(exc.strerror or str(exc)).lower()}")
                continue
            loader.load_text(text, filename)
    return loader.result()
