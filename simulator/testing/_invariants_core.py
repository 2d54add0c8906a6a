"""What every invariant shares: the ``Violation`` record, the ``Invariant`` base class and small helpers.

Why violations carry event-log sequence numbers: ``seq`` is a record's position in the log (``simulator.eventlog``),
so it names the exact line of a written log (``--events``) that shows the problem; the records themselves are
copied into the violation too while the run keeps its log in memory, so a report reads on its own.
"""

from __future__ import annotations

import json
import math
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from models.meta import KObject
from models.pod import PodSpec
from models.quantity import format_bytes, format_cpu

if TYPE_CHECKING:
    from simulator.eventlog import EventLog
    from simulator.simulation import Simulation

__all__ = [
    "Invariant",
    "InvariantViolated",
    "Violation",
    "format_quantity",
    "format_seconds",
    "object_ref",
    "pod_requests",
    "resolve_records",
]

# Records older than this many lines before the end of the log are named by seq only (fetching a record costs
# building every record after it, and a report about an instant rarely needs lines from hours before).
RECORD_WINDOW = 50_000
MAX_LISTED = 20  # objects and log lines printed by ``str(violation)`` before "... and N more"


def object_ref(obj: KObject) -> str:
    """``Kind/namespace/name`` (``Kind/name`` for cluster-scoped objects such as Nodes)."""
    return f"{obj.KIND}/{obj.namespace}/{obj.name}" if obj.namespace else f"{obj.KIND}/{obj.name}"


def format_seconds(t: float) -> str:
    """Virtual time as ``1h2m3.5s`` (``0s`` at the start)."""
    if t <= 0:
        return "0s"
    hours, rest = divmod(t, 3600.0)
    minutes, seconds = divmod(rest, 60.0)
    out = ""
    if hours:
        out += f"{int(hours)}h"
    if minutes:
        out += f"{int(minutes)}m"
    if seconds or not out:
        out += f"{seconds:.6g}s"
    return out


def format_quantity(resource: str, amount: int) -> str:
    """An amount in the resource's usual notation (``500m`` cpu, ``1Gi`` memory, plain counts otherwise)."""
    if resource == "cpu":
        return format_cpu(amount)
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        return format_bytes(amount)
    return str(amount)


# -- pod requests -------------------------------------------------------------------------------------------------
_REQUESTS: dict[int, tuple[PodSpec, dict[str, int]]] = {}
_REQUESTS_LIMIT = 20_000


def pod_requests(spec: PodSpec) -> dict[str, int]:
    """What a pod with ``spec`` requests of each resource (``resource.PodRequests``, Kubernetes 1.35).

    Computed here, not taken from the scheduler, so that ``no-overcommit`` also catches a wrong request sum in the
    scheduler: per resource the sum over containers; each init container's use is its own request plus the
    sidecars (init containers with ``restartPolicy: Always``) started before it, and the pod needs the maximum of
    that and the sum (sidecars also add to the sum); then ``overhead`` is added. Zero amounts are left out.
    Memoised by spec identity (pods of one template share their frozen spec).
    """
    hit = _REQUESTS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    total: dict[str, int] = {}
    for container in spec.containers:
        for name, value in container.requests.items():
            total[name] = total.get(name, 0) + value
    sidecars: dict[str, int] = {}
    peak: dict[str, int] = {}
    for container in spec.init_containers:
        if container.restart_policy == "Always":
            for name, value in container.requests.items():
                sidecars[name] = sidecars.get(name, 0) + value
                total[name] = total.get(name, 0) + value
            use = dict(sidecars)
        else:
            use = dict(container.requests)
            for name, value in sidecars.items():
                use[name] = use.get(name, 0) + value
        for name, value in use.items():
            peak[name] = max(peak.get(name, 0), value)
    for name, value in peak.items():
        total[name] = max(total.get(name, 0), value)
    for name, value in spec.overhead.items():
        total[name] = total.get(name, 0) + value
    result = {name: value for name, value in total.items() if value}
    if len(_REQUESTS) >= _REQUESTS_LIMIT:
        _REQUESTS.clear()
    _REQUESTS[id(spec)] = (spec, result)
    return result


# -- event-log records -------------------------------------------------------------------------------------------
def resolve_records(log: EventLog, seqs: Iterable[int]) -> tuple[dict[str, Any], ...]:
    """The records with these ``seqs`` that ``log`` still holds in memory, in the order of ``seqs``."""
    if not log.keep:
        return ()
    count = log.count
    wanted = [s for s in dict.fromkeys(seqs) if count - RECORD_WINDOW < s <= count and s >= 1]
    if not wanted:
        return ()
    tail = log.tail(count - min(wanted) + 1)
    by_seq = {int(r["seq"]): r for r in tail}
    return tuple(by_seq[s] for s in wanted if s in by_seq)


_LATEST: weakref.WeakKeyDictionary[EventLog, tuple[int, dict[tuple[str, str, str], int]]] = (
    weakref.WeakKeyDictionary()
)


def latest_seqs(log: EventLog) -> dict[tuple[str, str, str], int]:
    """The seq of the latest record about each ``(kind, namespace, name)`` already in ``log``.

    Invariants attached after objects were created (``Simulation()`` adds the scenario's objects before anything
    can be attached) use it to name the lines that created them. One scan per log length, shared by the invariants
    attached at the same moment.
    """
    hit = _LATEST.get(log)
    if hit is not None and hit[0] == log.count:
        return hit[1]
    latest: dict[tuple[str, str, str], int] = {}
    for record in log:
        latest[(str(record["kind"]), str(record["namespace"]), str(record["name"]))] = int(record["seq"])
    _LATEST[log] = (log.count, latest)
    return latest


# -- violations ---------------------------------------------------------------------------------------------------
@attrs.frozen
class Violation:
    """One broken invariant: which, when, what happened, the objects involved and the event-log lines showing it.

    Args:
        invariant: the invariant's registered name (``no-overcommit``, ...).
        time: virtual time in seconds when it was broken (the end of the run for end-of-run checks).
        message: one sentence saying what went wrong, naming the objects.
        objects: ``Kind/namespace/name`` (``Kind/name`` when cluster-scoped) of the objects involved, most
            relevant first.
        seqs: event-log sequence numbers (line numbers of ``--events``) of the records that show it.
        records: those records (dicts as in the JSON Lines log), when the log was kept in memory.
        details: further lines (the numbers behind the verdict, the rule that applies).
    """

    invariant: str
    time: float
    message: str
    objects: tuple[str, ...] = ()
    seqs: tuple[int, ...] = ()
    records: tuple[Mapping[str, Any], ...] = ()
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [
            f"VIOLATION {self.invariant} at t={self.time:.6g}s ({format_seconds(self.time)}): {self.message}"
        ]
        lines.extend(f"  {d}" for d in self.details)
        if self.objects:
            shown = ", ".join(self.objects[:MAX_LISTED])
            more = len(self.objects) - MAX_LISTED
            lines.append(f"  objects: {shown}" + (f" ... and {more} more" if more > 0 else ""))
        if self.seqs:
            lines.append("  event log (seq):")
            by_seq = {int(r["seq"]): r for r in self.records if "seq" in r}
            shown_seqs = self.seqs[:MAX_LISTED]
            for seq in shown_seqs:
                record = by_seq.get(seq)
                text = json.dumps(record, separators=(",", ":"), default=str) if record else "(not kept)"
                lines.append(f"    {seq}: {text}")
            more = len(self.seqs) - len(shown_seqs)
            if more > 0:
                lines.append(f"    ... and {more} more: {', '.join(str(s) for s in self.seqs[MAX_LISTED:])}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return {
            "invariant": self.invariant,
            "time": self.time,
            "message": self.message,
            "objects": list(self.objects),
            "seqs": list(self.seqs),
            "records": [dict(r) for r in self.records],
            "details": list(self.details),
        }


class InvariantViolated(AssertionError):
    """Raised from inside the run by a ``Monitor(stop_on_first=True)`` at the first violation.

    The simulation is then interrupted in the middle of an engine callback and must not be run further.
    """

    def __init__(self, violation: Violation) -> None:
        super().__init__(str(violation))
        self.violation = violation


ViolationSink = Callable[[Violation], None]


class Invariant:
    """A named property of every run, checked as the run happens (store watches) and at its end (``finish``).

    Subclasses set ``name`` (the registry key, e.g. ``no-overcommit``) and a docstring saying what is checked,
    the Kubernetes rule behind it and when it may legitimately not hold; they override ``attach`` (call
    ``super().attach(sim)`` first, then subscribe with ``sim.store.watch``/``watch_events``) and/or ``finish``
    (which makes ``checks_at_end`` true), and call ``report`` for each violation.

    An invariant is a pure reader (DESIGN.md §2): it never writes to the store, never schedules engine events
    and never draws from a random stream, so a run is the same with or without it.
    """

    name: ClassVar[str] = ""
    #: False when ``simulator.testing.invariants.check_event_log`` can also check it over a written event log
    live_only: ClassVar[bool] = True
    #: whether ``finish`` checks anything, so a run must reach its end (and settle) for the invariant to say all
    #: it can; by default, whether the class overrides ``finish`` (a subclass may set it either way)
    checks_at_end: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "checks_at_end" not in cls.__dict__:
            cls.checks_at_end = cls.finish is not Invariant.finish

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        #: why parts of the check were skipped (e.g. "not checked: node general-3 still down at the end")
        self.notes: list[str] = []
        self.sink: ViolationSink | None = None
        self._sim: Simulation | None = None

    @property
    def sim(self) -> Simulation:
        """The simulation this invariant is attached to."""
        if self._sim is None:
            raise RuntimeError(f"invariant {self.name} is not attached to a simulation")
        return self._sim

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph on one line, without reST markup."""
        doc = (cls.__doc__ or "").strip()
        first = doc.split("\n\n", 1)[0]
        return " ".join(line.strip() for line in first.splitlines()).replace("``", "")

    def attach(self, sim: Simulation) -> None:
        """Start watching ``sim`` (before it runs, or mid-run: state is seeded from the store)."""
        if self._sim is not None and self._sim is not sim:
            raise RuntimeError(f"invariant {self.name} is already attached to another simulation")
        self._sim = sim

    def finish(self, sim: Simulation) -> None:
        """End-of-run checks at ``sim.now`` (may be called more than once; each call checks the state now)."""

    def report(
        self,
        message: str,
        *,
        objects: Sequence[str] = (),
        seqs: Iterable[int] = (),
        details: Sequence[str] = (),
        time: float | None = None,
    ) -> Violation:
        """Record a violation now (records for ``seqs`` are copied from the simulation's log)."""
        sim = self.sim
        seq_list: list[int] = []
        for s in seqs:
            if s not in seq_list:
                seq_list.append(s)
        violation = Violation(
            invariant=self.name,
            time=sim.engine.now if time is None else time,
            message=message,
            objects=tuple(dict.fromkeys(objects)),
            seqs=tuple(seq_list),
            records=resolve_records(sim.log, seq_list),
            details=tuple(details),
        )
        self.violations.append(violation)
        if self.sink is not None:
            self.sink(violation)
        return violation

    def note(self, text: str) -> None:
        """Record why something was not checked (shown by ``kubesim check``)."""
        if text not in self.notes:
            self.notes.append(text)


def finite_or_none(value: float) -> float | None:
    """``value`` unless it is infinite (for "never happened" sentinels)."""
    return None if math.isinf(value) else value
