"""One YAML loader for the package: PyYAML's C (libyaml) safe loader where available, else the pure-Python one.

Both build only plain Python objects (no object tags); the C parser is ~10x faster on the registry and scenario
files, which matters for start-up time (``benchmarks/bench_startup.py``).
"""

from __future__ import annotations

from typing import Any

import yaml

#: The safe loader class in use: ``yaml.CSafeLoader`` when PyYAML was built with libyaml, else ``yaml.SafeLoader``.
#: Subclass this one to customise construction (the C loader runs the same Python constructors).
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Parse YAML text into plain Python objects with :data:`SafeLoader` (raises ``yaml.YAMLError`` subclasses)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader: no object tags


def safe_dump_value(value: Any) -> str:
    """One value as inline YAML (``550``, ``null``, ``starship-v3``, ``[1.0, 2.0]``) for writing scenario files."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("...").strip()
