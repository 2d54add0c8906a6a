"""``metav1.LabelSelector`` semantics and validation: cases ported from Kubernetes' apimachinery tests.

Sources (kubernetes/kubernetes, staging/src/k8s.io/apimachinery), ported as facts (what matches, what is an
error, at which field path), not as code:

* ``pkg/apis/meta/v1/helpers_test.go`` ``TestLabelSelectorAsSelector``: a nil selector is ``labels.Nothing()``,
  ``{}`` is ``labels.Everything()``, matchLabels and matchExpressions are ANDed, an ``Exists`` requirement with
  values is an error.
* ``pkg/labels/selector_test.go`` ``TestSelectorMatches``, ``TestSetMatches``, ``TestRequirementSelectorMatching``
  and ``TestRequirementConstructor``: matching, written as LabelSelectors (``x!=y`` is ``NotIn [y]``, ``x`` is
  ``Exists``, ``!x`` is ``DoesNotExist``; ``Gt``/``Lt``, which a LabelSelector cannot express, are left out), and
  which requirements cannot be built.
* ``pkg/apis/meta/v1/validation/validation_test.go`` ``TestValidateLabelSelector`` (with ``TestValidateLabels``'
  key syntax), through kubesim's loader: values required for In/NotIn and forbidden for Exists/DoesNotExist,
  the operator one of the four, keys qualified names, values label values; the error names the field path.

Each case id is ``<upstream test>:<case>``. Matching cases are checked both on ``LabelSelector.matches`` and on
``Store.select`` (whose matchLabels index must agree with a scan). kubesim differences kept on purpose: an invalid
operator is reported as ``unsupported value`` (upstream: ``Invalid value: ...: not a valid selector operator``),
an empty key as ``required field is missing`` (upstream: ``name part must be non-empty``), and a bad matchLabels
entry is reported at ``matchLabels.<key>`` (upstream: at ``matchLabels``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from models.loader import load_text
from models.meta import LabelSelector, LabelSelectorRequirement, selector_from_map
from models.pod import Container, Pod, PodSpec
from models.policy import PodDisruptionBudget
from simulator.engine import Engine
from simulator.scheduler.plugins._pods import selector_matches
from simulator.store import Store
from tests.loadhelpers import assert_rejected, errors_of

Req = LabelSelectorRequirement


def sel(labels: Mapping[str, str] | None = None, *reqs: tuple[str, str, tuple[str, ...]]) -> LabelSelector:
    return LabelSelector(dict(labels or {}), tuple(Req(k, op, v) for k, op, v in reqs))


# ---------------- matching: (id, selector (None = no selector), labels, matches) ----------------------------------
BAR_BLAH = {"foo": "bar", "baz": "blah"}
IN_NORF_QUX = ("baz", "In", ("qux", "norf"))

MATCHING: list[tuple[str, LabelSelector | None, dict[str, str], bool]] = [
    # TestLabelSelectorAsSelector
    ("TestLabelSelectorAsSelector:nil-is-Nothing", None, {"foo": "bar"}, False),
    ("TestLabelSelectorAsSelector:nil-is-Nothing-empty-labels", None, {}, False),
    ("TestLabelSelectorAsSelector:empty-is-Everything", sel(), {"foo": "bar"}, True),
    ("TestLabelSelectorAsSelector:empty-is-Everything-empty-labels", sel(), {}, True),
    ("TestLabelSelectorAsSelector:matchLabels", sel({"foo": "bar"}), {"foo": "bar"}, True),
    ("TestLabelSelectorAsSelector:matchLabels-other-value", sel({"foo": "bar"}), {"foo": "baz"}, False),
    ("TestLabelSelectorAsSelector:matchExpressions-In-qux", sel(None, IN_NORF_QUX), {"baz": "qux"}, True),
    ("TestLabelSelectorAsSelector:matchExpressions-In-norf", sel(None, IN_NORF_QUX), {"baz": "norf"}, True),
    ("TestLabelSelectorAsSelector:matchExpressions-In-other", sel(None, IN_NORF_QUX), {"baz": "x"}, False),
    (
        "TestLabelSelectorAsSelector:matchExpressions-In-missing",
        sel(None, IN_NORF_QUX),
        {"foo": "bar"},
        False,
    ),
    (
        "TestLabelSelectorAsSelector:both",
        sel({"foo": "bar"}, IN_NORF_QUX),
        {"foo": "bar", "baz": "qux"},
        True,
    ),
    ("TestLabelSelectorAsSelector:both-labels-only", sel({"foo": "bar"}, IN_NORF_QUX), {"foo": "bar"}, False),
    ("TestLabelSelectorAsSelector:both-expr-only", sel({"foo": "bar"}, IN_NORF_QUX), {"baz": "qux"}, False),
    # TestSelectorMatches (expectMatch)
    ("TestSelectorMatches:empty", sel(), {"x": "y"}, True),
    ("TestSelectorMatches:x=y", sel({"x": "y"}), {"x": "y"}, True),
    ("TestSelectorMatches:x=y,z=w", sel({"x": "y", "z": "w"}), {"x": "y", "z": "w"}, True),
    (
        "TestSelectorMatches:x!=y,z!=w",
        sel(None, ("x", "NotIn", ("y",)), ("z", "NotIn", ("w",))),
        {"x": "z", "z": "a"},
        True,
    ),
    ("TestSelectorMatches:notin=in", sel({"notin": "in"}), {"notin": "in"}, True),
    ("TestSelectorMatches:x", sel(None, ("x", "Exists", ())), {"x": "z"}, True),
    ("TestSelectorMatches:!x", sel(None, ("x", "DoesNotExist", ())), {"y": "z"}, True),
    # TestSelectorMatches (expectNoMatch)
    ("TestSelectorMatches:x=z-no-labels", sel({"x": "z"}), {}, False),
    ("TestSelectorMatches:x=y-other-value", sel({"x": "y"}), {"x": "z"}, False),
    ("TestSelectorMatches:x=y,z=w-one-differs", sel({"x": "y", "z": "w"}), {"x": "w", "z": "w"}, False),
    (
        "TestSelectorMatches:x!=y,z!=w-one-equal",
        sel(None, ("x", "NotIn", ("y",)), ("z", "NotIn", ("w",))),
        {"x": "z", "z": "w"},
        False,
    ),
    ("TestSelectorMatches:x-missing", sel(None, ("x", "Exists", ())), {"y": "z"}, False),
    ("TestSelectorMatches:!x-present", sel(None, ("x", "DoesNotExist", ())), {"x": "z"}, False),
    # TestSelectorMatches (labelset foo=bar, baz=blah)
    ("TestSelectorMatches:labelset-foo=bar", sel({"foo": "bar"}), BAR_BLAH, True),
    ("TestSelectorMatches:labelset-baz=blah", sel({"baz": "blah"}), BAR_BLAH, True),
    ("TestSelectorMatches:labelset-foo=bar,baz=blah", sel({"foo": "bar", "baz": "blah"}), BAR_BLAH, True),
    ("TestSelectorMatches:labelset-foo=blah", sel({"foo": "blah"}), BAR_BLAH, False),
    ("TestSelectorMatches:labelset-baz=bar", sel({"baz": "bar"}), BAR_BLAH, False),
    (
        "TestSelectorMatches:labelset-foo=bar,foobar=bar,baz=blah",
        sel({"foo": "bar", "foobar": "bar", "baz": "blah"}),
        BAR_BLAH,
        False,
    ),
    # TestSetMatches (SelectorFromSet: kubesim's selector_from_map, a ReplicationController's or Service's map)
    ("TestSetMatches:empty-set", selector_from_map({}), BAR_BLAH, True),
    ("TestSetMatches:foo=bar", selector_from_map({"foo": "bar"}), BAR_BLAH, True),
    ("TestSetMatches:baz=blah", selector_from_map({"baz": "blah"}), BAR_BLAH, True),
    ("TestSetMatches:foo=bar,baz=blah", selector_from_map({"foo": "bar", "baz": "blah"}), BAR_BLAH, True),
    # TestRequirementSelectorMatching
    (
        "TestRequirementSelectorMatching:In-and-NotIn",
        sel(None, ("x", "In", ("foo",)), ("y", "NotIn", ("alpha",))),
        {"x": "foo", "y": "baz"},
        True,
    ),
    (
        "TestRequirementSelectorMatching:In-and-In-fails",
        sel(None, ("x", "In", ("foo",)), ("y", "In", ("alpha",))),
        {"x": "foo", "y": "baz"},
        False,
    ),
    (
        "TestRequirementSelectorMatching:NotIn-missing-key-and-Exists",
        sel(None, ("x", "NotIn", ("",)), ("y", "Exists", ())),
        {"y": ""},
        True,
    ),
    (
        "TestRequirementSelectorMatching:DoesNotExist-and-Exists",
        sel(None, ("x", "DoesNotExist", ()), ("y", "Exists", ())),
        {"y": ""},
        True,
    ),
    (
        "TestRequirementSelectorMatching:NotIn-and-DoesNotExist-fails",
        sel(None, ("x", "NotIn", ("",)), ("y", "DoesNotExist", ())),
        {"y": ""},
        False,
    ),
    (
        "TestRequirementSelectorMatching:In-empty-value-missing-key",
        sel(None, ("x", "In", ("",))),
        {"y": "baz"},
        False,
    ),
    # Requirement.Matches, spelled out: missing keys, empty values, several values, ANDing
    ("Requirement.Matches:NotIn-missing-key", sel(None, ("x", "NotIn", ("a", "b"))), {}, True),
    ("Requirement.Matches:NotIn-other-value", sel(None, ("x", "NotIn", ("a", "b"))), {"x": "c"}, True),
    ("Requirement.Matches:NotIn-listed-value", sel(None, ("x", "NotIn", ("a", "b"))), {"x": "b"}, False),
    ("Requirement.Matches:In-several-values", sel(None, ("x", "In", ("a", "b", "c"))), {"x": "c"}, True),
    ("Requirement.Matches:In-empty-value", sel(None, ("x", "In", ("",))), {"x": ""}, True),
    ("Requirement.Matches:Exists-empty-value", sel(None, ("x", "Exists", ())), {"x": ""}, True),
    ("Requirement.Matches:DoesNotExist-empty-value", sel(None, ("x", "DoesNotExist", ())), {"x": ""}, False),
    ("Requirement.Matches:equals-empty-value-missing-key", sel({"x": ""}), {}, False),
    ("Requirement.Matches:equals-empty-value", sel({"x": ""}), {"x": ""}, True),
    (
        "Requirement.Matches:all-four-ANDed",
        sel(
            None, ("a", "In", ("1",)), ("b", "NotIn", ("2",)), ("c", "Exists", ()), ("d", "DoesNotExist", ())
        ),
        {"a": "1", "b": "3", "c": "x"},
        True,
    ),
    (
        "Requirement.Matches:all-four-ANDed-one-fails",
        sel(
            None, ("a", "In", ("1",)), ("b", "NotIn", ("2",)), ("c", "Exists", ()), ("d", "DoesNotExist", ())
        ),
        {"a": "1", "b": "3", "c": "x", "d": "y"},
        False,
    ),
    (
        "Requirement.Matches:same-key-In-and-NotIn",
        sel(None, ("x", "In", ("a", "b")), ("x", "NotIn", ("a",))),
        {"x": "b"},
        True,
    ),
    (
        "Requirement.Matches:matchLabels-and-NotIn-same-key-never-match",
        sel({"app": "web"}, ("app", "NotIn", ("web",))),
        {"app": "web"},
        False,
    ),
    (
        "Requirement.Matches:matchLabels-and-DoesNotExist-other-key",
        sel({"app": "web"}, ("canary", "DoesNotExist", ())),
        {"app": "web", "tier": "fe"},
        True,
    ),
]


@pytest.mark.parametrize(
    ("selector", "labels", "want"), [c[1:] for c in MATCHING], ids=[c[0] for c in MATCHING]
)
def test_matches(selector: LabelSelector | None, labels: dict[str, str], want: bool) -> None:
    assert selector_matches(selector, labels) is want
    if selector is not None:
        assert selector.matches(labels) is want


SPEC = PodSpec(containers=(Container(name="c", image="i"),))


@pytest.mark.parametrize(
    ("selector", "labels", "want"), [c[1:] for c in MATCHING], ids=[c[0] for c in MATCHING]
)
def test_store_select_agrees(selector: LabelSelector | None, labels: dict[str, str], want: bool) -> None:
    """The store's matchLabels index and its scan give the same answer as ``matches`` (and ignore namespaces)."""
    store = Store(Engine())
    pod = store.add(Pod(name="p", namespace="default", labels=dict(labels), spec=SPEC))
    store.add(Pod(name="q", namespace="other", labels=dict(labels), spec=SPEC))
    store.add(Pod(name="r", namespace="default", labels={"unrelated": "x"}, spec=SPEC))
    got = store.select("Pod", "default", selector)
    assert (pod in got) is want
    if selector is not None:
        assert {p.name for p in got} == {
            name for name, ls in (("p", labels), ("r", {"unrelated": "x"})) if selector.matches(ls)
        }


# ---------------- requirements that cannot be built (LabelSelectorAsSelector / NewRequirement errors) ------------
BAD_REQUIREMENTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("TestLabelSelectorAsSelector:Exists-with-values", "baz", "Exists", ("qux", "norf")),
    ("TestRequirementConstructor:In-nil-values", "x", "In", ()),
    ("TestRequirementConstructor:NotIn-empty-values", "x", "NotIn", ()),
    ("NewRequirement:DoesNotExist-with-values", "x", "DoesNotExist", ("a",)),
    ("LabelSelectorAsSelector:invalid-operator", "x", "Out", ("a",)),
    ("LabelSelectorAsSelector:Gt-not-a-label-selector-operator", "y", "Gt", ("1",)),
    ("LabelSelectorAsSelector:operator-is-case-sensitive", "x", "in", ("a",)),
    ("TestRequirementSelectorMatching:zero-requirement", "", "", ()),
    ("NewRequirement:empty-key", "", "Exists", ()),
]


@pytest.mark.parametrize(
    ("key", "op", "values"), [c[1:] for c in BAD_REQUIREMENTS], ids=[c[0] for c in BAD_REQUIREMENTS]
)
def test_invalid_requirement_is_an_error(key: str, op: str, values: tuple[str, ...]) -> None:
    with pytest.raises(
        ValueError, match=r"values set|not a valid label selector operator|key must be non-empty"
    ):
        Req(key, op, values)


GOOD_REQUIREMENTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("TestRequirementConstructor:In", "x", "In", ("foo",)),
    ("TestRequirementConstructor:NotIn", "x", "NotIn", ("foo",)),
    ("TestRequirementConstructor:Exists", "x", "Exists", ()),
    ("TestRequirementConstructor:DoesNotExist", "x", "DoesNotExist", ()),
    ("TestRequirementConstructor:key-starts-with-digit", "1foo", "In", ("bar",)),
    ("TestRequirementConstructor:numeric-key", "1234", "In", ("bar",)),
]


@pytest.mark.parametrize(
    ("key", "op", "values"), [c[1:] for c in GOOD_REQUIREMENTS], ids=[c[0] for c in GOOD_REQUIREMENTS]
)
def test_valid_requirement_builds(key: str, op: str, values: tuple[str, ...]) -> None:
    assert Req(key, op, values).key == key


# ---------------- validation through the loader (TestValidateLabelSelector) ---------------------------------------
def pdb(selector: str) -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: pdb}}
spec:
  minAvailable: 1
  selector: {selector}
"""


def deployment(selector: str, labels: str = "{app: web, id: app2}") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {selector}
  template:
    metadata: {{labels: {labels}}}
    spec:
      containers: [{{name: web, image: nginx}}]
"""


PDB = "(PodDisruptionBudget/pdb): spec.selector"
EXPR = f"{PDB}.matchExpressions[0]"
IN_BAR = "{key: foo, operator: In, values: [bar1, bar2]}"

ACCEPTED: list[tuple[str, str]] = [
    (
        "TestValidateLabelSelector:two-matchLabels-and-In",
        pdb(f"{{matchLabels: {{id: app2, id2: app3}}, matchExpressions: [{IN_BAR}]}}"),
    ),
    (
        "TestValidateLabelSelector:In-without-matchLabels",
        pdb("{matchExpressions: [{key: key2, operator: In, values: [value1, value2]}]}"),
    ),
    ("TestValidateLabelSelector:matchLabels-only", pdb("{matchLabels: {id: app2}}")),
    (
        "TestValidateLabelSelector:matchLabels-and-NotIn",
        pdb(
            "{matchLabels: {id: app2, id2: app3}, matchExpressions: [{key: foo, operator: NotIn, values: [b]}]}"
        ),
    ),
    (
        "TestValidateLabelSelector:matchLabels-and-Exists",
        pdb("{matchLabels: {id: app2}, matchExpressions: [{key: foo, operator: Exists}]}"),
    ),
    (
        "TestValidateLabelSelector:matchLabels-and-DoesNotExist",
        pdb("{matchLabels: {id: app2}, matchExpressions: [{key: foo, operator: DoesNotExist}]}"),
    ),
    ("ValidateLabelSelector:empty-selector", pdb("{}")),
    (
        "ValidateLabelSelector:Exists-empty-values-list",
        pdb("{matchExpressions: [{key: foo, operator: Exists, values: []}]}"),
    ),
    (
        "ValidateLabelSelectorRequirement:empty-label-value",
        pdb("{matchExpressions: [{key: foo, operator: In, values: ['']}]}"),
    ),
    ("ValidateLabels:empty-label-value", pdb("{matchLabels: {foo: ''}}")),
    ("ValidateLabels:prefixed-key", pdb("{matchExpressions: [{key: example.com/tier, operator: Exists}]}")),
    (
        "ValidateDeploymentSpec:NotIn-absent-key-matches-template",
        deployment(
            "{matchLabels: {app: web}, matchExpressions: [{key: track, operator: NotIn, values: [canary]}]}"
        ),
    ),
    (
        "ValidateDeploymentSpec:DoesNotExist-matches-template",
        deployment("{matchExpressions: [{key: track, operator: DoesNotExist}]}"),
    ),
]


@pytest.mark.parametrize("text", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted(text: str) -> None:
    load_text(textwrap.dedent(text), "t.yaml")


REJECTED: list[tuple[str, str, str]] = [
    # matchLabelErrorCases
    (
        "TestValidateLabelSelector:matchLabels-bad-key-chars",
        pdb(f"{{matchLabels: {{'ids^=@': app2, id2: app3}}, matchExpressions: [{IN_BAR}]}}"),
        f'{PDB}.matchLabels[ids^=@]: invalid key "ids^=@": name part must consist of',
    ),
    (
        "TestValidateLabelSelector:matchLabels-key-two-slashes",
        pdb(f"{{matchLabels: {{'only/one/slas': app2, id2: app3}}, matchExpressions: [{IN_BAR}]}}"),
        f'{PDB}.matchLabels[only/one/slas]: invalid key "only/one/slas": a qualified name must consist of',
    ),
    (
        "TestValidateLabelSelector:matchLabels-bad-value-chars",
        pdb(f"{{matchLabels: {{only: app2, good: 'app3=@'}}, matchExpressions: [{IN_BAR}]}}"),
        f'{PDB}.matchLabels.good: invalid label value "app3=@": a valid label must be an empty string or consist of',
    ),
    (
        "TestValidateLabelSelector:matchLabels-value-too-long",
        pdb(f"{{matchLabels: {{only: app2, good: {'a' * 64}}}, matchExpressions: [{IN_BAR}]}}"),
        f"{PDB}.matchLabels.good: invalid label value",
    ),
    # matchExpressionErrorCases
    (
        "TestValidateLabelSelector:In-empty-values",
        pdb("{matchLabels: {ids: app2}, matchExpressions: [{key: foo, operator: In, values: []}]}"),
        f"{EXPR}.values: must be specified when `operator` is 'In' or 'NotIn'",
    ),
    (
        "TestValidateLabelSelector:NotIn-empty-values",
        pdb("{matchLabels: {only: app2}, matchExpressions: [{key: foo, operator: NotIn, values: []}]}"),
        f"{EXPR}.values: must be specified when `operator` is 'In' or 'NotIn'",
    ),
    (
        "TestValidateLabelSelector:Exists-with-values",
        pdb(
            "{matchLabels: {only: app2}, matchExpressions: [{key: foo, operator: Exists, values: [bar1, bar2]}]}"
        ),
        f"{EXPR}.values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ),
    (
        "TestValidateLabelSelector:DoesNotExist-with-values",
        pdb("{matchExpressions: [{key: foo, operator: DoesNotExist, values: [bar1, bar2]}]}"),
        f"{EXPR}.values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ),
    (
        "TestValidateLabelSelector:invalid-operator-Out",
        pdb("{matchExpressions: [{key: foo, operator: Out, values: [bar1, bar2]}]}"),
        f'{EXPR}.operator: unsupported value "Out"',
    ),
    (
        "TestValidateLabelSelector:bad-key-chars",
        pdb("{matchExpressions: [{key: 'foo^=@', operator: In, values: [bar1, bar2]}]}"),
        f'{EXPR}.key: invalid key "foo^=@": name part must consist of',
    ),
    # ValidateLabelSelectorRequirement beyond the upstream table
    (
        "ValidateLabelSelectorRequirement:In-values-missing",
        pdb("{matchExpressions: [{key: foo, operator: In}]}"),
        f"{EXPR}.values: must be specified when `operator` is 'In' or 'NotIn'",
    ),
    (
        "ValidateLabelSelectorRequirement:Gt-is-not-a-label-selector-operator",
        pdb("{matchExpressions: [{key: foo, operator: Gt, values: ['1']}]}"),
        f'{EXPR}.operator: unsupported value "Gt"',
    ),
    (
        "ValidateLabelSelectorRequirement:lowercase-operator",
        pdb("{matchExpressions: [{key: foo, operator: in, values: [a]}]}"),
        f'{EXPR}.operator: unsupported value "in"',
    ),
    (
        "ValidateLabelSelectorRequirement:operator-missing",
        pdb("{matchExpressions: [{key: foo, values: [a]}]}"),
        f"{EXPR}.operator: required field is missing",
    ),
    (
        "ValidateLabelSelectorRequirement:empty-key",
        pdb("{matchExpressions: [{key: '', operator: Exists}]}"),
        f"{EXPR}.key: ",
    ),
    (
        "TestRequirementConstructor:key-too-long",
        pdb(f"{{matchExpressions: [{{key: {'a' * 254}, operator: Exists}}]}}"),
        f"{EXPR}.key: invalid key",
    ),
    (
        "ValidateLabelSelectorRequirement:invalid-value-index",
        pdb("{matchExpressions: [{key: foo, operator: In, values: [ok, 'a b']}]}"),
        f'{EXPR}.values[1]: invalid label value "a b"',
    ),
    (
        "ValidateLabelSelectorRequirement:value-too-long",
        pdb(f"{{matchExpressions: [{{key: foo, operator: NotIn, values: [{'v' * 64}]}}]}}"),
        f"{EXPR}.values[0]: invalid label value",
    ),
    (
        "ValidateLabelSelector:second-expression-path",
        pdb(f"{{matchExpressions: [{IN_BAR}, {{key: bar, operator: Exists, values: [x]}}]}}"),
        f"{PDB}.matchExpressions[1].values: may not be specified",
    ),
    # apps/v1: the same checks under a Deployment's spec.selector
    (
        "ValidateDeploymentSpec:selector-In-empty-values",
        deployment("{matchLabels: {app: web}, matchExpressions: [{key: foo, operator: In, values: []}]}"),
        "(Deployment/web): spec.selector.matchExpressions[0].values: must be specified",
    ),
    (
        "ValidateDeploymentSpec:selector-bad-operator",
        deployment(
            "{matchLabels: {app: web}, matchExpressions: [{key: foo, operator: Equals, values: [x]}]}"
        ),
        '(Deployment/web): spec.selector.matchExpressions[0].operator: unsupported value "Equals"',
    ),
    (
        "ValidateDeploymentSpec:In-does-not-match-template",
        deployment("{matchExpressions: [{key: app, operator: In, values: [db]}]}"),
        "(Deployment/web): spec.template.metadata.labels: selector does not match template labels",
    ),
    (
        "ValidateDeploymentSpec:Exists-and-DoesNotExist-same-key",
        deployment("{matchExpressions: [{key: app, operator: Exists}, {key: app, operator: DoesNotExist}]}"),
        "(Deployment/web): spec.template.metadata.labels: selector does not match template labels",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_rejected(text: str, fragment: str) -> None:
    assert_rejected(text, fragment)


def test_non_string_value_is_one_error_not_also_missing_values() -> None:
    # a number in ``values`` fails decoding upstream; kubesim reports it once, at its index
    errors = errors_of(pdb("{matchExpressions: [{key: foo, operator: In, values: [1]}]}"))
    assert len(errors) == 1 and f"{EXPR}.values[0]: expected a string" in errors[0], errors


def test_loaded_selector_semantics() -> None:
    """A loaded selector keeps nil (no selector: matches nothing) apart from ``{}`` (matches everything)."""
    none_pdb = load_text(textwrap.dedent(pdb("null")), "t.yaml").objects[0]
    empty_pdb = load_text(textwrap.dedent(pdb("{}")), "t.yaml").objects[0]
    assert isinstance(none_pdb, PodDisruptionBudget) and isinstance(empty_pdb, PodDisruptionBudget)
    assert none_pdb.selector is None
    assert empty_pdb.selector is not None and empty_pdb.selector.is_empty
    text = pdb(
        "{matchLabels: {app: web}, matchExpressions: [{key: track, operator: NotIn, values: [canary]}]}"
    )
    loaded = load_text(textwrap.dedent(text), "t.yaml").objects[0]
    assert isinstance(loaded, PodDisruptionBudget) and loaded.selector is not None
    assert loaded.selector.matches({"app": "web"})
    assert loaded.selector.matches({"app": "web", "track": "stable"})
    assert not loaded.selector.matches({"app": "web", "track": "canary"})
    assert not loaded.selector.matches({"track": "stable"})


def test_kubesim_validate_names_the_field_path(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent.parent
    bad = tmp_path / "pdb.yaml"
    bad.write_text(textwrap.dedent(pdb("{matchExpressions: [{key: foo, operator: Exists, values: [a]}]}")))
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "spec.selector.matchExpressions[0].values: may not be specified" in proc.stderr, proc.stderr


def test_ids_are_unique() -> None:
    ids = [c[0] for c in MATCHING] + [c[0] for c in BAD_REQUIREMENTS] + [c[0] for c in GOOD_REQUIREMENTS]
    ids += [c[0] for c in ACCEPTED] + [c[0] for c in REJECTED]
    assert len(ids) == len(set(ids))
