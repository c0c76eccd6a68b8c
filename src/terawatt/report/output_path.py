"""Output files named on the command line (``--plot``): checked before anything is written, so a bad path ends
in a message naming the option (exit 2), never in a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from terawatt.errors import FieldError, ScenarioError

#: Chart formats the plotting functions write: matplotlib by suffix (.png, .svg, .pdf) or plotly (.html).
PLOT_SUFFIXES = (".png", ".svg", ".pdf", ".html")


def output_path_problem(path: Path, suffixes: tuple[str, ...] = PLOT_SUFFIXES) -> str | None:
    """Why ``path`` cannot be written as an output file, or ``None`` if it can."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        return f"{path.name}: unknown chart format {path.suffix or '(no suffix)'!r}; use one of {', '.join(suffixes)}"
    if path.is_dir():
        return f"{path} is a folder: give a file name"
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"folder {folder} does not exist: create it first or write elsewhere"
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"{path} is not writable"
    return None


def check_output_path(path: Path, option: str = "--plot", suffixes: tuple[str, ...] = PLOT_SUFFIXES) -> Path:
    """``path`` if it can be written, else a :class:`ScenarioError` naming ``option``."""
    problem = output_path_problem(path, suffixes)
    if problem:
        raise ScenarioError([FieldError(option, problem)])
    return Path(path)


def write_output(writer: Callable[..., Any], path: Path, *args: Any, option: str = "--plot", **kwargs: Any) -> Path:
    """Check ``path``, then call ``writer(*args, path, **kwargs)``; a failure to write is a :class:`ScenarioError`."""
    check_output_path(path, option)
    try:
        writer(*args, Path(path), **kwargs)
    except (OSError, ValueError) as exc:  # a full disk, or a format the chart library refuses
        raise ScenarioError(
            [FieldError(option, f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}")]
        ) from exc
    return Path(path)
