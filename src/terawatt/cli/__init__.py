"""The ``terawatt`` command line. Surfaces only: each verb calls one public function and formats its result.

Exit codes: 0 ok, 1 a check failed, 2 bad input (the message names the field, its unit and allowed range).

One module per verb group, each registering its commands on the shared :data:`app`:
``run`` (run), ``studies`` (timeline, breakeven, buildout), ``uncertainty`` (montecarlo), ``query`` (query),
``analysis`` (sensitivity, discover), ``design`` (optimize, reconcile), ``claims`` (claims, report), ``info``
(params, scenarios, init), ``check`` (validate, check), ``serve`` (the dashboard), ``twin`` (the operations twin);
``_common`` holds the app, consoles, formatting and the ``--out`` writer. The model is imported inside the verbs, so
``terawatt --help`` starts without it.
"""

from __future__ import annotations

from terawatt.cli import (  # noqa: F401 - registers the commands
    analysis,
    check,
    claims,
    design,
    info,
    query,
    run,
    serve,
    studies,
    twin,
    uncertainty,
)
from terawatt.cli._common import app, verb_name

__all__ = ["app", "main", "verb_name"]

#: The order of ``terawatt --help``: the main job first, then the studies, the surfaces and the housekeeping.
HELP_ORDER = ("run", "timeline", "breakeven", "buildout", "montecarlo", "sensitivity", "discover", "optimize",
              "reconcile", "claims", "report", "twin", "serve", "query", "validate", "check", "params", "scenarios",
              "init")


app.registered_commands.sort(
    key=lambda c: HELP_ORDER.index(verb_name(c)) if verb_name(c) in HELP_ORDER else len(HELP_ORDER))


def main() -> None:
    """Entry point of the ``terawatt`` command."""
    app()
