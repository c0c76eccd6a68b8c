"""Accelerator and launch-vehicle catalogs: schema, sourcing and physical/economic sanity."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

CATALOG_DIR = Path(__file__).resolve().parents[1] / "src" / "terawatt" / "catalogs"

ACCELERATOR_FIELDS = (
    "tdp_w",
    "server_power_w_per_accelerator",
    "server_mass_kg_per_accelerator",
    "hbm_gb",
    "hbm_stacks",
    "bf16_dense_tflops",
    "price_usd",
    "server_price_usd_per_accelerator",
    "max_junction_temp_k",
    "max_hbm_temp_k",
    "junction_to_coolant_k_per_w",
    "tokens_per_s",
    "accelerators_per_host",
)
ACCELERATOR_OPTIONAL = ("tid_tolerance_rad",)
ACCELERATOR_SLUGS = ("h100", "b200", "gb300", "tpu-v6e", "mi300x")

VEHICLE_FIELDS = (
    "payload_leo_kg",
    "payload_sso_kg",
    "fairing_volume_m3",
    "fairing_diameter_m",
    "fairing_height_m",
    "price_usd",
    "first_flight_year",
)
VEHICLE_SLUGS = ("falcon9", "falcon-heavy", "starship", "starship-v3")

META_FIELDS = ("name", "sources", "notes", "ranges", "estimated")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _load(name: str) -> dict:
    return yaml.safe_load((CATALOG_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def accelerators() -> dict:
    return _load("accelerators")


@pytest.fixture(scope="module")
def vehicles() -> dict:
    return _load("vehicles")


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _per_kg(vehicle: dict) -> float:
    return vehicle["price_usd"] / vehicle["payload_leo_kg"]


# ------------------------------------------------------------------------------------------------- structure
@pytest.mark.parametrize(
    ("catalog", "slugs"), [("accelerators", ACCELERATOR_SLUGS), ("vehicles", VEHICLE_SLUGS)]
)
def test_top_level_is_slug_mapping_with_required_slugs(catalog, slugs):
    data = _load(catalog)
    assert isinstance(data, dict) and data
    for slug, entry in data.items():
        assert SLUG.match(slug), f"{catalog}: {slug!r} is not a lower-case slug"
        assert isinstance(entry, dict), f"{catalog}/{slug} is not a mapping"
    missing = set(slugs) - set(data)
    assert not missing, f"{catalog}: missing required entries {sorted(missing)}"


@pytest.mark.parametrize(
    ("catalog", "fields", "optional"),
    [
        ("accelerators", ACCELERATOR_FIELDS, ACCELERATOR_OPTIONAL),
        ("vehicles", VEHICLE_FIELDS + ("reusable",), ()),
    ],
)
def test_every_entry_has_required_positive_fields_and_no_unknown_keys(catalog, fields, optional):
    for slug, entry in _load(catalog).items():
        for field in fields:
            assert field in entry, f"{catalog}/{slug}: missing {field}"
            if field == "reusable":
                assert isinstance(entry[field], bool), f"{catalog}/{slug}: reusable must be true/false"
            else:
                value = entry[field]
                assert _is_number(value) and value > 0, f"{catalog}/{slug}: {field}={value!r} not > 0"
        for field in optional:
            if field in entry:
                assert _is_number(entry[field]) and entry[field] > 0, f"{catalog}/{slug}: {field}"
        unknown = set(entry) - set(fields) - set(optional) - set(META_FIELDS)
        assert not unknown, f"{catalog}/{slug}: unknown keys {sorted(unknown)}"
        assert isinstance(entry["name"], str) and entry["name"].strip()


@pytest.mark.parametrize("catalog", ["accelerators", "vehicles"])
def test_every_entry_is_sourced(catalog):
    for slug, entry in _load(catalog).items():
        sources = entry.get("sources")
        assert isinstance(sources, list) and len(sources) >= 1, f"{catalog}/{slug}: no sources"
        for source in sources:
            assert isinstance(source, str) and source.strip(), f"{catalog}/{slug}: empty source"
            assert "http" in source, f"{catalog}/{slug}: source without a URL: {source[:60]}"
        if "notes" in entry:
            assert isinstance(entry["notes"], str) and entry["notes"].strip()


@pytest.mark.parametrize("catalog", ["accelerators", "vehicles"])
def test_ranges_bracket_values_and_estimates_name_real_fields(catalog):
    for slug, entry in _load(catalog).items():
        for field, bounds in (entry.get("ranges") or {}).items():
            assert field in entry, f"{catalog}/{slug}: range for absent field {field}"
            low, high = bounds
            assert _is_number(low) and _is_number(high) and low <= high, f"{catalog}/{slug}: {field} {bounds}"
            assert low <= entry[field] <= high, f"{catalog}/{slug}: {field}={entry[field]} outside {bounds}"
        for field in entry.get("estimated") or []:
            assert field in entry and _is_number(entry[field]), f"{catalog}/{slug}: estimated {field!r}"


# ------------------------------------------------------------------------------------ accelerator sanity
def test_server_power_covers_accelerator(accelerators):
    for slug, a in accelerators.items():
        assert a["server_power_w_per_accelerator"] >= a["tdp_w"], slug
        # host overhead (CPUs, NICs, switches, fans, PSU losses) stays within a factor of ~2.5 of the board
        assert a["server_power_w_per_accelerator"] <= 2.5 * a["tdp_w"], slug


def test_server_price_covers_accelerator(accelerators):
    for slug, a in accelerators.items():
        assert a["server_price_usd_per_accelerator"] >= a["price_usd"], slug


def test_published_anchor_values(accelerators):
    assert accelerators["h100"]["tdp_w"] == 700
    assert accelerators["h100"]["hbm_gb"] == 80
    assert accelerators["gb300"]["hbm_gb"] == 288
    assert accelerators["tpu-v6e"]["bf16_dense_tflops"] == 918
    assert accelerators["tpu-v6e"]["hbm_gb"] == 32
    # DGX H100: 10.2 kW max and 130.45 kg over 8 GPUs
    assert accelerators["h100"]["server_power_w_per_accelerator"] == pytest.approx(10200 / 8)
    assert accelerators["h100"]["server_mass_kg_per_accelerator"] == pytest.approx(130.45 / 8, rel=1e-3)


def test_thermal_limits_are_physical(accelerators):
    for slug, a in accelerators.items():
        # 70-110 C: the throttle class of data-centre silicon and HBM
        assert 343.15 <= a["max_junction_temp_k"] <= 383.15, slug
        assert 343.15 <= a["max_hbm_temp_k"] <= 383.15, slug
        # die-to-coolant rise at TDP must leave room above any practical coolant (>= 0 C)
        rise = a["junction_to_coolant_k_per_w"] * a["tdp_w"]
        assert 5.0 < rise < min(a["max_junction_temp_k"], a["max_hbm_temp_k"]) - 273.15, slug


def test_hbm_capacity_per_stack_is_a_real_stack_size(accelerators):
    for slug, a in accelerators.items():
        assert a["hbm_stacks"] == int(a["hbm_stacks"]), slug
        per_stack = a["hbm_gb"] / a["hbm_stacks"]
        assert 8.0 <= per_stack <= 48.0, f"{slug}: {per_stack} GB per stack"


def test_tid_only_where_published(accelerators):
    assert "tid_tolerance_rad" in accelerators["tpu-v6e"]
    assert 2000 <= accelerators["tpu-v6e"]["tid_tolerance_rad"] <= 15000


def test_newer_nvidia_parts_are_denser(accelerators):
    h100, b200, gb300 = (accelerators[s] for s in ("h100", "b200", "gb300"))
    assert h100["bf16_dense_tflops"] < b200["bf16_dense_tflops"] <= gb300["bf16_dense_tflops"]
    assert h100["tokens_per_s"] < b200["tokens_per_s"] <= gb300["tokens_per_s"]


# ---------------------------------------------------------------------------------------- vehicle sanity
def test_falcon9_price_per_kg_in_published_band(vehicles):
    assert 2000.0 < _per_kg(vehicles["falcon9"]) < 4000.0


def test_starship_cheaper_per_kg_than_falcon9(vehicles):
    f9 = _per_kg(vehicles["falcon9"])
    for slug in ("starship", "starship-v3"):
        assert _per_kg(vehicles[slug]) < f9, slug


def test_sso_not_above_leo_and_fairing_fits_its_envelope(vehicles):
    for slug, v in vehicles.items():
        assert v["payload_sso_kg"] <= v["payload_leo_kg"], slug
        cylinder = math.pi * (v["fairing_diameter_m"] / 2.0) ** 2 * v["fairing_height_m"]
        assert 0.3 * cylinder <= v["fairing_volume_m3"] <= cylinder, slug


def test_first_flight_years_are_plausible(vehicles):
    for slug, v in vehicles.items():
        assert isinstance(v["first_flight_year"], int) and 2000 <= v["first_flight_year"] <= 2035, slug
    assert vehicles["falcon9"]["first_flight_year"] == 2010
    assert vehicles["falcon-heavy"]["first_flight_year"] == 2018


def test_starship_v3_at_least_as_capable_as_starship(vehicles):
    assert vehicles["starship-v3"]["payload_leo_kg"] >= vehicles["starship"]["payload_leo_kg"]
    assert vehicles["starship-v3"]["payload_sso_kg"] >= vehicles["starship"]["payload_sso_kg"]


# --------------------------------------------------------------------------------------- package loader
def test_package_loader_reads_the_same_files():
    catalogs = pytest.importorskip("terawatt.catalogs")
    assert catalogs.catalog_entry("accelerators", "h100")["tdp_w"] == 700
    assert set(VEHICLE_SLUGS) <= set(catalogs.load_catalog("vehicles"))
