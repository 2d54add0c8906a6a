"""Invariants over a written event log (JSON Lines), for runs that are over: ``no-overcommit`` and ``no-pod-lost``.

The log's Pod lines carry the node, phase, owner and deletionTimestamp, and Node lines the node's coming and going,
which is all ``no-pod-lost`` needs. ``no-overcommit`` also needs each pod's requests and each node's allocatable,
which the log does not carry: they come from the scenario's objects (a pod's owner ``ReplicaSet/web-7d9f8`` leads to
the Deployment ``web`` and its template; a node ``general-3`` to the NodePool ``general``). kubesim's timeline
actions change images and replica counts, never requests, so the objects' templates hold for the whole run.
The other invariants need what only a live run has (pod labels and specs at bind time, PDB status, kubelet
leases): ``Invariant.live_only``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from models.kubesim import NodePool
from models.meta import KObject
from models.node import Node
from models.pod import Pod, PodSpec
from models.workloads import CronJob
from simulator.testing._invariants_core import Violation, format_quantity, pod_requests

__all__ = ["LogCheck", "check_event_log", "read_event_log"]

_TERMINAL = frozenset(("Succeeded", "Failed"))
LOG_INVARIANTS = ("no-overcommit", "no-pod-lost")
_TEMPLATE_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job")


def read_event_log(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a JSON Lines event log (``kubesim run --events``).

    Raises:
        ValueError: a line is not a JSON object (the message names the line).
    """
    records: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{os.fspath(path)}:{number}: not JSON: {err.msg}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{os.fspath(path)}:{number}: not a JSON object")
            records.append(record)
    return records


@attrs.frozen
class LogCheck:
    """What ``check_event_log`` found: the violations, what it could not check, and what it read."""

    violations: tuple[Violation, ...]
    notes: tuple[str, ...]
    invariants: tuple[str, ...]
    records: int
    pods: int
    end: float

    @property
    def ok(self) -> bool:
        return not self.violations


class _Objects:
    """Pod specs and node allocatable from the scenario's objects."""

    def __init__(self, objects: Iterable[KObject]) -> None:
        self.pods: dict[tuple[str, str], PodSpec] = {}
        self.templates: dict[tuple[str, str, str], PodSpec] = {}
        self.nodes: dict[str, dict[str, int]] = {}
        self.pools: dict[str, dict[str, int]] = {}
        for obj in objects:
            if isinstance(obj, Pod):
                self.pods[(obj.namespace, obj.name)] = obj.spec
            elif isinstance(obj, Node):
                self.nodes[obj.name] = dict(obj.allocatable)
            elif isinstance(obj, NodePool):
                self.pools[obj.name] = dict(obj.allocatable)
            elif isinstance(obj, CronJob):
                if obj.job_template is not None:
                    self.templates[("CronJob", obj.namespace, obj.name)] = obj.job_template.template.spec
            elif obj.KIND in _TEMPLATE_KINDS:
                template = getattr(obj, "template", None)
                if template is not None:
                    self.templates[(obj.KIND, obj.namespace, obj.name)] = template.spec

    def spec(self, namespace: str, name: str, owner: str | None) -> PodSpec | None:
        if not owner:
            return self.pods.get((namespace, name))
        kind, _, owner_name = owner.partition("/")
        found = self.templates.get((kind, namespace, owner_name))
        if found is not None:
            return found
        parent = owner_name.rsplit("-", 1)[0]  # <deployment>-<pod-template-hash>, <cronjob>-<scheduled time>
        if kind == "ReplicaSet":
            return self.templates.get(("Deployment", namespace, parent))
        if kind == "Job":
            return self.templates.get(("CronJob", namespace, parent))
        return None

    def allocatable(self, node: str) -> dict[str, int] | None:
        found = self.nodes.get(node)
        if found is not None:
            return found
        pool, _, index = node.rpartition("-")
        return self.pools.get(pool) if index.isdigit() else None


def check_event_log(
    records: Iterable[Mapping[str, Any]],
    objects: Iterable[KObject] = (),
    invariants: Iterable[str] | None = None,
    *,
    orphan_grace: float = 60.0,
) -> LogCheck:
    """Check ``no-overcommit`` and/or ``no-pod-lost`` over an event log's records (as ``read_event_log`` returns).

    Args:
        records: the log's records in order.
        objects: the scenario's objects (``models.loader``), for pod requests and node allocatable. Without a
            node's Node or NodePool object its allocatable is unknown and ``no-overcommit`` skips it; without a
            pod's template only its pod count is compared (``notes`` say so).
        invariants: a subset of ``("no-overcommit", "no-pod-lost")`` (default both).
        orphan_grace: as ``NoPodLost.orphan_grace``.

    Raises:
        ValueError: an invariant that needs a live run, or an unknown name.
    """
    chosen = tuple(invariants) if invariants is not None else LOG_INVARIANTS
    for name in chosen:
        if name not in LOG_INVARIANTS:
            raise ValueError(f"invariant {name!r} cannot be checked over an event log (only a live run)")
    overcommit = "no-overcommit" in chosen
    lost = "no-pod-lost" in chosen
    specs = _Objects(objects)
    notes: list[str] = []
    violations: list[Violation] = []
    present: set[str] = set()
    node_gone: dict[str, float] = {}
    node_record: dict[str, Mapping[str, Any]] = {}
    alloc: dict[str, dict[str, int]] = {}
    # (namespace, name) -> (node, requests, the record that made it count)
    counted: dict[tuple[str, str], tuple[str, dict[str, int], Mapping[str, Any]]] = {}
    used: dict[str, dict[str, int]] = {}
    over: set[tuple[str, str]] = set()
    alive: dict[tuple[str, str], Mapping[str, Any]] = {}  # pods in existence -> their latest record
    seen_pods: set[tuple[str, str]] = set()
    unknown_specs: set[str] = set()
    count = 0
    now = 0.0

    def check(node: str, trigger: Mapping[str, Any]) -> None:
        have = alloc.get(node)
        sums = used.get(node)
        if have is None or not sums:
            return
        bad = [
            (r, v, have.get(r, 0)) for r, v in sums.items() if v > have.get(r, 0) and (node, r) not in over
        ]
        if not bad:
            return
        over.update((node, r) for r, _, _ in bad)
        text = ", ".join(
            f"{r} requested {format_quantity(r, want)} > allocatable {format_quantity(r, cap)}"
            for r, want, cap in bad
        )
        others = [(key, rec) for key, (n, _, rec) in counted.items() if n == node and rec is not trigger]
        others.reverse()  # the latest first
        lines = [trigger] + (
            [node_record[node]] if node in node_record and node_record[node] is not trigger else []
        )
        lines += [rec for _, rec in others[:20]]
        is_pod = trigger.get("kind") == "Pod"
        who = f"pod {trigger['namespace']}/{trigger['name']} was bound to it" if is_pod else "it was added"
        first = [f"Pod/{trigger['namespace']}/{trigger['name']}"] if is_pod else []
        shown = ", ".join(
            f"{r} {format_quantity(r, v)}/{format_quantity(r, have.get(r, 0))}"
            for r, v in sorted(sums.items())
            if v
        )
        violations.append(
            Violation(
                invariant="no-overcommit",
                time=float(trigger.get("t", now)),
                message=f"node {node} is overcommitted: {text}, once {who} (line {trigger.get('seq')})",
                objects=(f"Node/{node}", *first, *(f"Pod/{ns}/{n}" for (ns, n), _ in others)),
                seqs=tuple(int(r["seq"]) for r in lines if "seq" in r),
                records=tuple(lines),
                details=(f"requested/allocatable on {node}: {shown}",),
            )
        )

    for record in records:
        count += 1
        now = float(record.get("t", now))
        kind = record.get("kind")
        change = record.get("type")
        if kind == "Node" and change in ("ADDED", "MODIFIED", "DELETED"):
            name = str(record["name"])
            node_record[name] = record
            if change == "DELETED":
                present.discard(name)
                node_gone[name] = now
                alloc.pop(name, None)
                continue
            present.add(name)
            node_gone.pop(name, None)
            if change == "ADDED" and overcommit:
                found = specs.allocatable(name)
                if found is None:
                    if specs.nodes or specs.pools:  # else the one "no Node or NodePool objects" note says it
                        notes.append(
                            f"no-overcommit: allocatable of node {name} unknown (no Node or NodePool object)"
                        )
                else:
                    alloc[name] = found
                    check(name, record)
            continue
        if kind != "Pod" or change not in ("ADDED", "MODIFIED", "DELETED"):
            continue
        key = (str(record["namespace"]), str(record["name"]))
        node = record.get("node") or ""
        phase = record.get("phase")
        if change == "DELETED":
            alive.pop(key, None)
            if (
                lost
                and node
                and phase not in _TERMINAL
                and record.get("deletionTimestamp") is None
                and node in present
            ):
                violations.append(
                    Violation(
                        invariant="no-pod-lost",
                        time=now,
                        message=f"pod {key[0]}/{key[1]} ({phase} on node {node}) was removed without a graceful "
                        "deletion (no deletionTimestamp) and without finishing: lost",
                        objects=(f"Pod/{key[0]}/{key[1]}", f"Node/{node}"),
                        seqs=(int(record["seq"]),) if "seq" in record else (),
                        records=(record,),
                    )
                )
        else:
            alive[key] = record
            seen_pods.add(key)
        if not overcommit:
            continue
        should = change != "DELETED" and bool(node) and phase not in _TERMINAL
        entry = counted.get(key)
        if should and entry is not None and entry[0] == node:
            continue
        if entry is not None:
            del counted[key]
            sums = used[entry[0]]
            for r, v in entry[1].items():
                sums[r] -= v
            cap = alloc.get(entry[0], {})
            for r in entry[1]:
                if sums.get(r, 0) <= cap.get(r, 0):
                    over.discard((entry[0], r))
        if should:
            spec = specs.spec(key[0], key[1], record.get("owner"))
            requests: dict[str, int] = {"pods": 1}
            if spec is None:
                owner = record.get("owner") or f"Pod/{key[1]}"
                if owner not in unknown_specs:
                    unknown_specs.add(owner)
                    notes.append(
                        f"no-overcommit: requests of {owner}'s pods unknown (only the pod count is checked)"
                    )
            else:
                requests.update(pod_requests(spec))
            counted[key] = (node, requests, record)
            sums = used.setdefault(node, {})
            for r, v in requests.items():
                sums[r] = sums.get(r, 0) + v
            check(node, record)

    if lost:
        for key, record in alive.items():
            node = record.get("node") or ""
            if not node or record.get("phase") in _TERMINAL or node in present:
                continue
            gone = node_gone.get(node)
            if gone is None or now - gone < orphan_grace:
                continue
            violations.append(
                Violation(
                    invariant="no-pod-lost",
                    time=now,
                    message=f"pod {key[0]}/{key[1]} is still bound to node {node}, which has not existed since "
                    f"t={gone:g}s: it neither runs nor ended (PodGC should have deleted it)",
                    objects=(f"Pod/{key[0]}/{key[1]}", f"Node/{node}"),
                    seqs=(int(record["seq"]),) if "seq" in record else (),
                    records=(record,),
                )
            )
    if overcommit and not specs.nodes and not specs.pools:
        notes.insert(0, "no-overcommit: no Node or NodePool objects given, so no node's allocatable is known")
    return LogCheck(
        violations=tuple(violations),
        notes=tuple(dict.fromkeys(notes)),
        invariants=chosen,
        records=count,
        pods=len(seen_pods),
        end=now,
    )
