"""The Dash application of ``terawatt serve`` and its server.

Every asset (Dash's and plotly's JavaScript, the style sheet) is served by the app itself (``serve_locally``), and a
Content-Security-Policy tells the browser to load nothing from anywhere else, so the page works offline. The server
binds to 127.0.0.1 unless asked otherwise, never runs in debug mode, refuses request bodies over
:data:`~terawatt.dashboard.limits.MAX_REQUEST_BYTES` (413) and query strings over
:data:`~terawatt.dashboard.limits.MAX_QUERY_CHARS` (414), and reads no file a request names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from terawatt.dashboard.limits import MAX_QUERY_CHARS, MAX_REQUEST_BYTES

ASSETS = Path(__file__).with_name("assets")
#: Dash's developer-tools routes (hot reload), answered 404: the page never runs with developer tools.
DEV_ROUTES = ("/_reload-hash",)


def create_app(runner: Any = None) -> Any:
    """A new Dash app of the dashboard with its own table store, and its own job runner unless ``runner`` (a
    :class:`~terawatt.dashboard.jobs.JobRunner`, e.g. one a test holds) is given."""
    import flask
    from dash import Dash
    from dash.exceptions import DependencyException

    from terawatt.dashboard.callbacks import register
    from terawatt.dashboard.jobs import JobRunner
    from terawatt.dashboard.layout import TableStore, page

    app = Dash(__name__, title="terawatt", assets_folder=str(ASSETS), serve_locally=True,
               update_title=None, suppress_callback_exceptions=False)
    app.layout = page
    register(app, JobRunner() if runner is None else runner, TableStore())
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    server.debug = False
    hashes = " ".join(app.csp_hashes())  # each already quoted: 'sha256-...'
    policy = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
              f"script-src 'self' 'unsafe-eval' {hashes}; connect-src 'self'; frame-ancestors 'none'; "
              "base-uri 'self'; form-action 'self'")

    @server.before_request
    def _limits() -> Any:
        if flask.request.path in DEV_ROUTES:
            return flask.Response("not found\n", status=404, mimetype="text/plain")
        if len(flask.request.query_string) > MAX_QUERY_CHARS:
            return flask.Response(f"query string longer than {MAX_QUERY_CHARS} characters\n", status=414,
                                  mimetype="text/plain")
        if (flask.request.content_length or 0) > MAX_REQUEST_BYTES:
            return flask.Response(f"request body larger than {MAX_REQUEST_BYTES} bytes\n", status=413,
                                  mimetype="text/plain")
        return None

    @server.errorhandler(DependencyException)
    def _not_a_bundle(_: Exception) -> Any:  # a component-suite path outside the registered bundles
        return flask.Response("not found\n", status=404, mimetype="text/plain")

    @server.after_request
    def _headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return app


def make_server(host: str = "127.0.0.1", port: int = 8050, runner: Any = None) -> Any:
    """A threaded WSGI server of a new app (:func:`create_app`, ``runner`` passed on), bound but not yet serving
    (``.serve_forever()``; port 0 = a free one, read back from ``.server_port``)."""
    from werkzeug.serving import make_server as werkzeug_server

    return werkzeug_server(host, port, create_app(runner).server, threaded=True)
