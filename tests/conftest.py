"""Shared fixtures: the ``terawatt`` command as a real subprocess, or in-process through Typer's runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

#: Wide, colourless terminal so tables are neither wrapped nor truncated and contain no escape codes.
CLI_ENV = {"COLUMNS": "200", "LINES": "100", "NO_COLOR": "1"}


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli("run", "--json", cwd=path)``: ``python -m terawatt.cli ...`` in a fresh interpreter."""

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TERM")}
    env.update(CLI_ENV)

    def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "terawatt.cli", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=300,
            check=False,
        )

    return _run


@pytest.fixture(scope="session")
def invoke_cli() -> Callable[..., object]:
    """``invoke_cli("run", "--set", "a.b=1")``: the same Typer app in-process (fast; stdout, stderr apart)."""
    from typer.testing import CliRunner

    from terawatt.cli import app

    runner = CliRunner()

    def _invoke(*args: str | Path):
        return runner.invoke(app, [str(a) for a in args], env=CLI_ENV)

    return _invoke
