"""The controllers of kube-controller-manager (and the kubelet model), each in its own module.

``CONTROLLERS`` lists, in start order, the controller classes a ``Simulation`` starts: each takes a
``ControllerContext`` and subscribes to the store itself. A new controller is one module plus one line here.
"""

from simulator.controllers.deployment import DeploymentController
from simulator.controllers.endpoints import EndpointsController
from simulator.controllers.gc import GarbageCollector
from simulator.controllers.nodelifecycle import NodeLifecycleController
from simulator.controllers.replicaset import ReplicaSetController
from simulator.controllers.taint_eviction import TaintEvictionController

__all__ = ["CONTROLLERS"]

CONTROLLERS: list[type] = [
    NodeLifecycleController,
    TaintEvictionController,
    ReplicaSetController,
    DeploymentController,
    EndpointsController,
    GarbageCollector,
]
