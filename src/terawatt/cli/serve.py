"""``terawatt serve``: the dashboard, a local web page over the same public API as the command line."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from terawatt.cli._common import app, bad_input, err_console, field_error


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_bind(host: str, port: int) -> None:
    """Refuse, naming the option, a host that does not resolve and an address that cannot be bound (in use, not
    this machine's), before the web server (which would print its own message and exit 1) is built."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise field_error("--host", f"cannot resolve {host!r}: {exc}") from exc
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise field_error("--host/--port", f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    finally:
        probe.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind; loopback only unless you ask otherwise.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port (1-65535).")] = 8050,
) -> None:
    """Start the dashboard: a local web page to explore scenarios (compare, satellite, over time, what must be
    true, build-out, claims). It serves every asset itself (works offline) and never runs in debug mode."""
    from terawatt.scenario import ScenarioError

    try:
        if not 1 <= port <= 65535:
            raise field_error("--port", f"expected an integer in [1, 65535], got {port}")
        _check_bind(host, port)
        from terawatt.dashboard import make_server

        try:
            server = make_server(host, port)
        except SystemExit as exc:  # werkzeug prints why it cannot bind and exits 1: report it as bad input
            raise field_error("--host/--port", f"cannot listen on {host}:{port}") from exc
    except ScenarioError as exc:
        bad_input(exc)
    if not _is_loopback(host):
        err_console.print(f"[yellow]warning:[/] listening on {host}: other machines can reach this page "
                          "(it has no authentication)")
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"terawatt dashboard on http://{shown}:{server.server_port}/ (Ctrl+C to stop)", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
