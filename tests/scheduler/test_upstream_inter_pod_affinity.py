"""InterPodAffinity scoring cases ported from kube-scheduler's unit-test tables (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go
(TestPreferredAffinity, TestPreferredAffinityWithHardPodAffinitySymmetricWeight), as stored for Kubernetes 1.35.
Pods without a namespace in upstream's table live in namespace "" here too.

Not ported: "invalid Affinity fails PreScore" and "invalid AntiAffinity fails PreScore" (kubesim does not validate
label values in selectors; the API server rejects such pods).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.meta import LabelSelector, LabelSelectorRequirement
from models.pod import Affinity, Pod, PodAffinity, PodAffinityTerm, WeightedPodAffinityTerm
from models.policy import Namespace
from simulator.engine import Engine
from simulator.scheduler.framework import Handle
from simulator.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from simulator.store import Store
from tests.scheduler._upstream import node, pod, run_scores, table

RG_CHINA = {"region": "China"}
RG_INDIA = {"region": "India"}
AZ1 = {"az": "az1"}
AZ2 = {"az": "az2"}
RG_CHINA_AZ1 = {"region": "China", "az": "az1"}
S1 = {"security": "S1"}
S2 = {"security": "S2"}
NAMESPACES = [
    Namespace(name="subteam1.team1", labels={"team": "team1"}),
    Namespace(name="subteam2.team1", labels={"team": "team1"}),
    Namespace(name="subteam1.team2", labels={"team": "team2"}),
    Namespace(name="subteam2.team2", labels={"team": "team2"}),
]


def sel(*reqs: tuple[str, str, tuple[str, ...]]) -> LabelSelector:
    return LabelSelector(match_expressions=tuple(LabelSelectorRequirement(k, op, v) for k, op, v in reqs))


def wterm(weight: int, selector: LabelSelector, key: str, **kw: Any) -> WeightedPodAffinityTerm:
    return WeightedPodAffinityTerm(weight, PodAffinityTerm(key, selector, **kw))


SEC_S1 = sel(("security", "In", ("S1",)))
SEC_S2 = sel(("security", "In", ("S2",)))
TEAM1 = sel(("team", "In", ("team1",)))
STAY_S1_REGION = Affinity(pod_affinity=PodAffinity(preferred=(wterm(5, SEC_S1, "region"),)))
STAY_S2_REGION = Affinity(pod_affinity=PodAffinity(preferred=(wterm(6, SEC_S2, "region"),)))
AFFINITY3 = Affinity(
    pod_affinity=PodAffinity(
        preferred=(
            wterm(8, sel(("security", "NotIn", ("S1",)), ("security", "In", ("S2",))), "region"),
            wterm(2, sel(("security", "Exists", ()), ("wrongkey", "DoesNotExist", ())), "region"),
        )
    )
)
HARD_AFFINITY = Affinity(
    pod_affinity=PodAffinity(
        required=(
            PodAffinityTerm("region", sel(("security", "In", ("S1", "value2")))),
            PodAffinityTerm("region", sel(("security", "Exists", ()), ("wrongkey", "DoesNotExist", ()))),
        )
    )
)
AWAY_S1_AZ = Affinity(pod_anti_affinity=PodAffinity(preferred=(wterm(5, SEC_S1, "az"),)))
AWAY_S2_AZ = Affinity(pod_anti_affinity=PodAffinity(preferred=(wterm(5, SEC_S2, "az"),)))
STAY_S1_REGION_AWAY_S2_AZ = Affinity(
    pod_affinity=PodAffinity(preferred=(wterm(8, SEC_S1, "region"),)),
    pod_anti_affinity=PodAffinity(preferred=(wterm(5, SEC_S2, "az"),)),
)
NS_SELECTOR_TERM = wterm(5, SEC_S1, "region", namespaces=("subteam2.team2",), namespace_selector=TEAM1)
AFFINITY_NS_SELECTOR = Affinity(pod_affinity=PodAffinity(preferred=(NS_SELECTOR_TERM,)))
ANTI_AFFINITY_NS_SELECTOR = Affinity(pod_anti_affinity=PodAffinity(preferred=(NS_SELECTOR_TERM,)))

_n = 0


def p(
    labels: dict[str, str] | None = None, on: str = "", affinity: Affinity | None = None, ns: str = ""
) -> Pod:
    global _n
    _n += 1
    return pod(name=f"p{_n}", node_name=on, labels=labels, affinity=affinity, namespace=ns)


def nodes(*labels: dict[str, str]) -> list[Any]:
    return [node(f"node{i + 1}", labels=lab) for i, lab in enumerate(labels)]


CASES: list[Any] = [
    # (name, incoming pod, existing pods, nodes, args, want normalised scores or None for Skip)
    ("all nodes are same priority as Affinity is nil", p(S1), [], nodes(RG_CHINA, RG_INDIA, AZ1), {}, None),
    (
        "Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich doesn't match either pods in nodes or in topology key",  # noqa: E501
        p(S1, affinity=STAY_S1_REGION),
        [p(S1, "node1"), p(S2, "node2"), p(S1, "node3")],
        nodes(RG_CHINA, RG_INDIA, AZ1),
        {},
        [100, 0, 0],
    ),
    (
        "All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score",  # noqa: E501
        p(affinity=STAY_S1_REGION),
        [p(S1, "node1")],
        nodes(RG_CHINA, RG_CHINA_AZ1, RG_INDIA),
        {},
        [100, 100, 0],
    ),
    (
        "Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score",  # noqa: E501
        p(S1, affinity=STAY_S2_REGION),
        [p(S2, "node1"), p(S2, "node1"), p(S2, "node2"), p(S2, "node3"), p(S2, "node4"), p(S2, "node5")],
        nodes(RG_CHINA, RG_INDIA, RG_CHINA, RG_CHINA, RG_INDIA),
        {},
        [100, 0, 100, 100, 0],
    ),
    (
        "Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures",  # noqa: E501
        p(S1, affinity=AFFINITY3),
        [p(S1, "node1"), p(S2, "node2"), p(S1, "node3")],
        nodes(RG_CHINA, RG_INDIA, AZ1),
        {},
        [20, 100, 0],
    ),
    (
        "Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",  # noqa: E501
        p(S2),
        [p(S1, "node1", STAY_S1_REGION), p(S2, "node2", STAY_S2_REGION)],
        nodes(RG_CHINA, RG_INDIA, AZ1),
        {},
        [0, 100, 0],
    ),
    (
        "Affinity symmetry with namespace selector",
        p(S1, ns="subteam1.team1"),
        [p(S1, "node1", AFFINITY_NS_SELECTOR), p(S2, "node2", STAY_S2_REGION)],
        nodes(RG_CHINA, RG_INDIA, AZ1),
        {},
        [100, 0, 0],
    ),
    (
        "AntiAffinity symmetry with namespace selector",
        p(S1, ns="subteam1.team1"),
        [p(S1, "node1", ANTI_AFFINITY_NS_SELECTOR), p(S2, "node2", STAY_S2_REGION)],
        nodes(RG_CHINA, RG_INDIA, AZ1),
        {},
        [0, 100, 100],
    ),
    (
        "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
        p(S1),
        [p(S1, "node1", HARD_AFFINITY), p(S2, "node2", HARD_AFFINITY)],
        nodes(RG_CHINA, RG_INDIA, AZ1),
        {},
        [100, 100, 0],
    ),
    (
        "Anti Affinity: pod that does not match existing pods in node will get high score",
        p(S1, affinity=AWAY_S1_AZ),
        [p(S1, "node1"), p(S2, "node2")],
        nodes(AZ1, RG_CHINA),
        {},
        [0, 100],
    ),
    (
        "Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others",  # noqa: E501
        p(S1, affinity=AWAY_S1_AZ),
        [p(S1, "node1"), p(S1, "node2")],
        nodes(AZ1, RG_CHINA),
        {},
        [0, 100],
    ),
    (
        "Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score",  # noqa: E501
        p(S1, affinity=AWAY_S1_AZ),
        [p(S1, "node1"), p(S1, "node1"), p(S2, "node2")],
        nodes(AZ1, RG_INDIA),
        {},
        [0, 100],
    ),
    (
        "Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
        p(S2),
        [p(S1, "node1", AWAY_S2_AZ), p(S2, "node2", AWAY_S1_AZ)],
        nodes(AZ1, AZ2),
        {},
        [0, 100],
    ),
    (
        "Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity",  # noqa: E501
        p(S1, affinity=STAY_S1_REGION_AWAY_S2_AZ),
        [p(S1, "node1"), p(S1, "node2")],
        nodes(RG_CHINA, AZ1),
        {},
        [100, 0],
    ),
    (
        "Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels",  # noqa: E501
        p(S1, affinity=STAY_S1_REGION_AWAY_S2_AZ),
        [
            p(S1, "node1"),
            p(S1, "node1"),
            p(S1, "node2"),
            p(S1, "node3"),
            p(S1, "node3"),
            p(S1, "node4"),
            p(S1, "node5"),
        ],
        nodes(RG_CHINA_AZ1, RG_INDIA, RG_CHINA, RG_CHINA, RG_INDIA),
        {},
        [100, 0, 100, 100, 0],
    ),
    (
        "Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry",  # noqa: E501
        p(S1, affinity=STAY_S1_REGION_AWAY_S2_AZ),
        [
            p(S1, "node1"),
            p(S2, "node2"),
            p(None, "node3", STAY_S1_REGION_AWAY_S2_AZ),
            p(None, "node4", AWAY_S1_AZ),
        ],
        nodes(RG_CHINA, AZ1, RG_INDIA, AZ2),
        {},
        [100, 0, 100, 0],
    ),
    (
        "Avoid panic when partial nodes in a topology don't have pods with affinity",
        p(S1),
        [p(S1, "node1"), p(None, "node2", STAY_S1_REGION_AWAY_S2_AZ)],
        nodes(RG_CHINA, RG_CHINA),
        {},
        [0, 0],
    ),
    (
        "Affinity with pods matching NamespaceSelector",
        p(S1, affinity=AFFINITY_NS_SELECTOR, ns="subteam1.team1"),
        [
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam1.team2"),
            p(S1, "node2", ns="subteam2.team1"),
        ],
        nodes(RG_CHINA, RG_INDIA),
        {},
        [100, 0],
    ),
    (
        "Affinity with pods matching both NamespaceSelector and Namespaces fields",
        p(S1, affinity=AFFINITY_NS_SELECTOR, ns="subteam1.team1"),
        [
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam2.team2"),
            p(S1, "node2", ns="subteam2.team1"),
        ],
        nodes(RG_CHINA, RG_INDIA),
        {},
        [100, 0],
    ),
    (
        "AntiAffinity with pods matching NamespaceSelector",
        p(S1, affinity=ANTI_AFFINITY_NS_SELECTOR, ns="subteam1.team1"),
        [
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam1.team2"),
            p(S1, "node2", ns="subteam2.team1"),
        ],
        nodes(RG_CHINA, RG_INDIA),
        {},
        [0, 100],
    ),
    (
        "AntiAffinity with pods matching both NamespaceSelector and Namespaces fields",
        p(S1, affinity=ANTI_AFFINITY_NS_SELECTOR, ns="subteam1.team1"),
        [
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam1.team1"),
            p(S1, "node1", ns="subteam2.team2"),
            p(S1, "node2", ns="subteam2.team1"),
        ],
        nodes(RG_CHINA, RG_INDIA),
        {},
        [0, 100],
    ),
    (
        "Ignore preferred terms of existing pods",
        p(S2),
        [p(S1, "node1", STAY_S1_REGION_AWAY_S2_AZ), p(S2, "node2", STAY_S2_REGION)],
        nodes(RG_CHINA, RG_INDIA),
        {"ignorePreferredTermsOfExistingPods": True},
        None,
    ),
    (
        "Do not ignore preferred terms of existing pods",
        p(S2),
        [p(S1, "node1", STAY_S1_REGION_AWAY_S2_AZ), p(S2, "node2", STAY_S2_REGION)],
        nodes(RG_CHINA, RG_INDIA),
        {"ignorePreferredTermsOfExistingPods": False},
        [0, 100],
    ),
    ("No nodes to score", p(S2), [], [], {}, None),
]

HARD_POD_AFFINITY = Affinity(
    pod_affinity=PodAffinity(
        required=(
            PodAffinityTerm(
                "region",
                sel(("service", "In", ("S1",))),
                namespaces=("", "subteam2.team2"),
                namespace_selector=TEAM1,
            ),
        )
    )
)
SVC_S1 = {"service": "S1"}
HARD_NODES = (RG_CHINA, RG_INDIA, AZ1)
CASES += [
    (
        f"TestPreferredAffinityWithHardPodAffinitySymmetricWeight/{name}",
        p(SVC_S1, ns=ns),
        [p(None, "node1", HARD_POD_AFFINITY), p(None, "node2", HARD_POD_AFFINITY)],
        nodes(*HARD_NODES),
        {"hardPodAffinityWeight": weight},
        want,
    )
    for name, ns, weight, want in [
        ("with default weight", "", 1, [100, 100, 0]),
        ("with zero weight", "", 0, None),
        ("with no matching namespace", "subteam1.team2", 1, None),
        ("with matching NamespaceSelector", "subteam1.team1", 1, [100, 100, 0]),
        ("with matching Namespaces", "subteam2.team2", 1, [100, 100, 0]),
    ]
]


@pytest.mark.parametrize(
    ("incoming", "existing", "all_nodes", "args", "want"),
    [
        pytest.param(*c[1:], id=c[0] if c[0].startswith("Test") else f"TestPreferredAffinity/{c[0]}")
        for c in CASES
    ],
)
def test_preferred_affinity(
    incoming: Pod, existing: list[Pod], all_nodes: list[Any], args: dict[str, Any], want: list[int] | None
) -> None:
    t = table(all_nodes, existing)
    store = Store(Engine(1))
    for ns in NAMESPACES:
        store.add(ns)
    pl = InterPodAffinity(args, Handle(store=store, table=t))
    out = run_scores(pl, incoming, t, [n.name for n in all_nodes])
    if want is None:
        assert out is None  # PreScore returned Skip
    else:
        assert out is not None and out[1] == want
