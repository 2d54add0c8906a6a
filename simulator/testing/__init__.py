"""kubesim's property-based testing toolkit for schedulers, plugins and scheduler configurations (public API).

``simulator.testing.strategies`` generates valid Kubernetes objects and whole scenarios for Hypothesis,
``simulator.testing.invariants`` checks a run as it happens, ``simulator.testing.machine`` is the stateful
``ClusterMachine`` and ``simulator.testing.differential`` compares two profiles on the same scenario.
See docs/testing.md.
"""
