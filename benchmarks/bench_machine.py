"""Stateful-machine benchmark: how many ``ClusterMachine`` steps Hypothesis runs per wall-clock second.

The testing toolkit's promise (issue: property-based scheduler testing) is at least 20 steps per second on small
clusters (at most 20 nodes), so that a few hundred examples take under a minute. This runs the stock
``ClusterMachine`` (every invariant, the end-of-run settling time included) on clusters of ``--min-nodes`` to
``--max-nodes`` nodes for ``--examples`` examples of up to ``--steps`` steps each, with a fixed Hypothesis seed
(``derandomize``), and counts the steps it took: every rule run after the cluster was generated (add node,
crash, recover, cordon, uncordon, drain, scale, rollout, create pod, advance time). The time is everything
Hypothesis spends: drawing the cluster and the steps, loading the cluster, running the simulation and the
invariants after every step, and each example's settling run and end-of-run checks.

Prints steps, examples, seconds and steps/s (best of ``--repeat`` rounds: the machine is a shared VM) and exits 1
below ``--floor`` (20 steps/s).

    python -m benchmarks.bench_machine            # 100 examples of up to 50 steps, 1 to 20 nodes
    python -m benchmarks.bench_machine --quick    # 10 examples
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from simulator.testing.machine import PHASES, ClusterMachine


def machine_class(min_nodes: int, max_nodes: int, counter: list[int]) -> type[ClusterMachine]:
    """The stock machine on clusters of ``min_nodes``..``max_nodes`` nodes, counting in ``counter`` the invariant
    checks (``[0]``: Hypothesis runs them once when the cluster is up, then after every step) and the examples
    (``[1]``: one teardown each), so steps = checks - examples."""

    low, high = min_nodes, max_nodes

    class Counted(ClusterMachine):
        # (read by ``__init_subclass__`` when the class is made: set in the body, not afterwards)
        min_nodes = low
        max_nodes = high

        @invariant()
        def invariants_hold(self) -> None:
            counter[0] += 1
            super().invariants_hold()

        def teardown(self) -> None:
            counter[1] += 1
            super().teardown()

    return Counted


def run_once(examples: int, steps: int, min_nodes: int, max_nodes: int, seed_name: str) -> tuple[int, float]:
    """(steps taken, wall seconds) of one Hypothesis run of the machine."""
    counter = [0, 0]
    cls = machine_class(min_nodes, max_nodes, counter)
    # a machine class is built anew for each round (``__init_subclass__`` makes its start rule): rename it so
    # Hypothesis' derandomized seed, which hashes the test's name, is the same every round
    cls.__name__ = cls.__qualname__ = f"BenchMachine{seed_name}"
    budget = settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=True,
        database=None,
        deadline=None,
        phases=PHASES,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    started = time.perf_counter()
    run_state_machine_as_test(cls, settings=budget)
    return counter[0] - counter[1], time.perf_counter() - started


class _Args(argparse.Namespace):
    examples: int
    steps: int
    min_nodes: int
    max_nodes: int
    repeat: int
    floor: float
    quick: bool


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 1 when the rate is below ``--floor``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=100, help="Hypothesis examples per round")
    parser.add_argument("--steps", type=int, default=50, help="stateful_step_count: most steps per example")
    parser.add_argument("--min-nodes", type=int, default=1)
    parser.add_argument("--max-nodes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="rounds; the best is reported")
    parser.add_argument("--floor", type=float, default=20.0, help="minimum steps/s (exit 1 below it)")
    parser.add_argument("--quick", action="store_true", help="10 examples, one round")
    args = parser.parse_args(argv, namespace=_Args())
    if args.quick:
        args.examples, args.repeat = 10, 1
    rounds = [
        run_once(args.examples, args.steps, args.min_nodes, args.max_nodes, "Seeded")
        for _ in range(max(1, args.repeat))
    ]
    steps, wall = max(rounds, key=lambda r: r[0] / r[1])
    rate = steps / wall
    print(
        f"machine: {args.examples} examples of up to {args.steps} steps on {args.min_nodes}-{args.max_nodes} "
        f"nodes: {steps:,} steps in {wall:.1f} s wall, {rate:,.0f} steps/s (best of {len(rounds)}: "
        f"{', '.join(f'{s / w:,.0f}' for s, w in rounds)}); {args.examples / wall * 60:,.0f} examples per minute"
    )
    if rate < args.floor:
        print(f"below the floor of {args.floor:,.0f} steps/s")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
