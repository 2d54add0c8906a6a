"""``kubesim validate`` rejects what the API server rejects: cases ported from Kubernetes' validation tests.

Sources (kubernetes/kubernetes): pkg/apis/apps/validation/validation_test.go (TestValidateDeployment,
TestValidateReplicaSet), pkg/apis/core/validation/validation_test.go (TestValidateTolerations via
validatePod, TestValidateResourceRequirements, TestValidateLabels / label value cases,
TestValidatePodSpecificAnnotations for pod-deletion-cost), pkg/apis/policy/validation/validation_test.go
(TestValidateMinAvailablePodDisruptionBudgetSpec). Each case gives the field path and the gist of the message;
the error line format is kubesim's (``error: FILE: document N (Kind/name): field.path: message``).
"""

from __future__ import annotations

import textwrap

import pytest

from models.loader import load_text
from tests.loadhelpers import assert_rejected


def loads(text: str) -> None:
    load_text(textwrap.dedent(text), "t.yaml")


def deployment(
    spec_extra: str = "", replicas: str = "3", labels: str = "{app: web}", selector: str = "{app: web}"
) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {selector}}}
{textwrap.indent(spec_extra.strip(), "  ") if spec_extra.strip() else ""}
  template:
    metadata: {{labels: {labels}}}
    spec:
      containers: [{{name: web, image: nginx}}]
"""


def pod(spec_extra: str = "", annotations: str = "{}", labels: str = "{}", container_extra: str = "") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, labels: {labels}, annotations: {annotations}}}
spec:
{textwrap.indent(spec_extra.strip(), "  ") if spec_extra.strip() else ""}
  containers:
    - name: c
      image: busybox
{textwrap.indent(container_extra.strip(), "      ") if container_extra.strip() else ""}
"""


BAD = [
    # --- apps/v1 Deployment (TestValidateDeployment errorCases) ---
    (
        "TestValidateDeployment:selector-does-not-match-template",
        deployment(selector="{name: def}"),
        "(Deployment/web): spec.template.metadata.labels: selector does not match template labels",
    ),
    (
        "TestValidateDeployment:empty-selector",
        deployment().replace("selector: {matchLabels: {app: web}}", "selector: {}"),
        "(Deployment/web): spec.selector: empty selector is invalid for deployment",
    ),
    (
        "TestValidateDeployment:spec.strategy.type-randomType",
        deployment("strategy: {type: randomType}"),
        '(Deployment/web): spec.strategy.type: unsupported value "randomType"',
    ),
    (
        "TestValidateDeployment:rollingUpdate-with-Recreate",
        deployment("strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}"),
        "(Deployment/web): spec.strategy.rollingUpdate: may not be specified when strategy `type` is 'Recreate'",
    ),
    (
        "TestValidateDeployment:maxSurge-20Percent",
        deployment("strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 20Percent}}"),
        "(Deployment/web): spec.strategy.rollingUpdate.maxSurge: ",
    ),
    (
        "TestValidateDeployment:maxUnavailable-and-maxSurge-0",
        deployment("strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}"),
        "(Deployment/web): spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0",
    ),
    (
        "TestValidateDeployment:maxUnavailable-0%-and-maxSurge-0%",
        deployment("strategy: {rollingUpdate: {maxSurge: '0%', maxUnavailable: '0%'}}"),
        "(Deployment/web): spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0",
    ),
    (
        "TestValidateDeployment:maxUnavailable-110%",
        deployment("strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: '110%'}}"),
        "(Deployment/web): spec.strategy.rollingUpdate.maxUnavailable: ",
    ),
    (
        "ValidatePositiveIntOrPercent:maxSurge-negative",
        deployment("strategy: {rollingUpdate: {maxSurge: -1}}"),
        "(Deployment/web): spec.strategy.rollingUpdate.maxSurge: must be greater than or equal to 0",
    ),
    (
        "ValidatePositiveIntOrPercent:maxSurge-numeric-string",
        deployment("strategy: {rollingUpdate: {maxSurge: '1'}}"),
        "(Deployment/web): spec.strategy.rollingUpdate.maxSurge: ",
    ),
    (
        "TestValidateDeployment:negative-replicas",
        deployment(replicas="-1"),
        "(Deployment/web): spec.replicas: must be greater than or equal to 0",
    ),
    (
        "TestValidateDeployment:progressDeadlineSeconds-not-above-minReadySeconds",
        deployment("minReadySeconds: 10\nprogressDeadlineSeconds: 10"),
        "(Deployment/web): spec.progressDeadlineSeconds: must be greater than minReadySeconds",
    ),
    (
        "int32:replicas-overflow",
        deployment(replicas="2147483648"),
        "(Deployment/web): spec.replicas: must be less than or equal to 2147483647",
    ),
    (
        "TestValidateDeployment:negative-minReadySeconds",
        deployment("minReadySeconds: -1"),
        "(Deployment/web): spec.minReadySeconds: must be greater than or equal to 0",
    ),
    (
        "TestValidateDeployment:negative-revisionHistoryLimit",
        deployment("revisionHistoryLimit: -2"),
        "(Deployment/web): spec.revisionHistoryLimit: must be greater than or equal to 0",
    ),
    (
        "TestValidateDeployment:restartPolicy-OnFailure",
        deployment().replace(
            "containers: [{name: web, image: nginx}]",
            "restartPolicy: OnFailure\n      containers: [{name: web, image: nginx}]",
        ),
        "(Deployment/web): spec.template.spec.restartPolicy: ",
    ),
    (
        "TestValidateDeployment:bad-template-label-value",
        deployment(labels="{app: web, bad: 'nospecialchars^=@'}"),
        "(Deployment/web): spec.template.metadata.labels.bad: invalid label value",
    ),
    # --- apps/v1 ReplicaSet (TestValidateReplicaSet errorCases) ---
    (
        "TestValidateReplicaSet:negative_replicas",
        deployment(replicas="-1").replace("kind: Deployment", "kind: ReplicaSet"),
        "(ReplicaSet/web): spec.replicas: must be greater than or equal to 0",
    ),
    (
        "TestValidateReplicaSet:selector_doesnt_match",
        deployment(selector="{foo: bar}").replace("kind: Deployment", "kind: ReplicaSet"),
        "(ReplicaSet/web): spec.template.metadata.labels: selector does not match template labels",
    ),
    (
        "TestValidateReplicaSet:invalid_label",
        deployment(labels="{app: web}")
        .replace(
            "metadata: {name: web}",
            "metadata: {name: web, labels: {'NoUppercaseOrSpecialCharsLike=Equals': b}}",
        )
        .replace("kind: Deployment", "kind: ReplicaSet"),
        "(ReplicaSet/web): metadata.labels[NoUppercaseOrSpecialCharsLike=Equals]: invalid key",
    ),
    # --- labels (IsQualifiedName / IsValidLabelValue) ---
    (
        "TestValidateLabels:value-too-long",
        pod(labels="{a: " + "x" * 64 + "}"),
        "(Pod/p): metadata.labels.a: invalid label value",
    ),
    (
        "TestValidateLabels:value-starts-with-dash",
        pod(labels="{a: -abc}"),
        "(Pod/p): metadata.labels.a: invalid label value",
    ),
    (
        "TestValidateLabels:key-prefix-uppercase",
        pod(labels="{Example.com/a: b}"),
        "(Pod/p): metadata.labels[Example.com/a]: invalid key",
    ),
    (
        "TestValidateLabels:key-empty-name",
        pod(labels="{example.com/: b}"),
        "(Pod/p): metadata.labels[example.com/]: invalid key",
    ),
    # --- tolerations (validateTolerations) ---
    (
        "TestValidateTolerations:exists-with-value",
        pod("tolerations: [{key: foo, operator: Exists, value: bar}]"),
        "(Pod/p): spec.tolerations[0].operator: value must be empty when `operator` is 'Exists'",
    ),
    (
        "TestValidateTolerations:empty-key-with-Equal",
        pod("tolerations: [{operator: Equal, value: bar}]"),
        "(Pod/p): spec.tolerations[0].operator: operator must be Exists when `key` is empty",
    ),
    (
        "TestValidateTolerations:tolerationSeconds-without-NoExecute",
        pod(
            "tolerations: [{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoSchedule,"
            " tolerationSeconds: 20}]"
        ),
        "(Pod/p): spec.tolerations[0].effect: effect must be 'NoExecute' when `tolerationSeconds` is set",
    ),
    (
        "TestValidateTolerations:invalid-operator",
        pod("tolerations: [{key: foo, operator: In, value: bar}]"),
        '(Pod/p): spec.tolerations[0].operator: unsupported value "In"',
    ),
    (
        "TestValidateTolerations:invalid-key",
        pod("tolerations: [{key: 'nospecialchars^=@', operator: Equal, value: bar}]"),
        "(Pod/p): spec.tolerations[0].key: invalid key",
    ),
    (
        "TestValidateTolerations:invalid-value-reported-at-operator",
        pod("tolerations: [{key: foo, operator: Equal, value: 'nospecialchars^=@'}]"),
        "(Pod/p): spec.tolerations[0].operator: invalid value",
    ),
    (
        "TestValidateTolerations:invalid-effect",
        pod("tolerations: [{key: foo, operator: Exists, effect: foo}]"),
        '(Pod/p): spec.tolerations[0].effect: unsupported value "foo"',
    ),
    # --- resources (ValidateResourceRequirements / ValidateResourceQuantityValue) ---
    (
        "TestValidateResourceRequirements:request-above-limit",
        pod(container_extra="resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}"),
        "(Pod/p): spec.containers[0].resources.requests.memory: must be less than or equal to memory limit of 1Gi",
    ),
    (
        "ValidateNonnegativeQuantity:negative-cpu",
        pod(container_extra="resources: {requests: {cpu: '-1'}}"),
        "(Pod/p): spec.containers[0].resources.requests.cpu: must be greater than or equal to 0",
    ),
    (
        "ValidateResourceQuantityValue:extended-resource-not-integer",
        pod(
            container_extra="resources: {requests: {example.com/gpu: 500m}, limits: {example.com/gpu: 500m}}"
        ),
        '(Pod/p): spec.containers[0].resources.requests[example.com/gpu]: invalid value "500m": must be an integer',
    ),
    (
        "TestValidateResourceRequirements:extended-resource-request-not-equal-limit",
        pod(container_extra="resources: {requests: {example.com/gpu: 1}, limits: {example.com/gpu: 2}}"),
        "(Pod/p): spec.containers[0].resources.requests[example.com/gpu]: must be equal to example.com/gpu limit",
    ),
    (
        "TestValidateResourceRequirements:extended-resource-request-without-limit",
        pod(container_extra="resources: {requests: {example.com/gpu: 1}}"),
        "(Pod/p): spec.containers[0].resources.",
    ),
    (
        "TestQuantityParse-invalid:0.1mi",
        pod(container_extra="resources: {requests: {memory: 0.1mi}}"),
        "(Pod/p): spec.containers[0].resources.requests.memory: ",
    ),
    # --- pod-deletion-cost (ValidatePodSpecificAnnotations) ---
    (
        "TestValidatePodSpecificAnnotations:deletion-cost-plus-sign",
        pod(annotations="{controller.kubernetes.io/pod-deletion-cost: '+10'}"),
        "(Pod/p): metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: invalid value",
    ),
    (
        "TestValidatePodSpecificAnnotations:deletion-cost-not-int32",
        pod(annotations="{controller.kubernetes.io/pod-deletion-cost: '2147483648'}"),
        "(Pod/p): metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: invalid value",
    ),
    (
        "ValidatePodTemplateSpec:deletion-cost-text",
        deployment().replace(
            "metadata: {labels: {app: web}}",
            "metadata: {labels: {app: web}, annotations: {controller.kubernetes.io/pod-deletion-cost: abc}}",
        ),
        "(Deployment/web): spec.template.metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: "
        "invalid value",
    ),
    # --- policy/v1 PodDisruptionBudget ---
    (
        "TestValidatePodDisruptionBudgetSpec:minAvailable-and-maxUnavailable",
        """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: pdb}
        spec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {app: web}}}
        """,
        "(PodDisruptionBudget/pdb): spec: ",
    ),
    (
        "TestValidateMinAvailablePodDisruptionBudgetSpec:minAvailable-101%",
        """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: pdb}
        spec: {minAvailable: '101%', selector: {matchLabels: {app: web}}}
        """,
        "(PodDisruptionBudget/pdb): spec.minAvailable: ",
    ),
    (
        "TestValidateMinAvailablePodDisruptionBudgetSpec:minAvailable-negative",
        """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: pdb}
        spec: {minAvailable: -1, selector: {matchLabels: {app: web}}}
        """,
        "(PodDisruptionBudget/pdb): spec.minAvailable: ",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_rejected(text: str, fragment: str) -> None:
    assert_rejected(text, fragment)


GOOD = [
    (
        "TestValidateDeployment:maxSurge-0-maxUnavailable-default",
        deployment("strategy: {rollingUpdate: {maxSurge: 0}}"),
    ),
    (
        "TestValidateDeployment:maxUnavailable-above-replicas",
        deployment("strategy: {rollingUpdate: {maxUnavailable: 10}}"),
    ),
    (
        "TestValidateDeployment:maxSurge-above-100%",
        deployment("strategy: {rollingUpdate: {maxSurge: '200%'}}"),
    ),
    ("TestValidateDeployment:zero-replicas", deployment(replicas="0")),
    ("TestValidateTolerations:empty-key-Exists", pod("tolerations: [{operator: Exists}]")),
    (
        "TestValidateTolerations:negative-tolerationSeconds",
        pod("tolerations: [{key: foo, operator: Exists, effect: NoExecute, tolerationSeconds: -1}]"),
    ),
    ("TestValidateTolerations:empty-operator-is-Equal", pod("tolerations: [{key: foo, value: bar}]")),
    ("validateTolerations:operator-empty-string", pod("tolerations: [{key: foo, operator: '', value: bar}]")),
    ("SetDefaults_Deployment:strategy-type-empty", deployment("strategy: {type: ''}")),
    ("TestValidateLabels:empty-value", pod(labels="{a: ''}")),
    ("TestValidateLabels:63-char-value", pod(labels="{a: " + "x" * 63 + "}")),
    (
        "TestValidatePodSpecificAnnotations:deletion-cost-negative",
        pod(annotations="{controller.kubernetes.io/pod-deletion-cost: '-100'}"),
    ),
    ("TestJSONWhitespace:quantity", pod(container_extra="resources: {requests: {cpu: ' 1'}}")),
    ("ParseQuantity:sub-nano-rounds-up", pod(container_extra="resources: {requests: {cpu: '0.0000000001'}}")),
]


@pytest.mark.parametrize("text", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_accepted(text: str) -> None:
    loads(text)
