"""Radiator physics: net flux against the DESIGN.md baseline equation, area, chip-to-radiator chain."""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.constants import STEFAN_BOLTZMANN_W_PER_M2_K4 as SIGMA
from terawatt.physics import thermal

S = 1361.0


def emitted(temp_k, emissivity, sides=2, sink_k=0.0):
    return sides * emissivity * SIGMA * (temp_k**4 - sink_k**4)


# ------------------------------------------------------------------------------------------------- net flux
def test_constant_is_codata_2018():
    assert SIGMA == pytest.approx(5.670374419e-8, rel=1e-12)


def test_black_body_one_side_300k():
    # sigma * 300^4 = 459.30 W/m2 (a closed form everybody knows: ~460 W/m2 at room temperature)
    q = thermal.radiator_net_flux_w_per_m2(300.0, 1.0, sides=1)
    assert q == pytest.approx(459.30, abs=0.01)


def test_two_sides_doubles_and_emissivity_scales():
    one = thermal.radiator_net_flux_w_per_m2(320.0, 0.9, sides=1)
    two = thermal.radiator_net_flux_w_per_m2(320.0, 0.9, sides=2)
    assert two == pytest.approx(2.0 * one, rel=1e-14)
    assert two == pytest.approx(emitted(320.0, 0.9), rel=1e-14)
    half = thermal.radiator_net_flux_w_per_m2(320.0, 0.45, sides=2)
    assert half == pytest.approx(0.5 * two, rel=1e-14)


def test_default_environment_is_zero():
    # every environment knob defaults to zero: pure emission to a 0 K sink
    assert thermal.radiator_net_flux_w_per_m2(350.0, 0.85) == pytest.approx(emitted(350.0, 0.85), rel=1e-14)


def test_solar_incidence_subtracts_alpha_s_S_f():
    base = thermal.radiator_net_flux_w_per_m2(330.0, 0.9, absorptivity_solar=0.2)
    lit = thermal.radiator_net_flux_w_per_m2(330.0, 0.9, absorptivity_solar=0.2, solar_incidence_factor=0.1)
    assert base - lit == pytest.approx(0.2 * S * 0.1, abs=1e-9)  # 27.22 W/m2
    # the solar constant knob enters the same term
    lit2 = thermal.radiator_net_flux_w_per_m2(
        330.0, 0.9, absorptivity_solar=0.2, solar_incidence_factor=0.1, solar_constant_w_per_m2=1000.0
    )
    assert base - lit2 == pytest.approx(0.2 * 1000.0 * 0.1, abs=1e-9)


def test_solar_incidence_without_absorptivity_has_no_effect():
    a = thermal.radiator_net_flux_w_per_m2(330.0, 0.9, absorptivity_solar=0.0, solar_incidence_factor=1.0)
    assert a == pytest.approx(emitted(330.0, 0.9), rel=1e-14)


def test_earth_albedo_term():
    base = thermal.radiator_net_flux_w_per_m2(330.0, 0.9, absorptivity_solar=0.15)
    q = thermal.radiator_net_flux_w_per_m2(
        330.0, 0.9, absorptivity_solar=0.15, view_factor_earth=0.48, albedo=0.3
    )
    assert base - q == pytest.approx(0.48 * 0.15 * 0.3 * S, abs=1e-9)  # 29.40 W/m2


def test_earth_ir_term_uses_absorptivity_ir():
    base = thermal.radiator_net_flux_w_per_m2(330.0, 0.9)
    q = thermal.radiator_net_flux_w_per_m2(
        330.0, 0.9, absorptivity_ir=0.5, view_factor_earth=0.48, earth_ir_w_per_m2=237.0
    )
    assert base - q == pytest.approx(0.48 * 0.5 * 237.0, abs=1e-9)


def test_absorptivity_ir_none_is_kirchhoff():
    kw = dict(view_factor_earth=0.3, earth_ir_w_per_m2=237.0, albedo=0.3, absorptivity_solar=0.1)
    implicit = thermal.radiator_net_flux_w_per_m2(310.0, 0.87, **kw)
    explicit = thermal.radiator_net_flux_w_per_m2(310.0, 0.87, absorptivity_ir=0.87, **kw)
    assert implicit == pytest.approx(explicit, rel=1e-15)
    base = thermal.radiator_net_flux_w_per_m2(310.0, 0.87)
    assert base - implicit == pytest.approx(0.3 * (0.1 * 0.3 * S + 0.87 * 237.0), abs=1e-9)


def test_view_factor_zero_removes_earth_loads():
    q = thermal.radiator_net_flux_w_per_m2(310.0, 0.9, 0.2, 0.9, albedo=0.3, earth_ir_w_per_m2=237.0)
    assert q == pytest.approx(emitted(310.0, 0.9), rel=1e-14)


def test_sink_temperature():
    q = thermal.radiator_net_flux_w_per_m2(300.0, 0.9, sink_temp_k=200.0)
    assert q == pytest.approx(2 * 0.9 * SIGMA * (300.0**4 - 200.0**4), rel=1e-14)
    # radiator at the sink temperature rejects nothing
    assert thermal.radiator_net_flux_w_per_m2(250.0, 0.9, sink_temp_k=250.0) == pytest.approx(0.0, abs=1e-12)
    # CMB 3 K is negligible at 320 K: (3/320)^4 ~ 8e-9 relative
    cold = thermal.radiator_net_flux_w_per_m2(320.0, 0.9, sink_temp_k=3.0)
    assert cold == pytest.approx(emitted(320.0, 0.9), rel=1e-7)


def test_full_design_equation_default_environment():
    # DESIGN.md baseline with the registry defaults (B200 chain -> 320.15 K)
    t, eps, a_s, n, f_inc, f_e, alb, e_ir, t_sink = 320.15, 0.9, 0.15, 2, 0.0, 0.48, 0.3, 237.0, 3.0
    expected = n * eps * SIGMA * (t**4 - t_sink**4) - a_s * S * f_inc - f_e * (a_s * alb * S + eps * e_ir)
    q = thermal.radiator_net_flux_w_per_m2(t, eps, a_s, None, n, f_inc, f_e, alb, e_ir, t_sink, S)
    assert q == pytest.approx(expected, rel=1e-13)
    assert q == pytest.approx(940.47, abs=0.01)


def test_net_flux_broadcasts():
    temps = np.linspace(250.0, 400.0, 7)
    eps = np.array([[0.8], [0.9]])
    q = thermal.radiator_net_flux_w_per_m2(temps, eps, 0.15, None, 2, 0.0, 0.48, 0.3, 237.0, 3.0)
    assert q.shape == (2, 7)
    for i, e in enumerate(eps[:, 0]):
        for j, t in enumerate(temps):
            scalar = thermal.radiator_net_flux_w_per_m2(t, e, 0.15, None, 2, 0.0, 0.48, 0.3, 237.0, 3.0)
            assert q[i, j] == pytest.approx(float(scalar), rel=1e-14)
    assert np.all(np.diff(q, axis=1) > 0)  # hotter radiates more


def test_net_flux_scalar_returns_0d():
    q = thermal.radiator_net_flux_w_per_m2(300.0, 0.9)
    assert np.ndim(q) == 0


# ----------------------------------------------------------------------------------------------------- area
def test_area_closed_form():
    assert thermal.radiator_area_m2(1.0e5, 500.0) == pytest.approx(200.0)
    assert thermal.radiator_area_m2(1.0e5, 500.0, 0.8) == pytest.approx(250.0)


def test_area_nan_where_flux_not_positive():
    area = thermal.radiator_area_m2(1.0e5, np.array([-10.0, 0.0, 1e-300, 400.0]))
    assert np.isnan(area[0]) and np.isnan(area[1])
    assert np.isfinite(area[2]) and area[2] > 0
    assert area[3] == pytest.approx(250.0)


def test_area_no_warnings_on_nan(recwarn):
    thermal.radiator_area_m2(np.ones(3), np.zeros(3))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_area_broadcasts():
    heat = np.array([1e4, 1e5, 1e6])[:, None]
    flux = np.array([200.0, 400.0])[None, :]
    area = thermal.radiator_area_m2(heat, flux, 0.9)
    assert area.shape == (3, 2)
    np.testing.assert_allclose(area, heat / (0.9 * flux), rtol=1e-15)


def test_area_from_flux_chain_infeasible_when_too_cold():
    # a 150 K panel in the default environment absorbs more than it emits
    q = thermal.radiator_net_flux_w_per_m2(150.0, 0.9, 0.15, None, 2, 0.0, 0.48, 0.3, 237.0, 3.0)
    assert q < 0
    assert np.isnan(thermal.radiator_area_m2(1e5, q))


# ------------------------------------------------------------------------------------------- chip chain
def test_chip_chain_arithmetic():
    # B200: min(360.15, 368.15) - 0.03 K/W * 1000 W - 10 K = 320.15 K
    t = thermal.radiator_temp_from_chip_k(360.15, 368.15, 0.03, 1000.0, 10.0)
    assert t == pytest.approx(320.15, abs=1e-12)


def test_chip_chain_hbm_limit_binds():
    t = thermal.radiator_temp_from_chip_k(373.15, 358.15, 0.02, 700.0, 5.0)
    assert t == pytest.approx(358.15 - 14.0 - 5.0, abs=1e-12)


def test_chip_chain_broadcasts():
    delta = np.array([0.0, 10.0, 20.0])
    t = thermal.radiator_temp_from_chip_k(360.15, 368.15, 0.03, 1000.0, delta)
    assert t.shape == (3,)
    np.testing.assert_allclose(t, 330.15 - delta, atol=1e-12)
    tdp = np.array([[500.0], [1000.0]])
    t2 = thermal.radiator_temp_from_chip_k(360.15, 368.15, 0.03, tdp, delta)
    assert t2.shape == (2, 3)
    np.testing.assert_allclose(t2[0], 360.15 - 15.0 - delta, atol=1e-12)
