"""One safe, bounded YAML reader for every input file (scenarios with their trajectories, validation cases).

Hostile or broken files end in a :class:`~terawatt.errors.ScenarioError` naming the file, never in a traceback,
a hang or gigabytes of memory:

- only regular files are read (a named pipe would block forever, ``/dev/zero`` never ends), at most
  :data:`MAX_FILE_BYTES`;
- safe loading only (no Python object tags);
- alias expansion is bounded: the document's size counted *with* every alias expanded ("billion laughs": nine
  nested aliases expand to 10^9 nodes from a 1 kB file) must stay under :data:`MAX_EXPANDED_NODES`, and the
  number of mapping keys under :data:`MAX_KEYS`;
- a key given twice in one mapping is an error naming the key and both lines (YAML itself forbids it; PyYAML
  silently keeps the last, which can drop a whole section).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from terawatt.errors import FieldError, ScenarioError

#: Largest input file read [bytes] (a scenario with 100,000 samples of a few parameters is ~2 MB).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Largest document, counted with every alias expanded [nodes].
MAX_EXPANDED_NODES = 2_000_000
#: Most mapping keys in one document (the registry has a few hundred parameters).
MAX_KEYS = 10_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _fail(label: str, message: str) -> ScenarioError:
    return ScenarioError([FieldError(label, message)])


def read_text(path: Path, label: str, max_bytes: int | None = None) -> str:
    """UTF-8 text of a regular file of at most ``max_bytes`` (:data:`MAX_FILE_BYTES`); a :class:`ScenarioError`
    otherwise."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _fail(label, f"cannot read file: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise _fail(label, "not a regular file (a directory, device or pipe): give the path of a YAML file")
    if info.st_size > max_bytes:
        raise _fail(label, f"file of {info.st_size:,} bytes is larger than the limit of {max_bytes:,} bytes")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _fail(label, f"cannot read file: {exc.strerror}") from exc
    if len(raw) > max_bytes:
        raise _fail(label, f"file is larger than the limit of {max_bytes:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(label, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8") from exc


def _check_node(root: yaml.Node, label: str) -> None:
    """Bound the expanded size and key count, and refuse duplicate keys (each distinct node visited once)."""
    expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded keys)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    visiting: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        if id(node) in expanded:
            continue
        if isinstance(node, yaml.ScalarNode):
            expanded[id(node)] = (1, 0)
            continue
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = list(node.value)
        if not children_done:
            if id(node) in visiting:
                raise _fail(label, f"an alias refers to its own anchor (line {node.start_mark.line + 1}): refused")
            visiting.add(id(node))
            if isinstance(node, yaml.MappingNode):
                _duplicates(node, label)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in expanded)
            continue
        visiting.discard(id(node))
        nodes = 1 + sum(expanded.get(id(c), (0, 0))[0] for c in children)
        keys = (len(node.value) if isinstance(node, yaml.MappingNode) else 0) + sum(
            expanded.get(id(c), (0, 0))[1] for c in children
        )
        if nodes > MAX_EXPANDED_NODES:
            raise _fail(
                label,
                f"the document expands to more than {MAX_EXPANDED_NODES:,} values (nested aliases, line "
                f"{node.start_mark.line + 1}): refused",
            )
        if keys > MAX_KEYS:
            raise _fail(label, f"more than {MAX_KEYS:,} keys: refused (the registry has a few hundred parameters)")
        expanded[id(node)] = (nodes, keys)


def _duplicates(node: yaml.MappingNode, label: str) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise _fail(
                label,
                f"key {key_node.value!r} is given twice in one mapping (lines {seen[key_node.value]} and {line}); "
                "YAML does not allow it and the first would be lost: merge them",
            )
        seen[key_node.value] = line


def loads(text: str, label: str) -> Any:
    """Parse one YAML document safely and within the limits; a :class:`ScenarioError` naming ``label`` otherwise."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node(node, label)
        return loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise _fail(label, f"YAML tags such as Python objects are not allowed{where}: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise _fail(label, f"malformed YAML{where}: {problem}") from exc
    except RecursionError as exc:
        raise _fail(label, "nested too deeply to read") from exc
    finally:
        loader.dispose()


def read_yaml(path: Path, label: str | None = None) -> Any:
    """Read and parse a YAML file within the limits (see the module docstring)."""
    label = str(path) if label is None else label
    return loads(read_text(Path(path), label), label)
