"""Pod admission, as the API server's admission plugins do it on create.

* Priority (plugin/pkg/admission/priority): ``spec.priorityClassName`` resolves to the PriorityClass's value and
  preemptionPolicy; a pod without one gets the ``globalDefault`` class (the lowest-valued one if several are
  marked), its name included, else priority 0 and PreemptLowerPriority. An unknown class rejects the pod, and so
  does a ``spec.priority`` or ``spec.preemptionPolicy`` the pod sets itself that differs from the resolved one.
  The built-in ``system-cluster-critical`` and ``system-node-critical`` classes resolve without being loaded.
* A pod created with ``spec.nodeName`` is bound from the start, bypassing the scheduler.
* DefaultTolerationSeconds: pods that do not tolerate ``node.kubernetes.io/not-ready`` or
  ``node.kubernetes.io/unreachable`` with effect NoExecute get a toleration for each, 300 s by default, appended.

Pods stamped from one template share one admitted spec and priority (memoised by the template spec's identity,
and forgotten whenever a PriorityClass changes), so a 10,000 replica ReplicaSet does not build 10,000
toleration tuples or look its PriorityClass up 10,000 times.
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
PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
# schedulingapiv1.SystemPriorityClasses: the API server creates these at start-up.
_SYSTEM_CLASSES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}


class AdmissionError(ValueError):
    """The API server would reject the object (HTTP 403/422)."""


class PodAdmission:
    """Mutates and validates pods before the store admits them."""

    def __init__(self, store: Store, defaults: KubeDefaults) -> None:
        self._store = store
        self._defaults = defaults
        # id(spec) -> (spec, admitted spec, priority)
        self._admitted: dict[int, tuple[PodSpec, PodSpec, int]] = {}
        store.watch("PriorityClass", self._on_priority_class)

    def _on_priority_class(self, change: str, pc: PriorityClass) -> None:
        self._admitted.clear()  # resolved priorities and policies depend on the classes

    def __call__(self, pod: Pod) -> None:
        """Admit ``pod`` in place: resolve its priority and preemption policy, add default tolerations."""
        spec = pod.spec
        cached = self._admitted.get(id(spec))
        if cached is None or cached[0] is not spec:
            cached = self._admit(spec)
            if len(self._admitted) >= _MEMO_LIMIT:
                del self._admitted[next(iter(self._admitted))]  # oldest first; entries keep their spec alive
            self._admitted[id(spec)] = cached
        pod.spec = cached[1]
        pod.priority = cached[2]
        if pod.spec.node_name and not pod.node_name:
            pod.node_name = pod.spec.node_name  # bound at creation: the scheduler never sees it

    def _admit(self, spec: PodSpec) -> tuple[PodSpec, PodSpec, int]:
        name, priority, policy = self._resolve(spec.priority_class_name)
        if spec.priority is not None and spec.priority != priority:
            raise AdmissionError(
                f"the integer value of priority ({spec.priority}) must not be provided in pod spec; priority"
                f" admission controller computed {priority} from the given PriorityClass name"
            )
        if spec.preemption_policy and spec.preemption_policy != policy:
            raise AdmissionError(
                f"the string value of PreemptionPolicy ({spec.preemption_policy}) must not be provided in pod"
                f" spec; priority admission controller computed {policy} from the given PriorityClass name"
            )
        admitted = self._add_default_tolerations(spec)
        if admitted.priority_class_name != name or admitted.preemption_policy != policy:
            admitted = attrs.evolve(admitted, priority_class_name=name, preemption_policy=policy)
        return spec, admitted, priority

    def _resolve(self, name: str) -> tuple[str, int, str]:
        """(class name, priority, preemptionPolicy) as ``admitPod`` resolves them."""
        if name:
            pc = self._store.get("PriorityClass", "", name)
            if pc is None:
                value = _SYSTEM_CLASSES.get(name)
                if value is None:
                    raise AdmissionError(f"no PriorityClass with name {name} was found")
                return name, value, PREEMPT_LOWER_PRIORITY
            assert isinstance(pc, PriorityClass)
            return name, pc.value, pc.preemption_policy or PREEMPT_LOWER_PRIORITY
        # getDefaultPriorityClass: if several classes are marked globalDefault (a race), the lowest value wins.
        default: PriorityClass | None = None
        for pc in self._store.list("PriorityClass"):
            if pc.global_default and (default is None or pc.value < default.value):
                default = pc
        if default is None:
            return "", 0, PREEMPT_LOWER_PRIORITY
        return default.name, default.value, default.preemption_policy or PREEMPT_LOWER_PRIORITY

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
    # DefaultTolerationSeconds skips a pod that already has a toleration for the key, or with an empty key (all
    # keys), whose effect is NoExecute or empty (all effects); the operator and tolerationSeconds do not matter.
    return toleration.key in (key, "") and toleration.effect in ("", "NoExecute")
