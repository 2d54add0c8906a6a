"""Object metadata, label selectors and owner references shared by every kind.

Live objects (the ones the store holds) are mutable ``attrs`` classes: the store is the only writer, and it stamps
every change into the event log. Everything below ``spec`` is frozen, so a ReplicaSet's pods can share one
template object instead of each carrying a copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import attrs

__all__ = [
    "KObject",
    "LabelSelector",
    "LabelSelectorRequirement",
    "OwnerReference",
    "selector_from_map",
]


@attrs.frozen
class LabelSelectorRequirement:
    """One ``matchExpressions`` entry: ``key``, ``operator`` (In, NotIn, Exists, DoesNotExist) and ``values``."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        # LabelSelectorAsSelector / labels.NewRequirement: an invalid requirement is an error when the selector is
        # built, not a selector that silently matches nothing (In with no values) or ignores its values (Exists).
        # Checked once here, so ``matches`` stays a plain lookup. Key and value syntax is the loader's job.
        op = self.operator
        if not self.key:
            raise ValueError("label selector requirement key must be non-empty")
        if op == "In" or op == "NotIn":
            if not self.values:
                raise ValueError(f"for {op!r} operator, values set can't be empty (key {self.key!r})")
        elif op == "Exists" or op == "DoesNotExist":
            if self.values:
                raise ValueError(f"values set must be empty for {op!r} (key {self.key!r})")
        else:
            raise ValueError(f"{op!r} is not a valid label selector operator")

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement, with Kubernetes' semantics for a missing key."""
        op = self.operator
        if op == "In":
            return self.key in labels and labels[self.key] in self.values
        if op == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        raise ValueError(f"unknown label selector operator {op!r}")


@attrs.frozen
class LabelSelector:
    """A ``metav1.LabelSelector``. An empty selector matches everything; ``None`` (no selector) matches nothing."""

    match_labels: Mapping[str, str] = attrs.field(factory=dict)
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with ``labels`` is selected."""
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    @property
    def is_empty(self) -> bool:
        """An empty selector (``{}``) selects every object."""
        return not self.match_labels and not self.match_expressions


def selector_from_map(labels: Mapping[str, str]) -> LabelSelector:
    """The selector of a ReplicationController or Service: a plain equality map."""
    return LabelSelector(match_labels=dict(labels))


@attrs.frozen
class OwnerReference:
    """``metadata.ownerReferences[*]``: the owner's kind and name (namespace is always the dependent's)."""

    kind: str
    name: str
    uid: str = ""
    controller: bool = True
    api_version: str = ""


@attrs.define(eq=False)
class KObject:
    """Fields every stored object has (``metadata``), flattened for speed.

    ``eq=False``: live objects compare by identity, as two writes of the same object must never be confused.
    """

    KIND: ClassVar[str] = ""
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True

    name: str
    namespace: str = ""
    labels: dict[str, str] = attrs.field(factory=dict)
    annotations: dict[str, str] = attrs.field(factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()
    uid: str = ""
    resource_version: int = 0
    generation: int = 1
    creation_timestamp: float = 0.0
    deletion_timestamp: float | None = None
    # Set by the store while the object is stored (its key there); "" otherwise. Not part of the API.
    store_key: str = attrs.field(default="", init=False, repr=False)
    # The store's own copy of the labels its label index holds the object under (writers mutate ``labels`` in
    # place, so the store compares against this on update). Not part of the API.
    store_labels: Mapping[str, str] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def kind(self) -> str:
        """The object's Kubernetes kind (``Pod``, ``Deployment``, ...)."""
        return self.KIND

    @property
    def key(self) -> str:
        """``namespace/name``, or ``name`` for cluster-scoped kinds: the workqueue key Kubernetes uses."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def controller_ref(self) -> OwnerReference | None:
        """The owner reference with ``controller: true``, if any."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None
