"""The store's label index: built at a kind's first ``select``, then kept through adds, relabels and deletes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from models.meta import LabelSelector
from models.pod import Container, Pod, PodSpec
from simulator.engine import Engine
from simulator.store import Store

SPEC = PodSpec(containers=(Container(name="c", image="i"),))
APPS = ["web", "api", "db"]

# (op, pod number, app): "add" creates the pod if absent, "relabel" changes a stored pod's app label (or drops it
# with app None), "delete" deletes it, "select" checks every app's selection
Op = tuple[str, int, str | None]
ops = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "relabel", "delete", "select"]),
        st.integers(0, 7),
        st.sampled_from([*APPS, None]),
    ),
    max_size=40,
)


def _selector(app: str) -> LabelSelector:
    return LabelSelector(match_labels={"app": app})


@given(ops)
def test_select_matches_a_scan_of_the_stored_pods(steps: list[Op]) -> None:
    store = Store(Engine())
    pods: dict[int, Pod] = {}

    def check() -> None:
        for app in APPS:
            got = {p.name for p in store.select("Pod", "default", _selector(app))}
            want = {p.name for p in pods.values() if p.labels.get("app") == app}
            assert got == want

    for op, n, app in steps:
        if op == "add" and n not in pods:
            pods[n] = store.add(  # type: ignore[assignment]
                Pod(name=f"p{n}", namespace="default", labels={"app": app} if app else {}, spec=SPEC)
            )
        elif op == "relabel" and n in pods:
            pods[n].labels = {"app": app} if app else {}
            store.update(pods[n])
        elif op == "delete" and n in pods:
            store.delete(pods.pop(n))
        elif op == "select":
            check()
    check()


def test_pods_relabelled_before_the_first_select_are_found_under_their_new_label() -> None:
    store = Store(Engine())
    pod = store.add(Pod(name="a", namespace="default", labels={"app": "web"}, spec=SPEC))
    pod.labels = {"app": "api"}
    store.update(pod)
    assert store.select("Pod", "default", _selector("web")) == []
    assert store.select("Pod", "default", _selector("api")) == [pod]
    assert store.select("Pod", "other", _selector("api")) == []
