"""The fast paths of the altitude-dependent look-ups give the general paths' bits (issue 10, altitude varying).

- Out-of-range altitudes in a sample array: the errors of each sample alone, naming the same fields.
- The eclipse table with one inclination and one LTAN kept 0-d (no full copies), its grid axis without the clamp
  where no value reaches the last node, its corners gathered at offsets and its rows started from the first
  corner's terms: the numbers of the same inputs given as full arrays, and of the zero-started sums.
- The density table gathered by 5-km cell: the numbers of the interval gathers; below the drag ceiling the
  altitudes themselves (no clip): the scalar evaluation's numbers.
- ``_arrays.interp`` (kept checks and slopes) and the debris flux's in-place log-linear step:
  ``np.interp``'s numbers and the plain expression's.
"""

from __future__ import annotations

import numpy as np
import pytest

import terawatt
from terawatt._arrays import interp, resolve
from terawatt.design import environment
from terawatt.errors import ScenarioError
from terawatt.physics import atmosphere, debris, orbit

RNG = np.random.default_rng(20261201)


def _altitudes(n: int = 6000, lo: float = 500.0, hi: float = 1200.0) -> np.ndarray:
    """Random altitudes with some exactly on 5-km nodes and the range's ends (at and between table nodes)."""
    alt = RNG.uniform(lo, hi, n)
    alt[::7] = np.round(alt[::7] / 5.0) * 5.0
    alt[0], alt[1] = lo, hi
    return alt


def _same(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == np.float64:  # bit for bit (signed zeros and NaN payloads apart)
        a, b = a.reshape(-1).view(np.uint64), b.reshape(-1).view(np.uint64)
    assert np.array_equal(a, b)


# -------------------------------------------------------------------------------------------- range errors
def _errors(altitude: np.ndarray, **values: object) -> list[tuple[str, str]]:
    scenario = terawatt.load_scenario("baseline-2026", {"orbit.altitude_km": altitude, **values})
    with pytest.raises(ScenarioError) as info:
        terawatt.evaluate(scenario)["comparison.cost_ratio"]
    return [(e.path, e.message) for e in info.value.errors]


@pytest.mark.parametrize("case", [
    {"alt": [600.0, 350.0, 900.0]},  # below the debris flux table
    {"alt": [600.0, 1600.0]},  # above the debris flux and the dose tables
    {"alt": [600.0, 700.0], "propulsion.deorbit_spiral_altitude_km": 650.0},  # a deorbit target not below it
    {"alt": [600.0, 700.0], "propulsion.type": "chemical", "propulsion.deorbit_perigee_km": 650.0},
    {"alt": [600.0, 1600.0], "propulsion.type": "electric", "propulsion.deorbit_spiral_altitude_km": 650.0},
])
def test_out_of_range_altitudes_report_the_same_fields_as_each_sample_alone(case):
    values = {k: v for k, v in case.items() if k != "alt"}
    alt = np.array(case["alt"])
    errors = _errors(alt, **values)
    fields = {f for f, _ in errors}
    alone = set()
    for a in alt:
        try:
            terawatt.evaluate(terawatt.load_scenario("baseline-2026", {"orbit.altitude_km": float(a), **values}))
        except ScenarioError as e:
            alone |= {x.path for x in e.errors}
    assert fields == alone and fields
    # and the messages of the table checks, each naming its field
    v = terawatt.load_scenario("baseline-2026", {"orbit.altitude_km": alt, **values}).values
    plain = [(e.path, e.message) for e in environment.table_range_errors(v, alt)]
    assert [m for m in errors if m in plain] == plain


@pytest.mark.parametrize("values", [[500.0, 900.0, 1200.0], [500.0, np.nan, 900.0], [350.0, 700.0, 1600.0],
                                    [np.nan, np.nan], [400.0, 1500.0]])
def test_table_range_error_from_shared_extremes_equals_its_own_reductions(values):
    alt = np.array(values)
    for lo, hi in ((400.0, 1500.0), (200.0, 1400.0)):
        own = environment._range_error(alt, lo, hi, "debris.enabled", "debris flux table")
        shared = environment._range_error(alt, lo, hi, "debris.enabled", "debris flux table", (alt.min(), alt.max()))
        assert (own is None) == (shared is None)
        assert own is None or (own.path, own.message) == (shared.path, shared.message)


# ------------------------------------------------------------------------------------------------ eclipses
@pytest.mark.parametrize("inclination", [np.nan, 53.0, 97.9, 120.0])
@pytest.mark.parametrize("ltan", [18.0, 10.5])
@pytest.mark.parametrize("top", [1200.0, 1197.3])  # the largest altitude on the last node, or between nodes
def test_eclipse_table_with_a_fixed_inclination_and_ltan_equals_full_arrays(inclination, ltan, top):
    alt = _altitudes(hi=top)
    alt[1] = top
    fixed = orbit.eclipse_stats_fast(alt, np.float64(inclination), np.float64(ltan))
    full = orbit.eclipse_stats_fast(alt, np.full(alt.shape, inclination), np.full(alt.shape, ltan))
    deferred = orbit.eclipse_stats_fast(alt, np.float64(inclination), np.float64(ltan), days_on_read=True)
    for name in ("sunlit_fraction", "eclipse_days_per_yr", "max_eclipse_min"):
        _same(getattr(fixed, name), getattr(full, name))
        _same(resolve(getattr(deferred, name)), getattr(full, name))


def test_grid_axis_without_the_clamp_equals_the_clamped_index():
    for top in (1200.0, 1199.999, 1197.5):
        values = np.append(_altitudes(hi=top), top)
        lo, hi = float(values.min()), float(values.max())
        nodes, idx, weight = orbit._grid_axis(values, 5.0, lo, hi)
        i0 = int(np.floor(lo / 5.0))
        pos = values / 5.0 - i0
        ref = np.minimum(pos.astype(np.intp), len(nodes) - 2)
        _same(idx, ref)
        _same(weight, pos - ref)
        assert weight.min() >= 0.0 and weight.max() <= 1.0


@pytest.mark.parametrize("moving", [(True, False, False), (True, True, False), (True, True, True)])
def test_multilinear_started_from_the_first_corner_equals_the_sums_from_zero(moving):
    shape = (9, 7, 5)
    tables = tuple(RNG.uniform(0.0, 3.0, shape) for _ in range(3))
    tables[0][0, 0, 0] = 0.0
    n = 4000
    index, weight = [], []
    for axis, m in enumerate(moving):
        if m:
            index.append(RNG.integers(0, shape[axis] - 1, n))
            w = RNG.uniform(0.0, 1.0, n)
            w[:50], w[50:100] = 0.0, 1.0
            weight.append(w)
        else:
            index.append(2)
            weight.append(None)
    _same(orbit._multilinear(tables, index, weight, n, unsigned=True), orbit._multilinear(tables, index, weight, n))
    # the corner gathers at offsets are those of the full index per corner
    ref = np.zeros((3, n))
    axes = [k for k, m in enumerate(moving) if m]
    for corner in range(1 << len(axes)):
        idx, w = list(index), None
        for j, k in enumerate(axes):
            up = (corner >> j) & 1
            idx[k] = idx[k] + up
            f = weight[k] if up else 1.0 - weight[k]
            w = f if w is None else w * f
        for r, t in enumerate(tables):
            ref[r] += w * t[tuple(idx)]
    _same(orbit._multilinear(tables, index, weight, n), ref)


def test_stat_tables_have_no_sign_bit():
    alt_nodes = tuple(float(x) for x in np.arange(500.0, 1205.0, 5.0))
    assert orbit._stat_tables_unsigned("conical", alt_nodes, (18.0,), (-1.0,))


# -------------------------------------------------------------------------------------- density and debris
@pytest.mark.parametrize("activity", ["low", "mean", "high", "cycle"])
def test_density_by_cell_equals_the_interval_gathers(activity):
    alt = np.concatenate([_altitudes(lo=100.0, hi=2500.0), np.arange(100.0, 2501.0, 5.0), [999.999, 1000.001]])
    table = atmosphere.density_table()
    h = table["altitude_km"]
    code = int(atmosphere._activity_codes(activity))
    column, steps, widths = atmosphere._density_columns(code)
    i = atmosphere._interval_index(alt)
    ref = alt - h.take(i)
    ref /= widths.take(i)
    ref *= steps.take(i)
    ref += column.take(i)
    _same(atmosphere.density_kg_per_m3(alt, activity), np.exp(ref))
    # and the scalar path
    for a in alt[:50]:
        assert atmosphere.density_kg_per_m3(float(a), activity) == np.exp(ref[list(alt).index(a)])


@pytest.mark.parametrize("nodes", [
    debris._ALT_KM, np.array([400.0, 1500.0]), np.array([0.0, 1.0, 2.5, 4.0, 7.0]),
])
def test_interp_on_a_short_table_equals_np_interp(nodes):
    fps = [RNG.normal(size=nodes.size), RNG.normal(size=nodes.size)]
    x = RNG.uniform(nodes[0], nodes[-1], 5000)
    x[: nodes.size - 1] = nodes[:-1]  # on every node but the last
    for _ in range(2):  # the table's checks and slopes kept from the first call
        for got, fp in zip(interp(x, nodes, *fps), fps, strict=True):
            _same(got, np.interp(x, nodes, fp))
    x[5] = nodes[-1]  # the last node: np.interp itself
    _same(interp(x, nodes, fps[0])[0], np.interp(x, nodes, fps[0]))


@pytest.mark.parametrize("size", [10.0, 1.0, 3.7])
def test_debris_fluxes_equal_the_log_linear_expression(size):
    alt = _altitudes(lo=400.0, hi=1499.0)
    ln1 = np.interp(alt, debris._ALT_KM, debris._LN_FLUX_1CM)
    ln10 = np.interp(alt, debris._ALT_KM, debris._LN_FLUX_10CM)
    ref = np.exp(ln1 + (ln10 - ln1) * np.log10(size))
    (flux,) = debris.object_fluxes_per_m2_yr(alt, size)
    _same(flux, ref)
    sizes = np.full(alt.shape, size)  # a size per sample: the plain expression
    _same(debris.object_fluxes_per_m2_yr(alt, sizes)[0], ref)
    assert debris.object_flux_per_m2_yr(float(alt[3]), size) == ref[3]


# ------------------------------------------------------------------------------------------------- the model
@pytest.mark.parametrize("top", [1200.0, 2600.0])  # every orbit below the drag ceiling, or one above it
def test_orbit_environment_below_the_drag_ceiling_equals_the_clipped_altitudes(top):
    alt = _altitudes(n=64, lo=500.0, hi=1200.0)
    alt[5] = top
    overrides = {"orbit.altitude_km": alt, "debris.enabled": False, "radiation.enabled": False}
    result = terawatt.evaluate(terawatt.load_scenario("baseline-2026", overrides))
    for k in (0, 5, 11):
        one = terawatt.evaluate(terawatt.load_scenario("baseline-2026", {**overrides, "orbit.altitude_km": alt[k]}))
        for key in ("orbital.density_kg_per_m3", "orbital.drag_dv_m_per_s_per_yr", "orbital.natural_decay_yr"):
            assert np.asarray(result[key])[k] == float(one[key])
