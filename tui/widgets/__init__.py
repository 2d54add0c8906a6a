"""The TUI's widgets, one per module: the cluster map, the timeline, the event stream, the inspector, the
workload list and the lesson panel."""

from tui.widgets.cluster_map import ClusterMap as ClusterMap
from tui.widgets.event_stream import EventStream as EventStream
from tui.widgets.inspector import Inspector as Inspector
from tui.widgets.lesson import LessonPanel as LessonPanel
from tui.widgets.timeline import Timeline as Timeline
from tui.widgets.workloads import WorkloadList as WorkloadList

__all__ = ["ClusterMap", "EventStream", "Inspector", "LessonPanel", "Timeline", "WorkloadList"]
