"""Every Filter/PreFilter reason string of the default plugins, and the ``FailedScheduling`` / ``kubesim explain``
summary built from them, against kube-scheduler 1.35's exact text.

Upstream (Kubernetes 1.35, ``pkg/scheduler/framework/plugins/``); each row names the Go constant (or, where the
string is inline, the function that builds it):

* nodeunschedulable ``ErrReasonUnschedulable`` = ``node(s) were unschedulable``
* nodename ``ErrReason`` = ``node(s) didn't match the requested node name``
* nodeports ``ErrReason`` = ``node(s) didn't have free ports for the requested pod ports``
* tainttoleration ``TaintToleration.Filter`` inline ``node(s) had untolerated taint(s)``: 1.35 no longer names
  the taint (kubernetes#134740, also cherry-picked to 1.34; before it ``node(s) had untolerated taint {key:
  value}``). The exported ``ErrReasonNotMatch`` (``node(s) had taints that the pod didn't tolerate``) is not what
  Filter returns.
* nodeaffinity ``ErrReasonPod`` = ``node(s) didn't match Pod's node affinity/selector``, ``errReasonEnforced`` =
  ``node(s) didn't match scheduler-enforced node affinity``, ``errReasonConflict`` = ``pod affinity terms
  conflict`` (PreFilter, so the summary shows it once, without a count)
* noderesources ``fitsRequest``: ``Too many pods``, ``Insufficient cpu|memory|ephemeral-storage``,
  ``fmt.Sprintf("Insufficient %v", rName)`` for scalar (extended, hugepages) resources; one node status keeps all
  of them, and the summary counts each
* podtopologyspread ``ErrReasonConstraintsNotMatch`` = ``node(s) didn't match pod topology spread constraints``,
  ``ErrReasonNodeLabelNotMatch`` = that + `` (missing required label)``
* interpodaffinity ``ErrReasonAffinityRulesNotMatch`` = ``node(s) didn't match pod affinity rules``,
  ``ErrReasonAntiAffinityRulesNotMatch`` = ``node(s) didn't match pod anti-affinity rules``,
  ``ErrReasonExistingAntiAffinityRulesNotMatch`` = ``node(s) didn't satisfy existing pods anti-affinity rules``
  (one reason per status since the old ``ErrReasonAffinityNotMatch`` prefix was dropped)
* framework/types.go ``FitError.Error``: ``NoNodeAvailableMsg`` ``0/%v nodes are available`` + ``:``, then the
  PreFilter message or the ``"%v %v"`` count/reason strings sorted with ``sort.Strings`` and joined with ``", "``,
  each part through ``SeparatorFormat`` (`` %v.``), then `` `` + the PostFilter message
* defaultpreemption: ``"preemption: " + msg``; ``SelectVictimsOnNode``'s ``No preemption victims found for incoming
  pod`` (no trailing period in 1.35); ``Preempt``'s absent-node status ``Preemption is not helpful for
  scheduling``; a node that still fails after removing every victim keeps its Filter status;
  ``PodEligibleToPreemptOthers``' ``not eligible due to preemptionPolicy=Never.``
* schedule_one.go ``ErrNoNodesAvailable`` = ``no nodes available to schedule pods`` (not a FitError: no
  ``0/0`` prefix, no PostFilter)
* schedule_one.go ``truncateMessage``: the ``FailedScheduling`` Event message is cut to ``NoteLengthLimit`` (1024)
  bytes ending in `` ...`` (kubesim did not truncate; fixed); framework ``RunBindPlugins``' ``running Bind plugin
  %q: %w`` quotes the plugin with Go's double quotes (kubesim used Python's ``repr``; fixed)

Each row is checked three ways: the ``kubesim explain`` record (reference path: the message and the rejecting
plugin's reasons per node), the first ``FailedScheduling`` event of a simulation of the same snapshot (the
scheduler's fast path where it applies), and, for one snapshot, ``kubesim explain --output json|table`` itself.

Already covered elsewhere, so not repeated here:

* ``FitError.Error`` layout (PreFilter message, PostFilter suffix, ``10 ...`` sorting before ``2 ...``) and the
  absent-node statuses ``node(s) didn't satisfy plugin(s) [NodeAffinity]`` / ``... [A B] simultaneously``:
  test_upstream_fit_error.py
* per-plugin codes with the reason taken from the module constant (not the literal): test_upstream_small_filters.py
  (also the two literals), test_upstream_node_ports.py (also the literal), test_upstream_taint_toleration.py
  (literal), test_upstream_node_affinity_filter.py, test_upstream_pod_topology_spread_filter.py,
  test_upstream_inter_pod_affinity_filter.py, test_upstream_node_resources_fit.py (``Insufficient ...`` and ``Too
  many pods`` literals on the plugin)
* ``3 Insufficient cpu. preemption: ... 3 Preemption is not helpful for scheduling.`` / ``... 3 No preemption victims
  found for incoming pod.``: test_upstream_queue.py; ``1 Too many pods, 2 Insufficient example.com/foo`` with both
  preemption reasons: test_upstream_rtcr.py; the preemptionPolicy=Never suffix: test_upstream_preemption_e2e.py
  (``endswith``; the whole line is checked here)
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from models.loader import load_text
from simulator.explain import explain
from simulator.scheduler import Code, CycleState
from simulator.scheduler.cache import NodeInfo
from simulator.scheduler.framework import Status
from simulator.scheduler.plugins import (
    default_preemption,
    inter_pod_affinity,
    node_affinity,
    node_name,
    node_ports,
    node_unschedulable,
    pod_topology_spread,
    taint_toleration,
)
from simulator.scheduler.plugins.default_binder import DefaultBinder
from simulator.scheduler.plugins.default_preemption import DefaultPreemption
from simulator.scheduler.plugins.node_resources_fit import NodeResourcesFit
from tests.scheduler._upstream import node as model_node
from tests.scheduler._upstream import pod as model_pod
from tests.scheduler._upstream import table
from tests.scheduler.conftest import Cluster, make_node, make_pod
from tests.simhelpers import events, sim_from

# -- the upstream literals ------------------------------------------------------------------------------------------

UNSCHEDULABLE = "node(s) were unschedulable"  # nodeunschedulable.ErrReasonUnschedulable
NODE_NAME = "node(s) didn't match the requested node name"  # nodename.ErrReason
PORTS = "node(s) didn't have free ports for the requested pod ports"  # nodeports.ErrReason
TAINT = "node(s) had untolerated taint(s)"  # tainttoleration.TaintToleration.Filter (inline, 1.35)
AFFINITY_POD = "node(s) didn't match Pod's node affinity/selector"  # nodeaffinity.ErrReasonPod
AFFINITY_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"  # nodeaffinity.errReasonEnforced
AFFINITY_CONFLICT = "pod affinity terms conflict"  # nodeaffinity.errReasonConflict
SPREAD = "node(s) didn't match pod topology spread constraints"  # ErrReasonConstraintsNotMatch
SPREAD_LABEL = SPREAD + " (missing required label)"  # podtopologyspread.ErrReasonNodeLabelNotMatch
POD_AFFINITY = "node(s) didn't match pod affinity rules"  # interpodaffinity.ErrReasonAffinityRulesNotMatch
POD_ANTI = (
    "node(s) didn't match pod anti-affinity rules"  # interpodaffinity.ErrReasonAntiAffinityRulesNotMatch
)
EXISTING_ANTI = (
    "node(s) didn't satisfy existing pods anti-affinity rules"  # ErrReasonExistingAntiAffinityRulesNotMatch
)
NO_VICTIMS = "No preemption victims found for incoming pod"  # defaultpreemption SelectVictimsOnNode
NOT_HELPFUL = "Preemption is not helpful for scheduling"  # preemption.Evaluator.Preempt
NEVER = "not eligible due to preemptionPolicy=Never."  # DefaultPreemption.PodEligibleToPreemptOthers
TERMINATING = "not eligible due to a terminating pod on the nominated node."  # PodEligibleToPreemptOthers
NO_NODES = "no nodes available to schedule pods"  # schedule_one.go ErrNoNodesAvailable


CONSTANTS = [
    ("nodeunschedulable.ErrReasonUnschedulable", node_unschedulable.REASON, UNSCHEDULABLE),
    ("nodename.ErrReason", node_name.REASON, NODE_NAME),
    ("nodeports.ErrReason", node_ports.REASON, PORTS),
    ("tainttoleration.Filter", taint_toleration.REASON, TAINT),
    ("nodeaffinity.ErrReasonPod", node_affinity.REASON_POD, AFFINITY_POD),
    ("nodeaffinity.errReasonEnforced", node_affinity.REASON_ENFORCED, AFFINITY_ENFORCED),
    ("nodeaffinity.errReasonConflict", node_affinity.REASON_CONFLICT, AFFINITY_CONFLICT),
    ("podtopologyspread.ErrReasonConstraintsNotMatch", pod_topology_spread.REASON, SPREAD),
    ("podtopologyspread.ErrReasonNodeLabelNotMatch", pod_topology_spread.REASON_LABEL, SPREAD_LABEL),
    ("interpodaffinity.ErrReasonAffinityRulesNotMatch", inter_pod_affinity.REASON_AFFINITY, POD_AFFINITY),
    ("interpodaffinity.ErrReasonAntiAffinityRulesNotMatch", inter_pod_affinity.REASON_ANTI, POD_ANTI),
    (
        "interpodaffinity.ErrReasonExistingAntiAffinityRulesNotMatch",
        inter_pod_affinity.REASON_EXISTING,
        EXISTING_ANTI,
    ),
    ("defaultpreemption.SelectVictimsOnNode", default_preemption.NO_VICTIMS, NO_VICTIMS),
    ("preemption.Preempt absent nodes", default_preemption.NOT_HELPFUL, NOT_HELPFUL),
    ("defaultpreemption.PodEligibleToPreemptOthers (Never)", default_preemption.NEVER, NEVER),
    (
        "defaultpreemption.PodEligibleToPreemptOthers (terminating)",
        default_preemption.TERMINATING,
        TERMINATING,
    ),
]


@pytest.mark.parametrize(("got", "want"), [pytest.param(*c[1:], id=c[0]) for c in CONSTANTS])
def test_module_constants_are_the_upstream_literals(got: str, want: str) -> None:
    assert got == want


def test_fit_reasons_are_the_upstream_literals() -> None:
    """noderesources ``fitsRequest``: the reasons in upstream order (pods, cpu, memory, ephemeral-storage, then
    scalar resources as ``Insufficient <name>``), all kept on the one status."""
    alloc = {"cpu": 1000, "memory": 1000, "ephemeral-storage": 1000, "example.com/gpu": 1, "hugepages-2Mi": 0}
    n = model_node("n", {**alloc, "pods": 1})
    running = model_pod({}, name="running", node_name="n")
    p = model_pod(
        {"cpu": 2000, "memory": 2000, "ephemeral-storage": 2000, "example.com/gpu": 2, "hugepages-2Mi": 2}
    )
    t = table([n], [running])
    plugin = NodeResourcesFit()
    state = CycleState()
    plugin.pre_filter(state, p)
    slot = t.slot_of["n"]
    node = t.nodes[slot]
    assert node is not None
    st = plugin.filter(state, p, NodeInfo(t, slot, node))
    assert st.reasons[:4] == (
        "Too many pods",
        "Insufficient cpu",
        "Insufficient memory",
        "Insufficient ephemeral-storage",
    )
    assert sorted(st.reasons[4:]) == ["Insufficient example.com/gpu", "Insufficient hugepages-2Mi"]


# -- snapshots ------------------------------------------------------------------------------------------------------

ALLOC = '{cpu: "2", memory: 4Gi, pods: "110"}'


def node(name: str, labels: str = "", spec: str = "{}", alloc: str = ALLOC) -> str:
    lab = f"kubernetes.io/hostname: {name}" + (f", {labels}" if labels else "")
    return f"""\
apiVersion: v1
kind: Node
metadata: {{name: {name}, labels: {{{lab}}}}}
spec: {spec}
status: {{allocatable: {alloc}}}
---
"""


def pod(
    name: str = "p",
    spec: str = "",
    requests: str = "{cpu: 100m}",
    labels: str = "",
    ports: str = "",
    limits: str = "",
) -> str:
    """A bare Pod; ``spec`` is extra YAML lines under ``spec`` (``nodeName: a`` for a running pod)."""
    extra = f", ports: [{ports}]" if ports else ""
    if limits:
        requests += f", limits: {limits}"
    body = textwrap.indent(textwrap.dedent(spec).strip(), "  ") + "\n" if spec.strip() else ""
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{{labels}}}}}
spec:
{body}  containers: [{{name: c, image: x, resources: {{requests: {requests}}}{extra}}}]
---
"""


CLASSES = (
    "".join(
        f"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: {n}}}\nvalue: {v}\n---\n"
        for n, v in (("low", 100), ("medium", 200), ("high", 300))
    )
    + "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: never}\nvalue: 300\n"
    + "preemptionPolicy: Never\n---\n"
)

ENFORCED_CONFIG = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: NodeAffinity
    args:
      addedAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [batch]}]}]
---
"""


def _affinity(kind: str, selector: str, key: str = "kubernetes.io/hostname") -> str:
    term = f"{{labelSelector: {{matchLabels: {{{selector}}}}}, topologyKey: {key}}}"
    return f"affinity: {{{kind}: {{requiredDuringSchedulingIgnoredDuringExecution: [{term}]}}}}"


def _spread(key: str = "zone") -> str:
    return (
        f"topologySpreadConstraints: [{{maxSkew: 1, topologyKey: {key}, whenUnsatisfiable: DoNotSchedule,"
        " labelSelector: {matchLabels: {app: web}}}]"
    )


def _pinned(*terms: list[str]) -> str:
    """Required node affinity: one term per list, each ``matchFields metadata.name In [name]`` per name (ANDed)."""
    out = []
    for names in terms:
        fields = ", ".join(f"{{key: metadata.name, operator: In, values: [{n}]}}" for n in names)
        out.append(f"{{matchFields: [{fields}]}}")
    return (
        "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
        f"{{nodeSelectorTerms: [{', '.join(out)}]}}}}}}"
    )


def _pre(n: int, body: str) -> str:
    return f"preemption: 0/{n} nodes are available: {body}."


#: (id citing the Go constant, snapshot YAML for a pod named p, the exact FailedScheduling / explain message,
#:  {node: the rejecting status's reasons})
ROWS: list[tuple[str, str, str, dict[str, list[str]]]] = [
    (
        "nodeunschedulable.ErrReasonUnschedulable",
        node("a", spec="{unschedulable: true}") + pod(),
        f"0/1 nodes are available: 1 {UNSCHEDULABLE}. " + _pre(1, f"1 {NOT_HELPFUL}"),
        {"a": [UNSCHEDULABLE]},
    ),
    (
        "nodeports.ErrReason",
        node("a")
        + pod("web", "nodeName: a", ports="{containerPort: 80, hostPort: 8080}")
        + pod(ports="{containerPort: 80, hostPort: 8080}"),
        f"0/1 nodes are available: 1 {PORTS}. " + _pre(1, f"1 {NO_VICTIMS}"),
        {"a": [PORTS]},
    ),
    (
        "tainttoleration.Filter (untolerated taint(s), the taint is not named)",
        node("a", spec="{taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}")
        + node("b", spec="{taints: [{key: maintenance, effect: NoExecute}]}")
        + pod(),
        f"0/2 nodes are available: 2 {TAINT}. " + _pre(2, f"2 {NOT_HELPFUL}"),
        {"a": [TAINT], "b": [TAINT]},
    ),
    (
        "nodeaffinity.ErrReasonPod (nodeSelector)",
        node("a") + pod(spec="nodeSelector: {disk: ssd}"),
        f"0/1 nodes are available: 1 {AFFINITY_POD}. " + _pre(1, f"1 {NOT_HELPFUL}"),
        {"a": [AFFINITY_POD]},
    ),
    (
        "nodeaffinity.ErrReasonPod (required node affinity)",
        node("a", "disk: hdd")
        + pod(
            spec="affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
            "{nodeSelectorTerms: [{matchExpressions: [{key: disk, operator: In, values: [ssd]}]}]}}}"
        ),
        f"0/1 nodes are available: 1 {AFFINITY_POD}. " + _pre(1, f"1 {NOT_HELPFUL}"),
        {"a": [AFFINITY_POD]},
    ),
    (
        "nodeaffinity.errReasonEnforced (NodeAffinityArgs.addedAffinity)",
        ENFORCED_CONFIG
        + node("a", "pool: web")
        + node("b", "pool: batch", spec="{unschedulable: true}")
        + pod(),
        f"0/2 nodes are available: 1 {AFFINITY_ENFORCED}, 1 {UNSCHEDULABLE}. " + _pre(2, f"2 {NOT_HELPFUL}"),
        {"a": [AFFINITY_ENFORCED], "b": [UNSCHEDULABLE]},
    ),
    (
        "nodeaffinity.errReasonConflict (PreFilter: the summary shows the message once, no count)",
        node("a") + node("b") + pod(spec=_pinned(["a", "b"])),
        f"0/2 nodes are available: {AFFINITY_CONFLICT}. " + _pre(2, f"2 {NOT_HELPFUL}"),
        {},
    ),
    (
        "noderesources fitsRequest: Insufficient cpu (Unschedulable: preemption is tried)",
        node("a") + pod("hog", "nodeName: a", requests="{cpu: 1500m}") + pod(requests="{cpu: 1}"),
        "0/1 nodes are available: 1 Insufficient cpu. " + _pre(1, f"1 {NO_VICTIMS}"),
        {"a": ["Insufficient cpu"]},
    ),
    (
        "noderesources fitsRequest: every resource on one status, each counted once, sorted as strings",
        node("a", alloc='{cpu: "2", memory: 4Gi, ephemeral-storage: 1Gi, example.com/gpu: "1", pods: "110"}')
        + pod(
            requests='{cpu: "3", memory: 5Gi, ephemeral-storage: 2Gi, example.com/gpu: "2"}',
            limits='{example.com/gpu: "2"}',
        ),
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient ephemeral-storage, "
        "1 Insufficient example.com/gpu, 1 Insufficient memory. " + _pre(1, f"1 {NOT_HELPFUL}"),
        {
            "a": [
                "Insufficient cpu",
                "Insufficient memory",
                "Insufficient ephemeral-storage",
                "Insufficient example.com/gpu",
            ]
        },
    ),
    (
        "noderesources fitsRequest: Too many pods",
        node("a", alloc='{cpu: "2", memory: 4Gi, pods: "1"}') + pod("hog", "nodeName: a") + pod(),
        "0/1 nodes are available: 1 Too many pods. " + _pre(1, f"1 {NO_VICTIMS}"),
        {"a": ["Too many pods"]},
    ),
    (
        "podtopologyspread.ErrReasonConstraintsNotMatch and ErrReasonNodeLabelNotMatch",
        node("a", "zone: a")
        + node("b", "zone: b", spec="{unschedulable: true}")
        + node("c")
        + pod("web-0", "nodeName: a", labels="app: web")
        + pod(spec=_spread(), labels="app: web"),
        f"0/3 nodes are available: 1 {SPREAD}, 1 {SPREAD_LABEL}, 1 {UNSCHEDULABLE}. "
        + _pre(3, f"1 {NO_VICTIMS}, 2 {NOT_HELPFUL}"),
        {"a": [SPREAD], "b": [UNSCHEDULABLE], "c": [SPREAD_LABEL]},
    ),
    (
        "interpodaffinity.ErrReasonAffinityRulesNotMatch",
        node("a") + node("b") + pod(spec=_affinity("podAffinity", "app: db")),
        f"0/2 nodes are available: 2 {POD_AFFINITY}. " + _pre(2, f"2 {NOT_HELPFUL}"),
        {"a": [POD_AFFINITY], "b": [POD_AFFINITY]},
    ),
    (
        "interpodaffinity.ErrReasonAntiAffinityRulesNotMatch",
        node("a")
        + pod("web-0", "nodeName: a", labels="app: web")
        + pod(spec=_affinity("podAntiAffinity", "app: web")),
        f"0/1 nodes are available: 1 {POD_ANTI}. " + _pre(1, f"1 {NO_VICTIMS}"),
        {"a": [POD_ANTI]},
    ),
    (
        "interpodaffinity.ErrReasonExistingAntiAffinityRulesNotMatch",
        node("a")
        + pod("loner", "nodeName: a\n" + _affinity("podAntiAffinity", "app: web"))
        + pod(labels="app: web"),
        f"0/1 nodes are available: 1 {EXISTING_ANTI}. " + _pre(1, f"1 {NO_VICTIMS}"),
        {"a": [EXISTING_ANTI]},
    ),
    (
        "defaultpreemption: a node that still fails without its victims keeps its Filter status",
        CLASSES
        + node("a")
        + pod("high", "nodeName: a\npriorityClassName: high", requests="{cpu: 1500m}")
        + pod("low", "nodeName: a\npriorityClassName: low", requests="{cpu: 400m}")
        + pod(spec="priorityClassName: medium", requests="{cpu: 1}"),
        "0/1 nodes are available: 1 Insufficient cpu. " + _pre(1, "1 Insufficient cpu"),
        {"a": ["Insufficient cpu"]},
    ),
    (
        "defaultpreemption.PodEligibleToPreemptOthers (preemptionPolicy Never)",
        CLASSES
        + node("a")
        + pod("low", "nodeName: a\npriorityClassName: low", requests="{cpu: 1500m}")
        + pod(spec="priorityClassName: never", requests="{cpu: 1}"),
        f"0/1 nodes are available: 1 Insufficient cpu. preemption: {NEVER}",
        {"a": ["Insufficient cpu"]},
    ),
    (
        "FitError.Error: several plugins, sorted as strings",
        node("u", spec="{unschedulable: true}")
        + node("t", spec="{taints: [{key: k, effect: NoSchedule}]}")
        + node("s", alloc='{cpu: 500m, memory: 4Gi, pods: "110"}')
        + node("l", "disk: hdd")
        + pod(requests="{cpu: 1}", spec="nodeSelector: {kubernetes.io/os: linux}"),
        f"0/4 nodes are available: 1 {TAINT}, 1 {UNSCHEDULABLE}, 2 {AFFINITY_POD}. "
        + _pre(4, f"4 {NOT_HELPFUL}"),
        {"u": [UNSCHEDULABLE], "t": [TAINT], "s": [AFFINITY_POD], "l": [AFFINITY_POD]},
    ),
    (
        "schedule_one.go ErrNoNodesAvailable (not a FitError: no PostFilter)",
        pod(),
        NO_NODES,
        {},
    ),
]


def _rejections(record: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, info in record["nodes"].items():
        for f in info["filters"]:
            if f["code"] not in ("Success", "Skip"):
                out[name] = list(f["reasons"])
                break
    return out


@pytest.mark.parametrize(("snapshot", "want", "per_node"), [pytest.param(*r[1:], id=r[0]) for r in ROWS])
def test_explain_record(snapshot: str, want: str, per_node: dict[str, list[str]]) -> None:
    """``kubesim explain``'s record: the summary line (``message``) and each rejected node's reasons."""
    record = explain(load_text(snapshot, "snapshot.yaml").objects, "default/p")
    assert record["selected"] is None
    assert record["message"] == want
    assert _rejections(record) == per_node


@pytest.mark.parametrize(("snapshot", "want"), [pytest.param(*r[1:3], id=r[0]) for r in ROWS])
def test_failed_scheduling_event(snapshot: str, want: str) -> None:
    """The first ``FailedScheduling`` event of pod p when the snapshot runs (the scheduler's own path)."""
    sim = sim_from(snapshot)
    sim.run(until=1)
    msgs = [e["message"] for e in events(sim, "FailedScheduling") if e["name"] == "p"]
    assert msgs and msgs[0] == want


def test_node_name_reason() -> None:
    """nodename.ErrReason: only a pod whose ``spec.nodeName`` names a node it does not get reaches the NodeName filter
    (kubesim binds such pods directly), so the cycle is run on one: ``explain_pod`` (reference path, with the
    PostFilter suffix) and ``Profile.schedule`` without explain (the vectorised path)."""
    import random

    from simulator.scheduler.framework import Cursor

    c = Cluster()
    c.add(make_node("a"), make_node("b"))
    c.run(until=0)
    p = make_pod("p", {"cpu": 100}, node_name="gone")
    record = c.scheduler.explain_pod(p)
    assert record["message"] == f"0/2 nodes are available: 2 {NODE_NAME}. " + _pre(2, f"2 {NOT_HELPFUL}")
    assert _rejections(record) == {"a": [NODE_NAME], "b": [NODE_NAME]}
    profile = c.scheduler.profiles["default-scheduler"]
    res = profile.schedule(p, c.scheduler.table, random.Random(1), Cursor(), explain=False, composite=False)
    assert res.message == f"0/2 nodes are available: 2 {NODE_NAME}."


def test_default_preemption_is_the_only_post_filter() -> None:
    """The preemption suffix rows above come from DefaultPreemption (``"preemption: " + msg``)."""
    c = Cluster()
    names = [pl.name for pl in c.scheduler.profiles["default-scheduler"].post_filter]
    assert names == [DefaultPreemption.name]


# -- the command line -----------------------------------------------------------------------------------------------

CLI_SNAPSHOT = (
    node("u", spec="{unschedulable: true}")
    + node("t", spec="{taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}")
    + node("s")
    + pod("hog", "nodeName: s", requests="{cpu: 1500m}")
    + pod(requests="{cpu: 1}")
)
CLI_WANT = f"0/3 nodes are available: 1 Insufficient cpu, 1 {TAINT}, 1 {UNSCHEDULABLE}. " + _pre(
    3, f"1 {NO_VICTIMS}, 2 {NOT_HELPFUL}"
)


def _cli(tmp_path: Path, *args: str) -> str:
    snap = tmp_path / "snapshot.yaml"
    snap.write_text(CLI_SNAPSHOT)
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "explain", str(snap), "--pod", "p", *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_cli_explain_json_message(tmp_path: Path) -> None:
    record = json.loads(_cli(tmp_path, "--output", "json"))
    assert record["message"] == CLI_WANT
    assert _rejections(record) == {"u": [UNSCHEDULABLE], "t": [TAINT], "s": ["Insufficient cpu"]}


def test_cli_explain_table_prints_the_message(tmp_path: Path) -> None:
    """The table ends with the same summary line (the console may wrap it, so whitespace is normalised)."""
    out = " ".join(_cli(tmp_path).split())
    assert " ".join(CLI_WANT.split()) in out


# -- the FailedScheduling Event itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("explain_mode", [False, True], ids=["fast path", "reference path"])
def test_failed_scheduling_event_is_truncated_at_note_length_limit(explain_mode: bool) -> None:
    """schedule_one.go ``truncateMessage``: the Event message is cut to ``validation.NoteLengthLimit`` (1024) bytes,
    the last four being `` ...``; ``kubesim explain`` (like the pod's PodScheduled condition upstream) keeps it all."""
    names = [f"example.com/resource-{i:02d}" for i in range(40)]
    c = Cluster(explain=explain_mode)
    c.add(make_node("a", extra=dict.fromkeys(names, 1)))
    c.run(until=0)
    p = make_pod("p", dict.fromkeys(names, 2))
    full = c.scheduler.explain_pod(p)["message"]
    assert len(full) > 1024
    assert full.startswith("0/1 nodes are available: 1 Insufficient example.com/resource-00, ")
    c.add(p)
    c.run(until=1)
    msgs = [m for name, r, m in c.events if name == "p" and r == "FailedScheduling"]
    assert msgs[0] == full[:1020] + " ..." and len(msgs[0]) == 1024


def test_truncate_message_counts_bytes() -> None:
    from simulator.scheduler.scheduler import truncate_message

    assert truncate_message("x" * 1024) == "x" * 1024
    assert truncate_message("x" * 1025) == "x" * 1020 + " ..."
    cut = truncate_message("é" * 600)  # 1200 bytes: 510 characters fit in 1020 bytes
    assert cut == "é" * 510 + " ..." and len(cut.encode()) == 1024


class FailingBinder(DefaultBinder):
    """A Bind plugin that fails with an error (loaded by import path below)."""

    name = "FailingBinder"

    def bind(self, state: Any, pod: Any, node_name: str) -> Status:
        return Status(Code.Error, "binder")


def test_bind_error_quotes_the_plugin_as_go_does() -> None:
    """RunBindPlugins: ``fmt.Errorf("running Bind plugin %q: %w", pl.Name(), err)``: Go's ``%q`` double quotes."""
    from models.schedconfig import KubeSchedulerConfiguration, PluginRef, PluginSet, SchedulerProfile

    bind = PluginSet(
        enabled=(PluginRef("tests.scheduler.test_upstream_reason_strings:FailingBinder"),),
        disabled=(PluginRef("DefaultBinder"),),
    )
    cfg = KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(plugins={"bind": bind}),))
    c = Cluster(config=cfg)
    c.add(make_node("a"), make_pod("p", {"cpu": 100}))
    c.run(until=1)
    msgs = [m for name, r, m in c.events if name == "p" and r == "FailedScheduling"]
    assert msgs[0] == 'running Bind plugin "FailingBinder": binder'
