"""``python -m terawatt.cli``: the same as the ``terawatt`` command."""

from terawatt.cli import app

app(prog_name="terawatt")
