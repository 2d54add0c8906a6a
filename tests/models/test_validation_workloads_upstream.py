"""The workload kinds against the API server's validation: cases ported, as facts, from Kubernetes 1.35.

Sources (kubernetes/kubernetes): pkg/apis/apps/validation/validation_test.go (TestValidateStatefulSet,
TestValidateDaemonSet, the spec parts of TestValidateDaemonSetUpdate, TestValidateDeployment and
TestValidateReplicaSet cases not in test_validation_upstream.py), pkg/apis/core/validation/validation_test.go
(TestValidateReplicationController), pkg/apis/batch/validation/validation_test.go (TestValidateJob,
TestValidateCronJob). Objects are validated as the API server sees them: after the v1 defaulting (a
ReplicationController's selector from its template's labels, a Deployment's progressDeadlineSeconds of 600, a
DaemonSet's maxUnavailable 1 / maxSurge 0, an empty CronJob concurrencyPolicy as Allow, a pod template's
missing restartPolicy as Always). Each id is ``<upstream test>:<upstream case>``; each case gives the field path
and the gist of the message.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from models.errors import InputError
from models.loader import load_text
from tests.loadhelpers import errors_of

DELETE = object()
LABEL_BAD_KEY = "NoUppercaseOrSpecialCharsLike=Equals"


def _pod_spec(restart: str | None = "Always") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "abc", "image": "image"}]}
    if restart is not None:
        spec["restartPolicy"] = restart
    return spec


def _template(labels: dict[str, str] | None = None, restart: str | None = "Always") -> dict[str, Any]:
    return {"metadata": {"labels": dict(labels or {"a": "b"})}, "spec": _pod_spec(restart)}


def _apps(kind: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"selector": {"matchLabels": {"a": "b"}}, "template": _template()}
    if kind != "DaemonSet":
        spec["replicas"] = 3
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "abc-123"}, "spec": spec}


def _rc() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "abc-123"},
        "spec": {"replicas": 1, "selector": {"a": "b"}, "template": _template()},
    }


def _job() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "myjob"},
        "spec": {"template": _template(restart="OnFailure")},
    }


def _cronjob() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "mycronjob"},
        "spec": {
            "schedule": "* * * * ?",
            "concurrencyPolicy": "Allow",
            "jobTemplate": {"spec": {"template": _template(restart="OnFailure")}},
        },
    }


BASES = {
    "StatefulSet": lambda: _apps("StatefulSet"),
    "DaemonSet": lambda: _apps("DaemonSet"),
    "Deployment": lambda: _apps("Deployment"),
    "ReplicaSet": lambda: _apps("ReplicaSet"),
    "ReplicationController": _rc,
    "Job": _job,
    "CronJob": _cronjob,
}


def build(kind: str, edits: dict[str, Any]) -> str:
    """The base object of ``kind`` with ``edits`` applied: dotted path -> value (``DELETE`` removes the key)."""
    obj = BASES[kind]()
    for path, value in edits.items():
        *parents, last = path.split(".")
        node = obj
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return yaml.safe_dump(obj, sort_keys=False)


T = "spec.template"
JT = "spec.jobTemplate.spec"
RU = "spec.updateStrategy.rollingUpdate"

# (id, kind, edits, fragment of one error line)
BAD: list[tuple[str, str, dict[str, Any], str]] = [
    # ---------------------------------------------------------------------------------------- StatefulSet
    ("TestValidateStatefulSet:invalid-name-dots", "StatefulSet", {"metadata.name": "abc.123"}, "metadata.name: "),
    ("TestValidateStatefulSet:invalid-name-too-long", "StatefulSet", {"metadata.name": "a" * 64}, "metadata.name: "),
    ("TestValidateStatefulSet:empty-selector", "StatefulSet", {"spec.selector": {}},
     "spec.selector: empty selector is invalid for statefulset"),
    ("TestValidateStatefulSet:missing-selector", "StatefulSet", {"spec.selector": DELETE}, "spec.selector: required"),
    ("TestValidateStatefulSet:selector_doesnt_match", "StatefulSet", {"spec.selector.matchLabels": {"foo": "bar"}},
     "spec.template.metadata.labels: selector does not match template labels"),
    ("TestValidateStatefulSet:negative_replicas", "StatefulSet", {"spec.replicas": -1},
     "spec.replicas: must be greater than or equal to 0"),
    ("TestValidateStatefulSet:invalid_label", "StatefulSet", {"metadata.labels": {LABEL_BAD_KEY: "b"}},
     f"metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateStatefulSet:invalid_label-2", "StatefulSet",
     {"spec.template.metadata.labels": {"a": "b", LABEL_BAD_KEY: "b"}},
     f"spec.template.metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateStatefulSet:invalid_annotation", "StatefulSet", {"metadata.annotations": {LABEL_BAD_KEY: "b"}},
     f"metadata.annotations[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateStatefulSet:invalid-restart-policy-OnFailure", "StatefulSet",
     {"spec.template.spec.restartPolicy": "OnFailure"}, "spec.template.spec.restartPolicy: "),
    ("TestValidateStatefulSet:invalid-restart-policy-Never", "StatefulSet",
     {"spec.template.spec.restartPolicy": "Never"}, "spec.template.spec.restartPolicy: "),
    ("TestValidateStatefulSet:invalid-update-strategy", "StatefulSet", {"spec.updateStrategy.type": "foo"},
     'spec.updateStrategy.type: unsupported value "foo"'),
    ("TestValidateStatefulSet:negative-partition", "StatefulSet",
     {"spec.updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}},
     f"{RU}.partition: must be greater than or equal to 0"),
    ("TestValidateStatefulSet:invalid-pod-management-policy", "StatefulSet", {"spec.podManagementPolicy": "foo"},
     'spec.podManagementPolicy: unsupported value "foo"'),
    ("TestValidateStatefulSet:set-active-deadline-seconds", "StatefulSet",
     {"spec.template.spec.activeDeadlineSeconds": 10},
     "spec.template.spec.activeDeadlineSeconds: activeDeadlineSeconds in StatefulSet is not Supported"),
    ("TestValidateStatefulSet:invalid-rolling-update-with-OnDelete", "StatefulSet",
     {"spec.updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}},
     "spec.updateStrategy.rollingUpdate: only allowed for updateStrategy 'RollingUpdate'"),
    ("TestValidateStatefulSet:negative-minReadySeconds", "StatefulSet", {"spec.minReadySeconds": -1},
     "spec.minReadySeconds: must be greater than or equal to 0"),
    ("TestValidateStatefulSet:negative-revisionHistoryLimit", "StatefulSet", {"spec.revisionHistoryLimit": -1},
     "spec.revisionHistoryLimit: must be greater than or equal to 0"),
    ("TestValidateStatefulSet:invalid-PVC-policy-whenDeleted", "StatefulSet",
     {"spec.persistentVolumeClaimRetentionPolicy": {"whenDeleted": "invalid policy"}},
     'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: unsupported value "invalid policy"'),
    ("TestValidateStatefulSet:invalid-PVC-policy-whenScaled", "StatefulSet",
     {"spec.persistentVolumeClaimRetentionPolicy": {"whenScaled": "invalid policy"}},
     'spec.persistentVolumeClaimRetentionPolicy.whenScaled: unsupported value "invalid policy"'),
    ("TestValidateStatefulSet:invalid-ordinals.start", "StatefulSet", {"spec.ordinals": {"start": -2}},
     "spec.ordinals.start: must be greater than or equal to 0"),
    ("TestValidateStatefulSet:zero-maxUnavailable", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0}}}, f"{RU}.maxUnavailable: "),
    ("TestValidateStatefulSet:zero-percent-maxUnavailable", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "0%"}}}, f"{RU}.maxUnavailable: "),
    ("TestValidateStatefulSet:greater-than-100-percent-maxUnavailable", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "101%"}}},
     f"{RU}.maxUnavailable: \"101%\": must not be greater than 100%"),
    ("TestValidateStatefulSet:negative-maxUnavailable", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": -1}}},
     f"{RU}.maxUnavailable: must be greater than or equal to 0"),
    ("TestValidateStatefulSet:invalid-percent-maxUnavailable", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "10Percent"}}}, f"{RU}.maxUnavailable: "),
    ("TestValidateStatefulSet:missing-template", "StatefulSet", {"spec.template": DELETE},
     "spec.template: required"),
    # ------------------------------------------------------------------------------------------ DaemonSet
    ("TestValidateDaemonSet:nil-selector", "DaemonSet", {"spec.selector": DELETE}, "spec.selector: required"),
    ("TestValidateDaemonSet:empty-selector", "DaemonSet", {"spec.selector": {}},
     "spec.selector: empty selector is invalid for daemonset"),
    ("TestValidateDaemonSet:selector_doesnt_match", "DaemonSet", {"spec.selector.matchLabels": {"foo": "bar"}},
     "spec.template.metadata.labels: selector does not match template labels"),
    ("TestValidateDaemonSet:invalid-manifest", "DaemonSet", {"spec.template": DELETE}, "spec.template: required"),
    ("TestValidateDaemonSet:invalid_label", "DaemonSet", {"metadata.labels": {LABEL_BAD_KEY: "b"}},
     f"metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateDaemonSet:invalid_label-2", "DaemonSet",
     {"spec.template.metadata.labels": {"a": "b", LABEL_BAD_KEY: "b"}},
     f"spec.template.metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateDaemonSet:invalid_annotation", "DaemonSet", {"metadata.annotations": {LABEL_BAD_KEY: "b"}},
     f"metadata.annotations[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateDaemonSet:invalid-restart-policy-1", "DaemonSet", {"spec.template.spec.restartPolicy": "OnFailure"},
     "spec.template.spec.restartPolicy: "),
    ("TestValidateDaemonSet:invalid-restart-policy-2", "DaemonSet", {"spec.template.spec.restartPolicy": "Never"},
     "spec.template.spec.restartPolicy: "),
    ("TestValidateDaemonSet:template-may-not-contain-activeDeadlineSeconds", "DaemonSet",
     {"spec.template.spec.activeDeadlineSeconds": 10},
     "spec.template.spec.activeDeadlineSeconds: activeDeadlineSeconds in DaemonSet is not Supported"),
    ("TestValidateDaemonSet:invalid-name", "DaemonSet", {"metadata.name": "Abc"}, "metadata.name: "),
    ("TestValidateDaemonSet:negative-revisionHistoryLimit", "DaemonSet", {"spec.revisionHistoryLimit": -1},
     "spec.revisionHistoryLimit: must be greater than or equal to 0"),
    ("TestValidateDaemonSetUpdate:negative-minReadySeconds", "DaemonSet", {"spec.minReadySeconds": -1},
     "spec.minReadySeconds: must be greater than or equal to 0"),
    ("TestValidateDaemonSetUpdate:invalid-update-strategy-type", "DaemonSet", {"spec.updateStrategy.type": "foo"},
     'spec.updateStrategy.type: unsupported value "foo"'),
    ("TestValidateDaemonSetUpdate:negative-maxUnavailable", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": -1}}},
     f"{RU}.maxUnavailable: must be greater than or equal to 0"),
    ("TestValidateDaemonSetUpdate:zero-maxUnavailable-zero-maxSurge", "DaemonSet",
     {"spec.updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}},
     f"{RU}.maxUnavailable: "),
    ("TestValidateDaemonSetUpdate:zero-percent-maxUnavailable-and-maxSurge", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "0%", "maxSurge": "0%"}}},
     f"{RU}.maxUnavailable: "),
    ("TestValidateDaemonSetUpdate:zero-maxUnavailable-defaulted-maxSurge", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0}}}, f"{RU}.maxUnavailable: "),
    ("TestValidateDaemonSetUpdate:both-maxSurge-and-maxUnavailable-non-zero", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}},
     f"{RU}.maxSurge: may not be set when maxUnavailable is non-zero"),
    ("SetDefaults_DaemonSet+ValidateRollingUpdateDaemonSet:maxSurge-with-defaulted-maxUnavailable-1", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxSurge": "10%"}}},
     f"{RU}.maxSurge: may not be set when maxUnavailable is non-zero"),
    ("TestValidateDaemonSetUpdate:maxUnavailable-more-than-100-percent", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "110%"}}},
     f"{RU}.maxUnavailable: \"110%\": must not be greater than 100%"),
    ("TestValidateDaemonSetUpdate:maxSurge-more-than-100-percent", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": "101%"}}},
     f"{RU}.maxSurge: \"101%\": must not be greater than 100%"),
    ("TestValidateDaemonSetUpdate:invalid-percent-maxSurge", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": "20Percent"}}}, f"{RU}.maxSurge: "),
    ("TestValidateDaemonSetUpdate:template-restartPolicy-Never", "DaemonSet",
     {"spec.template.spec.restartPolicy": "Never"}, "spec.template.spec.restartPolicy: "),
    # --------------------------------------------------------------------------------- Deployment / ReplicaSet
    ("TestValidateDeployment:nil-selector", "Deployment", {"spec.selector": DELETE}, "spec.selector: required"),
    ("TestValidateDeployment:missing-template", "Deployment", {"spec.template": DELETE}, "spec.template: required"),
    ("TestValidateDeployment:invalid-name", "Deployment", {"metadata.name": "Abc"}, "metadata.name: "),
    ("TestValidateDeployment:invalid_annotation", "Deployment", {"metadata.annotations": {LABEL_BAD_KEY: "b"}},
     f"metadata.annotations[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateDeployment:restartPolicy-Never", "Deployment", {"spec.template.spec.restartPolicy": "Never"},
     "spec.template.spec.restartPolicy: "),
    ("TestValidateDeployment:activeDeadlineSeconds-in-template", "Deployment",
     {"spec.template.spec.activeDeadlineSeconds": 10}, "spec.template.spec.activeDeadlineSeconds: "),
    ("TestValidateDeployment:negative-maxUnavailable", "Deployment",
     {"spec.strategy": {"rollingUpdate": {"maxUnavailable": -1}}},
     "spec.strategy.rollingUpdate.maxUnavailable: must be greater than or equal to 0"),
    ("TestValidateDeployment:negative-progressDeadlineSeconds", "Deployment", {"spec.progressDeadlineSeconds": -1},
     "spec.progressDeadlineSeconds: must be greater than or equal to 0"),
    ("SetDefaults_Deployment+TestValidateDeployment:defaulted-progressDeadlineSeconds-not-above-minReadySeconds",
     "Deployment", {"spec.minReadySeconds": 600},
     "spec.progressDeadlineSeconds: must be greater than minReadySeconds"),
    ("TestValidateDeployment:progressDeadlineSeconds-below-minReadySeconds", "Deployment",
     {"spec.minReadySeconds": 30, "spec.progressDeadlineSeconds": 20},
     "spec.progressDeadlineSeconds: must be greater than minReadySeconds"),
    ("TestValidateReplicaSet:nil-selector", "ReplicaSet", {"spec.selector": DELETE}, "spec.selector: required"),
    ("TestValidateReplicaSet:empty-selector", "ReplicaSet", {"spec.selector": {}},
     "spec.selector: empty selector is invalid for replicaset"),
    ("TestValidateReplicaSet:invalid-manifest", "ReplicaSet", {"spec.template": DELETE}, "spec.template: required"),
    ("TestValidateReplicaSet:invalid_annotation", "ReplicaSet", {"metadata.annotations": {LABEL_BAD_KEY: "b"}},
     f"metadata.annotations[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateReplicaSet:invalid_label-2", "ReplicaSet",
     {"spec.template.metadata.labels": {"a": "b", LABEL_BAD_KEY: "b"}},
     f"spec.template.metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateReplicaSet:invalid-restart-policy-1", "ReplicaSet", {"spec.template.spec.restartPolicy": "OnFailure"},
     "spec.template.spec.restartPolicy: "),
    ("TestValidateReplicaSet:invalid-restart-policy-2", "ReplicaSet", {"spec.template.spec.restartPolicy": "Never"},
     "spec.template.spec.restartPolicy: "),
    ("TestValidateReplicaSet:template-activeDeadlineSeconds", "ReplicaSet",
     {"spec.template.spec.activeDeadlineSeconds": 10},
     "spec.template.spec.activeDeadlineSeconds: activeDeadlineSeconds in ReplicaSet is not Supported"),
    ("TestValidateReplicaSet:negative-minReadySeconds", "ReplicaSet", {"spec.minReadySeconds": -1},
     "spec.minReadySeconds: must be greater than or equal to 0"),
    # ----------------------------------------------------------------------------------- ReplicationController
    ("TestValidateReplicationController:negative_replicas", "ReplicationController", {"spec.replicas": -1},
     "spec.replicas: must be greater than or equal to 0"),
    ("TestValidateReplicationController:selector_doesnt_match", "ReplicationController",
     {"spec.selector": {"foo": "bar"}}, "spec.template.metadata.labels: selector does not match template labels"),
    ("TestValidateReplicationController:invalid_label", "ReplicationController",
     {"metadata.labels": {LABEL_BAD_KEY: "b"}}, f"metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateReplicationController:invalid_label-2", "ReplicationController",
     {"spec.template.metadata.labels": {"a": "b", LABEL_BAD_KEY: "b"}},
     f"spec.template.metadata.labels[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateReplicationController:invalid_annotation", "ReplicationController",
     {"metadata.annotations": {LABEL_BAD_KEY: "b"}}, f"metadata.annotations[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateReplicationController:invalid-selector-key", "ReplicationController",
     {"spec.selector": {LABEL_BAD_KEY: "b"}}, f"spec.selector[{LABEL_BAD_KEY}]: invalid key"),
    ("TestValidateReplicationController:invalid-restart-policy-1", "ReplicationController",
     {"spec.template.spec.restartPolicy": "OnFailure"}, "spec.template.spec.restartPolicy: "),
    ("TestValidateReplicationController:invalid-restart-policy-2", "ReplicationController",
     {"spec.template.spec.restartPolicy": "Never"}, "spec.template.spec.restartPolicy: "),
    ("TestValidateReplicationController:template-activeDeadlineSeconds", "ReplicationController",
     {"spec.template.spec.activeDeadlineSeconds": 10},
     "spec.template.spec.activeDeadlineSeconds: activeDeadlineSeconds in ReplicationController is not Supported"),
    ("TestValidateReplicationController:empty-selector-and-template-labels", "ReplicationController",
     {"spec.selector": DELETE, "spec.template.metadata.labels": {}}, "spec.selector: required"),
    ("TestValidateReplicationController:missing-template", "ReplicationController", {"spec.template": DELETE},
     "spec.template: required"),
    ("TestValidateReplicationController:negative-minReadySeconds", "ReplicationController",
     {"spec.minReadySeconds": -1}, "spec.minReadySeconds: must be greater than or equal to 0"),
    ("TestValidateReplicationController:invalid-name", "ReplicationController", {"metadata.name": "Abc"},
     "metadata.name: "),
    # ------------------------------------------------------------------------------------------------- Job
    ("TestValidateJob:spec.parallelism:must-be-greater-than-or-equal-to-0", "Job", {"spec.parallelism": -1},
     "spec.parallelism: must be greater than or equal to 0"),
    ("TestValidateJob:spec.completions:must-be-greater-than-or-equal-to-0", "Job", {"spec.completions": -1},
     "spec.completions: must be greater than or equal to 0"),
    ("TestValidateJob:spec.activeDeadlineSeconds:must-be-greater-than-or-equal-to-0", "Job",
     {"spec.activeDeadlineSeconds": -1}, "spec.activeDeadlineSeconds: must be greater than or equal to 0"),
    ("TestValidateJob:spec.backoffLimit:must-be-greater-than-or-equal-to-0", "Job", {"spec.backoffLimit": -1},
     "spec.backoffLimit: must be greater than or equal to 0"),
    ("TestValidateJob:spec.ttlSecondsAfterFinished:must-be-greater-than-or-equal-to-0", "Job",
     {"spec.ttlSecondsAfterFinished": -1}, "spec.ttlSecondsAfterFinished: must be greater than or equal to 0"),
    ("TestValidateJob:spec.selector:Required-value", "Job", {"spec.manualSelector": True}, "spec.selector: required"),
    ("TestValidateJob:spec.template.metadata.labels:selector-does-not-match", "Job",
     {"spec.manualSelector": True, "spec.selector": {"matchLabels": {"y": "z"}}},
     "spec.template.metadata.labels: selector does not match template labels"),
    ("TestValidateJob:spec.selector:selector-not-auto-generated", "Job",
     {"spec.selector": {"matchLabels": {"a": "b"}}}, "spec.selector: `selector` will be auto-generated"),
    ("TestValidateJob:spec.template.spec.restartPolicy:Required-value", "Job",
     {"spec.template.spec.restartPolicy": DELETE}, "spec.template.spec.restartPolicy: required"),
    ("SetDefaults_PodSpec+TestValidateJob:spec.template.spec.restartPolicy:empty-is-Always", "Job",
     {"spec.template.spec.restartPolicy": ""}, "spec.template.spec.restartPolicy: "),
    ("TestValidateJob:spec.template.spec.restartPolicy:Always", "Job", {"spec.template.spec.restartPolicy": "Always"},
     "spec.template.spec.restartPolicy: "),
    ("TestValidateJob:spec.template.spec.restartPolicy:Unsupported-value", "Job",
     {"spec.template.spec.restartPolicy": "Invalid"}, 'spec.template.spec.restartPolicy: unsupported value "Invalid"'),
    ("TestValidateJob:spec.template.spec.activeDeadlineSeconds:pod-level-zero", "Job",
     {"spec.template.spec.activeDeadlineSeconds": 0}, "spec.template.spec.activeDeadlineSeconds: "),
    ("TestValidateJob:spec.completionMode:Unsupported-value", "Job", {"spec.completionMode": "Foo"},
     'spec.completionMode: unsupported value "Foo"'),
    ("TestValidateJob:spec.completionMode:empty-string", "Job", {"spec.completionMode": ""}, "spec.completionMode: "),
    ("TestValidateJob:spec.completions:Required-value:when-completion-mode-is-Indexed", "Job",
     {"spec.completionMode": "Indexed"},
     "spec.completions: required field is missing (when completionMode is Indexed)"),
    ("TestValidateJob:spec.parallelism:must-be-less-than-or-equal-to-100000-when-Indexed", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 2, "spec.parallelism": 100001},
     "spec.parallelism: must be less than or equal to 100000 when completion mode is Indexed"),
    ("TestValidateJob:spec.backoffLimitPerIndex:requires-indexed-completion-mode", "Job",
     {"spec.backoffLimitPerIndex": 1}, "spec.backoffLimitPerIndex: requires indexed completion mode"),
    ("TestValidateJob:spec.maxFailedIndexes:requires-indexed-completion-mode", "Job",
     {"spec.backoffLimitPerIndex": 1, "spec.maxFailedIndexes": 1},
     "spec.maxFailedIndexes: requires indexed completion mode"),
    ("TestValidateJob:spec.backoffLimitPerIndex:Required-value:when-maxFailedIndexes-is-specified", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 2, "spec.maxFailedIndexes": 1},
     "spec.backoffLimitPerIndex: required field is missing (when maxFailedIndexes is specified)"),
    ("TestValidateJob:spec.backoffLimitPerIndex:must-be-greater-than-or-equal-to-0", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 2, "spec.backoffLimitPerIndex": -1},
     "spec.backoffLimitPerIndex: must be greater than or equal to 0"),
    ("TestValidateJob:spec.maxFailedIndexes:must-be-greater-than-or-equal-to-0", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 2, "spec.backoffLimitPerIndex": 1,
      "spec.maxFailedIndexes": -1}, "spec.maxFailedIndexes: must be greater than or equal to 0"),
    ("TestValidateJob:spec.maxFailedIndexes:must-be-less-than-or-equal-to-completions", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 2, "spec.backoffLimitPerIndex": 1,
      "spec.maxFailedIndexes": 3}, "spec.maxFailedIndexes: must be less than or equal to completions"),
    ("TestValidateJob:spec.maxFailedIndexes:must-be-less-than-or-equal-to-100000", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 200000, "spec.backoffLimitPerIndex": 1,
      "spec.maxFailedIndexes": 100001}, "spec.maxFailedIndexes: must be less than or equal to 100000"),
    ("TestValidateJob:spec.maxFailedIndexes:Required-when-completions-above-100000", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 100001, "spec.backoffLimitPerIndex": 1},
     "spec.maxFailedIndexes: must be specified when completions is above 100000"),
    ("TestValidateJob:spec.parallelism:must-be-less-than-or-equal-to-10000-when-completions-above-100000", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 100001, "spec.parallelism": 10001,
      "spec.backoffLimitPerIndex": 1, "spec.maxFailedIndexes": 1},
     "spec.parallelism: must be less than or equal to 10000 when completions are above 100000"),
    ("TestValidateJob:spec.maxFailedIndexes:must-be-less-than-or-equal-to-10000-when-completions-above-100000",
     "Job", {"spec.completionMode": "Indexed", "spec.completions": 100001, "spec.parallelism": 1,
             "spec.backoffLimitPerIndex": 1, "spec.maxFailedIndexes": 10001},
     "spec.maxFailedIndexes: must be less than or equal to 10000 when completions are above 100000"),
    ("TestValidateJob:spec.template.spec.restartPolicy:only-Never-with-podFailurePolicy", "Job",
     {"spec.podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}]}},
     'spec.template.spec.restartPolicy: only "Never" is supported when podFailurePolicy is specified'),
    ("TestValidateJob:spec.podReplacementPolicy:Unsupported-value", "Job", {"spec.podReplacementPolicy": "Invalid"},
     'spec.podReplacementPolicy: unsupported value "Invalid"'),
    ("TestValidateJob:spec.podReplacementPolicy:only-Failed-with-podFailurePolicy", "Job",
     {"spec.template.spec.restartPolicy": "Never", "spec.podReplacementPolicy": "TerminatingOrFailed",
      "spec.podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}]}},
     'spec.podReplacementPolicy: unsupported value "TerminatingOrFailed": supported values: "Failed"'),
    ("TestValidateJob:metadata.name:indexed-pod-hostname-too-long", "Job",
     {"metadata.name": "a" * 60, "spec.completionMode": "Indexed", "spec.completions": 1000},
     "metadata.name: will not able to create pod with invalid DNS label: " + "a" * 60 + "-999"),
    ("TestValidateJob:metadata.name:indexed-pod-hostname-with-dots", "Job",
     {"metadata.name": "my.job", "spec.completionMode": "Indexed", "spec.completions": 1},
     "metadata.name: will not able to create pod with invalid DNS label: my.job-0"),
    ("TestValidateJob:invalid-name", "Job", {"metadata.name": "Abc"}, "metadata.name: "),
    # --------------------------------------------------------------------------------------------- CronJob
    ("TestValidateCronJob:spec.schedule:Required-value", "CronJob", {"spec.schedule": DELETE},
     "spec.schedule: required"),
    ("TestValidateCronJob:spec.schedule:Invalid-value-error", "CronJob", {"spec.schedule": "error"},
     'spec.schedule: "error" is not a valid cron schedule'),
    ("ParseStandard:six-fields", "CronJob", {"spec.schedule": "* * * * * *"}, "spec.schedule: "),
    ("ParseStandard:four-fields", "CronJob", {"spec.schedule": "* * * *"}, "spec.schedule: "),
    ("ParseStandard:minute-60", "CronJob", {"spec.schedule": "60 * * * *"}, "spec.schedule: "),
    ("ParseStandard:hour-24", "CronJob", {"spec.schedule": "0 24 * * *"}, "spec.schedule: "),
    ("ParseStandard:day-of-month-0", "CronJob", {"spec.schedule": "0 0 0 * *"}, "spec.schedule: "),
    ("ParseStandard:day-of-month-32", "CronJob", {"spec.schedule": "0 0 32 * *"}, "spec.schedule: "),
    ("ParseStandard:month-13", "CronJob", {"spec.schedule": "0 0 1 13 *"}, "spec.schedule: "),
    ("ParseStandard:day-of-week-7", "CronJob", {"spec.schedule": "0 0 * * 7"}, "spec.schedule: "),
    ("ParseStandard:step-0", "CronJob", {"spec.schedule": "*/0 * * * *"}, "spec.schedule: "),
    ("ParseStandard:range-beyond-end", "CronJob", {"spec.schedule": "5-1 * * * *"}, "spec.schedule: "),
    ("ParseStandard:too-many-slashes", "CronJob", {"spec.schedule": "1/2/3 * * * *"}, "spec.schedule: "),
    ("ParseStandard:unknown-name", "CronJob", {"spec.schedule": "0 0 * * FOO"}, "spec.schedule: "),
    ("ParseStandard:quartz-L", "CronJob", {"spec.schedule": "0 0 L * *"}, "spec.schedule: "),
    ("ParseStandard:unrecognized-descriptor", "CronJob", {"spec.schedule": "@fortnightly"}, "spec.schedule: "),
    ("ParseStandard:leading-space-before-descriptor", "CronJob", {"spec.schedule": " @hourly"}, "spec.schedule: "),
    ("ParseStandard:descriptor-is-case-sensitive", "CronJob", {"spec.schedule": "@HOURLY"}, "spec.schedule: "),
    ("ParseStandard:every-needs-a-go-duration-unit", "CronJob", {"spec.schedule": "@every 5"}, "spec.schedule: "),
    ("ParseStandard:every-days-not-a-go-unit", "CronJob", {"spec.schedule": "@every 1d"}, "spec.schedule: "),
    ("ParseStandard:every-without-space", "CronJob", {"spec.schedule": "@every5m"}, "spec.schedule: "),
    ("TestValidateCronJob:spec.schedule:TZ-in-schedule", "CronJob", {"spec.schedule": "TZ=UTC 0 * * * *"},
     "spec.schedule: cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
    ("TestValidateCronJob:spec.schedule:CRON_TZ-in-schedule", "CronJob", {"spec.schedule": "CRON_TZ=UTC 0 * * * *"},
     "spec.schedule: cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
    ("TestValidateCronJob:spec.schedule:TZ-with-timeZone", "CronJob",
     {"spec.schedule": "TZ=UTC 0 * * * *", "spec.timeZone": "UTC"},
     "spec.schedule: cannot use TZ or CRON_TZ in schedule"),
    ("TestValidateCronJob:spec.startingDeadlineSeconds:must-be-greater-than-or-equal-to-0", "CronJob",
     {"spec.startingDeadlineSeconds": -1}, "spec.startingDeadlineSeconds: must be greater than or equal to 0"),
    ("TestValidateCronJob:spec.concurrencyPolicy:Unsupported-value", "CronJob", {"spec.concurrencyPolicy": "Maybe"},
     'spec.concurrencyPolicy: unsupported value "Maybe"'),
    ("TestValidateCronJob:spec.successfulJobsHistoryLimit:must-be-greater-than-or-equal-to-0", "CronJob",
     {"spec.successfulJobsHistoryLimit": -1}, "spec.successfulJobsHistoryLimit: must be greater than or equal to 0"),
    ("TestValidateCronJob:spec.failedJobsHistoryLimit:must-be-greater-than-or-equal-to-0", "CronJob",
     {"spec.failedJobsHistoryLimit": -1}, "spec.failedJobsHistoryLimit: must be greater than or equal to 0"),
    ("TestValidateCronJob:spec.jobTemplate.spec.parallelism:must-be-greater-than-or-equal-to-0", "CronJob",
     {f"{JT}.parallelism": -1}, f"{JT}.parallelism: must be greater than or equal to 0"),
    ("TestValidateCronJob:spec.jobTemplate.spec.completions:must-be-greater-than-or-equal-to-0", "CronJob",
     {f"{JT}.completions": -1}, f"{JT}.completions: must be greater than or equal to 0"),
    ("TestValidateCronJob:spec.jobTemplate.spec.activeDeadlineSeconds:must-be-greater-than-or-equal-to-0", "CronJob",
     {f"{JT}.activeDeadlineSeconds": -1}, f"{JT}.activeDeadlineSeconds: must be greater than or equal to 0"),
    ("TestValidateCronJob:spec.jobTemplate.spec.selector:will-be-auto-generated", "CronJob",
     {f"{JT}.selector": {"matchLabels": {"a": "b"}}}, f"{JT}.selector: `selector` will be auto-generated"),
    ("TestValidateCronJob:spec.jobTemplate.spec.manualSelector:Unsupported-value", "CronJob",
     {f"{JT}.manualSelector": True, f"{JT}.selector": {"matchLabels": {"a": "b"}}},
     f'{JT}.manualSelector: unsupported value true: supported values: "nil", "false"'),
    ("TestValidateCronJob:spec.jobTemplate.spec.template.spec.restartPolicy:Required-value", "CronJob",
     {f"{JT}.template.spec.restartPolicy": DELETE}, f"{JT}.template.spec.restartPolicy: required"),
    ("TestValidateCronJob:spec.jobTemplate.spec.template.spec.restartPolicy:Always", "CronJob",
     {f"{JT}.template.spec.restartPolicy": "Always"}, f"{JT}.template.spec.restartPolicy: "),
    ("TestValidateCronJob:spec.jobTemplate.spec.template.spec.activeDeadlineSeconds:pod-level-zero", "CronJob",
     {f"{JT}.template.spec.activeDeadlineSeconds": 0}, f"{JT}.template.spec.activeDeadlineSeconds: "),
    ("TestValidateCronJob:spec.jobTemplate.spec.completions:Required-when-Indexed", "CronJob",
     {f"{JT}.completionMode": "Indexed"}, f"{JT}.completions: required field is missing"),
    ("TestValidateCronJob:metadata.name:must-be-no-more-than-52-characters", "CronJob", {"metadata.name": "a" * 53},
     "metadata.name: must be no more than 52 characters"),
    ("TestValidateCronJob:invalid-name", "CronJob", {"metadata.name": "Abc"}, "metadata.name: "),
    ("TestValidateCronJob:spec.timeZone:empty", "CronJob", {"spec.timeZone": ""},
     "spec.timeZone: invalid value \"\": timeZone must be nil or non-empty string"),
    ("TestValidateCronJob:spec.timeZone:Local", "CronJob", {"spec.timeZone": "Local"},
     "spec.timeZone: invalid value \"Local\": timeZone must be an explicit time zone"),
    ("TestValidateCronJob:spec.timeZone:local-lowercase", "CronJob", {"spec.timeZone": "local"},
     "timeZone must be an explicit time zone"),
    ("TestValidateCronJob:spec.timeZone:leading-space", "CronJob", {"spec.timeZone": " Continent/Zone"},
     "spec.timeZone: invalid value \" Continent/Zone\": unknown time zone  Continent/Zone"),
    ("TestValidateCronJob:spec.timeZone:trailing-space", "CronJob", {"spec.timeZone": "Continent/Zone "},
     "unknown time zone Continent/Zone "),
    ("TestValidateCronJob:spec.timeZone:dot-dot", "CronJob", {"spec.timeZone": "../Etc/UTC"},
     "unknown time zone ../Etc/UTC"),
    ("TestValidateCronJob:spec.timeZone:component-starts-with-dash", "CronJob", {"spec.timeZone": "-Etc/UTC"},
     "unknown time zone -Etc/UTC"),
    ("TestValidateCronJob:spec.timeZone:empty-component", "CronJob", {"spec.timeZone": "Etc//UTC"},
     "unknown time zone Etc//UTC"),
    ("TestValidateCronJob:spec.timeZone:component-over-14-characters", "CronJob",
     {"spec.timeZone": "America/Argentina_Buenos_Aires"}, "unknown time zone America/Argentina_Buenos_Aires"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "edits", "fragment"),
    [pytest.param(*c[1:], id=c[0]) for c in BAD],
)
def test_rejected(kind: str, edits: dict[str, Any], fragment: str) -> None:
    errors = errors_of(build(kind, edits))
    assert any(fragment in line for line in errors), errors
    assert all(line.startswith(f"error: t.yaml: document 1 ({kind}/") for line in errors), errors


_ZONES = (
    "TestValidateCronJob:spec.timeZone:unknown-zone",
    "CronJob",
    {"spec.timeZone": "Continent/InvalidZone"},
)


def test_unknown_time_zone_rejected_when_the_tz_database_is_present() -> None:
    import zoneinfo

    if not zoneinfo.available_timezones():
        pytest.skip("no IANA time zone database on this machine")
    errors = errors_of(build(_ZONES[1], _ZONES[2]))
    assert any("spec.timeZone: " in e and "unknown time zone Continent/InvalidZone" in e for e in errors), (
        errors
    )
    # an invalid value stays an error under --lenient (only "not modelled" becomes a warning)
    with pytest.raises(InputError):
        load_text(build(_ZONES[1], _ZONES[2]), "t.yaml", lenient=True)


# (id, kind, edits): the API server accepts these, so kubesim loads them.
GOOD: list[tuple[str, str, dict[str, Any]]] = [
    ("TestValidateStatefulSet:valid", "StatefulSet", {}),
    ("TestValidateStatefulSet:Parallel", "StatefulSet", {"spec.podManagementPolicy": "Parallel"}),
    ("SetDefaults_StatefulSet:empty-podManagementPolicy", "StatefulSet", {"spec.podManagementPolicy": ""}),
    ("SetDefaults_StatefulSet:empty-updateStrategy-type", "StatefulSet", {"spec.updateStrategy": {"type": ""}}),
    ("TestValidateStatefulSet:OnDelete", "StatefulSet", {"spec.updateStrategy": {"type": "OnDelete"}}),
    ("TestValidateStatefulSet:partition", "StatefulSet",
     {"spec.updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}),
    ("TestValidateStatefulSet:maxUnavailable-int", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 2}}}),
    ("TestValidateStatefulSet:maxUnavailable-percent", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "50%"}}}),
    ("TestValidateStatefulSet:maxUnavailable-100-percent", "StatefulSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "100%"}}}),
    ("TestValidateStatefulSet:ordinals.start", "StatefulSet", {"spec.ordinals": {"start": 2}}),
    ("TestValidateStatefulSet:PVC-policy-Delete", "StatefulSet",
     {"spec.persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Delete"}}),
    ("TestValidateStatefulSet:revisionHistoryLimit-0", "StatefulSet", {"spec.revisionHistoryLimit": 0}),
    ("TestValidateStatefulSet:name-63-characters", "StatefulSet", {"metadata.name": "a" * 63}),
    ("ValidateStatefulSetSpec:serviceName-not-validated-digit-first", "StatefulSet", {"spec.serviceName": "1svc"}),
    ("TestValidateStatefulSet:zero-replicas", "StatefulSet", {"spec.replicas": 0}),
    ("TestValidateDaemonSet:valid", "DaemonSet", {}),
    ("TestValidateDaemonSet:OnDelete", "DaemonSet", {"spec.updateStrategy": {"type": "OnDelete"}}),
    ("ValidateDaemonSetUpdateStrategy:OnDelete-ignores-rollingUpdate", "DaemonSet",
     {"spec.updateStrategy": {"type": "OnDelete", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}}),
    ("SetDefaults_DaemonSet:empty-type", "DaemonSet", {"spec.updateStrategy": {"type": ""}}),
    ("SetDefaults_DaemonSet:empty-rollingUpdate", "DaemonSet", {"spec.updateStrategy": {"rollingUpdate": {}}}),
    ("TestValidateDaemonSetUpdate:maxSurge-with-zero-maxUnavailable", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}}),
    ("TestValidateDaemonSetUpdate:maxSurge-percent", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": "100%"}}}),
    ("TestValidateDaemonSetUpdate:maxUnavailable-percent", "DaemonSet",
     {"spec.updateStrategy": {"rollingUpdate": {"maxUnavailable": "100%", "maxSurge": 0}}}),
    ("TestValidateDaemonSet:revisionHistoryLimit-0", "DaemonSet", {"spec.revisionHistoryLimit": 0}),
    ("SetDefaults_PodSpec:empty-restartPolicy-is-Always", "Deployment", {"spec.template.spec.restartPolicy": ""}),
    ("TestValidateDeployment:Recreate", "Deployment", {"spec.strategy": {"type": "Recreate"}}),
    ("SetDefaults_Deployment:minReadySeconds-below-default-progressDeadlineSeconds", "Deployment",
     {"spec.minReadySeconds": 599}),
    ("TestValidateDeployment:progressDeadlineSeconds-above-minReadySeconds", "Deployment",
     {"spec.minReadySeconds": 600, "spec.progressDeadlineSeconds": 601}),
    ("TestValidateDeployment:maxUnavailable-100-percent", "Deployment",
     {"spec.strategy": {"rollingUpdate": {"maxUnavailable": "100%"}}}),
    ("TestValidateDeployment:revisionHistoryLimit-0", "Deployment", {"spec.revisionHistoryLimit": 0}),
    ("TestValidateReplicaSet:valid", "ReplicaSet", {}),
    ("TestValidateReplicaSet:zero-replicas", "ReplicaSet", {"spec.replicas": 0}),
    ("TestValidateReplicationController:valid", "ReplicationController", {}),
    ("SetDefaults_ReplicationController:selector-from-template-labels", "ReplicationController",
     {"spec.selector": DELETE}),
    ("TestValidateReplicationController:zero-replicas", "ReplicationController", {"spec.replicas": 0}),
    ("TestValidateJob:valid-OnFailure", "Job", {}),
    ("TestValidateJob:valid-Never", "Job", {"spec.template.spec.restartPolicy": "Never"}),
    ("TestValidateJob:activeDeadlineSeconds-0", "Job", {"spec.activeDeadlineSeconds": 0}),
    ("TestValidateJob:zero-parallelism-and-completions", "Job", {"spec.parallelism": 0, "spec.completions": 0}),
    ("TestValidateJob:backoffLimit-0", "Job", {"spec.backoffLimit": 0}),
    ("TestValidateJob:manual-selector", "Job",
     {"spec.manualSelector": True, "spec.selector": {"matchLabels": {"a": "b"}}}),
    ("TestValidateJob:Indexed", "Job", {"spec.completionMode": "Indexed", "spec.completions": 2}),
    ("TestValidateJob:Indexed-parallelism-100000", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 2, "spec.parallelism": 100000}),
    ("TestValidateJob:Indexed-zero-completions-long-name", "Job",
     {"metadata.name": "a" * 63, "spec.completionMode": "Indexed", "spec.completions": 0}),
    ("TestValidateJob:Indexed-hostname-exactly-63", "Job",
     {"metadata.name": "a" * 61, "spec.completionMode": "Indexed", "spec.completions": 10}),
    ("TestValidateJob:NonIndexed", "Job", {"spec.completionMode": "NonIndexed"}),
    ("TestValidateJob:ttlSecondsAfterFinished-0", "Job", {"spec.ttlSecondsAfterFinished": 0}),
    ("TestValidateCronJob:valid", "CronJob", {}),
    ("TestValidateCronJob:non-standard-scheduled-@hourly", "CronJob", {"spec.schedule": "@hourly"}),
    ("ParseStandard:@yearly", "CronJob", {"spec.schedule": "@yearly"}),
    ("ParseStandard:@annually", "CronJob", {"spec.schedule": "@annually"}),
    ("ParseStandard:@monthly", "CronJob", {"spec.schedule": "@monthly"}),
    ("ParseStandard:@weekly", "CronJob", {"spec.schedule": "@weekly"}),
    ("ParseStandard:@daily", "CronJob", {"spec.schedule": "@daily"}),
    ("ParseStandard:@midnight", "CronJob", {"spec.schedule": "@midnight"}),
    ("ParseStandard:@every-go-duration", "CronJob", {"spec.schedule": "@every 1h30m"}),
    ("ParseStandard:@every-fraction", "CronJob", {"spec.schedule": "@every 1.5h"}),
    ("ParseStandard:step", "CronJob", {"spec.schedule": "*/5 * * * *"}),
    ("ParseStandard:start-step", "CronJob", {"spec.schedule": "5/15 * * * *"}),
    ("ParseStandard:names", "CronJob", {"spec.schedule": "0 9 ? jan-MAR MON-fri"}),
    ("ParseStandard:lists-and-ranges", "CronJob", {"spec.schedule": "0,30 8-17/2 1,15 * *"}),
    ("ParseStandard:star-range-reads-as-star", "CronJob", {"spec.schedule": "*-5 * * * *"}),
    ("ParseStandard:extra-whitespace", "CronJob", {"spec.schedule": "0  0 *\t* *"}),
    ("TestValidateCronJob:timeZone-UTC", "CronJob", {"spec.timeZone": "UTC"}),
    ("TestValidateCronJob:timeZone-Etc/UTC", "CronJob", {"spec.timeZone": "Etc/UTC"}),
    ("validateTimeZone:timeZone-Etc/GMT-runs-as-UTC", "CronJob", {"spec.timeZone": "Etc/GMT"}),
    ("SetDefaults_CronJob:empty-concurrencyPolicy-is-Allow", "CronJob", {"spec.concurrencyPolicy": ""}),
    ("TestValidateCronJob:Forbid", "CronJob", {"spec.concurrencyPolicy": "Forbid"}),
    ("TestValidateCronJob:Replace", "CronJob", {"spec.concurrencyPolicy": "Replace"}),
    ("TestValidateCronJob:startingDeadlineSeconds-0", "CronJob", {"spec.startingDeadlineSeconds": 0}),
    ("TestValidateCronJob:history-limits-0", "CronJob",
     {"spec.successfulJobsHistoryLimit": 0, "spec.failedJobsHistoryLimit": 0}),
    ("TestValidateCronJob:name-52-characters", "CronJob", {"metadata.name": "a" * 52}),
    ("TestValidateCronJob:manualSelector-false", "CronJob", {f"{JT}.manualSelector": False}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "edits"), [c[1:] for c in GOOD], ids=[c[0] for c in GOOD])
def test_accepted(kind: str, edits: dict[str, Any]) -> None:
    load_text(build(kind, edits), "t.yaml")


LENIENT: list[tuple[str, str, dict[str, Any], str]] = [
    ("TestValidateCronJob:timeZone-valid-but-not-modelled", "CronJob", {"spec.timeZone": "America/New_York"},
     "spec.timeZone: "),
    ("TestValidateJob:backoffLimitPerIndex-valid-but-not-modelled", "Job",
     {"spec.completionMode": "Indexed", "spec.completions": 3, "spec.backoffLimitPerIndex": 1,
      "spec.maxFailedIndexes": 1}, "spec.backoffLimitPerIndex: "),
    ("TestValidateJob:podFailurePolicy-valid-but-not-modelled", "Job",
     {"spec.template.spec.restartPolicy": "Never",
      "spec.podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}]}},
     "spec.podFailurePolicy: "),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "edits", "fragment"), [c[1:] for c in LENIENT], ids=[c[0] for c in LENIENT])
def test_valid_but_not_modelled_is_unsupported(kind: str, edits: dict[str, Any], fragment: str) -> None:
    """Upstream accepts these; kubesim does not model them: an error, and only a warning with --lenient."""
    errors = errors_of(build(kind, edits))
    assert all("not supported by kubesim" in e for e in errors), errors
    assert any(fragment in e for e in errors), errors
    result = load_text(build(kind, edits), "t.yaml", lenient=True)
    assert any(fragment in w for w in result.warnings), result.warnings
