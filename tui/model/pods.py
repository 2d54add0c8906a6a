"""Pending pods and each pod's history (phase changes and Events), from the store's watch stream.

The inspector shows a pod's life as a list of moments: created, scheduled, running, ready, evicted, deleted.
The store keeps only the current object, so the book writes a line whenever something a student cares about
changes (phase, readiness, the container's waiting reason, the start of graceful deletion) and adds the
Kubernetes Events about the pod as they happen. Histories are keyed by uid (a StatefulSet's ``db-0`` comes back
under the same name as a new pod); those of deleted pods are forgotten after a while so that a long run does not
keep every pod that ever lived.
"""

from __future__ import annotations

from collections import deque

from models.pod import Pod
from simulator.store import ADDED, DELETED

__all__ = ["PodBook"]

_HISTORY_LIMIT = 80  # moments kept per pod (the first ones and the latest ones)
_KEEP_DELETED = 2000  # deleted pods whose history is kept


def _status(pod: Pod) -> tuple[str, bool, bool, str]:
    waiting = pod.waiting_reason if pod.container_state == "Waiting" else ""
    return pod.phase, pod.ready, pod.deletion_timestamp is not None, waiting


class PodBook:
    """Pending pods and per-pod histories (``(t, text)`` moments, oldest first)."""

    def __init__(self) -> None:
        self.pending: set[str] = set()  # uids of pods not bound, not finished, not being deleted
        self.history: dict[str, list[tuple[float, str]]] = {}
        self._status: dict[str, tuple[str, bool, bool, str]] = {}
        self._deleted: deque[str] = deque()
        self.changed: set[str] = set()  # uids with new moments since the inspector last looked

    def take_changed(self) -> set[str]:
        """Pods with new moments since the last call (and forget them)."""
        changed, self.changed = self.changed, set()
        return changed

    def _add(self, uid: str, t: float, text: str) -> None:
        moments = self.history.get(uid)
        if moments is None:
            moments = self.history[uid] = []
        moments.append((t, text))
        if len(moments) > _HISTORY_LIMIT:
            del moments[10:30]
            moments.insert(10, (moments[10][0], "…"))
        self.changed.add(uid)

    def on_pod(self, change: str, pod: Pod, now: float) -> None:
        """A Pod was added, modified or deleted."""
        uid = pod.uid
        if change != DELETED and not pod.node_name and not pod.is_terminal and pod.deletion_timestamp is None:
            self.pending.add(uid)
        else:
            self.pending.discard(uid)
        if change == DELETED:
            self._add(uid, now, "deleted")
            self._status.pop(uid, None)
            self._deleted.append(uid)
            if len(self._deleted) > _KEEP_DELETED:
                self.history.pop(self._deleted.popleft(), None)
            return
        status = _status(pod)
        old = self._status.get(uid)
        if old == status:
            return
        self._status[uid] = status
        phase, ready, deleting, waiting = status
        if change == ADDED or old is None:
            self._add(uid, now, f"created, {phase}")
            return
        if phase != old[0]:
            self._add(uid, now, f"phase {phase}")
        if waiting != old[3] and waiting:
            self._add(uid, now, f"waiting: {waiting}")
        if ready != old[1]:
            self._add(uid, now, "Ready" if ready else "not Ready")
        if deleting and not old[2]:
            self._add(uid, now, "Terminating")

    def on_event(self, t: float, uid: str, reason: str, message: str) -> None:
        """A Kubernetes Event about a pod."""
        self._add(uid, t, f"{reason}: {message}")
