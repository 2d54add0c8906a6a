"""The controllers of kube-controller-manager (and the kubelet model), each in its own module.

``CONTROLLERS`` lists, in start order, the controller classes a ``Simulation`` starts: each takes a
``ControllerContext`` and subscribes to the store itself. A new controller is one module plus one line here.
"""

from simulator.controllers.cluster_autoscaler import ClusterAutoscaler
from simulator.controllers.cronjob import CronJobController
from simulator.controllers.daemonset import DaemonSetController
from simulator.controllers.deployment import DeploymentController
from simulator.controllers.disruption import DisruptionController
from simulator.controllers.endpoints import EndpointsController
from simulator.controllers.gc import GarbageCollector
from simulator.controllers.hpa import HPAController
from simulator.controllers.job import JobController
from simulator.controllers.nodelifecycle import NodeLifecycleController
from simulator.controllers.replicaset import ReplicaSetController
from simulator.controllers.statefulset import StatefulSetController
from simulator.controllers.taint_eviction import TaintEvictionController

__all__ = ["CONTROLLERS"]

CONTROLLERS: list[type] = [
    NodeLifecycleController,
    TaintEvictionController,
    ReplicaSetController,
    DeploymentController,
    StatefulSetController,
    DaemonSetController,
    EndpointsController,
    JobController,
    CronJobController,
    DisruptionController,
    GarbageCollector,
    HPAController,
    ClusterAutoscaler,
]
