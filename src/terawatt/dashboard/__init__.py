"""The dashboard of ``terawatt serve``: a local web page (Dash) over the public API.

``state`` (the URL codec and the scenario file of the page), ``views`` (what each tab shows, from
``terawatt.model`` / ``terawatt.api`` / ``terawatt.studies``), ``layout`` (the page and its rendering), ``callbacks``,
``jobs`` (heavy views in the background, bounded, with progress and cancel), ``limits`` (the security limits) and
``app`` (the Dash app and its server). Nothing here holds model logic; Dash is imported only when the page is built.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "make_server"]


def create_app(runner: Any = None) -> Any:
    """A new Dash app of the dashboard (see :mod:`terawatt.dashboard.app`)."""
    from terawatt.dashboard.app import create_app as create

    return create(runner)


def make_server(host: str = "127.0.0.1", port: int = 8050, runner: Any = None) -> Any:
    """A bound, not yet serving, threaded server of a new app (see :mod:`terawatt.dashboard.app`)."""
    from terawatt.dashboard.app import make_server as make

    return make(host, port, runner)
