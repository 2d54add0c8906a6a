"""Pod admission, as the API server's admission plugins do it on create.

* Priority: ``spec.priorityClassName`` resolves to the PriorityClass value (the ``globalDefault`` class, else 0,
  when absent); an unknown class rejects the pod, as the Priority admission plugin does.
* A pod created with ``spec.nodeName`` is bound from the start, bypassing the scheduler.
* DefaultTolerationSeconds: pods that do not tolerate ``node.kubernetes.io/not-ready`` or
  ``node.kubernetes.io/unreachable`` with effect NoExecute get a toleration for each, 300 s by default.

Pods stamped from one template share one admitted spec (memoised by the template spec's identity), so a 10,000
replica ReplicaSet does not build 10,000 toleration tuples.
"""

from __future__ import annotations

import attrs

from models.pod import Pod, PodSpec, Toleration
from models.policy import PriorityClass
from simulator.defaults import KubeDefaults
from simulator.store import Store

__all__ = ["AdmissionError", "PodAdmission"]

_MEMO_LIMIT = 4096
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"


class AdmissionError(ValueError):
    """The API server would reject the object (HTTP 403/422)."""


class PodAdmission:
    """Mutates and validates pods before the store admits them."""

    def __init__(self, store: Store, defaults: KubeDefaults) -> None:
        self._store = store
        self._defaults = defaults
        self._admitted: dict[int, tuple[PodSpec, PodSpec]] = {}

    def __call__(self, pod: Pod) -> None:
        """Admit ``pod`` in place: resolve its priority and add default tolerations."""
        spec = pod.spec
        cached = self._admitted.get(id(spec))
        if cached is not None and cached[0] is spec:
            pod.spec = cached[1]
        else:
            admitted = self._add_default_tolerations(spec)
            if len(self._admitted) >= _MEMO_LIMIT:
                del self._admitted[next(iter(self._admitted))]  # oldest first; entries keep their spec alive
            self._admitted[id(spec)] = (spec, admitted)
            pod.spec = admitted
        pod.priority = self._priority(pod.spec)
        if pod.spec.node_name and not pod.node_name:
            pod.node_name = pod.spec.node_name  # bound at creation: the scheduler never sees it

    def _priority(self, spec: PodSpec) -> int:
        if spec.priority is not None and not spec.priority_class_name:
            return spec.priority
        name = spec.priority_class_name
        if name:
            pc = self._store.get("PriorityClass", "", name)
            if pc is None:
                if name == "system-node-critical":
                    return 2000001000
                if name == "system-cluster-critical":
                    return 2000000000
                raise AdmissionError(f"no PriorityClass with name {name} was found")
            assert isinstance(pc, PriorityClass)
            return pc.value
        for pc in self._store.list("PriorityClass"):
            if pc.global_default:
                return int(pc.value)
        return 0

    def _add_default_tolerations(self, spec: PodSpec) -> PodSpec:
        extra: list[Toleration] = []
        for key, seconds in (
            (NOT_READY_TAINT, self._defaults.default_not_ready_toleration_seconds),
            (UNREACHABLE_TAINT, self._defaults.default_unreachable_toleration_seconds),
        ):
            if not any(_tolerates_no_execute_key(t, key) for t in spec.tolerations):
                extra.append(
                    Toleration(key=key, operator="Exists", effect="NoExecute", toleration_seconds=seconds)
                )
        if not extra:
            return spec
        return attrs.evolve(spec, tolerations=(*spec.tolerations, *extra))


def _tolerates_no_execute_key(toleration: Toleration, key: str) -> bool:
    # DefaultTolerationSeconds skips a pod that already has a toleration for the key with effect NoExecute or
    # an empty effect (which covers every effect); an empty key with Exists tolerates everything.
    if toleration.effect not in ("", "NoExecute"):
        return False
    return toleration.key == key or (toleration.key == "" and toleration.operator == "Exists")
