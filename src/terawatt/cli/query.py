"""``terawatt query DIR "SELECT ..."``: SQL (DuckDB) over the Parquet files of a run written with ``--out DIR``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from terawatt.cli._common import JsonOption, app, bad_input, err_console, field_error, fmt, new_table, wide_console

#: Rows printed as a table; more are cut (``--csv`` and ``--json`` print every row).
TABLE_ROWS = 200


def _cell(value: object) -> str:
    """A value for the table: integers exact, numbers as elsewhere in terawatt, text as it is."""
    import numbers

    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return value if isinstance(value, str) else fmt(value)


def _plain(value: object) -> object:
    """A NumPy scalar as the Python number it holds (full precision); anything else as text."""
    return value.item() if hasattr(value, "item") else str(value)


@app.command()
def query(
    folder: Annotated[Path, typer.Argument(help="A run's folder (written with `terawatt montecarlo ... --out DIR`).")],
    sql: Annotated[str, typer.Argument(help='SQL over the view `samples`, e.g. \'SELECT avg("comparison.cost_ratio") '
                                            "FROM samples'; quote dotted column names.")],
    json_: JsonOption = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print the result as CSV.")] = False,
) -> None:
    """SQL (DuckDB) over a run's samples: one row per sample in the view `samples`, inputs and outputs as columns."""
    from terawatt.scenario import ScenarioError
    from terawatt.studies.samples import SampleStore

    try:
        if json_ and csv:
            raise field_error("--json/--csv", "give one of --json and --csv")
        store = SampleStore.open(folder, complete=False)
        frame = store.query(sql)
    except ScenarioError as exc:
        bad_input(exc)
    if not store.complete:
        err_console.print(f"[yellow]note:[/] unfinished run: {len(store.files)} of {store.manifest['n_chunks']} "
                          "chunks (rerun its command to finish it)")
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    if json_:
        records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # NaN -> null
        sys.stdout.write(json.dumps(records, indent=2, default=_plain) + "\n")
        return
    table = new_table()
    for name in frame.columns:
        table.add_column(str(name), justify="right" if frame[name].dtype.kind in "iufb" else "left")
    for row in frame.head(TABLE_ROWS).itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    wide_console(40 + 20 * len(frame.columns)).print(table)
    if len(frame) > TABLE_ROWS:
        err_console.print(f"{len(frame) - TABLE_ROWS:,} more rows not shown (use --csv or --json, or LIMIT)")
