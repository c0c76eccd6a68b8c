"""Catalogs of named things (accelerators, launch vehicles, ground sites): YAML data files, each entry sourced."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from terawatt.yamlio import load_package_data

CATALOGS = ("accelerators", "vehicles", "sites", "ground_stations")


@cache
def load_catalog(name: str) -> dict[str, dict[str, Any]]:
    """Entries of catalog ``name`` (one of :data:`CATALOGS`), keyed by lower-case slug."""
    if name not in CATALOGS:
        raise KeyError(f"unknown catalog {name!r}; catalogs: {', '.join(CATALOGS)}")
    text = resources.files("terawatt.catalogs").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return load_package_data(text)


def catalog_entry(catalog: str, slug: str) -> dict[str, Any]:
    """One entry of a catalog; a KeyError lists the valid names."""
    entries = load_catalog(catalog)
    if slug not in entries:
        raise KeyError(f"unknown {catalog} entry {slug!r}; valid: {', '.join(sorted(entries))}")
    return entries[slug]
