"""The scheduler's cache: one table row ("slot") per node with numpy columns, updated incrementally.

Columns (int64, indexed by slot): allocatable cpu/memory/ephemeral-storage/pods, requested cpu/memory/ephemeral,
non-zero requested cpu/memory (scoring defaults), pod count; extended resources get a column pair the first time
a node or pod names them. A pod counts against its node from bind (or from being seen bound) until it is deleted or
reaches a terminal phase, as kube-scheduler's cache does.

The order in which nodes are searched is kube-scheduler's node tree order (``internal/cache/node_tree.go``,
1.35): zones in the order they appeared, one node of each zone in turn. It is recomputed lazily when nodes come,
go or change zone, and the table is then renumbered so that slot ``i`` is the ``i``-th node searched (slots are
stable otherwise; NodePools spread round-robin over zones are already in that order).

Vectorised plugins cache per-slot results; two logs of dirty slots (any change, node-spec changes) let them
refresh only what changed (``DirtyLog``).

The per-slot numbers live in ``rows`` (one Python list per live slot, fields in ``ROW_FIELDS`` order), which is
what per-slot code reads; the numpy columns are views of one 2-D block brought up to date from ``rows`` lazily,
when a column is read, so binding a pod costs a few list updates and no numpy scalar arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from models.node import Node
from models.pod import Pod, PodSpec, Taint
from simulator.scheduler.podcounts import PodCounts
from simulator.scheduler.resources import CPU, EPHEMERAL, MEMORY, PODS, PodRequest, pod_request

__all__ = [
    "ROW_FIELDS",
    "DirtyLog",
    "NodeInfo",
    "NodeSnapshot",
    "NodeTable",
    "pod_has_affinity",
    "pod_host_ports",
]

I64 = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]

_ZONE = "topology.kubernetes.io/zone"
_REGION = "topology.kubernetes.io/region"
_BETA_ZONE = "failure-domain.beta.kubernetes.io/zone"
_BETA_REGION = "failure-domain.beta.kubernetes.io/region"


def zone_key(labels: Mapping[str, str]) -> str:
    """``utilnode.GetZoneKey``: region and zone (GA labels, then beta), ``""`` when neither is set."""
    zone = labels.get(_ZONE, labels.get(_BETA_ZONE, ""))
    region = labels.get(_REGION, labels.get(_BETA_REGION, ""))
    if not zone and not region:
        return ""
    return region + ":\x00:" + zone


class DirtyLog:
    """An append-only log of changed slots. Consumers remember ``(epoch, end)`` and ask what changed since."""

    __slots__ = ("base", "entries", "epoch", "limit")

    def __init__(self, limit: int = 1 << 16) -> None:
        self.entries: list[int] = []
        self.base = 0
        self.epoch = 0
        self.limit = limit

    def mark(self, slot: int) -> None:
        entries = self.entries
        entries.append(slot)
        if len(entries) > self.limit:
            self.reset()

    def reset(self) -> None:
        """Forget the log: every consumer recomputes in full."""
        self.base += len(self.entries)
        self.entries = []
        self.epoch += 1

    @property
    def end(self) -> int:
        return self.base + len(self.entries)

    def since(self, epoch: int, pos: int) -> list[int] | None:
        """Slots changed since ``(epoch, pos)``; None when the consumer must recompute everything."""
        if epoch != self.epoch:
            return None
        return self.entries[pos - self.base :]


class NodeSnapshot:
    """What the scheduler last saw of a node's spec (the store mutates live objects in place)."""

    __slots__ = ("allocatable", "images", "labels", "taints", "unschedulable", "zone")

    def __init__(self, node: Node) -> None:
        self.allocatable = dict(node.allocatable)
        self.labels = dict(node.labels)
        self.taints: tuple[Taint, ...] = tuple(node.taints)
        self.unschedulable = node.unschedulable
        self.zone = zone_key(node.labels)
        # ``NodeInfo.ImageStates`` (1.35 internal/cache): every name in ``status.images[*].names`` -> size in bytes
        self.images: dict[str, int] = {name: img.size_bytes for img in node.images for name in img.names}


def pod_has_affinity(pod: Pod) -> bool:
    """``len(PodInfo.RequiredAffinityTerms|...)>0``: any pod (anti-)affinity term (``NodeInfo.PodsWithAffinity``)."""
    aff = pod.spec.affinity
    if aff is None:
        return False
    pa, paa = aff.pod_affinity, aff.pod_anti_affinity
    return bool(
        (pa is not None and (pa.required or pa.preferred))
        or (paa is not None and (paa.required or paa.preferred))
    )


def pod_host_ports(pod: Pod) -> tuple[tuple[str, str, int], ...]:
    """``util.GetHostPorts`` (1.35): (hostIP, protocol, hostPort) of containers and restartable init containers
    with hostPort > 0; hostIP defaults to 0.0.0.0 and protocol to TCP (``HostPortInfo`` sanitising)."""
    out: list[tuple[str, str, int]] = []
    spec = pod.spec
    for c in spec.init_containers:
        if c.restart_policy == "Always":
            out.extend(
                (p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port) for p in c.ports if p.host_port > 0
            )
    for c in spec.containers:
        if c.ports:
            out.extend(
                (p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port) for p in c.ports if p.host_port > 0
            )
    return tuple(out)


class NodeInfo:
    """A read-only view of one node's row for the per-node (reference) plugin implementations."""

    __slots__ = ("node", "slot", "table")

    def __init__(self, table: NodeTable, slot: int, node: Node) -> None:
        self.table = table
        self.slot = slot
        self.node = node

    @property
    def name(self) -> str:
        return self.node.name

    def _row(self) -> list[int]:
        row = self.table.rows[self.slot]
        assert row is not None
        return row

    @property
    def pod_count(self) -> int:
        return self._row()[N_PODS]

    @property
    def pods(self) -> Iterable[Pod]:
        """``NodeInfo.Pods``: the pods counted on this node (bound or assumed)."""
        return self.table.pods_by_node.get(self.node.name, _EMPTY).values()

    @property
    def pods_with_affinity(self) -> Iterable[Pod]:
        """``NodeInfo.PodsWithAffinity``: pods on this node with any pod (anti-)affinity term."""
        return self.table.affinity_pods.get(self.node.name, _EMPTY).values()

    @property
    def images(self) -> Mapping[str, int]:
        snap = self.table.snapshots[self.slot]
        assert snap is not None
        return snap.images

    def allocatable(self, resource: str) -> int:
        if resource == CPU:
            return self._row()[A_CPU]
        if resource == MEMORY:
            return self._row()[A_MEM]
        if resource == EPHEMERAL:
            return self._row()[A_EPH]
        if resource == PODS:
            return self._row()[A_PODS]
        col = self.table.ext_alloc.get(resource)
        return col.item(self.slot) if col is not None else 0

    def has_allocatable(self, resource: str) -> bool:
        """Whether the node lists ``resource`` (scalar resources only matter when listed)."""
        if resource in (CPU, MEMORY, EPHEMERAL, PODS):
            return True
        return resource in self.node.allocatable

    def requested(self, resource: str) -> int:
        if resource == CPU:
            return self._row()[R_CPU]
        if resource == MEMORY:
            return self._row()[R_MEM]
        if resource == EPHEMERAL:
            return self._row()[R_EPH]
        if resource == PODS:
            return self._row()[N_PODS]
        col = self.table.ext_req.get(resource)
        return col.item(self.slot) if col is not None else 0

    def nonzero_requested(self, resource: str) -> int:
        if resource == CPU:
            return self._row()[NZ_CPU]
        if resource == MEMORY:
            return self._row()[NZ_MEM]
        return self.requested(resource)


_EMPTY: dict[str, Pod] = {}


class _SpecInfo:
    """What counting a pod needs from its (frozen, shared) spec, worked out once per spec."""

    __slots__ = ("affinity", "host_ports", "indexed", "request", "required_anti", "spec", "topology")

    def __init__(self, spec: PodSpec) -> None:
        self.spec = spec
        self.request = pod_request(spec)
        probe = Pod(name="", spec=spec)
        self.affinity = pod_has_affinity(probe)
        paa = spec.affinity.pod_anti_affinity if spec.affinity is not None else None
        self.required_anti = paa is not None and bool(paa.required)
        self.host_ports = pod_host_ports(probe)
        #: PodTopologySpread or InterPodAffinity will count this pod for others (``podcounts.py``)
        self.topology = bool(spec.topology_spread_constraints) or self.affinity
        #: the pod goes into the indexes of pods with pod (anti-)affinity terms or host ports
        self.indexed = self.affinity or bool(self.host_ports)


# Pods of one template share their spec, so this is memoised by spec identity; an entry holds the spec itself, so
# an id is never reused while its entry lives.
_SPEC_INFO: dict[int, _SpecInfo] = {}
_SPEC_INFO_LIMIT = 50_000


def _spec_info(spec: PodSpec) -> _SpecInfo:
    if len(_SPEC_INFO) >= _SPEC_INFO_LIMIT:
        _SPEC_INFO.clear()
    info = _SPEC_INFO[id(spec)] = _SpecInfo(spec)
    return info


#: the fields of a row (``NodeTable.rows[slot]``), also the names of the numpy columns
ROW_FIELDS = (
    "alloc_cpu", "alloc_mem", "alloc_eph", "alloc_pods", "req_cpu", "req_mem", "req_eph", "nz_cpu", "nz_mem",
    "pod_count",
)  # fmt: skip
A_CPU, A_MEM, A_EPH, A_PODS, R_CPU, R_MEM, R_EPH, NZ_CPU, NZ_MEM, N_PODS = range(len(ROW_FIELDS))
_ZERO_ROW = (0,) * len(ROW_FIELDS)


class _Column:
    """A numpy column of the table: a view of its block, synchronised from ``rows`` before it is returned."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _Column: ...

    @overload
    def __get__(self, obj: NodeTable, owner: type[Any]) -> I64: ...

    def __get__(self, obj: NodeTable | None, owner: type[Any]) -> _Column | I64:
        if obj is None:
            return self
        if obj._unsynced:
            obj._sync()
        col: I64 = obj._block[self.index]
        return col


class NodeTable:
    """Nodes and the pods bound to them: a row per slot, and numpy columns indexed by slot."""

    alloc_cpu = _Column(A_CPU)
    alloc_mem = _Column(A_MEM)
    alloc_eph = _Column(A_EPH)
    alloc_pods = _Column(A_PODS)
    req_cpu = _Column(R_CPU)
    req_mem = _Column(R_MEM)
    req_eph = _Column(R_EPH)
    nz_cpu = _Column(NZ_CPU)
    nz_mem = _Column(NZ_MEM)
    pod_count = _Column(N_PODS)

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = max(8, capacity)
        #: per slot: the ``ROW_FIELDS`` values of a live node, None for a free slot (the source of truth)
        self.rows: list[list[int] | None] = [None] * self.capacity
        self._block: I64 = np.zeros((len(ROW_FIELDS), self.capacity), dtype=np.int64)
        self._unsynced: set[int] = set()  # slots whose row changed since the block was last synchronised
        self.live: BoolArr = np.zeros(self.capacity, dtype=np.bool_)
        self.zeros: I64 = np.zeros(self.capacity, dtype=np.int64)  # read-only stand-in for a missing column
        self.ext_alloc: dict[str, I64] = {}
        self.ext_req: dict[str, I64] = {}
        self.nodes: list[Node | None] = [None] * self.capacity
        self.snapshots: list[NodeSnapshot | None] = [None] * self.capacity
        self.slot_of: dict[str, int] = {}
        self._free: list[int] = []
        self._next = 0
        # pods by uid -> (node name, request); pods counted on a node name that has no row, by name
        self.pod_node: dict[str, tuple[str, PodRequest]] = {}
        self.orphans: dict[str, dict[str, PodRequest]] = {}
        # node tree order
        self._zones: dict[str, list[str]] = {}
        self._order: I64 = np.zeros(0, dtype=np.int64)
        self.wrap: I64 = self._order  # order twice: a rotated window is a slice of it
        self._order_dirty = False
        # change logs: every change / node spec changes only
        self.log = DirtyLog()
        self.node_log = DirtyLog()
        self.count_unschedulable = 0
        self.count_hard_tainted = 0  # nodes with a NoSchedule/NoExecute taint
        self.count_prefer_tainted = 0  # nodes with a PreferNoSchedule taint
        # pod indexes for PodTopologySpread, InterPodAffinity and NodePorts (by node name / namespace, uid -> Pod)
        self.pods_by_node: dict[str, dict[str, Pod]] = {}
        #: ``ns_pods``, once something asked for it (the composite never does: then it costs nothing)
        self._ns_pods: dict[str, dict[str, Pod]] | None = None
        self.affinity_pods: dict[str, dict[str, Pod]] = {}
        self.port_pods: dict[str, dict[str, tuple[tuple[str, str, int], ...]]] = {}
        self.count_affinity_pods = 0  # counted pods with any pod (anti-)affinity term
        self.required_anti: set[str] = set()  # uids of counted pods with a required pod anti-affinity term
        #: pod counts per node and topology domain for the composite's topology path (off until first needed)
        self.counts = PodCounts(self)
        #: ``ImageStateSummary.NumNodes``: live nodes listing each image name
        self.image_nodes: dict[str, int] = {}

    # -- numpy columns --------------------------------------------------------------------------------------------
    def _sync(self) -> None:
        """Bring the numpy block up to date with ``rows`` for the slots changed since the last call."""
        slots = self._unsynced
        self._unsynced = set()
        rows = self.rows
        block = self._block
        if len(slots) <= 4:
            for s in slots:
                row = rows[s]
                block[:, s] = row if row is not None else _ZERO_ROW
            return
        idx = list(slots)
        block[:, idx] = np.array([rows[s] or _ZERO_ROW for s in idx], dtype=np.int64).T

    def _rebuild(self) -> None:
        """A fresh numpy block for the current capacity, filled from ``rows``."""
        self._unsynced = set()
        rows = self.rows
        block = np.array([r or _ZERO_ROW for r in rows], dtype=np.int64).T.copy()
        self._block = block.reshape(len(ROW_FIELDS), self.capacity)

    # -- nodes ----------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.slot_of)

    def __contains__(self, name: str) -> bool:
        return name in self.slot_of

    def node_infos(self) -> Iterator[NodeInfo]:
        """Node views in search order."""
        order = self.order.tolist()  # may renumber slots: read the node list after it
        nodes = self.nodes
        for slot in order:
            node = nodes[slot]
            assert node is not None
            yield NodeInfo(self, slot, node)

    def info(self, name: str) -> NodeInfo | None:
        slot = self.slot_of.get(name)
        if slot is None:
            return None
        node = self.nodes[slot]
        assert node is not None
        return NodeInfo(self, slot, node)

    @property
    def order(self) -> I64:
        """Slots in kube-scheduler's node tree order."""
        if self._order_dirty:
            names: list[str] = []
            zones = list(self._zones.values())
            depth = max((len(z) for z in zones), default=0)
            for i in range(depth):
                for z in zones:
                    if i < len(z):
                        names.append(z[i])
            slots = [self.slot_of[n] for n in names]
            if slots != list(range(len(slots))):
                self._relayout(slots)
            self._order = np.arange(len(names), dtype=np.int64)
            self.wrap = np.concatenate((self._order, self._order))
            self._order_dirty = False
        return self._order

    def _relayout(self, slots: list[int]) -> None:
        """Renumber slots so that slot order is search order (the fast path then slices instead of gathering)."""
        n = len(slots)
        idx = np.asarray(slots, dtype=np.int64)
        self.rows = [self.rows[s] for s in slots] + [None] * (self.capacity - n)
        self._rebuild()
        for cols in (self.ext_alloc, self.ext_req):
            for key, old in list(cols.items()):
                arr = np.zeros(self.capacity, dtype=np.int64)
                arr[:n] = old[idx]
                cols[key] = arr
        self.live = np.zeros(self.capacity, dtype=np.bool_)
        self.live[:n] = True
        nodes = [self.nodes[s] for s in slots]
        snaps = [self.snapshots[s] for s in slots]
        self.nodes = nodes + [None] * (self.capacity - n)
        self.snapshots = snaps + [None] * (self.capacity - n)
        self.slot_of = {node.name: i for i, node in enumerate(nodes) if node is not None}
        self._free = []
        self._next = n
        self.log.reset()
        self.node_log.reset()
        if self.counts.active:
            self.counts.layout_changed()

    def _grow(self) -> None:
        new = self.capacity * 2
        self.rows.extend([None] * (new - self.capacity))
        live = np.zeros(new, dtype=np.bool_)
        live[: self.capacity] = self.live
        self.live = live
        self.zeros = np.zeros(new, dtype=np.int64)
        for cols in (self.ext_alloc, self.ext_req):
            for key, old in list(cols.items()):
                arr = np.zeros(new, dtype=np.int64)
                arr[: self.capacity] = old
                cols[key] = arr
        self.nodes.extend([None] * (new - self.capacity))
        self.snapshots.extend([None] * (new - self.capacity))
        self.capacity = new
        self._rebuild()
        self.log.reset()
        self.node_log.reset()
        if self.counts.active:
            self.counts.layout_changed()

    def _ext_column(self, name: str) -> None:
        if name not in self.ext_alloc:
            self.ext_alloc[name] = np.zeros(self.capacity, dtype=np.int64)
            self.ext_req[name] = np.zeros(self.capacity, dtype=np.int64)

    def _taint_counts(self, snap: NodeSnapshot, sign: int) -> None:
        if snap.unschedulable:
            self.count_unschedulable += sign
        if any(t.effect in ("NoSchedule", "NoExecute") for t in snap.taints):
            self.count_hard_tainted += sign
        if any(t.effect == "PreferNoSchedule" for t in snap.taints):
            self.count_prefer_tainted += sign

    def _set_allocatable(self, slot: int, alloc: Mapping[str, int]) -> None:
        row = self.rows[slot]
        assert row is not None
        row[A_CPU] = alloc.get(CPU, 0)
        row[A_MEM] = alloc.get(MEMORY, 0)
        row[A_EPH] = alloc.get(EPHEMERAL, 0)
        row[A_PODS] = alloc.get(PODS, 0)
        self._unsynced.add(slot)
        for name, col in self.ext_alloc.items():
            col[slot] = alloc.get(name, 0)
        for name, value in alloc.items():
            if name not in (CPU, MEMORY, EPHEMERAL, PODS) and name not in self.ext_alloc:
                self._ext_column(name)
                self.ext_alloc[name][slot] = value

    def add_node(self, node: Node) -> int:
        """Add ``node`` (and re-account pods already bound to its name). Returns its slot."""
        if node.name in self.slot_of:
            self.update_node(node)
            return self.slot_of[node.name]
        if self._free:
            slot = self._free.pop()
        else:
            if self._next >= self.capacity:
                self._grow()
            slot = self._next
            self._next += 1
        self.slot_of[node.name] = slot
        self.nodes[slot] = node
        snap = NodeSnapshot(node)
        self.snapshots[slot] = snap
        self.live[slot] = True
        self.rows[slot] = list(_ZERO_ROW)
        self._set_allocatable(slot, snap.allocatable)
        for ext in self.ext_req.values():
            ext[slot] = 0
        for req in self.orphans.pop(node.name, {}).values():
            self._account(slot, req, 1)
        self._taint_counts(snap, 1)
        self._image_counts(snap, 1)
        self._zones.setdefault(snap.zone, []).append(node.name)
        self._order_dirty = True
        self.log.mark(slot)
        self.node_log.mark(slot)
        if self.counts.active:
            self.counts.node_added(slot, node.name)
        return slot

    def _image_counts(self, snap: NodeSnapshot, sign: int) -> None:
        counts = self.image_nodes
        for name in snap.images:
            c = counts.get(name, 0) + sign
            if c:
                counts[name] = c
            else:
                del counts[name]

    def update_node(self, node: Node) -> set[str]:
        """Refresh a node's row. Returns what changed: ``Allocatable``, ``Label``, ``Taint`` (taints/unschedulable)."""
        slot = self.slot_of.get(node.name)
        if slot is None:
            self.add_node(node)
            return {"Add"}
        old = self.snapshots[slot]
        assert old is not None
        new = NodeSnapshot(node)
        changes: set[str] = set()
        if new.allocatable != old.allocatable:
            changes.add("Allocatable")
        if new.labels != old.labels:
            changes.add("Label")
        if new.taints != old.taints or new.unschedulable != old.unschedulable:
            changes.add("Taint")
        self.nodes[slot] = node
        if new.images != old.images:
            self._image_counts(old, -1)
            self._image_counts(new, 1)
            self.snapshots[slot] = new
            self.log.mark(slot)
            self.node_log.mark(slot)
        if not changes:
            return changes
        self._taint_counts(old, -1)
        self._taint_counts(new, 1)
        self.snapshots[slot] = new
        if "Allocatable" in changes:
            self._set_allocatable(slot, new.allocatable)
        if new.zone != old.zone:
            self._remove_from_zone(old.zone, node.name)
            self._zones.setdefault(new.zone, []).append(node.name)
            self._order_dirty = True
        self.log.mark(slot)
        self.node_log.mark(slot)
        return changes

    def _remove_from_zone(self, zone: str, name: str) -> None:
        members = self._zones.get(zone)
        if members is not None and name in members:
            members.remove(name)
            if not members:
                del self._zones[zone]

    def remove_node(self, name: str) -> None:
        """Drop a node's row. Pods bound to it stay known by node name until they go."""
        slot = self.slot_of.pop(name, None)
        if slot is None:
            return
        snap = self.snapshots[slot]
        assert snap is not None
        self._taint_counts(snap, -1)
        self._image_counts(snap, -1)
        self._remove_from_zone(snap.zone, name)
        self.nodes[slot] = None
        self.snapshots[slot] = None
        self.live[slot] = False
        self.rows[slot] = None
        self._unsynced.add(slot)
        for cols in (self.ext_alloc, self.ext_req):
            for ext in cols.values():
                ext[slot] = 0
        self._free.append(slot)
        self._order_dirty = True
        self.log.mark(slot)
        self.node_log.mark(slot)
        if self.counts.active:
            self.counts.node_removed(slot)
        # its pods stay counted on the name (a node that comes back counts them again)
        kept = {uid: req for uid, (on, req) in self.pod_node.items() if on == name}
        if kept:
            self.orphans[name] = kept

    # -- pods -----------------------------------------------------------------------------------------------------
    def _account(self, slot: int, req: PodRequest, sign: int) -> None:
        row = self.rows[slot]
        assert row is not None
        if sign > 0:
            row[R_CPU] += req.cpu
            row[R_MEM] += req.memory
            row[R_EPH] += req.ephemeral
            row[NZ_CPU] += req.nz_cpu
            row[NZ_MEM] += req.nz_memory
            row[N_PODS] += 1
        else:
            row[R_CPU] -= req.cpu
            row[R_MEM] -= req.memory
            row[R_EPH] -= req.ephemeral
            row[NZ_CPU] -= req.nz_cpu
            row[NZ_MEM] -= req.nz_memory
            row[N_PODS] -= 1
        self._unsynced.add(slot)
        if req.scalars:
            self._account_scalars(slot, req, sign)

    def _account_scalars(self, slot: int, req: PodRequest, sign: int) -> None:
        for name, value in req.scalars:
            if name not in self.ext_req:
                self._ext_column(name)
            self.ext_req[name][slot] += sign * value

    def has_pod(self, uid: str) -> bool:
        return uid in self.pod_node

    def pod_node_name(self, uid: str) -> str | None:
        entry = self.pod_node.get(uid)
        return entry[0] if entry is not None else None

    def add_pod(self, pod: Pod, node_name: str | None = None) -> None:
        """Count ``pod`` against ``node_name`` (default: its binding). Idempotent for the same node."""
        name = node_name or pod.node_name
        uid = pod.uid or pod.key
        spec = pod.spec
        info = _SPEC_INFO.get(id(spec))
        if info is None or info.spec is not spec:
            info = _spec_info(spec)
        counts = self.counts
        if info.topology and not counts.active:
            # the first pod whose spreading or pod affinity the topology path will count: start counting now,
            # while pods come, rather than in the middle of a scheduling cycle later
            counts.activate()
        pod_node = self.pod_node
        old = pod_node.get(uid)
        if old is not None:
            if old[0] == name:
                return
            self.remove_pod(uid)
        req = info.request
        pod_node[uid] = (name, req)
        # the pod indexes
        bucket = self.pods_by_node.get(name)
        if bucket is None:
            self.pods_by_node[name] = {uid: pod}
        else:
            bucket[uid] = pod
        ns_pods = self._ns_pods
        if ns_pods is not None:
            ns = ns_pods.get(pod.namespace)
            if ns is None:
                ns_pods[pod.namespace] = {uid: pod}
            else:
                ns[uid] = pod
        if info.indexed:
            if info.affinity:
                self.affinity_pods.setdefault(name, {})[uid] = pod
                self.count_affinity_pods += 1
                if info.required_anti:
                    self.required_anti.add(uid)
            if info.host_ports:
                self.port_pods.setdefault(name, {})[uid] = info.host_ports
        slot = self.slot_of.get(name)
        if counts.active:
            counts.pod_added(pod, uid, name, slot)
        if slot is None:
            orphans = self.orphans.get(name)
            if orphans is None:
                self.orphans[name] = {uid: req}
            else:
                orphans[uid] = req
            return
        row = self.rows[slot]
        assert row is not None
        row[R_CPU] += req.cpu
        row[R_MEM] += req.memory
        row[R_EPH] += req.ephemeral
        row[NZ_CPU] += req.nz_cpu
        row[NZ_MEM] += req.nz_memory
        row[N_PODS] += 1
        self._unsynced.add(slot)
        if req.scalars:
            self._account_scalars(slot, req, 1)
        entries = self.log.entries  # log.mark, inlined
        entries.append(slot)
        if len(entries) > self.log.limit:
            self.log.reset()

    def remove_pod(self, uid: str) -> str | None:
        """Stop counting a pod. Returns the node name it was counted on, or None if unknown."""
        entry = self.pod_node.pop(uid, None)
        if entry is None:
            return None
        name, req = entry
        # the pod indexes
        bucket = self.pods_by_node.get(name)
        if bucket is not None:
            pod = bucket.pop(uid, None)
            if not bucket:
                del self.pods_by_node[name]
            if pod is not None:
                ns_pods = self._ns_pods
                if ns_pods is not None:
                    ns = ns_pods.get(pod.namespace)
                    if ns is not None:
                        ns.pop(uid, None)
                        if not ns:
                            del ns_pods[pod.namespace]
                if self.affinity_pods or self.port_pods:
                    self._unindex_special(uid, name)
        slot = self.slot_of.get(name)
        if self.counts.active:
            self.counts.pod_removed(uid, slot)
        if slot is None:
            orphans = self.orphans.get(name)
            if orphans is not None:
                orphans.pop(uid, None)
                if not orphans:
                    del self.orphans[name]
            return name
        row = self.rows[slot]
        assert row is not None
        row[R_CPU] -= req.cpu
        row[R_MEM] -= req.memory
        row[R_EPH] -= req.ephemeral
        row[NZ_CPU] -= req.nz_cpu
        row[NZ_MEM] -= req.nz_memory
        row[N_PODS] -= 1
        self._unsynced.add(slot)
        if req.scalars:
            self._account_scalars(slot, req, -1)
        entries = self.log.entries  # log.mark, inlined
        entries.append(slot)
        if len(entries) > self.log.limit:
            self.log.reset()
        return name

    @property
    def ns_pods(self) -> dict[str, dict[str, Pod]]:
        """The counted pods by namespace (uid -> Pod), made at the first read and kept up to date from then on."""
        if self._ns_pods is None:
            index: dict[str, dict[str, Pod]] = {}
            for pods in self.pods_by_node.values():
                for uid, pod in pods.items():
                    ns = index.get(pod.namespace)
                    if ns is None:
                        index[pod.namespace] = {uid: pod}
                    else:
                        ns[uid] = pod
            self._ns_pods = index
        return self._ns_pods

    # -- pod indexes ----------------------------------------------------------------------------------------------
    def _unindex_special(self, uid: str, name: str) -> None:
        """Drop a pod from the indexes of pods with pod (anti-)affinity terms and with host ports."""
        aff = self.affinity_pods.get(name)
        if aff is not None and aff.pop(uid, None) is not None:
            self.count_affinity_pods -= 1
            self.required_anti.discard(uid)
            if not aff:
                del self.affinity_pods[name]
        ports = self.port_pods.get(name)
        if ports is not None and ports.pop(uid, None) is not None and not ports:
            del self.port_pods[name]
