"""``python -m tui.screenshot``: render the TUI on a scenario at a virtual time to an SVG (the README's picture).

The app runs headless and paused, advances to ``--at`` exactly as playing would, selects ``--node`` (and
``--pod``, if given), and saves Textual's SVG screenshot. The same inputs give the same picture.

    python -m tui.screenshot                                   # docs/images/tui.svg: the shop at 11 min
    python -m tui.screenshot --at 6m --node general-4 --output /tmp/shot.svg
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path

from models.quantity import parse_duration

__all__ = ["main", "screenshot"]


async def screenshot(
    output: Path,
    files: Sequence[str] = (),
    lesson: str | None = None,
    at: float = 660.0,
    node: str | None = "general-4",
    pod: str | None = None,
    size: tuple[int, int] = (160, 48),
) -> Path:
    """Save an SVG of the app on ``files`` (or ``lesson``, or the default) at virtual time ``at``."""
    from tui.app import KubesimApp
    from tui.session import Session
    from tui.source import load_source

    app = KubesimApp(Session(load_source(files, lesson)), autoplay=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.advance(at)
        if node is not None:
            app.cluster_map.select(node, chosen=True)
        if pod is not None:
            namespace, _, name = pod.rpartition("/")
            app.inspect_pod(namespace or "default", name)
        app.refresh_views(force=True)
        await pilot.pause()
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(app.export_screenshot(title="kubesim tui"), encoding="utf-8")
    return output


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and write the screenshot."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", help="scenario files (default: the built-in shop)")
    parser.add_argument("--lesson", help="a lesson instead of files")
    parser.add_argument("--at", default="11m", help="virtual time to show (default 11m)")
    parser.add_argument("--node", default="general-4", help="node to select ('' for none)")
    parser.add_argument("--pod", help="pod to inspect ([namespace/]name)")
    parser.add_argument("--size", default="160x48", help="terminal columns x lines (default 160x48)")
    parser.add_argument("--output", default="docs/images/tui.svg", help="where to write the SVG")
    args = parser.parse_args(argv)
    columns, _, lines = args.size.partition("x")
    path = asyncio.run(
        screenshot(
            Path(args.output),
            args.files,
            args.lesson,
            parse_duration(args.at),
            args.node or None,
            args.pod,
            (int(columns), int(lines)),
        )
    )
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
