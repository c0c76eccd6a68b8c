"""The parsed-data cache of the package's YAML files (terawatt.yamlio.load_package_data) returns exactly what
parsing returns, and never stops a run when the cache is missing, broken or unwritable."""

from __future__ import annotations

from importlib import resources

import pytest

from terawatt import yamlio


def _shipped_texts() -> dict[str, str]:
    root = resources.files("terawatt")
    texts = {}
    for folder in ("params", "catalogs", "data"):
        for item in root.joinpath(folder).iterdir():
            if item.name.endswith(".yaml"):
                texts[f"{folder}/{item.name}"] = item.read_text(encoding="utf-8")
    return texts


def test_cached_equals_parsed_for_every_shipped_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(tmp_path))
    texts = _shipped_texts()
    assert len(texts) >= 10
    for name, text in texts.items():
        parsed = yamlio.safe_load(text)
        cold = yamlio.load_package_data(text)
        warm = yamlio.load_package_data(text)  # read back from the marshal file
        assert cold == parsed and warm == parsed, name
        assert repr(warm) == repr(parsed), name  # same types too (int vs float, tuple vs list, bool)
    assert len(list(tmp_path.glob("*.marshal"))) == len(set(texts.values()))
    assert not list(tmp_path.glob("*.tmp"))


def test_changed_text_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(tmp_path))
    assert yamlio.load_package_data("a: 1\n") == {"a": 1}
    assert yamlio.load_package_data("a: 2\n") == {"a": 2}
    assert yamlio.load_package_data("a: 1.0\n") == {"a": 1.0}
    assert isinstance(yamlio.load_package_data("a: 1.0\n")["a"], float)


def test_broken_missing_or_unwritable_cache_only_means_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(tmp_path))
    text = "x: [1, 2.5, null, true]\n"
    yamlio.load_package_data(text)
    (entry,) = tmp_path.glob("*.marshal")
    for junk in (b"", b"\x00garbage", entry.read_bytes()[:5]):
        entry.write_bytes(junk)
        assert yamlio.load_package_data(text) == {"x": [1, 2.5, None, True]}
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(blocker / "sub"))
    assert yamlio.load_package_data(text) == {"x": [1, 2.5, None, True]}
    monkeypatch.setenv("TERAWATT_CACHE_DIR", "")
    assert yamlio.cache_dir() is None and yamlio.load_package_data("y: 3\n") == {"y": 3}


def test_types_marshal_cannot_hold_are_parsed_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(tmp_path))
    data = yamlio.load_package_data("when: 2026-01-01\n")
    assert str(data["when"]) == "2026-01-01" and not list(tmp_path.glob("*.marshal"))


def test_unsafe_tags_are_refused_through_the_cache(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setenv("TERAWATT_CACHE_DIR", str(tmp_path))
    with pytest.raises(yaml.YAMLError):
        yamlio.load_package_data("!!python/object:os.system 1")
