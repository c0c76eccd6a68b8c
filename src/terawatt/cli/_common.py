"""What every verb of the command line shares: the Typer app, consoles, the bad-input exit, number formatting,
the common options and the ``--out`` table writer. Nothing here imports the model (start-up stays fast)."""

from __future__ import annotations

import copy
import itertools
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from terawatt import __version__

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from terawatt.scenario import Scenario, ScenarioError

def _skip_coercion_of_missing_values() -> None:
    """Let a parameter that was not given (value ``None``) skip Typer's value coercion.

    Typer (>= 0.2x) coerces each parameter through a pydantic ``TypeAdapter`` that it builds on first use, and it
    builds it even for a parameter the user did not give, whose value ``None`` the coercion returns unchanged
    (``()`` for a repeatable one: ``RuntimeParam.coerce``). Building the first adapter imports pydantic (~0.1 s
    of every ``terawatt run``). A missing value here gets the same ``None``/``()``, the same required check and
    the same callback, without the adapter; a given value is coerced by Typer as before. Typer versions without
    the lazy adapter (``get_runtime_param``) are left alone.
    """
    from typer import core

    param_class = getattr(core, "_TyperParameter", None)
    original = getattr(param_class, "process_value", None)
    if original is None or not hasattr(param_class, "get_runtime_param") or getattr(original, "_terawatt", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if value is not None:
            return original(self, ctx, value)
        value = () if self.multiple or self.nargs == -1 else None
        if self.required and self.value_is_missing(value):
            raise core._click.exceptions.MissingParameter(ctx=ctx, param=self)
        if self.callback is not None:
            value = self.callback(ctx, self, value)
        return value

    process_value._terawatt = True  # type: ignore[attr-defined]
    param_class.process_value = process_value


_skip_coercion_of_missing_values()

class LazyTyper(typer.Typer):
    """A ``typer.Typer`` that, run as a program, builds only the command it runs.

    Typer turns every registered command into a click command (reading each function's signature and evaluating
    its annotations) before it parses the command line: ~50 ms of every start for this command line's 20 verbs.
    Called with ``terawatt VERB ...``, this app builds the group with ``VERB`` alone; called for the group's own
    help or version (no verb), it builds each verb without its parameters, which that help does not show. The
    group, the verb, their help texts and their errors are the ones the full build makes (tests/test_api_startup.py
    compares them); anything else (an unknown verb, an unknown option before the verb) gets the full build, so its
    error message and suggestions are Typer's own. ``typer.main.get_command(app)`` (and ``typer.testing``) still
    builds every command.
    """

    #: The options of the group itself (before the verb): flags, none takes a value.
    GROUP_OPTIONS = ("--help", "--version")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        given = kwargs["args"] if "args" in kwargs else args[0] if args else None
        argv = sys.argv[1:] if given is None else list(given)
        commands = self._commands_for(argv)
        if commands is None:
            return super().__call__(*args, **kwargs)
        every, self.registered_commands = self.registered_commands, commands
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.registered_commands = every

    def _commands_for(self, argv: list[str]) -> list[Any] | None:
        """The registered commands to build for ``argv``; None: every one, in full."""
        options = list(itertools.takewhile(lambda arg: arg in self.GROUP_OPTIONS, argv))
        if options or not argv:  # the group's help or version: the verbs' names and help only
            return [_listed_only(info) for info in self.registered_commands]
        verb = argv[len(options)]
        named = [info for info in self.registered_commands if verb_name(info) == verb]
        return named if len(named) == 1 else None


def verb_name(info: Any) -> str:
    """The name Typer gives a registered command (``typer.main.get_command_from_info``)."""
    return info.name or typer.main.get_command_name(info.callback.__name__)


def _listed_only(info: Any) -> Any:
    """A copy of a registered command without its parameters: the same name, help and flags for the group's list."""

    def callback() -> None:  # pragma: no cover - never run: only listed in the group's help
        raise RuntimeError("a listed-only command was run")

    for attribute in ("__name__", "__qualname__", "__module__", "__doc__"):
        setattr(callback, attribute, getattr(info.callback, attribute))
    listed = copy.copy(info)
    listed.callback = callback
    return listed


# Plain (click) help: Rich-formatted help would import rich.markdown and markdown-it (~0.1 s) on every --help.
app = LazyTyper(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="terawatt: AI compute in orbit versus on the ground. Exit codes: 0 ok, 1 check failed, 2 bad input.",
)


class LazyConsole:
    """A ``rich.console.Console`` created on first use (importing rich costs ~50 ms that --help does not need)."""

    def __init__(self, **options: Any):
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


console = LazyConsole(soft_wrap=True)
err_console = LazyConsole(stderr=True)


def new_table(*args: Any, **options: Any) -> Table:
    """A ``rich.table.Table`` (imported on first use)."""
    from rich.table import Table

    return Table(*args, **options)


def wide_console(width: int) -> Console:
    """A console at least ``width`` characters wide (for tables whose cells must not be cut)."""
    from rich.console import Console

    return Console(width=max(console.width, width))

# ------------------------------------------------------------------------------------------------- common options
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a parameter: section.key=value (repeatable).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Also write the table to a file: .csv, or .parquet (units in its metadata)."),
]
ScenarioArg = Annotated[str | None, typer.Argument(help="Scenario YAML path or shipped name.")]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"terawatt {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """terawatt: AI compute in orbit versus on the ground. Exit codes: 0 ok, 1 check failed, 2 bad input."""


# ------------------------------------------------------------------------------------------------------ errors
def bad_input(exc: ScenarioError) -> NoReturn:
    """Print every field error of ``exc`` and exit 2."""
    from rich.markup import escape

    n = len(exc.errors)
    err_console.print(f"[bold red]error:[/] invalid input ({n} problem{'s' * (n > 1)}):")
    for e in exc.errors:
        err_console.print(f"  [bold]{escape(e.path)}[/]: {escape(e.message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def field_error(path: str, message: str) -> ScenarioError:
    """A one-field :class:`~terawatt.scenario.ScenarioError` (for option checks done in the surface)."""
    from terawatt.scenario import FieldError, ScenarioError

    return ScenarioError([FieldError(path, message)])


def load(scenario: str | Path | None, set_: list[str] | None) -> Scenario:
    """The scenario with the ``--set`` overrides (raises :class:`~terawatt.scenario.ScenarioError`)."""
    from terawatt.scenario import load_scenario

    return load_scenario(scenario, set_ or [])


# -------------------------------------------------------------------------------------------------- formatting
def fmt(value: Any, unit: str = "") -> str:
    """A number for a table: thousands separators, M/B/T for large values, ``n/a`` for a missing one."""
    if value is None or isinstance(value, str):
        return "n/a" if value is None else value
    if isinstance(value, bool):
        return "yes" if value else "NO"
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    a = abs(value)
    if a >= 1e12:
        text = f"{value / 1e12:,.2f} T"
    elif a >= 1e9:
        text = f"{value / 1e9:,.2f} B"
    elif a >= 1e6:
        text = f"{value / 1e6:,.2f} M"
    elif a >= 1e4:
        text = f"{value:,.0f}"
    elif a >= 100:
        text = f"{value:,.1f}"
    elif a >= 1:
        text = f"{value:,.3f}"
    else:
        text = f"{value:.4g}"
    return f"{text} {unit}".strip()


def scalar(outputs: Any, key: str) -> Any:
    """One output of a scalar result as a Python value (bool stays bool, numbers become float)."""
    value = outputs[key]
    if isinstance(value, (bool, str)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


# ----------------------------------------------------------------------------------------------------- --out
TABLE_SUFFIXES = (".csv", ".parquet")


def check_plot(path: Path | None) -> None:
    """Refuse a ``--plot`` path before any work: a format no chart writer has, or a missing folder (exit 2)."""
    if path is not None:
        from terawatt.report.output_path import check_output_path

        check_output_path(path)


def check_out(path: Path | None) -> None:
    """Refuse an ``--out`` path before any work: unknown extension or missing folder (exit 2)."""
    if path is None:
        return
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise field_error("--out", f"cannot write {path.suffix or 'a file without extension'!r}: use .csv or .parquet")
    if not path.parent.is_dir():
        raise field_error("--out", f"folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise field_error("--out", f"{str(path)!r} is a folder; give a file name")


def _typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column that mixes numbers and text (a lever table's values: a number for a numeric
    lever, a name for a choice) as text, which Parquet needs (one type per column); missing values stay missing."""
    mixed = [c for c in frame.columns if frame[c].dtype == object
             and len({isinstance(v, str) for v in frame[c] if v is not None and v == v}) > 1]
    if not mixed:
        return frame
    out = frame.copy()
    for c in mixed:
        out[c] = [v if v is None or isinstance(v, str) or v != v else str(v) for v in frame[c]]
    return out


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV or Parquet (units kept in the Parquet metadata through ``frame.attrs``)."""
    check_out(path)
    try:
        if path.suffix.lower() == ".csv":
            frame.to_csv(path)
        else:
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
                raise field_error("--out", "writing Parquet needs pyarrow: pip install pyarrow") from exc
            _typed_columns(frame).to_parquet(path)
    except OSError as exc:
        raise field_error("--out", f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
    err_console.print(f"table written to {path} ({len(frame)} rows)", highlight=False)


def write_plot(
    writer: str, path: Path | None, *args: Any, done: str | None = "chart written to", **kwargs: Any
) -> None:
    """Write a chart with ``writer`` (``"module:function"``, imported only when --plot was given); a bad path or a
    format the chart library refuses is reported (exit 2), after the table was printed, never as a traceback."""
    if path is None:
        return
    from importlib import import_module

    from terawatt.report.output_path import write_output
    from terawatt.scenario import ScenarioError

    module, _, function = writer.partition(":")
    try:
        write_output(getattr(import_module(module), function), path, *args, **kwargs)
    except ScenarioError as exc:
        bad_input(exc)
    if done:
        console.print(f"{done} {path}")
