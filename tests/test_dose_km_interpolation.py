"""The dose table's look-up in altitude (``dose.dose_rate_rad_per_yr``): the orbits of the two whole km around an
altitude, trilinear in the table, then linear in altitude between them.

Checked against the trilinear interpolation at the orbit itself (written out here, in float64):
- with a given inclination it is that interpolation (the altitude nodes are whole km), to rounding;
- a sun-synchronous orbit's inclination moves with its altitude, and the difference in the log dose stays below
  the 1e-5 the docstring states (over 200-2,000 km, every solar phase, shielding on and between nodes), while
  the orbits at whole km are the trilinear values themselves;
- the look-up is continuous across whole km.
"""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.physics.orbit import sso_inclination_deg
from terawatt.physics.radiation import dose

RNG = np.random.default_rng(42)
FIELDS = ("trapped_proton_rad_per_yr", "trapped_electron_rad_per_yr", "gcr_rad_per_yr")
#: The docstring's bound on the difference in log dose of a sun-synchronous orbit between whole km.
SSO_BOUND = 1e-5


def _trilinear_at_orbit(alt: np.ndarray, inc: float, shield: float, solar: str) -> np.ndarray:
    """log(dose + floor) of the trapped protons, electrons and cosmic rays, (3, n): the trilinear interpolation
    at each orbit's own altitude and (folded, or sun-synchronous at that altitude) inclination."""
    table = dose.dose_table()
    floor = float(dose._table()["floor"])
    by = table["dose"].astype(float)
    by = {"min": by[:, 0], "max": by[:, 1], "mean": by.mean(axis=1)}[solar]  # (component, alt, inc, shielding)
    logs = np.log(by + floor)
    alt_n, inc_n, x_n = table["altitude_km"], table["inclination_deg"], np.log(table["shielding_mm"] + 0.1)
    inc_f = (180.0 - sso_inclination_deg(alt)) if np.isnan(inc) else np.full(alt.shape, min(inc, 180.0 - inc))
    out = np.zeros((4, alt.size))
    f = [np.interp(alt, alt_n, np.arange(alt_n.size, dtype=float)), (inc_f - inc_n[0]) / (inc_n[1] - inc_n[0]),
         np.full(alt.shape, np.interp(np.log(shield + 0.1), x_n, np.arange(x_n.size, dtype=float)))]
    i = [np.minimum(fk.astype(np.intp), n - 2) for fk, n in zip(f, (alt_n.size, inc_n.size, x_n.size), strict=True)]
    w = [fk - ik for fk, ik in zip(f, i, strict=True)]
    for corner in range(8):
        bits = [(corner >> j) & 1 for j in range(3)]
        weight = np.prod([wk if b else 1.0 - wk for wk, b in zip(w, bits, strict=True)], axis=0)
        out += logs[:, i[0] + bits[0], i[1] + bits[1], i[2] + bits[2]] * weight
    return out[[0, 1, 3]]


def _logs(d: dose.DoseBreakdown) -> np.ndarray:
    floor = float(dose._table()["floor"])
    return np.log(np.stack([np.asarray(getattr(d, f)) for f in FIELDS]) + floor)


@pytest.mark.parametrize("solar", ["mean", "min", "max"])
@pytest.mark.parametrize("shield", [10.0, 3.7, 0.0])
def test_given_inclination_is_the_trilinear_interpolation(solar: str, shield: float) -> None:
    alt = np.concatenate([RNG.uniform(200.0, 2000.0, 20000), [200.0, 2000.0, 650.0, 1999.5]])
    for inc in (0.0, 33.3, 53.0, 140.0):
        got = _logs(dose.dose_rate_rad_per_yr(alt, inc, shield, solar))
        np.testing.assert_allclose(got, _trilinear_at_orbit(alt, inc, shield, solar), rtol=0.0, atol=1e-12)


@pytest.mark.parametrize("solar", ["mean", "min", "max"])
@pytest.mark.parametrize("shield", [10.0, 3.7, 0.0])
def test_sun_synchronous_within_the_stated_bound(solar: str, shield: float) -> None:
    alt = RNG.uniform(200.0, 2000.0, 50000)
    diff = np.abs(_logs(dose.dose_rate_rad_per_yr(alt, np.nan, shield, solar))
                  - _trilinear_at_orbit(alt, np.nan, shield, solar))
    assert diff.max() < SSO_BOUND
    # at whole km the orbit of that km is interpolated itself
    whole = np.arange(200.0, 2001.0, 7.0)
    np.testing.assert_allclose(_logs(dose.dose_rate_rad_per_yr(whole, np.nan, shield, solar)),
                               _trilinear_at_orbit(whole, np.nan, shield, solar), rtol=0.0, atol=1e-12)


@pytest.mark.parametrize("inc", [np.nan, 53.0])
def test_continuous_across_whole_km(inc: float) -> None:
    km = np.arange(201.0, 2000.0, 13.0)
    below = dose.dose_rate_rad_per_yr(km - 1e-9, inc, 7.3).total_rad_per_yr
    at = dose.dose_rate_rad_per_yr(km, inc, 7.3).total_rad_per_yr
    np.testing.assert_allclose(below, at, rtol=1e-9)
