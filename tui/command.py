"""``kubesim tui [FILES...] [--lesson NAME] [--seed N] [--lenient]``: load, then run the app.

Bad input (files, an unknown lesson) raises ``models.errors.InputError`` before the terminal is taken over;
``simulator.cli.main`` prints it and exits 2.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["tui_command"]


def tui_command(args: argparse.Namespace) -> int:
    """Open the TUI on ``args.files`` (default: the built-in scenario) or ``args.lesson``; returns the exit code.

    Raises:
        InputError: the files, the lesson name or the scheduler configuration are bad.
    """
    from tui.app import KubesimApp
    from tui.session import Session
    from tui.source import load_source

    source = load_source(
        args.files or [], getattr(args, "lesson", None), lenient=bool(getattr(args, "lenient", False))
    )
    session = Session(source, seed=getattr(args, "seed", None))
    app = KubesimApp(session, autoplay=source.lesson is None)  # a lesson starts paused: read it first
    app.run()
    for line in source.warnings:  # shown in the app too; repeated here, where they stay readable
        print(line, file=sys.stderr)
    return app.return_code or 0
