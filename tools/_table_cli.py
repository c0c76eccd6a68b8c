"""The command line shared by the radiation table builders: build the shipped table, or ``--check N`` it."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def table_tool(doc: str | None, build: Callable[[int], None], check: Callable[[int], None]) -> None:
    """Parse ``--check N`` / ``--processes P`` and run ``check(N)`` (compare N random points with the direct
    computation) or ``build(P)`` (rebuild the table in P processes)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0] if doc else None)
    parser.add_argument("--check", type=int, default=0, help="compare N random points with direct computation")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        build(args.processes)
