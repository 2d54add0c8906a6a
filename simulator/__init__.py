"""kubesim: a discrete-event simulator of a Kubernetes-style cluster.

``from simulator import Simulation`` is the front door; everything not re-exported here is internal.
``Simulation`` is imported lazily so that ``import simulator.engine`` stays light (no numpy, no scheduler).
"""

from typing import TYPE_CHECKING, Any

from simulator.engine import Engine as Engine
from simulator.engine import SimulationTimeout as SimulationTimeout

if TYPE_CHECKING:
    from simulator.simulation import Simulation as Simulation

__all__ = ["Engine", "Simulation", "SimulationTimeout"]


def __getattr__(name: str) -> Any:
    if name == "Simulation":
        from simulator.simulation import Simulation

        return Simulation
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
