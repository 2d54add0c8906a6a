"""``kubesim tui`` in a real terminal (tmux), driven as a person would: keys in, screen text out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
REPO = Path(__file__).resolve().parents[2]


class Terminal:
    """A detached tmux session of a fixed size on a private server."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", os.devnull, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.session, key)
            time.sleep(0.15)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def alive(self) -> bool:
        return self.session in self.tmux("list-sessions", "-F", "#{session_name}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(f"kubesim-test-{os.getpid()}", "kubesim")
    env = f"PYTHONPATH={REPO} TERM=xterm-256color"
    command = f"cd {tmp_path} && {env} {sys.executable} -m simulator tui"
    term.tmux("new-session", "-d", "-s", term.session, "-x", "150", "-y", "45", command)
    try:
        yield term
    finally:
        term.tmux("kill-server")


def test_a_person_watches_a_node_die_and_saves_the_session(terminal: Terminal, tmp_path: Path) -> None:
    screen = terminal.wait_for(lambda s: "general-0" in s and "playing" in s, "the app to start playing")
    assert "zone-a" in screen and "Timeline" in screen and "Events" in screen
    terminal.keys("Space")
    terminal.wait_for(lambda s: "paused" in s, "pause")
    terminal.keys("+")
    terminal.wait_for(lambda s: "×60" in s, "the speed to double")
    terminal.keys("f")  # general-0 is selected at start
    screen = terminal.wait_for(lambda s: "crashNode general-0" in s, "the crash to be reported")
    terminal.keys("?")
    terminal.wait_for(lambda s: "crash the selected node" in s, "the help screen")
    terminal.keys("Escape")
    terminal.wait_for(lambda s: "crash the selected node" not in s, "the help to close")
    for _ in range(5):
        terminal.keys("+")  # ×3,600: the grace period passes in a moment
    terminal.keys("Space")
    terminal.wait_for(lambda s: "NotReady" in s and "general-0" in s, "general-0 to turn NotReady")
    terminal.keys("Space", "C-s")
    terminal.wait_for(lambda s: "saved 1 action" in s, "the save notification")
    saved = tmp_path / "kubesim-session.yaml"
    assert "action: crashNode" in saved.read_text()
    terminal.keys("q")
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not terminal.alive()
