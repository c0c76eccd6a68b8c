"""One YAML loader for the package: PyYAML's C (libyaml) safe loader where available, else the pure-Python one.

Both build only plain Python objects (no object tags); the C parser is ~10x faster on the registry and scenario
files, which matters for start-up time (``benchmarks/bench_startup.py``).

The package's own data files (parameter registry, catalogs, ground-solar table) are parsed once and kept, like
byte-code in ``__pycache__``, as :mod:`marshal` data in a cache folder (:func:`cache_dir`) named by a hash of the
file's text, the Python and the PyYAML version: a changed file is parsed again, and a missing, unreadable or
unwritable cache only means parsing. Building Python objects from YAML is otherwise the largest part of starting
``terawatt run`` that the package itself owns (~30 ms). User files (scenarios) are never cached.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Version of the cache format (part of every cache key).
CACHE_FORMAT = 1


def __getattr__(name: str) -> Any:
    # PyYAML is imported on first use only: a start whose data all come from the cache never needs it (~12 ms).
    if name == "SafeLoader":
        return _safe_loader()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _safe_loader() -> type:
    """The safe loader class in use: ``yaml.CSafeLoader`` when PyYAML was built with libyaml, else
    ``yaml.SafeLoader`` (also as the module attribute ``SafeLoader``)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Parse YAML text into plain Python objects with :data:`SafeLoader` (raises ``yaml.YAMLError`` subclasses)."""
    import yaml

    return yaml.load(text, Loader=_safe_loader())  # noqa: S506 - SafeLoader/CSafeLoader: no object tags


def safe_dump_value(value: Any) -> str:
    """One value as inline YAML (``550``, ``null``, ``starship-v3``, ``[1.0, 2.0]``) for writing scenario files."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def cache_dir() -> Path | None:
    """Folder of the parsed-data cache: ``TERAWATT_CACHE_DIR`` (empty: no cache), else ``$XDG_CACHE_HOME/terawatt``
    or ``~/.cache/terawatt``."""
    given = os.environ.get("TERAWATT_CACHE_DIR")
    if given is not None:
        return Path(given) if given.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "terawatt"


def load_compiled(label: str, sources: Sequence[Any], build: Callable[[], Any]) -> Any:
    """``build()`` (marshal-able data made from the package files ``sources``), kept in the cache folder.

    For data that costs more to make from the files than to read back (the parameter registry: every entry
    checked). The entry is named by ``label`` and keyed, as byte-code is, on each source's path, size and
    modification time (and the Python version and :data:`CACHE_FORMAT`); the key is stored in the entry and
    compared on reading, so a changed file, a changed ``build`` module listed among ``sources``, or another
    install of the package sharing the folder makes it again. A source that is not a plain file (a zipped
    package), or no cache folder, means ``build()`` every time.
    """
    folder = cache_dir()
    try:
        key = [label, CACHE_FORMAT, list(sys.version_info[:2])]
        for source in sources:
            stat = os.stat(os.fspath(source))
            key.append([os.path.abspath(os.fspath(source)), stat.st_size, stat.st_mtime_ns])
    except (OSError, TypeError):
        folder = None
    if folder is None:
        return build()
    path = folder / f"{label}-{zlib.crc32(repr(key).encode()):08x}.marshal"
    try:
        stored_key, data = marshal.loads(path.read_bytes())
        if stored_key == key:
            return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = build()
    _write_atomic(folder, path, marshal.dumps([key, data]))
    return data


def _write_atomic(folder: Path, path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` in ``folder`` (created) atomically; a failure only means no cache entry."""
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def load_package_data(text: str) -> Any:
    """Parse one of the package's YAML data files, through the marshal cache (the same objects as :func:`safe_load`).

    Parameters
    ----------
    text : str
        The file's contents.
    """
    folder = cache_dir()
    if folder is None:
        return safe_load(text)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=20)
    digest.update(f"{sys.version_info[:2]}|{CACHE_FORMAT}".encode())  # safe-load output is PyYAML-version stable
    path = folder / f"{digest.hexdigest()}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = safe_load(text)
    try:
        blob = marshal.dumps(data)
    except ValueError:  # a type marshal cannot hold (e.g. a YAML timestamp): parse every time
        return data
    _write_atomic(folder, path, blob)
    return data
