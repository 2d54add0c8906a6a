"""What the action keys need to know about their targets: which kinds can be scaled or rolled out, and the
image a rolling update moves to.

The kinds mirror the timeline's schema (``models._kubesim.ACTIONS``): an action the TUI records must load back
from the saved scenario.
"""

from __future__ import annotations

import re

__all__ = ["ROLLOUT_KINDS", "SCALABLE_KINDS", "next_image"]

SCALABLE_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
ROLLOUT_KINDS = ("Deployment", "StatefulSet", "DaemonSet")

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def next_image(image: str) -> str:
    """The next version of ``image``: ``shop/web:v1`` -> ``shop/web:v2``, ``nginx:1.25`` -> ``nginx:1.26``,
    ``redis:latest`` -> ``redis:latest-2``, ``busybox`` -> ``busybox:2``.

    >>> next_image("localhost:5000/app:v9")
    'localhost:5000/app:v10'
    """
    name, colon, tag = image.rpartition(":")
    if not colon or "/" in tag:  # no tag (a registry port is not one)
        return f"{image}:2"
    match = _TRAILING_NUMBER.match(tag)
    if match is None:
        return f"{name}:{tag}-2"
    return f"{name}:{match.group(1)}{int(match.group(2)) + 1}"
