"""An example custom scheduler plugin: prefer spot nodes, and keep pods that ask for it off on-demand ones.

Enable it in a KubeSchedulerConfiguration by import path (``module:Class``); the module must be importable, e.g.
``PYTHONPATH=examples/custom-plugin kubesim run examples/custom-plugin/``.
"""

from __future__ import annotations

from models.pod import Pod
from simulator.scheduler import Code, CycleState, NodeInfo, Plugin, Status

LIFECYCLE = "node.kubernetes.io/lifecycle"
SPOT_ONLY = "example.kubesim.dev/spot-only"


class SpotFirst(Plugin):
    """Filter: pods annotated ``example.kubesim.dev/spot-only: "true"`` run only on spot nodes.
    Score: 100 on spot nodes, 0 elsewhere (a plugin's score must lie in 0..100).

    Args (``pluginConfig``): ``spotValue``, the label value that marks spot nodes (default ``spot``).
    """

    name = "SpotFirst"

    def _is_spot(self, node_info: NodeInfo) -> bool:
        return node_info.node.labels.get(LIFECYCLE) == self.args.get("spotValue", "spot")

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        if pod.annotations.get(SPOT_ONLY) == "true" and not self._is_spot(node_info):
            return Status(Code.UnschedulableAndUnresolvable, "node(s) are not spot nodes")
        return Status()

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        return 100 if self._is_spot(node_info) else 0
