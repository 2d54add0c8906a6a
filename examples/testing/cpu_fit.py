"""A deliberately buggy scheduler plugin, for the testing example: a resource Filter that forgets memory.

``CpuOnlyFit`` replaces NodeResourcesFit's Filter with one that checks CPU and the pod count but not memory. It
looks right on CPU-bound workloads and overcommits nodes' memory as soon as pods ask for a lot of it: exactly
the kind of bug ``simulator.testing`` is there to find (see ``test_cpu_fit.py`` next to this file).
"""

from __future__ import annotations

from models.pod import Pod
from simulator.scheduler import Code, CycleState, NodeInfo, Plugin, Status
from simulator.scheduler.resources import pod_request


class CpuOnlyFit(Plugin):
    """Filter: the pod's CPU request fits the node's free CPU, and the node has room for one more pod.

    The bug: memory (and every other resource) is never checked.
    """

    name = "CpuOnlyFit"

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        if node_info.pod_count + 1 > node_info.allocatable("pods"):
            return Status(Code.Unschedulable, "Too many pods")
        cpu = pod_request(pod.spec).cpu
        if cpu and node_info.requested("cpu") + cpu > node_info.allocatable("cpu"):
            return Status(Code.Unschedulable, "Insufficient cpu")
        return Status()


#: A KubeSchedulerConfiguration (as a manifest) whose default profile uses CpuOnlyFit instead of
#: NodeResourcesFit's Filter (its scoring stays).
CONFIGURATION = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "profiles": [
        {
            "schedulerName": "default-scheduler",
            "plugins": {
                "filter": {
                    "disabled": [{"name": "NodeResourcesFit"}],
                    "enabled": [{"name": "cpu_fit:CpuOnlyFit"}],
                }
            },
        }
    ],
}
