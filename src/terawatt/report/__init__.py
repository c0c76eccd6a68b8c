"""Surfaces that present results: plots, tables and the report document. No model logic lives here.

``terawatt.report`` is both this package and the API verb: calling it, ``terawatt.report("musk-2026",
"report.html")``, writes the report (:func:`terawatt.api.report`). The package's module object is callable so that
the name means the same thing whether or not a submodule (``terawatt.report.plots``) has been imported.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`terawatt.api.report`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        from terawatt.api import report

        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
