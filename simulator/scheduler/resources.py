"""Pod resource requests as kube-scheduler computes them (``k8s.io/component-helpers/resource.PodRequests``, 1.35).

Per resource: the sum over containers, then the maximum with each init container's use, where an init container
with ``restartPolicy: Always`` (a sidecar) keeps running, so it is added to the sum and to every later init
container's use; then the pod overhead is added. The "non-zero" variant, used by scoring, applies 100m cpu and
200 MiB memory to each container (regular and init) that does not name the resource; an explicit 0 stays 0.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.pod import PodSpec

__all__ = [
    "CPU",
    "DEFAULT_MEMORY_REQUEST",
    "DEFAULT_MILLI_CPU_REQUEST",
    "EPHEMERAL",
    "MEMORY",
    "PODS",
    "PodRequest",
    "is_extended_resource",
    "pod_request",
]

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL = "ephemeral-storage"
PODS = "pods"
DEFAULT_MILLI_CPU_REQUEST = 100  # schedutil.DefaultMilliCPURequest
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024  # schedutil.DefaultMemoryRequest (200 MiB)
_CORE = frozenset((CPU, MEMORY, EPHEMERAL, PODS))


def is_extended_resource(name: str) -> bool:
    """``v1helper.IsExtendedResourceName``: a domain-prefixed name outside ``kubernetes.io/``."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


class PodRequest:
    """A pod's requests: real (Fit filter, BalancedAllocation) and non-zero cpu/memory (Fit scoring)."""

    __slots__ = ("cpu", "ephemeral", "memory", "nz_cpu", "nz_memory", "scalars", "signature")

    def __init__(
        self,
        cpu: int,
        memory: int,
        ephemeral: int,
        nz_cpu: int,
        nz_memory: int,
        scalars: tuple[tuple[str, int], ...],
    ) -> None:
        self.cpu = cpu
        self.memory = memory
        self.ephemeral = ephemeral
        self.nz_cpu = nz_cpu
        self.nz_memory = nz_memory
        self.scalars = scalars  # sorted (name, value), extended/hugepages/... resources
        self.signature = (cpu, memory, ephemeral, nz_cpu, nz_memory, scalars)

    def get(self, name: str) -> int:
        """The real request for ``name`` (0 when absent)."""
        if name == CPU:
            return self.cpu
        if name == MEMORY:
            return self.memory
        if name == EPHEMERAL:
            return self.ephemeral
        for key, value in self.scalars:
            if key == name:
                return value
        return 0

    def get_nonzero(self, name: str) -> int:
        """The request with the non-zero defaults applied (only cpu and memory differ)."""
        if name == CPU:
            return self.nz_cpu
        if name == MEMORY:
            return self.nz_memory
        return self.get(name)

    def __repr__(self) -> str:
        return f"PodRequest{self.signature!r}"


def _add(into: dict[str, int], rl: Mapping[str, int]) -> None:
    for key, value in rl.items():
        into[key] = into.get(key, 0) + value


def _nonmissing(rl: Mapping[str, int]) -> Mapping[str, int]:
    if CPU in rl and MEMORY in rl:
        return rl
    out = dict(rl)
    if CPU not in rl:
        out[CPU] = DEFAULT_MILLI_CPU_REQUEST
    if MEMORY not in rl:
        out[MEMORY] = DEFAULT_MEMORY_REQUEST
    return out


def _aggregate(spec: PodSpec, nonmissing: bool) -> dict[str, int]:
    reqs: dict[str, int] = {}
    for c in spec.containers:
        _add(reqs, _nonmissing(c.requests) if nonmissing else c.requests)
    if spec.init_containers:
        restartable: dict[str, int] = {}
        init_max: dict[str, int] = {}
        for c in spec.init_containers:
            rl = _nonmissing(c.requests) if nonmissing else c.requests
            if c.restart_policy == "Always":
                _add(reqs, rl)
                _add(restartable, rl)
                use = dict(restartable)
            else:
                use = dict(rl)
                _add(use, restartable)
            for key, value in use.items():
                if key not in init_max or value > init_max[key]:
                    init_max[key] = value
        for key, value in init_max.items():
            if key not in reqs or value > reqs[key]:
                reqs[key] = value
    _add(reqs, spec.overhead)
    return reqs


# Pods of one template share their (frozen) PodSpec, so requests are memoised by spec identity. The cache holds
# the spec itself, so an id is never reused while its entry lives.
_CACHE: dict[int, tuple[PodSpec, PodRequest]] = {}
_CACHE_LIMIT = 50_000


def pod_request(spec: PodSpec) -> PodRequest:
    """The requests of a pod with ``spec`` (memoised per spec object)."""
    hit = _CACHE.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    real = _aggregate(spec, False)
    nz = _aggregate(spec, True)
    scalars = tuple(sorted((k, v) for k, v in real.items() if k not in _CORE))
    req = PodRequest(
        real.get(CPU, 0),
        real.get(MEMORY, 0),
        real.get(EPHEMERAL, 0),
        nz.get(CPU, 0),
        nz.get(MEMORY, 0),
        scalars,
    )
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[id(spec)] = (spec, req)
    return req
