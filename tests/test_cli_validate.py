"""``kubesim validate FILES... [--lenient]``: exit 0 on good input, 2 with one line per problem on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "tests" / "corpus"


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "simulator", "validate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def expected(path: Path) -> str:
    return path.read_text().splitlines()[0].removeprefix("# expect: ")


def test_good_file_validates() -> None:
    proc = validate(str(CORPUS / "good" / "shop.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "name", ["bad-quantity.yaml", "yaml-syntax.yaml", "unknown-field.yaml", "duplicate-object.yaml"]
)
def test_bad_file_exits_2_with_the_error_line(name: str) -> None:
    path = CORPUS / "bad" / name
    proc = validate(str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert any(
        line.startswith("error: ") and expected(path) in line and str(path) in line for line in lines
    ), proc.stderr


def test_missing_file_exits_2() -> None:
    proc = validate("no-such-file.yaml")
    assert proc.returncode == 2
    assert "error: no-such-file.yaml: no such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_lenient_turns_unsupported_into_a_warning() -> None:
    path = CORPUS / "bad" / "unsupported-pvc.yaml"
    assert validate(str(path)).returncode == 2
    proc = validate("--lenient", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "warning: " in proc.stderr and "persistentVolumeClaim" in proc.stderr
    assert "Traceback" not in proc.stderr
