"""The kube-scheduler of the simulation: watches pods and nodes, queues pending pods, runs one cycle per callback.

Watch handlers only update the cache and the queue and arrange a cycle with ``engine.call_soon``; the cycle (a
callback, not a watch handler) writes the binding or the ``FailedScheduling`` event to the store.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from models.node import Node
from models.pod import Pod
from models.schedconfig import KubeSchedulerConfiguration
from simulator.defaults import KubeDefaults
from simulator.engine import Engine
from simulator.podutil import delete_pod
from simulator.scheduler.cache import NodeTable
from simulator.scheduler.framework import (
    NO_NODES_AVAILABLE,
    Code,
    Cursor,
    CycleState,
    Handle,
    PostFilterResult,
    Profile,
    QueuedPodInfo,
    ScheduleResult,
    Status,
    build_profiles,
)
from simulator.scheduler.plugins.default_binder import DefaultBinder
from simulator.scheduler.queue import SchedulingQueue
from simulator.store import DELETED, Store

__all__ = ["Scheduler"]

_TERMINAL = frozenset(("Succeeded", "Failed"))
_SHARED_STATE = CycleState()
#: ``validation.NoteLengthLimit``: the longest Event message (bytes); ``truncateMessage`` cuts longer ones
NOTE_LENGTH_LIMIT = 1024

ExplainCallback = Callable[[dict[str, Any]], None]


class Scheduler:
    """kube-scheduler with the profiles of ``config`` (default: one ``default-scheduler`` profile).

    Args:
        engine: the simulation engine (clock, ``rng("scheduler")`` for tie-breaks).
        store: the API server; the scheduler watches Pods and Nodes and writes bindings and events.
        defaults: version defaults (backoff, unschedulable timeout) when ``config`` does not set them.
        config: a KubeSchedulerConfiguration.
        explain: record an explain record for every attempt (uses the per-node reference path).
        explain_callback: called with each explain record.

    Raises:
        ConfigError: the configuration names unknown plugins or bad plugin args.
    """

    def __init__(
        self,
        engine: Engine,
        store: Store,
        defaults: KubeDefaults,
        config: KubeSchedulerConfiguration | None = None,
        explain: bool = False,
        explain_callback: ExplainCallback | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.defaults = defaults
        self.table = NodeTable()
        self.handle = Handle(store, engine, defaults, self.table)
        self.profiles: dict[str, Profile] = build_profiles(config, self.handle)
        first = next(iter(self.profiles.values()))
        events: dict[str, frozenset[str]] = {}
        for prof in self.profiles.values():
            events.update(prof.events_by_plugin)
        initial = (
            config.pod_initial_backoff_seconds if config is not None else defaults.pod_initial_backoff_seconds
        )
        maximum = config.pod_max_backoff_seconds if config is not None else defaults.pod_max_backoff_seconds
        self.queue = SchedulingQueue(
            engine,
            first.sort_key_fn(),
            events,
            initial_backoff=initial,
            max_backoff=maximum,
            max_unschedulable=defaults.pod_max_in_unschedulable_pods_duration,
            pop_from_backoff=defaults.scheduler_pop_from_backoffq,
            on_active=self._kick,
        )
        self.rng: random.Random = engine.rng("scheduler")
        self.cursor = Cursor()
        self.explain = explain
        self.explain_callback = explain_callback
        self.explain_records: list[dict[str, Any]] = []
        self.attempts = 0
        self.scheduled = 0
        self.failed = 0
        self._pending = False
        self._queued = self.queue.infos  # the queue's pods by uid (for the watch handlers' quick checks)
        self._counted = self.table.pod_node  # pods counted on a node, by uid
        self._pod_counts = self.table.counts
        self._own_binding: Pod | None = None  # the pod DefaultBinder is writing the binding of
        self._plain_binders = {
            prof for prof in self.profiles.values() if all(type(b) is DefaultBinder for b in prof.bind)
        }
        store.watch("Node", self._on_node)
        store.watch("Pod", self._on_pod)
        for node in store.list("Node"):
            self.table.add_node(node)
        for pod in store.list("Pod"):
            self._on_pod("ADDED", pod)

    # -- watches --------------------------------------------------------------------------------------------------
    def _eligible(self, pod: Pod) -> bool:
        return (
            not pod.node_name
            and pod.deletion_timestamp is None
            and not pod.is_terminal
            and not pod.spec.scheduling_gates
            and pod.spec.scheduler_name in self.profiles
        )

    def _on_pod(self, event: str, pod: Pod) -> None:
        if pod is self._own_binding:
            return
        uid = pod.uid or pod.key
        node_name = pod.node_name
        if node_name and event != DELETED:
            # a bound pod changed: most often already counted on that node (Running, Ready, ...): nothing to do
            if uid in self._queued:
                self.queue.delete(uid)
            if self.handle.nominated and uid in self.handle.nominated:
                self.handle.clear_nomination(uid)  # bound by someone else: the nomination is void
            if pod.phase in _TERMINAL:
                if self.table.remove_pod(uid) is not None:
                    self.queue.move_all("PodDelete")
                return
            entry = self._counted.get(uid)
            if entry is None or entry[0] != node_name:
                self.table.add_pod(pod)
            elif self._pod_counts.active:
                # the topology path's counts follow labels and deletion timestamps of counted pods
                self._pod_counts.check_pod(uid, pod)
            return
        if event == DELETED:
            if uid in self._queued:
                self.queue.delete(uid)
            if self.handle.nominated:
                self.handle.clear_nomination(uid)
            self.handle.preempted.discard(uid)
            if uid in self._counted and self.table.remove_pod(uid) is not None:
                self.queue.move_all("PodDelete")
            return
        if uid in self._counted:  # unbound again (not something Kubernetes does, but keep the books right)
            self.table.remove_pod(uid)
            self.queue.move_all("PodDelete")
        # _eligible, inlined (the pod is not bound)
        spec = pod.spec
        if (
            pod.deletion_timestamp is None
            and pod.phase not in _TERMINAL
            and not spec.scheduling_gates
            and spec.scheduler_name in self.profiles
        ):
            if pod.nominated_node_name and uid not in self.handle.nominated:
                # the PodNominator tracks status.nominatedNodeName of pods it learns about (AddNominatedPod)
                self.handle.nominate(pod, pod.nominated_node_name)
            self.queue.add(pod)
        elif uid in self._queued:
            self.queue.delete(uid)

    def _on_node(self, event: str, node: Node) -> None:
        if event == DELETED:
            self.table.remove_node(node.name)
            return
        if node.name not in self.table:
            self.table.add_node(node)
            self.queue.move_all("NodeAdd")
            return
        for change in sorted(self.table.update_node(node)):
            self.queue.move_all("Node" + change)

    # -- cycles ---------------------------------------------------------------------------------------------------
    def _kick(self) -> None:
        queue = self.queue
        if not self._pending and (queue._active or queue._bcount):  # queue.has_work, inlined
            self._pending = True
            engine = self.engine
            engine.call_at(engine.now, self._cycle)  # call_soon

    def _cycle(self) -> None:
        self._pending = False
        p = self.queue.pop()
        if p is not None:
            self._schedule_one(p)
        if self.queue.has_work:
            self._kick()

    def _schedule_one(self, p: QueuedPodInfo) -> None:
        pod = p.pod
        profile = self.profiles.get(pod.spec.scheduler_name)
        if profile is None or pod.node_name:
            self.queue.done(p)
            return
        self.attempts += 1
        comp = profile.composite
        if (
            comp is not None
            and not self.explain
            and not self.handle.nominated
            and not pod.nominated_node_name
        ):
            slot = comp.schedule(pod, self.table, self.rng, self.cursor)
            if slot >= 0:
                node = self.table.nodes[slot]
                assert node is not None
                self._bind(p, profile, node.name)
                return
        res = profile.schedule(pod, self.table, self.rng, self.cursor, explain=self.explain, composite=False)
        post = profile.run_post_filter(pod, self.table, self.rng, res) if res.node is None else None
        if res.record is not None:
            if post is not None:
                res.record["victims"] = [f"{v.namespace}/{v.name}" for v in post.victims]
            self.explain_records.append(res.record)
            if self.explain_callback is not None:
                self.explain_callback(res.record)
        if res.node is None:
            self.failed += 1
            message = _with_post_filter(res, post)
            self.queue.add_unschedulable(p, res.unschedulable_plugins, error=res.code == Code.Error)
            if post is not None:
                self._preempt(pod, post)
            elif pod.nominated_node_name and (res.code == Code.Error or res.message == NO_NODES_AVAILABLE):
                # schedulingCycle's clearNominatedNode: an error or ErrNoNodesAvailable (not a FitError) voids the
                # nomination; a FitError without PostFilter plugins leaves it alone
                self._preempt(pod, PostFilterResult(Status(), nominated_node=""))
            self.store.event(pod, "FailedScheduling", truncate_message(message), "Warning")
            return
        self._bind(p, profile, res.node)

    def _preempt(self, pod: Pod, post: PostFilterResult) -> None:
        """Carry out a PostFilter result (``prepareCandidate``, 1.35): nominate the pod, delete the victims
        gracefully with a ``Preempted`` event each, clear lower-priority nominations on that node."""
        node = post.nominated_node
        if node is None:
            return
        handle = self.handle
        if pod.nominated_node_name != node:
            pod.nominated_node_name = node
            self.store.update(pod)
        handle.nominate(pod, node)
        if not node:
            return
        for victim in post.victims:
            if victim.deletion_timestamp is not None:
                continue  # graceful deletion already under way
            handle.preempted.add(victim.uid or victim.key)
            delete_pod(self.store, victim)
            # upstream names the preemptor by UID; kubesim by namespace/name, which reads better in the event log
            self.store.event(
                victim, "Preempted", f"Preempted by pod {pod.namespace}/{pod.name} on node {node}", "Normal"
            )
        for other in list(handle.nominated_by_node.get(node, {}).values()):
            if other is not pod and other.priority < pod.priority:
                handle.clear_nomination(other.uid or other.key)
                other.nominated_node_name = ""
                self.store.update(other)

    def _bind(self, p: QueuedPodInfo, profile: Profile, node: str) -> None:
        """Assume ``p`` on ``node`` and run the Bind plugins."""
        pod = p.pod
        if pod.nominated_node_name:
            # ClearingNominatedNodeNameAfterBinding (beta, on by default in 1.35): cleared with the binding
            self.handle.clear_nomination(p.uid)
            pod.nominated_node_name = ""
        self.table.add_pod(pod, node)  # assume
        plain = profile in self._plain_binders
        # DefaultBinder ignores the cycle state, so it shares one; and its binding write needs nothing of the pod
        # watch (the pod is counted on that node already, and queue.done forgets it), so the watch skips it
        state = _SHARED_STATE if plain else CycleState()
        if plain:
            self._own_binding = pod
        for binder in profile.bind:
            st = binder.bind(state, pod, node)
            if st is None or st.code == Code.Success:
                break
            if st.code == Code.Skip:
                continue
            self._own_binding = None
            self.table.remove_pod(p.uid)  # forget
            self.failed += 1
            self.queue.add_unschedulable(p, (), error=True)
            # RunBindPlugins' fmt.Errorf("running Bind plugin %q: %w"): Go's %q quotes with double quotes
            msg = f'running Bind plugin "{binder.name}": {st.message}'
            self.store.event(pod, "FailedScheduling", truncate_message(msg), "Warning")
            return
        self._own_binding = None
        self.scheduled += 1
        self.queue.done(p)

    # -- explain --------------------------------------------------------------------------------------------------
    def explain_pod(self, pod: Pod) -> dict[str, Any]:
        """An explain record for ``pod`` against the current cluster, without binding or changing any state."""
        profile = self.profiles.get(pod.spec.scheduler_name) or next(iter(self.profiles.values()))
        rng = random.Random()
        rng.setstate(self.rng.getstate())
        res = profile.schedule(pod, self.table, rng, Cursor(self.cursor.index), explain=True)
        assert res.record is not None
        if res.node is None:
            # the PostFilter dry run: victims are reported, nothing is deleted or nominated
            post = profile.run_post_filter(pod, self.table, rng, res)
            if post is not None:
                res.record["victims"] = [f"{v.namespace}/{v.name}" for v in post.victims]
            res.record["message"] = _with_post_filter(res, post)
        return res.record


def truncate_message(message: str) -> str:
    """``truncateMessage`` (schedule_one.go): a ``FailedScheduling`` Event message longer than ``NoteLengthLimit``
    bytes keeps its first 1020 bytes and ends in `` ...`` (the pod condition and ``kubesim explain`` keep it all). A
    multi-byte character cut in two becomes U+FFFD, as the invalid UTF-8 Go leaves does once encoded as JSON."""
    raw = message.encode()
    if len(raw) <= NOTE_LENGTH_LIMIT:
        return message
    suffix = " ..."
    return raw[: NOTE_LENGTH_LIMIT - len(suffix)].decode(errors="replace") + suffix


def _with_post_filter(res: ScheduleResult, post: PostFilterResult | None) -> str:
    """``FitError.Error`` with the PostFilter message appended (``0/3 nodes are available: ... preemption: ...``)."""
    if post is None or not post.status.message or res.message == "" or res.code != Code.Unschedulable:
        return res.message
    return f"{res.message} {post.status.message}"
