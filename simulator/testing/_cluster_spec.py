"""``ClusterSpec``: a generated scenario as the documents a user would write, plus ``to_yaml`` and ``load``.

A spec holds manifests, not loaded objects, because the manifests are what a user can read, keep and re-run
(``kubesim run spec.yaml``, or ``kubectl apply`` for the Kubernetes kinds), and because every run needs fresh
objects: the simulation mutates the objects it is given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from simulator.testing._manifests import ZONE_LABEL, Manifest

if TYPE_CHECKING:
    from models.meta import KObject
    from simulator.simulation import Simulation

__all__ = ["ClusterSpec", "load", "to_yaml"]


# libyaml's emitter writes the same text as PyYAML's pure-Python one for these documents (checked over
# hundreds of generated clusters) about six times faster; the pure one is the fallback.
_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(documents: Sequence[Manifest]) -> str:
    """Multi-document YAML (``---`` between documents), keys in the order the manifests were built
    (``apiVersion``, ``kind``, ``metadata``, ``spec``), as ``yaml.safe_dump_all`` writes it: the text is the
    same for the same documents, and strings that YAML would read as numbers or booleans (``"110"``,
    ``"1.35"``, ``"true"``) are quoted."""
    return yaml.dump_all(
        list(documents),
        Dumper=_DUMPER,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=110,
    )


def load(documents: Sequence[Manifest]) -> list[KObject]:
    """The objects ``documents`` load to through the real loader (``models.loader.load_text``).

    The documents go in as one JSON ``kind: List`` (as ``kubectl get -o json`` writes them), which the loader
    reads item by item exactly as it reads YAML documents; JSON is parsed in C, YAML in pure Python, and
    this is the path every generated run takes (about 20 times faster for a 20-node cluster). That the YAML
    text loads to the same objects is checked by ``tests/testing/test_strategies.py``.

    Raises:
        models.errors.InputError: a document is invalid (a bug in whatever generated it).
    """
    from models.loader import load_text

    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(documents)})
    return list(load_text(text, "generated.json").objects)


def _duration_seconds(value: Any, default: float) -> float:
    from models.quantity import parse_duration

    return default if value is None else parse_duration(value)


@attrs.frozen(repr=False)
class ClusterSpec:
    """A whole generated cluster and scenario: nodes or NodePools, workloads, budgets, priority classes,
    possibly a KubeSchedulerConfiguration, and a Scenario (seed, duration, timeline of faults and actions).

    ``repr`` is ``ClusterSpec.from_yaml('''...''')``, so a failing Hypothesis example prints as YAML that can be
    pasted into a file and run with ``kubesim run``, or back into Python.

    Args:
        documents: the manifests, in the order they are written out.
    """

    documents: list[Manifest]

    @classmethod
    def from_yaml(cls, text: str) -> ClusterSpec:
        """The spec of a (multi-document) YAML text, e.g. one printed by a failing test."""
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return cls([d for d in yaml.load_all(text, Loader=loader) if d is not None])

    def to_yaml(self) -> str:
        """The documents as multi-document YAML (see :func:`to_yaml`)."""
        return to_yaml(self.documents)

    def objects(self) -> list[KObject]:
        """Fresh loaded objects (a Simulation mutates its objects, so each run needs its own)."""
        return load(self.documents)

    def simulation(self, **kwargs: Any) -> Simulation:
        """A new ``Simulation`` of this spec (keyword arguments as for ``Simulation``)."""
        from simulator.simulation import Simulation

        return Simulation(self.objects(), **kwargs)

    def _scenario_spec(self) -> dict[str, Any]:
        for doc in self.documents:
            if doc.get("kind") == "Scenario":
                spec = doc.get("spec") or {}
                return dict(spec)
        return {}

    @property
    def seed(self) -> int:
        """The Scenario's seed (0 without one)."""
        return int(self._scenario_spec().get("seed", 0))

    @property
    def duration(self) -> float:
        """The Scenario's duration in seconds (3600 without one, the loader's default)."""
        return _duration_seconds(self._scenario_spec().get("duration"), 3600.0)

    @property
    def node_names(self) -> tuple[str, ...]:
        """Names of the nodes at the start: the Node documents' and ``<pool>-<i>`` for each NodePool."""
        names: list[str] = []
        for doc in self.documents:
            if doc.get("kind") == "Node":
                names.append(doc["metadata"]["name"])
            elif doc.get("kind") == "NodePool":
                pool = doc["metadata"]["name"]
                names.extend(f"{pool}-{i}" for i in range(int(doc["spec"].get("count", 0))))
        return tuple(names)

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones the nodes are in (sorted)."""
        zones: set[str] = set()
        for doc in self.documents:
            if doc.get("kind") == "Node":
                zone = doc["metadata"].get("labels", {}).get(ZONE_LABEL)
                if zone:
                    zones.add(zone)
            elif doc.get("kind") == "NodePool" and doc["spec"].get("count", 0):
                zones.update(doc["spec"].get("zones", ())[: doc["spec"]["count"]])
        return tuple(sorted(zones))

    def kinds(self, kind: str) -> list[Manifest]:
        """The documents of one kind."""
        return [d for d in self.documents if d.get("kind") == kind]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis' (and IPython's) pretty printer: the same YAML ``repr``, lines left at column 0 so the
        printed falsifying example can be pasted into a file (``---`` must start a line)."""
        printer.text(repr(self))

    def __repr__(self) -> str:
        text = self.to_yaml()
        if "'''" in text:
            return f"ClusterSpec.from_yaml({text!r})"
        return f"ClusterSpec.from_yaml('''\n{text}''')"
