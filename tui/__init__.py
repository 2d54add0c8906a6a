"""kubesim's terminal UI (``kubesim tui``): a Textual app that shows a simulation and lets a student steer it.

Layout of the package, one job per module:

* ``command``: the ``kubesim tui`` entry point (``tui_command``); ``source``: loading files, the default or a
  lesson, keeping the raw documents for saving; ``session``: the simulation plus the user's actions, recorded at
  their virtual times and saved as a replayable scenario; ``playback``: play/pause, speed, and advancing the
  engine in wall-clock-bounded slices;
* ``model``: books fed by the store's watch stream (node usage, pod histories, Events, explain records, time
  series) that the widgets read;
* ``app``: the ``KubesimApp`` gluing them together; ``widgets``: one widget per module (cluster map, timeline,
  event stream, inspector, workload list, lesson panel); ``screens``: the help and scale dialogs; ``glyphs``: the
  visual vocabulary; ``actions``: what the action keys need to know about their targets; ``screenshot``: the
  README's picture; ``lessons``: the built-in lessons.

See ``docs/tui.md``.
"""
