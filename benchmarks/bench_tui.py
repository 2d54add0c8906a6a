"""TUI benchmark: frame times of ``kubesim tui`` on a 1,000-node cluster playing at maximum speed.

The app runs headless (Textual's ``run_test``, which lays out and paints every frame as a terminal would, to no
output) on a generated scenario: a NodePool of ``--nodes`` nodes over four zones, ``--deployments`` Deployments
with ``--replicas`` pods each, a DaemonSet (one pod per node), and random node failures (MTBF 24 h, MTTR 10 m) so
that nodes keep changing. Playback is set to ``max`` and runs for ``--seconds`` of wall time; then it prints, in
milliseconds, the median and worst of:

* ``refresh``: the widgets' per-frame update (``KubesimApp.refresh_views``: map, timeline, events, workloads,
  inspector), the part of a frame the TUI itself adds;
* ``tick``: a whole timer callback: queued actions, advancing the engine (bounded by ``SIM_BUDGET_SECONDS``) and
  the refresh;
* ``paint``: Textual drawing the changed parts of the screen after a tick;
* ``gc pauses``: CPython's cyclic garbage collections during the measurement (all, and the full ones);
* ``frame interval``: the wall time between consecutive ticks, which also contains Textual's painting; the timer
  asks for one every 50 ms, so an interval much above that means a frame (tick + paint) ran long.

How far the simulation got (virtual time, events) is printed too. The scheduler's cost per pod at 1,000 nodes
(tens of milliseconds with the default topology spreading) bounds a frame from below: an event is never split.

    python -m benchmarks.bench_tui                 # 1,000 nodes, 10 s
    python -m benchmarks.bench_tui --nodes 100 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import statistics
import time
from collections.abc import Sequence

__all__ = ["main", "scenario_text"]


def scenario_text(nodes: int, deployments: int, replicas: int, seed: int = 7) -> str:
    """The benchmark's scenario as YAML."""
    docs = [
        f"""apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: bench-tui}}
spec:
  duration: 24h
  seed: {seed}
  failures:
    - {{pool: big, mtbf: 24h, mttr: 10m}}
""",
        f"""apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {{name: big}}
spec:
  count: {nodes}
  zones: [zone-a, zone-b, zone-c, zone-d]
  allocatable: {{cpu: "16", memory: 64Gi, pods: "110"}}
""",
        """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      tolerations: [{operator: Exists}]
      containers:
        - {name: agent, image: agent:v1, resources: {requests: {cpu: 100m, memory: 128Mi}}}
""",
    ]
    for i in range(deployments):
        docs.append(
            f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: app{i}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: app{i}}}}}
  template:
    metadata: {{labels: {{app: app{i}}}}}
    spec:
      containers:
        - {{name: app, image: app{i}:v1, resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}
"""
        )
    return "---\n".join(docs)


def _ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"median {statistics.median(values) * 1000:6.1f} ms   worst {max(values) * 1000:6.1f} ms   (n={len(values)})"


async def _run(args: argparse.Namespace) -> dict[str, list[float] | float]:
    from models.loader import load_text
    from tui.app import KubesimApp
    from tui.playback import SPEEDS
    from tui.session import Session
    from tui.source import ScenarioSource

    text = scenario_text(args.nodes, args.deployments, args.replicas)
    source = ScenarioSource(title="bench", documents=[], objects=load_text(text, "bench.yaml").objects)
    session = Session(source)
    warm = time.perf_counter()
    session.sim.run(until=args.warmup)
    print(f"warm-up: {args.warmup:g} s of virtual time in {time.perf_counter() - warm:.1f} s")
    app = KubesimApp(session, autoplay=False)
    refresh: list[float] = []
    original = app.refresh_views

    def timed_refresh(force: bool = False) -> None:
        started = time.perf_counter()
        original(force)
        refresh.append(time.perf_counter() - started)

    app.refresh_views = timed_refresh  # type: ignore[method-assign]
    starts: list[float] = []
    original_tick = app._tick

    def timed_tick() -> None:
        starts.append(time.perf_counter())
        original_tick()

    app._tick = timed_tick  # type: ignore[method-assign]
    # Textual's painting of a frame (the compositor's update of the changed regions); private, so looked up
    # defensively: the benchmark only reports it when it is there.
    from textual.screen import Screen

    paint: list[float] = []
    original_paint = getattr(Screen, "_compositor_refresh", None)
    if original_paint is not None:

        def timed_paint(self: Screen[object]) -> None:
            started = time.perf_counter()
            original_paint(self)
            paint.append(time.perf_counter() - started)

        Screen._compositor_refresh = timed_paint  # type: ignore[method-assign,assignment]
    # Collector pauses during the measurement (CPython's cyclic GC; see KubesimApp._collect_garbage).
    gc_pauses: list[tuple[int, float]] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    async with app.run_test(size=(args.width, args.height)) as pilot:
        await pilot.pause()
        app.playback.speed_index = len(SPEEDS) - 1
        app.playback.playing = True
        refresh.clear()
        starts.clear()
        paint.clear()
        gc.callbacks.append(on_gc)
        app.frame_times.clear()
        await asyncio.sleep(args.seconds)
        app.playback.playing = False
        gc.callbacks.remove(on_gc)
        ticks = list(app.frame_times)
        await pilot.pause()
    if original_paint is not None:
        Screen._compositor_refresh = original_paint  # type: ignore[method-assign]
    intervals = [b - a for a, b in itertools.pairwise(starts)]
    return {
        "refresh": refresh,
        "tick": ticks,
        "interval": intervals,
        "paint": paint,
        "gc": [d for _g, d in gc_pauses],
        "gc_full": [d for g, d in gc_pauses if g == 2],
        "virtual": session.sim.now,
        "events": float(session.sim.engine.events_processed),
        "pods": float(session.sim.store.count("Pod")),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the frame times."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--deployments", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0, help="wall seconds of playing at max speed")
    parser.add_argument(
        "--warmup",
        type=float,
        default=600.0,
        help="virtual seconds run before the app opens (the initial burst)",
    )
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=48)
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args))
    print(
        f"kubesim tui at {args.nodes:,} nodes, max speed, {args.seconds:g} s wall "
        f"({args.deployments} Deployments x {args.replicas} replicas + a DaemonSet)"
    )
    print(f"  refresh         {_ms(result['refresh'])}")  # type: ignore[arg-type]
    print(f"  tick            {_ms(result['tick'])}")  # type: ignore[arg-type]
    print(f"  paint           {_ms(result['paint'])}")  # type: ignore[arg-type]
    print(f"  frame interval  {_ms(result['interval'])}")  # type: ignore[arg-type]
    print(f"  gc pauses       {_ms(result['gc'])}")  # type: ignore[arg-type]
    print(f"  of which full   {_ms(result['gc_full'])}")  # type: ignore[arg-type]
    print(
        f"  simulated {result['virtual']:,.0f} s of virtual time, {result['events']:,.0f} events, "
        f"{result['pods']:,.0f} pods now"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
