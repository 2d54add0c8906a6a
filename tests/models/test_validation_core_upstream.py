"""Core, policy, scheduling and networking kinds: cases ported from Kubernetes 1.35 validation tests.

Sources (kubernetes/kubernetes), ported as facts (what upstream accepts or rejects, and at which field path):
pkg/apis/core/validation/validation_test.go (TestValidatePodSpec, TestValidatePod, TestValidatePorts /
AccumulateUniqueHostPorts, TestValidateContainers, TestValidateNodeSelectorRequirement / TestValidateAffinity,
TestValidateTopologySpreadConstraints, TestValidateNode taints, TestValidateService, TestValidateNamespace),
pkg/apis/scheduling/validation/validation_test.go (TestValidatePriorityClass),
pkg/apis/policy/validation/validation_test.go (TestValidatePodDisruptionBudgetSpec, unhealthyPodEvictionPolicy)
and pkg/apis/networking/validation/validation_test.go (TestValidateIngress, validateHTTPIngressPath,
validateIngressBackend). Cases already in test_validation_upstream.py are not repeated. Each case id is
``<upstream test>:<case>``; the fragment is kubesim's ``(Kind/name): field.path: message`` gist.
"""

from __future__ import annotations

import textwrap

import pytest

from models.loader import load_text
from tests.loadhelpers import assert_rejected


def _block(text: str, indent: str) -> str:
    return textwrap.indent(text.strip(), indent) if text.strip() else ""


def pod(spec_extra: str = "", container_extra: str = "", containers: str = "") -> str:
    body = containers.strip() or (
        "containers:\n  - name: c\n    image: busybox\n" + _block(container_extra, "    ")
    )
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, labels: {{app: web}}}}
spec:
{_block(spec_extra, "  ")}
{_block(body, "  ")}
"""


def node_affinity(expressions: str, *, field: str = "matchExpressions") -> str:
    return pod(
        "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n"
        f"      nodeSelectorTerms: [{{{field}: [{expressions}]}}]"
    )


def pod_affinity(term: str, kind: str = "podAffinity") -> str:
    return pod(f"affinity:\n  {kind}:\n    requiredDuringSchedulingIgnoredDuringExecution: [{term}]")


def spread(*constraints: str) -> str:
    return pod("topologySpreadConstraints:\n" + "\n".join(f"  - {c}" for c in constraints))


SEL = "labelSelector: {matchLabels: {app: web}}"


def node(taints: str) -> str:
    return f"""
apiVersion: v1
kind: Node
metadata: {{name: n1}}
spec: {{taints: {taints}}}
"""


def service(spec: str, name: str = "svc") -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
{_block(spec, "  ")}
"""


def namespace(name: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name!r}}}\n"


def priority_class(name: str, rest: str = "value: 1000") -> str:
    return f"""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: {name!r}}}
{rest}
"""


def pdb(spec: str) -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: pdb}}
spec:
  selector: {{matchLabels: {{app: web}}}}
{_block(spec, "  ")}
"""


def ingress(spec: str) -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: ing}}
spec:
{_block(spec, "  ")}
"""


def ingress_path(
    path: str = "path: /foo, pathType: Prefix", backend: str = "{service: {name: web, port: {number: 80}}}"
) -> str:
    return ingress(f"rules: [{{host: foo.example.com, http: {{paths: [{{{path}, backend: {backend}}}]}}}}]")


DEPLOYMENT_WITHOUT_IMAGE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web}]
"""

BAD = [
    # ---------------- containers (TestValidateContainers, TestValidatePod) ----------------
    (
        "TestValidateContainers:zero-length-name",
        pod(containers="containers: [{name: '', image: busybox}]"),
        "(Pod/p): spec.containers[0].name: required field is missing",
    ),
    (
        "TestValidateContainers:name-not-a-DNS-label",
        pod(containers="containers: [{name: Abc, image: busybox}]"),
        '(Pod/p): spec.containers[0].name: "Abc" is not a valid name',
    ),
    (
        "TestValidateContainers:name-with-dot",
        pod(containers="containers: [{name: a.b, image: busybox}]"),
        '(Pod/p): spec.containers[0].name: "a.b" is not a valid name',
    ),
    (
        "TestValidateContainers:name-not-unique",
        pod(containers="containers: [{name: c, image: a}, {name: c, image: b}]"),
        '(Pod/p): spec.containers[1].name: duplicate value "c"',
    ),
    (
        "TestValidatePodSpec:init-container-name-shared-with-container",
        pod(containers="containers: [{name: c, image: a}]\ninitContainers: [{name: c, image: b}]"),
        '(Pod/p): spec.initContainers[0].name: duplicate value "c"',
    ),
    (
        "TestValidateContainers:pod-image-required",
        pod(containers="containers: [{name: c}]"),
        "(Pod/p): spec.containers[0].image: required field is missing",
    ),
    (
        # upstream accepts the template (the image is optional there) but rejects every pod created from it;
        # kubesim does not model that FailedCreate loop, so it is an "unsupported" error (a warning with --lenient)
        "TestValidateContainers:pod-template-image-optional-but-pods-rejected",
        DEPLOYMENT_WITHOUT_IMAGE,
        "(Deployment/web): spec.template.spec.containers[0].image: required field is missing: Kubernetes accepts",
    ),
    (
        "TestValidateContainers:pod-image-leading-whitespace",
        pod(containers="containers: [{name: c, image: ' busybox'}]"),
        "(Pod/p): spec.containers[0].image: must not have leading or trailing whitespace",
    ),
    # ---------------- ports (TestValidatePorts, TestAccumulateUniqueHostPorts) ----------------
    (
        "TestValidatePorts:containerPort-zero",
        pod(container_extra="ports: [{containerPort: 0}]"),
        "(Pod/p): spec.containers[0].ports[0].containerPort: must be greater than or equal to 1",
    ),
    (
        "TestValidatePorts:containerPort-missing",
        pod(container_extra="ports: [{name: http}]"),
        "(Pod/p): spec.containers[0].ports[0].containerPort: required field is missing",
    ),
    (
        "TestValidatePorts:containerPort-too-big",
        pod(container_extra="ports: [{containerPort: 65536}]"),
        "(Pod/p): spec.containers[0].ports[0].containerPort: must be less than or equal to 65535",
    ),
    (
        "TestValidatePorts:hostPort-too-big",
        pod(container_extra="ports: [{containerPort: 80, hostPort: 65536}]"),
        "(Pod/p): spec.containers[0].ports[0].hostPort: must be less than or equal to 65535",
    ),
    (
        "TestValidatePorts:hostPort-negative",
        pod(container_extra="ports: [{containerPort: 80, hostPort: -1}]"),
        "(Pod/p): spec.containers[0].ports[0].hostPort: must be greater than or equal to 0",
    ),
    (
        "TestValidatePorts:invalid-protocol-case",
        pod(container_extra="ports: [{containerPort: 80, protocol: tcp}]"),
        '(Pod/p): spec.containers[0].ports[0].protocol: unsupported value "tcp"',
    ),
    (
        "TestValidatePorts:invalid-protocol",
        pod(container_extra="ports: [{containerPort: 80, protocol: ICMP}]"),
        '(Pod/p): spec.containers[0].ports[0].protocol: unsupported value "ICMP"',
    ),
    (
        "TestValidatePorts:name-too-long",
        pod(container_extra="ports: [{name: abcdefghijklmnop, containerPort: 80}]"),
        '(Pod/p): spec.containers[0].ports[0].name: invalid value "abcdefghijklmnop"',
    ),
    (
        "TestValidatePorts:name-uppercase",
        pod(container_extra="ports: [{name: HTTP, containerPort: 80}]"),
        '(Pod/p): spec.containers[0].ports[0].name: invalid value "HTTP"',
    ),
    (
        "TestValidatePorts:name-no-letter",
        pod(container_extra="ports: [{name: '123', containerPort: 80}]"),
        "must contain at least one letter",
    ),
    (
        "TestValidatePorts:name-consecutive-hyphens",
        pod(container_extra="ports: [{name: a--b, containerPort: 80}]"),
        "(Pod/p): spec.containers[0].ports[0].name: invalid value",
    ),
    (
        "TestValidatePorts:name-trailing-hyphen",
        pod(container_extra="ports: [{name: http-, containerPort: 80}]"),
        "(Pod/p): spec.containers[0].ports[0].name: invalid value",
    ),
    (
        "TestValidatePorts:name-not-unique",
        pod(container_extra="ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]"),
        '(Pod/p): spec.containers[0].ports[1].name: duplicate value "http"',
    ),
    (
        "TestAccumulateUniqueHostPorts:same-hostPort-and-protocol-across-containers",
        pod(
            containers="containers:\n"
            "  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}\n"
            "  - {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080}]}"
        ),
        '(Pod/p): spec.containers[1].ports[0].hostPort: duplicate value "/TCP/8080"',
    ),
    # ---------------- nodeSelector / node affinity (TestValidateNodeSelectorRequirement, TestValidateAffinity) --
    (
        "TestValidatePodSpec:bad-nodeSelector-key",
        pod("nodeSelector: {'bad key': v}"),
        "(Pod/p): spec.nodeSelector[bad key]: invalid key",
    ),
    (
        "TestValidatePodSpec:bad-nodeSelector-value",
        pod("nodeSelector: {zone: 'a b'}"),
        "(Pod/p): spec.nodeSelector.zone: invalid label value",
    ),
    (
        "TestValidateNodeSelectorRequirement:In-without-values",
        node_affinity("{key: zone, operator: In}"),
        ".matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
    ),
    (
        "TestValidateNodeSelectorRequirement:NotIn-empty-values",
        node_affinity("{key: zone, operator: NotIn, values: []}"),
        ".matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
    ),
    (
        "TestValidateNodeSelectorRequirement:Exists-with-values",
        node_affinity("{key: zone, operator: Exists, values: [a]}"),
        ".matchExpressions[0].values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ),
    (
        "TestValidateNodeSelectorRequirement:DoesNotExist-with-values",
        node_affinity("{key: zone, operator: DoesNotExist, values: [a]}"),
        ".matchExpressions[0].values: may not be specified",
    ),
    (
        "TestValidateNodeSelectorRequirement:Gt-two-values",
        node_affinity("{key: cores, operator: Gt, values: ['1', '2']}"),
        ".matchExpressions[0].values: must be specified single value when `operator` is 'Lt' or 'Gt'",
    ),
    (
        "TestValidateNodeSelectorRequirement:Lt-no-values",
        node_affinity("{key: cores, operator: Lt}"),
        ".matchExpressions[0].values: must be specified single value",
    ),
    (
        "TestValidateNodeSelectorRequirement:invalid-operator",
        node_affinity("{key: zone, operator: Equals, values: [a]}"),
        '.matchExpressions[0].operator: unsupported value "Equals"',
    ),
    (
        "TestValidateNodeSelectorRequirement:invalid-key",
        node_affinity("{key: 'a/b/c', operator: Exists}"),
        "(Pod/p): spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
        ".nodeSelectorTerms[0].matchExpressions[0].key: invalid key",
    ),
    (
        "TestValidateNodeFieldSelectorRequirement:key-not-metadata.name",
        node_affinity("{key: metadata.labels, operator: In, values: [n1]}", field="matchFields"),
        '.matchFields[0].key: unsupported value "metadata.labels"',
    ),
    (
        "TestValidateNodeFieldSelectorRequirement:In-two-values",
        node_affinity("{key: metadata.name, operator: In, values: [n1, n2]}", field="matchFields"),
        ".matchFields[0].values: must have one element",
    ),
    (
        "TestValidateNodeFieldSelectorRequirement:Exists-operator",
        node_affinity("{key: metadata.name, operator: Exists}", field="matchFields"),
        '.matchFields[0].operator: unsupported value "Exists"',
    ),
    (
        "TestValidateAffinity:empty-nodeSelectorTerms",
        pod(
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}"
        ),
        ".requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: must have at least one item",
    ),
    (
        "TestValidateAffinity:preferred-weight-101",
        pod(
            "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution:"
            " [{weight: 101, preference: {matchExpressions: [{key: a, operator: Exists}]}}]}}"
        ),
        ".preferredDuringSchedulingIgnoredDuringExecution[0].weight: must be in the range 1-100",
    ),
    (
        "TestValidateAffinity:preferred-weight-0",
        pod(
            "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution:"
            " [{weight: 0, preference: {matchExpressions: [{key: a, operator: Exists}]}}]}}"
        ),
        ".preferredDuringSchedulingIgnoredDuringExecution[0].weight: must be in the range 1-100",
    ),
    # ---------------- pod (anti-)affinity (TestValidateAffinity / TestValidatePod) ----------------
    (
        "TestValidateAffinity:empty-topologyKey",
        pod_affinity(f"{{{SEL}, topologyKey: ''}}"),
        ".requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: required field is missing",
    ),
    (
        "TestValidateAffinity:missing-topologyKey",
        pod_affinity(f"{{{SEL}}}", "podAntiAffinity"),
        "(Pod/p): spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: "
        "required field is missing",
    ),
    (
        "TestValidateAffinity:invalid-topologyKey",
        pod_affinity(f"{{{SEL}, topologyKey: 'zone/'}}"),
        ".requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: invalid key",
    ),
    (
        "TestValidateAffinity:invalid-namespace",
        pod_affinity(f"{{{SEL}, topologyKey: zone, namespaces: ['Bad_NS']}}"),
        ".requiredDuringSchedulingIgnoredDuringExecution[0].namespaces[0]: ",
    ),
    (
        "TestValidateAffinity:invalid-labelSelector-operator",
        pod_affinity(
            "{labelSelector: {matchExpressions: [{key: a, operator: Gt, values: ['1']}]}, topologyKey: z}"
        ),
        '.labelSelector.matchExpressions[0].operator: unsupported value "Gt"',
    ),
    (
        "TestValidateAffinity:preferred-pod-affinity-weight-0",
        pod(
            "affinity: {podAffinity: {preferredDuringSchedulingIgnoredDuringExecution:"
            f" [{{weight: 0, podAffinityTerm: {{{SEL}, topologyKey: zone}}}}]}}}}"
        ),
        "(Pod/p): spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: ",
    ),
    (
        "TestValidatePod:matchLabelKeys-without-labelSelector",
        pod_affinity("{topologyKey: zone, matchLabelKeys: [version]}"),
        ".requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys: must not be specified when "
        "labelSelector is not set",
    ),
    (
        "TestValidatePod:mismatchLabelKeys-without-labelSelector",
        pod_affinity("{topologyKey: zone, mismatchLabelKeys: [version]}", "podAntiAffinity"),
        ".requiredDuringSchedulingIgnoredDuringExecution[0].mismatchLabelKeys: must not be specified when "
        "labelSelector is not set",
    ),
    (
        "TestValidatePod:key-in-both-matchLabelKeys-and-labelSelector",
        pod_affinity(
            "{labelSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}, topologyKey: zone,"
            " matchLabelKeys: [app]}"
        ),
        '.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[0]: invalid value "app": exists in '
        "both matchLabelKeys and labelSelector",
    ),
    (
        "TestValidatePod:key-in-both-matchLabelKeys-and-mismatchLabelKeys",
        pod_affinity(f"{{{SEL}, topologyKey: zone, matchLabelKeys: [v], mismatchLabelKeys: [v]}}"),
        '.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[0]: invalid value "v": exists in both '
        "matchLabelKeys and mismatchLabelKeys",
    ),
    (
        "TestValidatePod:invalid-mismatchLabelKeys-prefix",
        pod_affinity(f"{{{SEL}, topologyKey: zone, mismatchLabelKeys: ['/simple']}}", "podAntiAffinity"),
        '.requiredDuringSchedulingIgnoredDuringExecution[0].mismatchLabelKeys[0]: invalid key "/simple": '
        "prefix part must be non-empty",
    ),
    # ---------------- topologySpreadConstraints (TestValidateTopologySpreadConstraints) ----------------
    (
        "TestValidateTopologySpreadConstraints:maxSkew-zero",
        spread(f"{{maxSkew: 0, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}"),
        "(Pod/p): spec.topologySpreadConstraints[0].maxSkew: must be greater than zero",
    ),
    (
        "TestValidateTopologySpreadConstraints:maxSkew-negative",
        spread(f"{{maxSkew: -1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}"),
        "(Pod/p): spec.topologySpreadConstraints[0].maxSkew: must be greater than zero",
    ),
    (
        "TestValidateTopologySpreadConstraints:empty-topologyKey",
        spread(f"{{maxSkew: 1, topologyKey: '', whenUnsatisfiable: DoNotSchedule, {SEL}}}"),
        "(Pod/p): spec.topologySpreadConstraints[0].topologyKey: required field is missing",
    ),
    (
        "TestValidateTopologySpreadConstraints:invalid-topologyKey",
        spread(f"{{maxSkew: 1, topologyKey: 'k8s.io/zone/x', whenUnsatisfiable: DoNotSchedule, {SEL}}}"),
        "(Pod/p): spec.topologySpreadConstraints[0].topologyKey: invalid key",
    ),
    (
        "TestValidateTopologySpreadConstraints:invalid-whenUnsatisfiable",
        spread(f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: N/A, {SEL}}}"),
        '(Pod/p): spec.topologySpreadConstraints[0].whenUnsatisfiable: unsupported value "N/A"',
    ),
    (
        "TestValidateTopologySpreadConstraints:missing-whenUnsatisfiable",
        spread(f"{{maxSkew: 1, topologyKey: k8s.io/zone, {SEL}}}"),
        "(Pod/p): spec.topologySpreadConstraints[0].whenUnsatisfiable: required field is missing",
    ),
    (
        "TestValidateTopologySpreadConstraints:minDomains-zero",
        spread(
            f"{{maxSkew: 1, minDomains: 0, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}"
        ),
        "(Pod/p): spec.topologySpreadConstraints[0].minDomains: must be greater than 0",
    ),
    (
        "TestValidateTopologySpreadConstraints:minDomains-negative",
        spread(
            f"{{maxSkew: 1, minDomains: -1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}"
        ),
        "(Pod/p): spec.topologySpreadConstraints[0].minDomains: must be greater than 0",
    ),
    (
        "TestValidateTopologySpreadConstraints:minDomains-with-ScheduleAnyway",
        spread(
            f"{{maxSkew: 1, minDomains: 3, topologyKey: k8s.io/zone, whenUnsatisfiable: ScheduleAnyway, {SEL}}}"
        ),
        "(Pod/p): spec.topologySpreadConstraints[0].minDomains: can only use minDomains if "
        "whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
    ),
    (
        "TestValidateTopologySpreadConstraints:duplicate-topologyKey-and-whenUnsatisfiable",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}",
            f"{{maxSkew: 2, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}",
        ),
        "(Pod/p): spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: duplicate value "
        "{k8s.io/zone, DoNotSchedule}",
    ),
    (
        "TestValidateTopologySpreadConstraints:three-repeats-reported-at-the-first-two",
        spread(
            f"{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, {SEL}}}",
            f"{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, {SEL}}}",
            f"{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, {SEL}}}",
        ),
        "(Pod/p): spec.topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}: duplicate value",
    ),
    (
        "TestValidateTopologySpreadConstraints:invalid-nodeAffinityPolicy",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL},"
            " nodeAffinityPolicy: Invalid}"
        ),
        '(Pod/p): spec.topologySpreadConstraints[0].nodeAffinityPolicy: unsupported value "Invalid"',
    ),
    (
        "TestValidateTopologySpreadConstraints:invalid-nodeTaintsPolicy",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL},"
            " nodeTaintsPolicy: Invalid}"
        ),
        '(Pod/p): spec.topologySpreadConstraints[0].nodeTaintsPolicy: unsupported value "Invalid"',
    ),
    (
        "TestValidateTopologySpreadConstraints:matchLabelKeys-without-labelSelector",
        spread(
            "{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: [foo]}"
        ),
        "(Pod/p): spec.topologySpreadConstraints[0].matchLabelKeys: must not be specified when labelSelector is "
        "not set",
    ),
    (
        "TestValidateTopologySpreadConstraints:key-in-both-matchLabelKeys-and-labelSelector",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL},"
            " matchLabelKeys: [app]}"
        ),
        '(Pod/p): spec.topologySpreadConstraints[0].matchLabelKeys[0]: invalid value "app": exists in both '
        "matchLabelKeys and labelSelector",
    ),
    (
        "TestValidateTopologySpreadConstraints:invalid-matchLabelKeys",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL},"
            " matchLabelKeys: ['/simple']}"
        ),
        "(Pod/p): spec.topologySpreadConstraints[0].matchLabelKeys[0]: invalid key",
    ),
    # ---------------- priority, scheduler, restart, grace (TestValidatePodSpec) ----------------
    (
        "TestValidatePodSpec:bad-priorityClassName",
        pod("priorityClassName: InvalidName"),
        '(Pod/p): spec.priorityClassName: "InvalidName" is not a valid name',
    ),
    (
        "TestValidatePodSpec:bad-schedulerName",
        pod("schedulerName: my_scheduler"),
        '(Pod/p): spec.schedulerName: "my_scheduler" is not a valid name',
    ),
    (
        "TestValidatePodSpec:bad-restartPolicy",
        pod("restartPolicy: UnknowPolicy"),
        '(Pod/p): spec.restartPolicy: unsupported value "UnknowPolicy"',
    ),
    (
        "TestValidatePodSpec:bad-preemptionPolicy",
        pod("preemptionPolicy: Sometimes"),
        '(Pod/p): spec.preemptionPolicy: unsupported value "Sometimes"',
    ),
    (
        "TestValidatePodSpec:bad-activeDeadlineSeconds",
        pod("activeDeadlineSeconds: 0"),
        "(Pod/p): spec.activeDeadlineSeconds: must be greater than or equal to 1",
    ),
    (
        "TestValidatePodSpec:bad-nodeName",
        pod("nodeName: Node_1"),
        '(Pod/p): spec.nodeName: "Node_1" is not a valid name',
    ),
    # ---------------- Node taints (TestValidateNode) ----------------
    (
        "TestValidateNode:invalid-taint-effect",
        node("[{key: dedicated, value: gpu, effect: NoScheduleNoAdmit}]"),
        '(Node/n1): spec.taints[0].effect: unsupported value "NoScheduleNoAdmit"',
    ),
    (
        "TestValidateNode:missing-taint-effect",
        node("[{key: dedicated, value: gpu}]"),
        "(Node/n1): spec.taints[0].effect: required field is missing",
    ),
    (
        "TestValidateNode:missing-taint-key",
        node("[{value: gpu, effect: NoSchedule}]"),
        "(Node/n1): spec.taints[0].key: required field is missing",
    ),
    (
        "TestValidateNode:invalid-taint-key",
        node("[{key: 'NoUppercaseOrSpecialCharsLike=Equals', effect: NoSchedule}]"),
        "(Node/n1): spec.taints[0].key: invalid key",
    ),
    (
        "TestValidateNode:invalid-taint-value",
        node("[{key: dedicated, value: 'some\\\\bad\\\\value', effect: NoSchedule}]"),
        "(Node/n1): spec.taints[0].value: invalid taint value",
    ),
    (
        "TestValidateNode:duplicate-taint-key-and-effect",
        node(
            "[{key: dedicated, value: a, effect: NoSchedule}, {key: dedicated, value: b, effect: NoSchedule}]"
        ),
        "(Node/n1): spec.taints[1]: duplicate taint dedicated:NoSchedule",
    ),
    (
        "TestValidateNode:invalid-name",
        node("[]").replace("name: n1", "name: Node_1"),
        "(Node/Node_1): metadata.name: ",
    ),
    # ---------------- Service (TestValidateService) ----------------
    (
        "TestValidateService:invalid-type",
        service("type: InvalidType\nports: [{port: 80}]"),
        '(Service/svc): spec.type: unsupported value "InvalidType"',
    ),
    (
        "TestValidateService:missing-ports",
        service("selector: {app: web}"),
        "(Service/svc): spec.ports: required field is missing",
    ),
    (
        "TestValidateService:invalid-port-zero",
        service("ports: [{port: 0}]"),
        "(Service/svc): spec.ports[0].port: ",
    ),
    (
        "TestValidateService:invalid-port-too-big",
        service("ports: [{port: 65536}]"),
        "(Service/svc): spec.ports[0].port: must be less than or equal to 65535",
    ),
    (
        "TestValidateService:invalid-protocol",
        service("ports: [{port: 80, protocol: INVALID}]"),
        '(Service/svc): spec.ports[0].protocol: unsupported value "INVALID"',
    ),
    (
        "TestValidateService:missing-port-name-with-two-ports",
        service("ports: [{name: a, port: 80}, {port: 81}]"),
        "(Service/svc): spec.ports[1].name: required field is missing",
    ),
    (
        "TestValidateService:invalid-port-name",
        service("ports: [{name: INVALID, port: 80}]"),
        '(Service/svc): spec.ports[0].name: "INVALID" is not a valid name',
    ),
    (
        "TestValidateService:duplicate-port-names",
        service("ports: [{name: p, port: 80}, {name: p, port: 81}]"),
        '(Service/svc): spec.ports[1].name: duplicate value "p"',
    ),
    (
        "TestValidateService:duplicate-ports",
        service("ports: [{name: a, port: 80}, {name: b, port: 80}]"),
        "(Service/svc): spec.ports[1]: duplicate value {port: 80, protocol: TCP}",
    ),
    (
        "TestValidateService:invalid-targetPort-int",
        service("ports: [{port: 80, targetPort: 65536}]"),
        "(Service/svc): spec.ports[0].targetPort: must be less than or equal to 65535",
    ),
    (
        "TestValidateService:invalid-targetPort-name",
        service("ports: [{port: 80, targetPort: '-invalid-'}]"),
        '(Service/svc): spec.ports[0].targetPort: invalid value "-invalid-"',
    ),
    (
        "TestValidateService:nodePort-with-ClusterIP",
        service("ports: [{port: 80, nodePort: 30080}]"),
        "(Service/svc): spec.ports[0].nodePort: may not be used when `type` is 'ClusterIP'",
    ),
    (
        "TestValidateService:invalid-nodePort",
        service("type: NodePort\nports: [{port: 80, nodePort: 65536}]"),
        "(Service/svc): spec.ports[0].nodePort: must be less than or equal to 65535",
    ),
    (
        "TestValidateService:invalid-selector-value",
        service("selector: {app: 'web app'}\nports: [{port: 80}]"),
        "(Service/svc): spec.selector.app: invalid label value",
    ),
    (
        "TestValidateService:name-not-DNS-1035",
        service("ports: [{port: 80}]", name="1svc"),
        '(Service/1svc): metadata.name: "1svc" is not a valid name',
    ),
    (
        "TestValidateService:ExternalName-without-externalName",
        service("type: ExternalName"),
        "(Service/svc): spec.externalName: required field is missing",
    ),
    (
        "TestValidateService:ExternalName-invalid-externalName",
        service("type: ExternalName\nexternalName: foo_.com"),
        "(Service/svc): spec.externalName: ",
    ),
    # ---------------- Namespace (TestValidateNamespace) ----------------
    (
        "TestValidateNamespace:uppercase",
        namespace("ABC"),
        '(Namespace/ABC): metadata.name: "ABC" is not a valid name',
    ),
    (
        "TestValidateNamespace:with-dot",
        namespace("abc.def"),
        '(Namespace/abc.def): metadata.name: "abc.def" is not a valid name',
    ),
    (
        "TestValidateNamespace:too-long",
        namespace("a" * 64),
        "metadata.name: " + '"' + "a" * 64 + '" is not a valid name: must be no more than 63 characters',
    ),
    ("TestValidateNamespace:underscore", namespace("a_b"), "(Namespace/a_b): metadata.name: "),
    # ---------------- PriorityClass (TestValidatePriorityClass) ----------------
    (
        "TestValidatePriorityClass:invalid-name",
        priority_class("tier&1"),
        "(PriorityClass/tier&1): metadata.name: ",
    ),
    (
        "TestValidatePriorityClass:incorrect-system-class-name",
        priority_class("system-something", "value: 2000000000"),
        "(PriorityClass/system-something): metadata.name: priority class names with 'system-' prefix are reserved",
    ),
    (
        "TestValidatePriorityClass:incorrect-system-class-value",
        priority_class("system-node-critical", "value: 100"),
        "(PriorityClass/system-node-critical): metadata.name: priority class names with 'system-' prefix are "
        "reserved for system use only: value of system-node-critical PriorityClass must be 2000001000",
    ),
    (
        "TestValidatePriorityClass:system-class-globalDefault",
        priority_class("system-cluster-critical", "value: 2000000000\nglobalDefault: true"),
        "(PriorityClass/system-cluster-critical): metadata.name: priority class names with 'system-' prefix",
    ),
    (
        "TestValidatePriorityClass:user-value-above-1e9",
        priority_class("tier1", "value: 1000000001"),
        "(PriorityClass/tier1): value: maximum allowed value of a user defined priority is 1000000000",
    ),
    (
        "TestValidatePriorityClass:value-not-int32",
        priority_class("tier1", "value: -2147483649"),
        "(PriorityClass/tier1): value: must be greater than or equal to -2147483648",
    ),
    (
        "TestValidatePriorityClass:invalid-preemptionPolicy",
        priority_class("tier1", "value: 100\npreemptionPolicy: foo"),
        '(PriorityClass/tier1): preemptionPolicy: unsupported value "foo"',
    ),
    (
        "TestValidatePriorityClass:missing-value",
        priority_class("tier1", "description: x"),
        "(PriorityClass/tier1): value: required field is missing",
    ),
    # ---------------- PodDisruptionBudget (TestValidatePodDisruptionBudgetSpec) ----------------
    (
        "TestValidatePodDisruptionBudgetSpec:maxUnavailable-101%",
        pdb("maxUnavailable: '101%'"),
        "(PodDisruptionBudget/pdb): spec.maxUnavailable: ",
    ),
    (
        "TestValidatePodDisruptionBudgetSpec:maxUnavailable-negative",
        pdb("maxUnavailable: -1"),
        "(PodDisruptionBudget/pdb): spec.maxUnavailable: must be greater than or equal to 0",
    ),
    (
        "TestValidatePodDisruptionBudgetSpec:maxUnavailable-1.1%",
        pdb("maxUnavailable: '1.1%'"),
        "(PodDisruptionBudget/pdb): spec.maxUnavailable: ",
    ),
    (
        "TestValidatePodDisruptionBudgetSpec:minAvailable-nope",
        pdb("minAvailable: nope"),
        "(PodDisruptionBudget/pdb): spec.minAvailable: ",
    ),
    (
        "TestValidatePodDisruptionBudgetSpec:minAvailable--1%",
        pdb("minAvailable: '-1%'"),
        "(PodDisruptionBudget/pdb): spec.minAvailable: ",
    ),
    (
        "TestValidatePodDisruptionBudgetSpec:both-percent",
        pdb("minAvailable: '10%'\nmaxUnavailable: '10%'"),
        "(PodDisruptionBudget/pdb): spec: minAvailable and maxUnavailable cannot be both set",
    ),
    (
        "TestValidateUnhealthyPodEvictionPolicy:invalid",
        pdb("minAvailable: 1\nunhealthyPodEvictionPolicy: Invalid"),
        '(PodDisruptionBudget/pdb): spec.unhealthyPodEvictionPolicy: unsupported value "Invalid"',
    ),
    (
        "TestValidatePodDisruptionBudgetSpec:invalid-selector",
        pdb("minAvailable: 1").replace("{matchLabels: {app: web}}", "{matchLabels: {app: 'a b'}}"),
        "(PodDisruptionBudget/pdb): spec.selector.matchLabels.app: invalid label value",
    ),
    # ---------------- Ingress (TestValidateIngress, TestValidateIngressBackend, validateHTTPIngressPath) -------
    (
        "TestValidateIngress:neither-defaultBackend-nor-rules",
        ingress("ingressClassName: nginx"),
        "(Ingress/ing): spec: either `defaultBackend` or `rules` must be specified",
    ),
    (
        "TestValidateIngress:Prefix-path-not-absolute",
        ingress_path("path: foo, pathType: Prefix"),
        '.http.paths[0].path: invalid value "foo": must be an absolute path',
    ),
    (
        "TestValidateIngress:Exact-path-empty",
        ingress_path("pathType: Exact"),
        '(Ingress/ing): spec.rules[0].http.paths[0].path: invalid value "": must be an absolute path',
    ),
    (
        "TestValidateIngress:ImplementationSpecific-path-not-absolute",
        ingress_path("path: foo, pathType: ImplementationSpecific"),
        '.http.paths[0].path: invalid value "foo": must be an absolute path',
    ),
    (
        "validateHTTPIngressPath:Prefix-path-with-double-slash",
        ingress_path("path: /foo//bar, pathType: Prefix"),
        "(Ingress/ing): spec.rules[0].http.paths[0].path: invalid value \"/foo//bar\": must not contain '//'",
    ),
    (
        "validateHTTPIngressPath:Exact-path-with-%2f",
        ingress_path("path: /foo%2fbar, pathType: Exact"),
        "must not contain '%2f'",
    ),
    (
        "validateHTTPIngressPath:Prefix-path-ending-in-/..",
        ingress_path("path: /foo/.., pathType: Prefix"),
        "(Ingress/ing): spec.rules[0].http.paths[0].path: invalid value \"/foo/..\": cannot end with '/..'",
    ),
    (
        "TestValidateIngress:invalid-pathType",
        ingress_path("path: /foo, pathType: Regex"),
        '(Ingress/ing): spec.rules[0].http.paths[0].pathType: unsupported value "Regex"',
    ),
    (
        "TestValidateIngress:missing-pathType",
        ingress_path("path: /foo"),
        "(Ingress/ing): spec.rules[0].http.paths[0].pathType: required field is missing",
    ),
    (
        "TestValidateIngress:empty-paths",
        ingress("rules: [{host: foo.example.com, http: {paths: []}}]"),
        "(Ingress/ing): spec.rules[0].http.paths: must have at least one item",
    ),
    (
        "TestValidateIngressBackend:neither-service-nor-resource",
        ingress_path(backend="{}"),
        "(Ingress/ing): spec.rules[0].http.paths[0].backend: resource or service backend is required",
    ),
    (
        "TestValidateIngressBackend:both-port-name-and-number",
        ingress_path(backend="{service: {name: web, port: {name: http, number: 80}}}"),
        "(Ingress/ing): spec.rules[0].http.paths[0].backend: cannot set both port name & port number",
    ),
    (
        "TestValidateIngressBackend:no-port",
        ingress_path(backend="{service: {name: web}}"),
        "(Ingress/ing): spec.rules[0].http.paths[0].backend: port name or number is required",
    ),
    (
        "TestValidateIngressBackend:empty-port",
        ingress_path(backend="{service: {name: web, port: {}}}"),
        "(Ingress/ing): spec.rules[0].http.paths[0].backend: port name or number is required",
    ),
    (
        "TestValidateIngressBackend:missing-service-name",
        ingress_path(backend="{service: {port: {number: 80}}}"),
        "(Ingress/ing): spec.rules[0].http.paths[0].backend.service.name: required field is missing",
    ),
    (
        "TestValidateIngressBackend:invalid-service-name",
        ingress_path(backend="{service: {name: 1web, port: {number: 80}}}"),
        '(Ingress/ing): spec.rules[0].http.paths[0].backend.service.name: "1web" is not a valid name',
    ),
    (
        "TestValidateIngressBackend:invalid-port-number",
        ingress_path(backend="{service: {name: web, port: {number: 65536}}}"),
        "(Ingress/ing): spec.rules[0].http.paths[0].backend.service.port.number: must be less than or equal to 65535",
    ),
    (
        "TestValidateIngressBackend:invalid-port-name",
        ingress_path(backend="{service: {name: web, port: {name: Http}}}"),
        '(Ingress/ing): spec.rules[0].http.paths[0].backend.service.port.name: invalid value "Http"',
    ),
    (
        "TestValidateIngress:defaultBackend-without-port",
        ingress("defaultBackend: {service: {name: web}}"),
        "(Ingress/ing): spec.defaultBackend: port name or number is required",
    ),
    (
        "TestValidateIngressRules:host-is-an-IP",
        ingress(
            "rules: [{host: 127.0.0.1, http: {paths: [{path: /, pathType: Prefix, backend: "
            "{service: {name: web, port: {number: 80}}}}]}}]"
        ),
        '(Ingress/ing): spec.rules[0].host: invalid value "127.0.0.1": must be a DNS name, not an IP address',
    ),
    (
        "TestValidateIngressRules:invalid-wildcard-host",
        ingress(
            "rules: [{host: '*.*.bar.com', http: {paths: [{path: /, pathType: Prefix, backend: "
            "{service: {name: web, port: {number: 80}}}}]}}]"
        ),
        '(Ingress/ing): spec.rules[0].host: invalid value "*.*.bar.com"',
    ),
    (
        "TestValidateIngressRules:invalid-host",
        ingress(
            "rules: [{host: Foo_Bar.com, http: {paths: [{path: /, pathType: Prefix, backend: "
            "{service: {name: web, port: {number: 80}}}}]}}]"
        ),
        '(Ingress/ing): spec.rules[0].host: "Foo_Bar.com" is not a valid name',
    ),
    (
        "TestValidateIngressCreate:invalid-ingressClassName",
        ingress("ingressClassName: Bad_Class\ndefaultBackend: {service: {name: web, port: {number: 80}}}"),
        '(Ingress/ing): spec.ingressClassName: "Bad_Class" is not a valid name',
    ),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_rejected(text: str, fragment: str) -> None:
    assert_rejected(text, fragment)


GOOD = [
    (
        "TestValidatePorts:valid-ports",
        pod(
            container_extra="ports: [{name: http, containerPort: 80, protocol: TCP},"
            " {name: a-1-b, containerPort: 65535, hostPort: 65535, protocol: SCTP},"
            " {containerPort: 53, protocol: UDP}]"
        ),
    ),
    (
        "SetDefaults_ContainerPort:empty-protocol-is-TCP",
        pod(container_extra="ports: [{containerPort: 80, protocol: ''}]"),
    ),
    (
        "TestAccumulateUniqueHostPorts:same-hostPort-different-protocol",
        pod(
            containers="containers:\n"
            "  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}\n"
            "  - {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080, protocol: UDP}]}"
        ),
    ),
    (
        "TestAccumulateUniqueHostPorts:same-hostPort-different-hostIP",
        pod(
            containers="containers:\n"
            "  - {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080, hostIP: 10.0.0.1}]}\n"
            "  - {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080, hostIP: 10.0.0.2}]}"
        ),
    ),
    (
        "TestValidatePorts:same-port-name-in-different-containers",
        pod(
            containers="containers:\n"
            "  - {name: a, image: x, ports: [{name: http, containerPort: 80}]}\n"
            "  - {name: b, image: x, ports: [{name: http, containerPort: 81}]}"
        ),
    ),
    (
        "TestValidateNodeSelectorRequirement:Gt-one-value",
        node_affinity("{key: cores, operator: Gt, values: ['4']}"),
    ),
    (
        "TestValidateNodeSelectorRequirement:Lt-non-integer-value-accepted",
        node_affinity("{key: cores, operator: Lt, values: [four]}"),
    ),
    ("TestValidateNodeSelectorRequirement:Exists-no-values", node_affinity("{key: zone, operator: Exists}")),
    (
        "TestValidateNodeFieldSelectorRequirement:metadata.name-In-one-value",
        node_affinity("{key: metadata.name, operator: In, values: [n1]}", field="matchFields"),
    ),
    (
        "TestValidateAffinity:valid-pod-affinity-with-matchLabelKeys",
        pod_affinity(f"{{{SEL}, topologyKey: zone, matchLabelKeys: [version], mismatchLabelKeys: [tenant]}}"),
    ),
    (
        "TestValidateAffinity:empty-labelSelector",
        pod_affinity("{labelSelector: {}, topologyKey: zone}", "podAntiAffinity"),
    ),
    (
        "TestValidateTopologySpreadConstraints:same-key-different-whenUnsatisfiable",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}",
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: ScheduleAnyway, {SEL}}}",
        ),
    ),
    (
        "TestValidateTopologySpreadConstraints:minDomains-with-DoNotSchedule",
        spread(
            f"{{maxSkew: 1, minDomains: 3, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL}}}"
        ),
    ),
    (
        "TestValidateTopologySpreadConstraints:policies-and-matchLabelKeys",
        spread(
            f"{{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: DoNotSchedule, {SEL},"
            " nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor, matchLabelKeys: [pod-template-hash]}"
        ),
    ),
    (
        "TestValidateTopologySpreadConstraints:no-labelSelector",
        spread("{maxSkew: 1, topologyKey: k8s.io/zone, whenUnsatisfiable: ScheduleAnyway}"),
    ),
    ("TestValidatePodSpec:schedulerName-subdomain", pod("schedulerName: my.scheduler-1")),
    ("SetDefaults_PodSpec:empty-restartPolicy-is-Always", pod("restartPolicy: ''")),
    (
        "TestValidatePodSpec:priority-and-priorityClassName",
        pod("priority: 100\npriorityClassName: valid-name"),
    ),
    ("TestValidatePodSpec:terminationGracePeriodSeconds-zero", pod("terminationGracePeriodSeconds: 0")),
    (
        "TestValidateNode:same-taint-key-different-effects",
        node(
            "[{key: dedicated, value: a, effect: NoSchedule}, {key: dedicated, value: a, effect: NoExecute}]"
        ),
    ),
    ("TestValidateNode:taint-without-value", node("[{key: node.kubernetes.io/x, effect: PreferNoSchedule}]")),
    (
        "TestValidateService:NodePort-with-nodePort",
        service("type: NodePort\nports: [{port: 80, nodePort: 30080}]"),
    ),
    ("TestValidateService:targetPort-name", service("ports: [{port: 80, targetPort: http}]")),
    ("SetDefaults_Service:targetPort-zero-defaults-to-port", service("ports: [{port: 80, targetPort: 0}]")),
    ("SetDefaults_Service:empty-type-is-ClusterIP", service("type: ''\nports: [{port: 80, protocol: ''}]")),
    (
        "TestValidateService:same-port-different-protocol",
        service("ports: [{name: a, port: 53, protocol: TCP}, {name: b, port: 53, protocol: UDP}]"),
    ),
    ("TestValidateService:headless-without-ports", service("clusterIP: None\nselector: {app: web}")),
    (
        "TestValidateService:ExternalName-without-ports",
        service("type: ExternalName\nexternalName: foo.example.com"),
    ),
    (
        "TestValidateService:ExternalName-trailing-dot",
        service("type: ExternalName\nexternalName: foo.example.com."),
    ),
    ("TestValidateService:single-port-without-name", service("ports: [{port: 80}]")),
    ("TestValidateNamespace:63-characters", namespace("a" * 63)),
    ("TestValidateNamespace:with-dash", namespace("abc-123")),
    (
        "TestValidatePriorityClass:system-cluster-critical",
        priority_class("system-cluster-critical", "value: 2000000000"),
    ),
    (
        "TestValidatePriorityClass:system-node-critical",
        priority_class("system-node-critical", "value: 2000001000"),
    ),
    ("TestValidatePriorityClass:user-max-value", priority_class("tier1", "value: 1000000000")),
    ("TestValidatePriorityClass:negative-value", priority_class("tier1", "value: -2147483648")),
    (
        "TestValidatePriorityClass:valid-preemptionPolicy",
        priority_class("tier1", "value: 100\npreemptionPolicy: Never\nglobalDefault: true"),
    ),
    ("TestValidatePodDisruptionBudgetSpec:neither-minAvailable-nor-maxUnavailable", pdb("")),
    ("TestValidatePodDisruptionBudgetSpec:maxUnavailable-0%", pdb("maxUnavailable: '0%'")),
    ("TestValidatePodDisruptionBudgetSpec:maxUnavailable-100%", pdb("maxUnavailable: '100%'")),
    ("TestValidatePodDisruptionBudgetSpec:minAvailable-100", pdb("minAvailable: 100")),
    (
        "TestValidateUnhealthyPodEvictionPolicy:AlwaysAllow",
        pdb("minAvailable: 1\nunhealthyPodEvictionPolicy: AlwaysAllow"),
    ),
    (
        "TestValidateUnhealthyPodEvictionPolicy:IfHealthyBudget",
        pdb("maxUnavailable: 1\nunhealthyPodEvictionPolicy: IfHealthyBudget"),
    ),
    (
        "TestValidateIngress:defaultBackend-only",
        ingress("defaultBackend: {service: {name: web, port: {name: http}}}"),
    ),
    (
        "TestValidateIngress:ImplementationSpecific-empty-path",
        ingress_path("pathType: ImplementationSpecific"),
    ),
    ("TestValidateIngress:Exact-absolute-path", ingress_path("path: /foo/bar, pathType: Exact")),
    (
        "TestValidateIngressRules:wildcard-host",
        ingress(
            "rules: [{host: '*.example.com', http: {paths: [{path: /, pathType: Prefix, backend: "
            "{service: {name: web, port: {number: 80}}}}]}}]"
        ),
    ),
    (
        "TestValidateIngressRules:rule-without-host",
        ingress(
            "rules: [{http: {paths: [{path: /, pathType: Prefix, "
            "backend: {service: {name: web, port: {number: 80}}}}]}}]"
        ),
    ),
    (
        "TestValidateIngressBackend:port-number-zero-with-name",
        ingress_path(backend="{service: {name: web, port: {name: http, number: 0}}}"),
    ),
]


@pytest.mark.parametrize("text", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_accepted(text: str) -> None:
    load_text(textwrap.dedent(text), "t.yaml")


def test_negative_termination_grace_period_is_accepted_with_a_warning_and_treated_as_1() -> None:
    # pkg/api/pod/warnings.go and the pod registry strategy: negative values are stored as 1
    result = load_text(textwrap.dedent(pod("terminationGracePeriodSeconds: -5")), "t.yaml")
    assert any(
        "spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1"
        in w
        for w in result.warnings
    ), result.warnings
    assert result.objects[0].spec.termination_grace_period_seconds == 1


def test_template_without_image_is_a_warning_with_lenient() -> None:
    result = load_text(textwrap.dedent(DEPLOYMENT_WITHOUT_IMAGE), "t.yaml", lenient=True)
    assert any("spec.template.spec.containers[0].image: no image" in w for w in result.warnings), (
        result.warnings
    )


def test_ids_are_unique() -> None:
    ids = [c[0] for c in BAD] + [c[0] for c in GOOD]
    assert len(ids) == len(set(ids))
