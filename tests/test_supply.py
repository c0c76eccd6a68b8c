"""Supply chains as built capacity (``terawatt.supply`` and its use in ``terawatt.studies.buildout``).

Closed forms of the physics-like pieces (dies per wafer, yield, ramps, HBM per wafer, EUV tools per wafer start),
the decision rule on synthetic needs (starts sized to the need at full output, the lag, the investment cap, the
EUV pro-rata share), the Terafab bounded by the EUV tool supply, the cell programme's output by 2028, samples
equal to scalar runs, and the shipped scenarios' bottleneck timelines naming the supply links.
"""

from __future__ import annotations

import numpy as np
import pytest

from terawatt.params.spec import defaults, load_registry
from terawatt.scenario import load_scenario
from terawatt.studies.buildout import FIELDS, buildout
from terawatt.supply import CAUSES, CHIP_LINKS, SupplyNeeds, simulate_supply
from terawatt.supply.chain import HORIZON_YEARS
from terawatt.supply.fabs import die_yield, good_dies_per_wafer, gross_dies_per_wafer, maturity, volume_ramp
from terawatt.supply.lithography import exposures_per_tool_yr, tools_delivered_per_yr, tools_for_wafer_starts
from terawatt.supply.memory import ddr_gb_per_wafer, hbm_gb_per_wafer, stacks_from_gb

YEARS = np.arange(2026, 2041)
#: HBM per accelerator of the synthetic runs (a GB300: 288 GB on 8 stacks).
HBM_GB = 288.0


def supply_params(**over: float) -> dict[str, np.ndarray]:
    """Registry defaults of every numeric ``supply.*`` parameter as per-year arrays, with overrides."""
    values = {k: v for k, v in defaults().items() if k.startswith("supply.") and isinstance(v, (int, float))}
    values.update(over)
    return {k: np.full(len(YEARS), float(v)) for k, v in values.items()}


def needs(accelerators: np.ndarray | float, cells: np.ndarray | float = 0.0) -> SupplyNeeds:
    total = len(YEARS) + HORIZON_YEARS
    return SupplyNeeds(np.broadcast_to(accelerators, total) * 1.0, np.broadcast_to(cells, total) * 1.0, HBM_GB)


#: Nothing exists or is being built, caps and tools lifted: the decision rule alone.
BLANK = {
    "supply.wafers_per_yr_advanced": 0.0,
    "supply.logic_wafers_building_per_yr": 0.0,
    "supply.hbm_wafers_per_yr": 0.0,
    "supply.hbm_wafers_building_per_yr": 0.0,
    "supply.cowos_wafers_per_yr": 0.0,
    "supply.cowos_wafers_building_per_yr": 0.0,
    "supply.terafab_wafer_starts_per_month": 0.0,
    "supply.solar_target_gw_per_yr": 0.0,
    "supply.logic_capex_cap_usd_per_yr": 1e18,
    "supply.dram_capex_cap_usd_per_yr": 1e18,
    "supply.packaging_capex_cap_usd_per_yr": 1e18,
    "supply.euv_low_na_per_yr_2026": 1e9,
    "supply.euv_low_na_capacity_per_yr": 1e9,
    "supply.fab_construction_yr": 3.0,
    "supply.fab_ramp_yr": 2.0,
    "supply.fab_decision_lag_yr": 0.0,
    "supply.fab_first_yield_fraction": 1.0,
}


def acc_per_logic_wafer(p: dict[str, np.ndarray]) -> float:
    area, d0 = p["supply.logic_die_area_mm2"][0], p["supply.logic_defect_density_per_cm2"][0]
    return float(good_dies_per_wafer(area, d0) / p["supply.dies_per_accelerator"][0])


# ---------------------------------------------------------------------------------------------- closed forms
def test_gross_dies_h100_closed_form():
    """814 mm2 (H100) on 300 mm: pi 150^2/814 - pi 300/sqrt(1628) = 86.84 - 23.36 = 63.5 (SemiAnalysis ~60-65)."""
    assert gross_dies_per_wafer(814.0) == pytest.approx(np.pi * 150**2 / 814 - np.pi * 300 / np.sqrt(1628), rel=1e-12)
    assert 63.0 < gross_dies_per_wafer(814.0) < 64.0
    np.testing.assert_allclose(gross_dies_per_wafer(np.array([100.0, 814.0])), [640.3, 63.5], atol=0.1)


def test_yield_and_good_dies():
    assert die_yield(100.0, 1.0) == pytest.approx(np.exp(-1.0), rel=1e-12)  # 1 cm2 at 1 defect/cm2
    assert die_yield(800.0, 0.0) == 1.0
    good = good_dies_per_wafer(800.0, 0.07)  # the registry defaults: ~37 good of ~65
    assert good == pytest.approx(gross_dies_per_wafer(800.0) * np.exp(-0.56), rel=1e-12)
    assert 36.0 < good < 38.0


def test_ramps():
    ages = np.arange(7.0)
    np.testing.assert_allclose(volume_ramp(ages, 3.0, 2.0), [0, 0, 0, 0.5, 1, 1, 1])
    np.testing.assert_allclose(maturity(ages, 3.0, 2.0, 0.6), [0, 0, 0, 0.5 * (0.6 + 0.4 * 0.5), 1, 1, 1])
    assert maturity(3.0, 3.0, 2.0, 1.0) == volume_ramp(3.0, 3.0, 2.0) == 0.5


def test_hbm_per_wafer_closed_form():
    """Defaults: 70,686 mm2 x 0.85 x 0.4 Gb/mm2 x 0.9 / 8 = 2,704 GB of DDR, / 3 = 901 GB of HBM = 25 stacks of 36."""
    ddr = ddr_gb_per_wafer(0.4, 0.85, 0.9)
    assert ddr == pytest.approx(np.pi * 150**2 * 0.85 * 0.4 * 0.9 / 8, rel=1e-12)
    hbm = hbm_gb_per_wafer(ddr, 3.0)
    assert hbm == pytest.approx(901.3, abs=0.1)
    assert stacks_from_gb(hbm, 36.0) == pytest.approx(25.04, abs=0.01)


def test_euv_tools_closed_form():
    """100k wpm of a 25-layer node at 220 wph x 8,760 h x 0.35 = 674,520 exposures per tool-year: 44.5 tools."""
    per_tool = exposures_per_tool_yr(220.0, 0.35)
    assert per_tool == pytest.approx(220 * 8760 * 0.35, rel=1e-12)
    assert tools_for_wafer_starts(1e5, 25.0, per_tool) == pytest.approx(12 * 1e5 * 25 / 674520, rel=1e-12)
    np.testing.assert_allclose(tools_delivered_per_yr(np.arange(4.0), 60.0, 90.0, 0.25), [60, 75, 90, 90])


# ------------------------------------------------------------------------------------------- decision rule
def test_starts_sized_to_the_need_at_full_output():
    """Constant need, nothing built, lag 0, build 3 + ramp 2: all capacity is started in the first year and runs the
    need from the year it is fully ramped (age 4)."""
    p = supply_params(**BLANK)
    need = 2.0e7  # accelerators a year
    out = simulate_supply(p, YEARS, needs(need))
    wpm = need / (12 * acc_per_logic_wafer(p))
    np.testing.assert_allclose(out["logic_wafer_starts_per_month"][:6], wpm * np.array([0, 0, 0, 0.5, 1, 1]))
    np.testing.assert_allclose(out["logic_accelerator_equiv"][4:], need, rtol=1e-12)
    dram_wpm = need * HBM_GB / (12 * 901.3)
    np.testing.assert_allclose(out["dram_wafer_starts_per_month"][4:], dram_wpm, rtol=1e-3)
    np.testing.assert_allclose(out["hbm_accelerator_equiv"][4:], need, rtol=1e-12)
    capex = (
        wpm * p["supply.logic_capex_usd_per_wpm"][0]
        + out["dram_wafer_starts_per_month"][4] * (p["supply.dram_capex_usd_per_wpm"][0])
    )
    packaging = need / (12 * p["supply.packages_per_cowos_wafer"][0]) * p["supply.packaging_capex_usd_per_wpm"][0]
    assert out["supply_capex_usd"][0] == pytest.approx(capex + packaging, rel=1e-9)
    assert np.all(out["supply_capex_usd"][1:] == 0)  # nothing more to build


def test_decision_lag_delays_the_starts():
    """A need that steps up in 2031 (index 5): with lag 0 the market starts in 2027 and runs at full output from 2031
    (age 4 = build 3 + ramp 2 - 1); with a lag of one year it plans a year short, starts in 2028 and is a year late."""
    step = np.where(np.arange(len(YEARS) + HORIZON_YEARS) >= 5, 2.0e7, 0.0)
    on_time = simulate_supply(supply_params(**BLANK), YEARS, needs(step))
    late = simulate_supply(supply_params(**{**BLANK, "supply.fab_decision_lag_yr": 1.0}), YEARS, needs(step))
    wpm = 2.0e7 / (12 * acc_per_logic_wafer(supply_params(**BLANK)))
    ramp = np.array([0, 0, 0, 0.5, 1, 1, 1])
    np.testing.assert_allclose(on_time["logic_wafer_starts_per_month"][:7], wpm * np.r_[0, ramp[:-1]])  # 2027
    np.testing.assert_allclose(late["logic_wafer_starts_per_month"][:7], wpm * np.r_[0, 0, ramp[:-2]])  # 2028
    assert on_time["logic_accelerator_equiv"][5] == pytest.approx(2.0e7)
    assert late["logic_accelerator_equiv"][5] == pytest.approx(1.0e7)  # half-way up its ramp
    assert late["logic_accelerator_equiv"][6] == pytest.approx(2.0e7)


def test_investment_cap_limits_starts():
    """A logic cap of $5B/yr at $0.5M per wpm: at most 10k wpm started a year; the cause reads 'capital'."""
    p = supply_params(**{**BLANK, "supply.logic_capex_cap_usd_per_yr": 5e9, "supply.capex_cap_growth_per_yr": 0.0})
    out = simulate_supply(p, YEARS, needs(2.0e8))
    running = out["logic_wafer_starts_per_month"]
    assert np.all(np.diff(running) <= 1e4 + 1e-6)
    # by the last year cohorts 0..Y-5 are fully ramped and cohort Y-4 half-way: 10k wpm x (Y - 4 + 0.5)
    assert running[-1] == pytest.approx(1e4 * (len(YEARS) - 3.5), rel=1e-9)
    assert CAUSES[int(out["logic_cause"][8])] == "capital"


def test_euv_tools_are_shared_pro_rata():
    """Tools for 30% of what logic and DRAM ask: both scaled by the same factor; the cause reads 'EUV tools'."""
    base = {**BLANK, "supply.euv_share_other_uses": 0.0, "supply.euv_high_na_per_yr_2026": 0.0}
    free = simulate_supply(supply_params(**base), YEARS, needs(2.0e7))
    asked = free["euv_tools_ai"][0]
    tight = {**base, "supply.euv_low_na_per_yr_2026": 0.3 * asked, "supply.euv_low_na_capacity_per_yr": 0.3 * asked}
    out = simulate_supply(supply_params(**tight), YEARS, needs(2.0e7))
    assert out["euv_tools_ai"][0] == pytest.approx(0.3 * asked, rel=1e-9)
    for key in ("logic_wafer_starts_per_month", "dram_wafer_starts_per_month"):  # 2029: the 2026 cohort alone
        assert out[key][3] == pytest.approx(0.3 * free[key][3], rel=1e-9), key
    assert CAUSES[int(out["logic_cause"][5])] == CAUSES[int(out["hbm_cause"][5])] == "EUV tools"
    np.testing.assert_allclose(out["packaging_wafers_per_month"], free["packaging_wafers_per_month"])  # no EUV


def test_terafab_cannot_exceed_the_euv_tool_supply():
    """A Terafab of 10 million wafer starts a month with unlimited capital, in musk-terawatt: each year it gets at
    most the AI share of ASML's deliveries, and its wafer starts never exceed what those tools can expose."""
    over = {"supply.terafab_wafer_starts_per_month": 1e7, "supply.terafab_capex_cap_usd_per_yr": 1e15}
    b = buildout(load_scenario("musk-terawatt", over), 2026, 2040)
    reg = {k: s.default for k, s in load_registry().items()}
    t = b.years - 2026.0
    growth = reg["supply.euv_growth_per_yr"]
    low = tools_delivered_per_yr(
        t, reg["supply.euv_low_na_per_yr_2026"], reg["supply.euv_low_na_capacity_per_yr"], growth
    )
    high = tools_delivered_per_yr(
        t, reg["supply.euv_high_na_per_yr_2026"], reg["supply.euv_high_na_capacity_per_yr"], growth
    )
    productivity = reg["supply.euv_productivity"]
    exposures = low * exposures_per_tool_yr(reg["supply.euv_low_na_wafers_per_hour"], productivity) + high * (
        exposures_per_tool_yr(reg["supply.euv_high_na_wafers_per_hour"], productivity)
    )
    ai_share = 1.0 - reg["supply.euv_share_other_uses"]
    d = b.data
    assert np.all(d["euv_tools_terafab"] <= ai_share * (low + high) * (1 + 1e-9))
    assert np.all(d["euv_tools_delivered"] <= (low + high) * (1 + 1e-9))
    share = reg["supply.terafab_dram_share"]
    layers = (1 - share) * reg["supply.logic_euv_layers"] + share * reg["supply.dram_euv_layers"]
    most_wpm = np.cumsum(ai_share * exposures) / (12.0 * layers)  # every AI tool ever delivered, for the Terafab
    assert np.all(d["terafab_wafer_starts_per_month"] <= most_wpm * (1 + 1e-9))
    assert d["terafab_wafer_starts_per_month"][-1] < 0.25 * 1e7  # far short of the programme: tools bind it
    # it takes tools from the market: the market's share of the AI tools falls against a run without a Terafab
    without = buildout(load_scenario("musk-terawatt", {"supply.terafab_wafer_starts_per_month": 0.0}), 2026, 2040)
    market = d["euv_tools_ai"] - d["euv_tools_terafab"]
    assert market.sum() < without.data["euv_tools_ai"].sum()


def test_terafab_chips_closed_form():
    """Terafab chips a year = logic wafers running x 12 x good dies of its die area (registry 150 mm2)."""
    b = buildout(load_scenario("musk-terawatt"), 2026, 2050)
    d = b.data
    reg = {k: s.default for k, s in load_registry().items()}
    good = good_dies_per_wafer(reg["supply.terafab_die_area_mm2"], reg["supply.logic_defect_density_per_cm2"])
    logic = d["terafab_wafer_starts_per_month"] * (1 - reg["supply.terafab_dram_share"])
    assert np.all(d["terafab_chips_per_yr"] <= 12 * logic * good * (1 + 1e-9))  # yield ramp: at most
    late = d["terafab_wafer_starts_per_month"] > 0
    assert d["terafab_chips_per_yr"][-1] == pytest.approx(12 * logic[-1] * good, rel=1e-9)  # all cohorts mature
    assert late.any() and d["terafab_chips_per_yr"].max() < 1e11  # the claim's 100-200 billion is not reached


# ---------------------------------------------------------------------------------------------- cell lines
def test_cell_programme_by_2028_closed_form():
    """musk-terawatt: 100 GW/yr of space-grade lines from 2026 at $1B per GW/yr within $10B/yr: 10 GW/yr started a
    year, first output after 2.5 yr, 1-yr ramp. 2028: the 2026 cohort at age 2 runs (2 + 1 - 2.5)/1 = half: 5 GW/yr.
    Terrestrial-grade lines ($0.3B per GW/yr, 1.5 yr): 33.3 GW/yr a year; 2028 = 33.3 + 16.7 = 50 GW/yr."""
    space = buildout(load_scenario("musk-terawatt"), 2026, 2030)
    row = space.rows()[2]
    assert row["year"] == 2028
    assert row["cell_programme_gw_per_yr"] == pytest.approx(5.0, rel=1e-9)
    terrestrial = buildout(
        load_scenario("musk-terawatt", {"supply.cell_programme_space_grade_fraction": 0.0}), 2026, 2030
    )
    assert terrestrial.rows()[2]["cell_programme_gw_per_yr"] == pytest.approx(50.0, rel=1e-9)
    assert terrestrial.data["cell_programme_gw_per_yr"][-1] == pytest.approx(100.0, rel=1e-9)  # the full programme
    none = buildout(load_scenario("constrained"), 2026, 2030)
    assert np.all(none.data["cell_programme_gw_per_yr"] == 0)


# ----------------------------------------------------------------------------------------- samples and shapes
SAMPLED = {
    "supply.fab_construction_yr": np.array([2.0, 3.0, 4.0]),  # per-sample ramps: the looped convolution
    "supply.euv_productivity": np.array([0.2, 0.35, 0.5]),
    "supply.terafab_dram_share": np.array([0.0, 0.5, 0.85]),
    "supply.dram_capex_cap_usd_per_yr": np.array([1e10, 2.5e10, 5e10]),
}


def test_sampled_supply_equals_scalar_runs():
    b = buildout(load_scenario("musk-terawatt", SAMPLED), 2026, 2045)
    assert b.sampled
    for i in range(3):
        scalar = buildout(load_scenario("musk-terawatt", {k: v[i].item() for k, v in SAMPLED.items()}), 2026, 2045)
        for name in FIELDS[1:]:
            np.testing.assert_allclose(b.data[name][i], scalar.data[name], rtol=1e-9, atol=1e-9, err_msg=name)


def test_supply_fields_in_rows_and_frames():
    b = buildout(load_scenario("musk-terawatt"), 2026, 2030)
    row = b.rows()[0]
    assert row["chip_link"] in CHIP_LINKS and row["chip_cause"] in CAUSES and row["cells_cause"] in CAUSES
    for key in ("euv_tools_delivered", "fabs_under_construction", "supply_capex_usd", "logic_wafer_starts_per_month"):
        assert isinstance(row[key], float) and row[key] >= 0, key
    frame = b.to_frame()
    assert set(frame["chip_link"]) <= set(CHIP_LINKS)
    assert np.all(np.diff(b.data["euv_tools_installed"]) >= 0)  # installed base only grows


# ---------------------------------------------------------------------------------------- shipped scenarios
def test_musk_terawatt_and_constrained_differ_for_named_supply_reasons():
    """The stated plan (GB300, Terafab, cell programme) ends memory-bound; published supply (TPU v6e, no Terafab,
    no programme) is bound by logic dies for lack of EUV tools. Both reasons are in the bottleneck timelines."""
    musk = buildout(load_scenario("musk-terawatt"), 2026, 2050)
    constrained = buildout(load_scenario("constrained"), 2026, 2050)
    assert any("HBM binds" in line for line in musk.bottlenecks())
    assert any("logic dies bind" in line and "(EUV tools)" in line for line in constrained.bottlenecks())
    assert musk.rows()[-1]["chip_link"] == "HBM"
    assert musk.data["terafab_chips_per_yr"][-1] > 0 and np.all(constrained.data["terafab_chips_per_yr"] == 0)
    assert np.all(musk.data["cell_programme_gw_per_yr"] >= constrained.data["cell_programme_gw_per_yr"])


def test_bad_supply_input_exits_2(invoke_cli):
    res = invoke_cli("buildout", "--set", "supply.euv_productivity=0", "--set", "supply.fab_ramp_yr=0")
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "supply.euv_productivity" in res.stderr and "supply.fab_ramp_yr" in res.stderr


def test_memory_binds_once_power_is_solved():
    """Claim memory (seeds 002, 004), computed: musk-terawatt with ground power lifted (turbines, transformers,
    interconnections unlimited) is bound by HBM, not power, in every year from 2032 to 2050."""
    over = {
        "ground.transformer_gw_per_yr": 1e6,
        "ground.turbine_gw_per_yr": 1e6,
        "ground.interconnection_gw_per_yr": 1e6,
    }
    rows = buildout(load_scenario("musk-terawatt", over), 2026, 2050).rows()
    late = [r for r in rows if r["year"] >= 2032]
    assert all(r["ground_binding"] == "HBM" and r["chip_link"] == "HBM" for r in late)
    assert all(r["hbm_accelerator_equiv"] < r["logic_accelerator_equiv"] for r in late)
