"""The in-memory API server: objects by kind/namespace/name, resourceVersion, indexes, watches and the event log.

Every change of cluster state goes through ``Store.add``/``update``/``delete`` (DESIGN.md §2), which stamp a
resourceVersion, append to the event log and notify watchers synchronously. Watch handlers must not write to the
store themselves: controllers enqueue a key and reconcile later at the same instant (``Engine.call_soon``), as a
Kubernetes informer feeds a workqueue. That keeps the order of writes, and so the log, deterministic.

Live objects are mutated in place by their writer right before ``update``; the store keeps the values its
indexes were built from, so it can move an object between index buckets without an "old object" copy. It keeps
them on the object itself (``store_labels``, and a pod's ``store_node`` and ``store_owner_kind``), not in dicts by
uid: a write then touches no per-object table but the index it changes, which matters at hundreds of thousands of
objects, where every such lookup is a cache miss.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from models.meta import KObject, LabelSelector
from models.node import Node
from models.pod import Pod
from models.workloads import DaemonSet, Deployment, ReplicaSet, StatefulSet
from simulator.engine import Engine
from simulator.eventlog import (
    ENDPOINTS_FIELDS,
    EVENT_FIELDS,
    NODE_FIELDS,
    PLAIN_FIELDS,
    POD_FIELDS,
    WORKLOAD_FIELDS,
    EventLog,
)

__all__ = ["ADDED", "DELETED", "EVENT", "MODIFIED", "AlreadyExists", "NotFound", "Store", "WatchHandler"]

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
EVENT = "EVENT"

WatchHandler = Callable[[str, Any], None]
EventHandler = Callable[[float, str, KObject, str, str, str], None]

# The label-index copy of an object without labels: shared, never mutated (the store replaces, never edits, it).
_NO_LABELS: dict[str, str] = {}

# generateName's suffix alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no confusable digits.
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class NotFound(KeyError):
    """The object does not exist (HTTP 404)."""


class AlreadyExists(ValueError):
    """An object of that kind, namespace and name exists (HTTP 409)."""


def _owner_text(obj: KObject) -> str | None:
    ref = obj.controller_ref
    return f"{ref.kind}/{ref.name}" if ref is not None else None


class Store:
    """Objects and their history. ``engine`` provides the clock that stamps the log and the ``names`` stream."""

    def __init__(self, engine: Engine, log: EventLog | None = None) -> None:
        self.engine = engine
        self.log = log if log is not None else EventLog()
        self._objects: dict[str, dict[str, KObject]] = defaultdict(dict)
        self._watchers: dict[str, list[WatchHandler]] = defaultdict(list)
        self._owned_pod_watchers: dict[str, list[WatchHandler]] = defaultdict(list)
        self._admission: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self._event_watchers: list[EventHandler] = []
        self._rv = 0
        self._uid = 0
        self._names = engine.rng("names")
        # Indexes. Pods are the hot kind: by node, by owner uid, by (namespace, label, value).
        self._pods_by_node: dict[str, dict[str, Pod]] = defaultdict(dict)
        self._pods_by_owner: dict[str, dict[str, Pod]] = defaultdict(dict)
        self._by_label: dict[tuple[str, str, str, str], dict[str, KObject]] = defaultdict(dict)
        # The kinds ``_by_label`` covers: a kind's label index is built at its first ``select`` and kept from then
        # on. Why lazily: pods are the hot kind and often nobody selects them by label (no Service, PDB or HPA),
        # and then their label index would cost two dict writes per pod for nothing. An object of a kind not
        # indexed has ``store_labels`` None.
        self._label_kinds: set[str] = set()

    # -- reads --------------------------------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> Any:
        """The object, or None. ``namespace`` is ``""`` for cluster-scoped kinds."""
        return self._objects[kind].get(f"{namespace}/{name}" if namespace else name)

    def get_key(self, kind: str, key: str) -> Any:
        """The object by its workqueue key (``ns/name`` or ``name``), or None."""
        return self._objects[kind].get(key)

    def contains(self, obj: KObject) -> bool:
        """Whether ``obj`` itself (not just an object of the same name) is stored: O(1), no key building."""
        return bool(obj.store_key)

    def list(self, kind: str, namespace: str | None = None) -> list[Any]:
        """All objects of ``kind`` (in one namespace if given), in creation order."""
        objs = self._objects[kind].values()
        if namespace is None:
            return list(objs)
        return [o for o in objs if o.namespace == namespace]

    def count(self, kind: str) -> int:
        """How many objects of ``kind`` exist."""
        return len(self._objects[kind])

    def select(self, kind: str, namespace: str, selector: LabelSelector | None) -> builtins.list[Any]:
        """Objects of ``kind`` in ``namespace`` whose labels match ``selector`` (None selects nothing).

        Uses the label index: candidates come from the smallest ``matchLabels`` bucket, so a selector never scans
        pods of other workloads.
        """
        if selector is None:
            return []
        if not selector.match_labels:
            return [o for o in self.list(kind, namespace) if selector.matches(o.labels)]
        if kind not in self._label_kinds:
            self._index_labels(kind)
        best: dict[str, KObject] | None = None
        for key, value in selector.match_labels.items():
            bucket = self._by_label.get((kind, namespace, key, value))
            if not bucket:
                return []
            if best is None or len(bucket) < len(best):
                best = bucket
        assert best is not None
        return [o for o in best.values() if selector.matches(o.labels)]

    def pods_on_node(self, node_name: str) -> Iterable[Pod]:
        """Pods bound to ``node_name`` (any phase, including terminating)."""
        return self._pods_by_node.get(node_name, {}).values()

    def pods_owned_by(self, owner_uid: str) -> Iterable[Pod]:
        """Pods whose controller reference points at ``owner_uid``."""
        return self._pods_by_owner.get(owner_uid, {}).values()

    def dependents(self, owner: KObject) -> builtins.list[KObject]:
        """Every object with an ownerReference to ``owner`` (same namespace), for the garbage collector."""
        if owner.KIND in ("ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job"):
            return list(self._pods_by_owner.get(owner.uid, {}).values())
        found: builtins.list[KObject] = []
        for kind in ("ReplicaSet", "Job", "Endpoints"):
            for obj in self._objects[kind].values():
                if any(ref.uid == owner.uid for ref in obj.owner_references):
                    found.append(obj)
        return found

    def __iter__(self) -> Iterator[KObject]:
        for bucket in list(self._objects.values()):
            yield from list(bucket.values())

    # -- watches ------------------------------------------------------------------------------------------------
    def watch(self, kind: str, handler: WatchHandler, *, owner_kinds: tuple[str, ...] = ()) -> None:
        """Call ``handler(event_type, obj)`` after every ADDED/MODIFIED/DELETED of ``kind``.

        With ``owner_kinds`` (Pods only), only for pods whose controller ownerReference is of one of those kinds:
        a workload controller then costs nothing on the writes of other workloads' pods. Such handlers run after
        the unfiltered ones, in registration order.
        """
        if owner_kinds:
            if kind != "Pod":
                raise ValueError("owner_kinds filters apply to Pod watches only")
            for owner_kind in owner_kinds:
                self._owned_pod_watchers[owner_kind].append(handler)
        else:
            self._watchers[kind].append(handler)

    def admit(self, kind: str, plugin: Callable[[Any], None]) -> None:
        """Run ``plugin(obj)`` on every new object of ``kind`` before it is stored; it may mutate or raise."""
        self._admission[kind].append(plugin)

    def watch_events(self, handler: EventHandler) -> None:
        """Call ``handler(t, event_type, involved, reason, message, kind)`` for every Kubernetes Event."""
        self._event_watchers.append(handler)

    # -- writes -------------------------------------------------------------------------------------------------
    def generate_name(self, kind: str, namespace: str, prefix: str) -> str:
        """``metadata.generateName``: ``prefix`` plus five random characters, unique within the kind."""
        bucket = self._objects[kind]
        choice = self._names.choice
        while True:
            name = prefix + "".join(choice(_NAME_ALPHABET) for _ in range(5))
            if (f"{namespace}/{name}" if namespace else name) not in bucket:
                return name

    def add(self, obj: KObject) -> KObject:
        """Create ``obj``: stamps uid, resourceVersion and creationTimestamp; logs ADDED.

        Raises:
            AlreadyExists: an object of the same kind and key exists.
        """
        kind = obj.KIND
        bucket = self._objects[kind]
        key = obj.key
        if key in bucket:
            raise AlreadyExists(f"{kind} {key} already exists")
        admission = self._admission.get(kind)
        if admission:
            for plugin in admission:
                plugin(obj)
        self._uid = uid = self._uid + 1
        self._rv = rv = self._rv + 1
        if not obj.uid:
            obj.uid = str(uid).zfill(8)  # f"{uid:08d}", at a third of the cost
        obj.resource_version = rv
        obj.creation_timestamp = self.engine.now
        obj.store_key = key
        bucket[key] = obj
        self._index(obj, key)
        log = self.log
        if log.keep:
            self._record(ADDED, obj)
        else:
            log.count += 1
        for handler in self._watchers[kind]:
            handler(ADDED, obj)
        if kind == "Pod" and obj.store_owner_kind:  # type: ignore[attr-defined]
            for handler in self._owned_pod_watchers.get(obj.store_owner_kind, ()):  # type: ignore[attr-defined]
                handler(ADDED, obj)
        return obj

    def update(self, obj: KObject) -> None:
        """Record that ``obj`` (already mutated by its writer) changed: bumps resourceVersion, logs MODIFIED.

        Raises:
            NotFound: the object is not in the store (it was deleted).
        """
        if not obj.store_key:
            raise NotFound(f"{obj.KIND} {obj.key} not found")
        self._rv = rv = self._rv + 1
        obj.resource_version = rv
        kind = obj.KIND
        labels = obj.store_labels
        if kind == "Pod":
            if obj.node_name != obj.store_node or (  # type: ignore[attr-defined]
                labels is not None and obj.labels != labels
            ):
                self._reindex(obj)
        elif labels is not None and obj.labels != labels:
            self._reindex(obj)
        log = self.log
        if log.keep:
            self._record(MODIFIED, obj)
        else:
            log.count += 1
        for handler in self._watchers[kind]:
            handler(MODIFIED, obj)
        if kind == "Pod" and obj.store_owner_kind:  # type: ignore[attr-defined]
            for handler in self._owned_pod_watchers.get(obj.store_owner_kind, ()):  # type: ignore[attr-defined]
                handler(MODIFIED, obj)

    def delete(self, obj: KObject) -> None:
        """Remove ``obj`` for good (the final delete, after any graceful termination); logs DELETED."""
        key = obj.store_key
        if not key:
            raise NotFound(f"{obj.KIND} {obj.key} not found")
        kind = obj.KIND
        del self._objects[kind][key]
        obj.store_key = ""
        self._rv = rv = self._rv + 1
        obj.resource_version = rv
        self._unindex(obj, key)
        log = self.log
        if log.keep:
            self._record(DELETED, obj)
        else:
            log.count += 1
        for handler in self._watchers[kind]:
            handler(DELETED, obj)
        if kind == "Pod" and obj.store_owner_kind:  # type: ignore[attr-defined]
            owner_kind = obj.store_owner_kind  # type: ignore[attr-defined]
            obj.store_owner_kind = ""  # type: ignore[attr-defined]
            for handler in self._owned_pod_watchers.get(owner_kind, ()):
                handler(DELETED, obj)

    def event(self, involved: KObject, reason: str, message: str, event_type: str = "Normal") -> None:
        """Record a Kubernetes Event about ``involved`` (``Scheduled``, ``Killing``, ``NodeNotReady``, ...)."""
        now = self.engine.now
        log = self.log
        if log.keep:
            log.append(
                EVENT_FIELDS,
                (now, EVENT, involved.KIND, involved.namespace, involved.name, reason, message, event_type),
            )
        else:
            log.count += 1
        for handler in self._event_watchers:
            handler(now, event_type, involved, reason, message, involved.KIND)

    # -- internals ----------------------------------------------------------------------------------------------
    def _record(self, change: str, obj: KObject) -> None:
        now = self.engine.now
        kind = obj.KIND
        if kind == "Pod":
            assert isinstance(obj, Pod)
            self.log.append(
                POD_FIELDS,
                (
                    now, change, kind, obj.namespace, obj.name, obj.node_name or None, obj.phase, obj.ready,
                    _owner_text(obj), obj.image, obj.deletion_timestamp,
                ),
            )  # fmt: skip
        elif kind == "Node":
            assert isinstance(obj, Node)
            taints = [f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in obj.taints]
            self.log.append(
                NODE_FIELDS,
                (now, change, kind, "", obj.name, obj.ready == "True", obj.ready, obj.unschedulable, taints),
            )
        elif isinstance(obj, ReplicaSet | Deployment | StatefulSet | DaemonSet):
            status = obj.status
            desired = status.replicas if isinstance(obj, DaemonSet) else obj.replicas
            self.log.append(
                WORKLOAD_FIELDS,
                (now, change, kind, obj.namespace, obj.name, desired, status.ready_replicas,
                 status.available_replicas),
            )  # fmt: skip
        elif kind == "Endpoints":
            ready: Any = getattr(obj, "ready", ())
            not_ready: Any = getattr(obj, "not_ready", ())
            self.log.append(
                ENDPOINTS_FIELDS, (now, change, kind, obj.namespace, obj.name, list(ready), list(not_ready))
            )
        else:
            self.log.append(PLAIN_FIELDS, (now, change, kind, obj.namespace, obj.name))

    def _index_labels(self, kind: str) -> None:
        """Start keeping ``kind``'s label index: index the stored objects (in creation order)."""
        self._label_kinds.add(kind)
        for key, obj in self._objects[kind].items():
            self._index_object_labels(obj, key)

    def _index_object_labels(self, obj: KObject, key: str) -> None:
        labels = obj.labels
        if labels:
            kind, ns = obj.KIND, obj.namespace
            obj.store_labels = labels = dict(labels)
            for lk, lv in labels.items():
                self._by_label[(kind, ns, lk, lv)][key] = obj
        else:
            obj.store_labels = _NO_LABELS

    def _index(self, obj: KObject, key: str) -> None:
        if obj.KIND in self._label_kinds:
            self._index_object_labels(obj, key)
        else:
            obj.store_labels = None  # (an object stored before, in another store, may carry its old copy)
        if isinstance(obj, Pod):
            ref = obj.controller_ref
            if ref is not None:
                obj.store_owner_kind = ref.kind
                if ref.uid:
                    self._pods_by_owner[ref.uid][key] = obj
            node = obj.node_name
            if node:
                self._pods_by_node[node][key] = obj
            obj.store_node = node

    def _reindex(self, obj: KObject) -> None:
        key = obj.store_key
        old_labels = obj.store_labels
        if old_labels is not None and obj.labels != old_labels:
            kind, ns = obj.KIND, obj.namespace
            for lk, lv in old_labels.items():
                self._by_label[(kind, ns, lk, lv)].pop(key, None)
            labels = dict(obj.labels)
            for lk, lv in labels.items():
                self._by_label[(kind, ns, lk, lv)][key] = obj
            obj.store_labels = labels or _NO_LABELS
        if isinstance(obj, Pod):
            old = obj.store_node
            node = obj.node_name
            if old != node:
                if old:
                    self._pods_by_node[old].pop(key, None)
                if node:
                    self._pods_by_node[node][key] = obj
                obj.store_node = node

    def _unindex(self, obj: KObject, key: str) -> None:
        labels = obj.store_labels
        if labels:
            kind, ns = obj.KIND, obj.namespace
            for lk, lv in labels.items():
                bucket = self._by_label.get((kind, ns, lk, lv))
                if bucket is not None:
                    bucket.pop(key, None)
                    if not bucket:
                        del self._by_label[(kind, ns, lk, lv)]
        obj.store_labels = None
        if isinstance(obj, Pod):
            ref = obj.controller_ref
            if ref is not None and ref.uid:
                owned = self._pods_by_owner.get(ref.uid)
                if owned is not None:
                    owned.pop(key, None)
                    if not owned:
                        del self._pods_by_owner[ref.uid]
            node = obj.store_node
            if node:
                self._pods_by_node[node].pop(key, None)
                obj.store_node = ""
