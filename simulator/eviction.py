"""The Eviction API: ``POST /api/v1/namespaces/<ns>/pods/<name>/eviction`` (policy/v1), as Kubernetes 1.35's
``pkg/registry/core/pod/storage/eviction.go`` answers it.

* A pod that is Succeeded, Failed, Pending or already being deleted is deleted without looking at budgets.
* PDBs with an empty (or no) selector match no pod here, though the controller counts every pod for them.
* More than one PodDisruptionBudget selecting the pod: 500, "This pod has more than one PodDisruptionBudget,
  which the eviction subresource does not support."
* No PDB: the pod is deleted.
* A pod that is not Ready is deleted without using the budget when the PDB's ``unhealthyPodEvictionPolicy`` is
  ``AlwaysAllow``, or (``IfHealthyBudget``, the default) when currentHealthy >= desiredHealthy > 0 (this is
  checked first, on the status as it stands).
* One PDB whose status the disruption controller has not caught up with (observedGeneration < generation):
  429 "Cannot evict pod as it would violate the pod's disruption budget." (cause: still being processed).
* Otherwise ``checkAndDecrement``: disruptionsAllowed 0 gives 429 with the cause "The disruption budget <name>
  needs <desired> healthy pods and has <current> currently"; else disruptionsAllowed is decremented and the pod
  recorded in ``disruptedPods`` in the same instant (so two evictions at one instant cannot both use the last
  disruption), and the pod is deleted gracefully.

The API server records no Event for an eviction; callers (``simulator.drain``) do.
Taint-based eviction (``controllers/taint_eviction.py``) deletes pods directly and never comes here.
"""

from __future__ import annotations

import weakref
from typing import Protocol

import attrs

from models.pod import Pod
from simulator.controllers.disruption import matching_pdbs, pdb_status
from simulator.podutil import delete_pod
from simulator.store import Store

__all__ = ["TOO_MANY_REQUESTS", "EvictionResult", "accepted_evictions", "evict"]

OK = 201
NOT_FOUND = 404
FORBIDDEN = 403
TOO_MANY_REQUESTS = 429
INTERNAL_ERROR = 500
MAX_DISRUPTED_POD_SIZE = 2000

VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


class _HasStore(Protocol):
    @property
    def store(self) -> Store: ...


@attrs.frozen
class EvictionResult:
    """The API's answer: HTTP ``code`` (201 when the pod was evicted), message and the PDB involved (if any)."""

    code: int
    message: str = ""
    cause: str = ""
    pdb: str | None = None

    @property
    def allowed(self) -> bool:
        """Whether the eviction was accepted (the pod is being deleted)."""
        return self.code == OK

    @property
    def retryable(self) -> bool:
        """A 429: the budget is spent for now; kubectl retries these."""
        return self.code == TOO_MANY_REQUESTS


def _can_ignore_pdb(pod: Pod) -> bool:
    return pod.phase in ("Succeeded", "Failed", "Pending") or pod.deletion_timestamp is not None


# Accepted evictions per store (the summary's ``evictions.api``); weak so that finished simulations are freed.
_accepted: weakref.WeakKeyDictionary[Store, int] = weakref.WeakKeyDictionary()


def accepted_evictions(store: Store) -> int:
    """How many evictions the Eviction API has accepted (201) in ``store``'s cluster so far."""
    return _accepted.get(store, 0)


def evict(ctx_or_sim: _HasStore, pod: Pod, grace_period: float | None = None) -> EvictionResult:
    """Ask the Eviction API to evict ``pod`` now (a ``ControllerContext`` or a ``Simulation`` gives the store)."""
    store = ctx_or_sim.store
    result = _evict(store, pod, grace_period)
    if result.allowed:
        _accepted[store] = _accepted.get(store, 0) + 1
    return result


def _evict(store: Store, pod: Pod, grace_period: float | None) -> EvictionResult:
    if not store.contains(pod):
        return EvictionResult(NOT_FOUND, f'pods "{pod.name}" not found')
    if _can_ignore_pdb(pod):
        delete_pod(store, pod, grace_period)
        return EvictionResult(OK)
    # getPodDisruptionBudgets: a PDB with an empty selector matches nothing here (unlike in the controller).
    pdbs = [p for p in matching_pdbs(store, pod) if p.selector is not None and not p.selector.is_empty]
    if len(pdbs) > 1:
        return EvictionResult(
            INTERNAL_ERROR,
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        )
    if not pdbs:
        delete_pod(store, pod, grace_period)
        return EvictionResult(OK)
    pdb = pdbs[0]
    status = pdb_status(pdb)
    # The unhealthy-pod rule reads the PDB's status as it is, before checkAndDecrement looks at
    # observedGeneration: a not-Ready pod under AlwaysAllow goes even while the PDB is unprocessed.
    current, desired = (0, 0) if status is None else (status.current_healthy, status.desired_healthy)
    if not pod.ready and (
        pdb.unhealthy_pod_eviction_policy == "AlwaysAllow" or (current >= desired and desired > 0)
    ):
        delete_pod(store, pod, grace_period)
        return EvictionResult(OK, pdb=pdb.name)
    if status is None or status.observed_generation < pdb.generation:
        return EvictionResult(
            TOO_MANY_REQUESTS, VIOLATION, f"The disruption budget {pdb.name} is still being processed by the server.",
            pdb.name,
        )  # fmt: skip
    if pdb.disruptions_allowed < 0:
        return EvictionResult(FORBIDDEN, "pdb disruptions allowed is negative", pdb=pdb.name)
    if len(status.disrupted_pods) > MAX_DISRUPTED_POD_SIZE:
        return EvictionResult(
            FORBIDDEN,
            "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
            pdb=pdb.name,
        )
    if pdb.disruptions_allowed == 0:
        return EvictionResult(
            TOO_MANY_REQUESTS, VIOLATION,
            f"The disruption budget {pdb.name} needs {status.desired_healthy} healthy pods and has "
            f"{status.current_healthy} currently",
            pdb.name,
        )  # fmt: skip
    pdb.disruptions_allowed -= 1
    status.disrupted_pods[pod.name] = store.engine.now
    store.update(pdb)
    delete_pod(store, pod, grace_period)
    return EvictionResult(OK, pdb=pdb.name)
