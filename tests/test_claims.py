"""The claims audit: claim files load and validate, verdict rules on constructed claims, the arithmetic claims
against hand computation, bad claim files (exit 2 naming the field), and the ``terawatt claims`` command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import terawatt
from terawatt.errors import ScenarioError
from terawatt.studies.claim_spec import Claim, evaluate_quantity, load_claims, quantity_names, shipped_claim_files
from terawatt.studies.claims import SAMPLES, SEED, audit

ROOT = Path(__file__).resolve().parents[1]
SIGMA = 5.670374419e-8  # W m-2 K-4, CODATA 2018
SEED_FILE = "001_b6ddd7e6d7e7bc51.txt"


@pytest.fixture(scope="module")
def verdicts():
    return {v.claim.id: v for v in audit()}


def _claim(*checks, **extra) -> Claim:
    base = {"id": "constructed", "quote": "q", "speaker": "s", "date": "2026-02-05", "seed": [SEED_FILE],
            "source": "test", "asserts": "a", "scenario": "baseline-2026", "checks": list(checks)}
    return Claim.model_validate({**base, **extra})


def test_every_claim_of_the_list_has_a_file_that_loads():
    table = (ROOT / "docs" / "claims.md").read_text()
    listed = re.findall(r"^\| ([a-z0-9-]+) \| ", table.split("## Claims", 1)[1], flags=re.M)
    listed = [i for i in listed if i != "id"]
    assert len(listed) == 20
    claims = load_claims()
    assert sorted(c.id for c in claims) == sorted(listed)
    assert [p.stem for p in shipped_claim_files()] == sorted(listed)


def test_every_claim_computes_to_a_verdict_with_its_number(verdicts):
    assert len(verdicts) == 20
    for v in verdicts.values():
        assert v.verdict in ("holds", "holds only if", "does not hold", "not testable here")
        assert v.why
        value = v.primary.value
        assert isinstance(value, str) or np.isfinite(value), v.claim.id
        if v.primary.p05 is not None:
            assert v.primary.p05 <= v.primary.p50 <= v.primary.p95
        if v.p_true is not None:
            assert 0.0 <= v.p_true <= 1.0
        assert v.samples == SAMPLES and v.seed == SEED


def test_the_claims_json_is_plain(verdicts):
    json.dumps([v.to_dict() for v in verdicts.values()], allow_nan=False)


# ------------------------------------------------------------------------------------------------ verdict rules
def test_a_claim_that_must_hold_holds():
    claim = _claim({"label": "solar ratio", "quantity": "comparison.solar_energy_ratio", "rule": {"at_least": 1.0}})
    [v] = audit(claims=[claim])
    assert v.verdict == "holds"
    assert v.primary.passed is True


def test_a_claim_that_must_not_hold_does_not_hold():
    claim = _claim({"label": "orbit ten times cheaper even at free launch", "quantity": "comparison.cost_ratio",
                    "set": {"launch.price_usd_per_kg": 0}, "rule": {"at_most": 0.01},
                    "conditions": ["launch.price_usd_per_kg"]})
    [v] = audit(claims=[claim])
    assert v.verdict == "does not hold"
    assert v.primary.p_true == 0.0
    assert "no value of launch.price_usd_per_kg" in v.checks[0].condition_notes[0]


def test_a_conditional_claim_names_the_closed_form_bound():
    """An ideal 1 MW radiator (no environment, two faces, emissivity 1) reaches 10,000 m2 at
    T = (Q / (2 sigma A))^(1/4): the condition must name that temperature as an upper bound."""
    ideal = {"satellite.compute_power_w": 1e6, "workload.it_power_w": 1e6, "power.housekeeping_fraction": 0.0,
             "power.conversion_efficiency": 1.0, "thermal.radiator_temp_k": 300.0, "thermal.emissivity": 1.0,
             "thermal.sides": 2, "thermal.absorptivity_solar": 0.0, "thermal.absorptivity_ir": 0.0,
             "thermal.solar_incidence_factor": 0.0, "thermal.view_factor_earth": 0.0, "thermal.sink_temp_k": 0.0,
             "thermal.fin_efficiency": 1.0}
    claim = _claim({"label": "1 MW radiator", "quantity": "orbital.radiator_area_m2", "set": ideal,
                    "rule": {"at_least": 1e4}, "conditions": ["thermal.radiator_temp_k"], "probability": False})
    [v] = audit(claims=[claim])
    assert v.verdict == "holds only if"
    expected = (1e6 / (2 * SIGMA * 1e4)) ** 0.25
    bound = float(re.search(r"thermal.radiator_temp_k <= ([\d.,]+) K", v.why).group(1).replace(",", ""))
    assert bound == pytest.approx(expected, rel=1e-3)
    assert v.primary.value == pytest.approx(1e6 / (2 * SIGMA * 300.0**4), rel=1e-6)


def test_information_checks_do_not_decide_the_verdict():
    claim = _claim({"label": "holds", "quantity": "comparison.solar_energy_ratio", "rule": {"at_least": 1.0}},
                   {"label": "fails but shown only", "quantity": "comparison.cost_ratio", "rule": {"below": 0.0},
                    "in_verdict": False})
    [v] = audit(claims=[claim])
    assert v.verdict == "holds"
    assert v.checks[1].passed is False


def test_not_testable_says_why_and_still_computes():
    claim = _claim({"label": "dose", "quantity": "orbital.tid_margin"}, not_testable="GEO is outside the tables")
    [v] = audit(claims=[claim])
    assert v.verdict == "not testable here" and v.why == "GEO is outside the tables"
    assert v.primary.value > 0


def test_buildout_rules_over_years_count_and_find_the_first_year():
    from terawatt.studies.buildout import buildout

    b = buildout(terawatt.load_scenario("baseline-2026", ["launch.vehicle=starship-v3"]), 2026, 2050)
    price = {r["year"]: r["launch_usd_per_kg"] for r in b.rows()}
    first = min(y for y, p in price.items() if p < 100)
    claim = _claim({"label": "first year below 100", "quantity": "buildout.launch_usd_per_kg", "study": "buildout",
                    "set": {"launch.vehicle": "starship-v3"}, "over": [2026, 2050], "aggregate": "first",
                    "rule": {"below": 100}, "probability": False})
    [v] = audit(claims=[claim])
    assert v.verdict == "holds" and v.primary.value == first


def test_the_scenario_option_replaces_unpinned_scenarios():
    [v] = audit(["solar-5x"], scenario="musk-2026")
    direct = terawatt.evaluate("musk-2026")["comparison.solar_energy_ratio"]
    assert v.primary.scenario == "musk-2026"
    assert v.primary.value == pytest.approx(float(direct))


# --------------------------------------------------------------------------------------------- arithmetic claims
def test_the_arithmetic_claims_against_hand_computation(verdicts):
    mass = {c.label: c.value for c in verdicts["mass-10mt"].checks}
    assert mass["launches for 10 Mt at 100 t (arithmetic)"] == 100_000
    assert mass["launches for 10 Mt at 200 t (arithmetic)"] == 50_000
    assert mass["launches a day at 100 t (arithmetic)"] == pytest.approx(1e7 / 100 / 365)  # 274 a day
    sp = float(terawatt.evaluate("baseline-2026")["orbital.specific_power_w_per_kg"])
    assert mass["mass to orbit for 1 TW/yr at the sized satellite's specific power"] == pytest.approx(1e9 / sp)
    us = verdicts["us-490gw"]
    assert us.primary.value == pytest.approx(4304e12 / 8760 / 1e9)  # 491.3 GW
    assert us.verdict == "holds"
    launches = {c.label: c.value for c in verdicts["launches-100gw"].checks}
    assert launches["the claim's arithmetic, 10,000 x 100 t x 100 W/kg"] == pytest.approx(1e11)
    assert launches["ships for 10,000 flights a year at the target turnaround"] == pytest.approx(10000 * 30 / 8760)


def test_huang_radiator_for_1_and_40_mw(verdicts):
    v = verdicts["radiator-area"]
    by = {c.label: c for c in v.checks}
    one = by["radiator area of a 1 MW cluster on one platform"]
    forty = by["radiator area of a 40 MW cluster (Starcloud's size) in 132 kW satellites"]
    assert one.value < 1e4 < forty.value  # tens of thousands of m2 start between 1 and 40 MW
    threshold = by["cluster power at which 10,000 m2 is reached"].value
    assert 1 < threshold < 40
    # area is linear in power up to whole satellites (8 of 132 kW for 1 MW carry 1.056 MW, 304 for 40 MW 40.1)
    assert forty.value == pytest.approx(1e4 * 40 / threshold, rel=0.05)
    assert v.verdict == "holds only if" and "thermal.radiator_temp_k <=" in v.why


def test_quantity_language():
    assert quantity_names("1e12 / orbital.specific_power_w_per_kg / max(a.b, 2)") == [
        "orbital.specific_power_w_per_kg", "a.b"]
    assert evaluate_quantity("-x.y ** 2 + abs(z.w)", {"x.y": 3.0, "z.w": -1.0}) == pytest.approx(-8.0)
    for bad in ("__import__('os')", "x.y[0]", "'text'", "lambda: 1", "x.y if 1 else 2"):
        with pytest.raises(ValueError):
            quantity_names(bad)


# ----------------------------------------------------------------------------------------------- bad claim files
BAD = """\
id: not-the-file-name
quote: q
speaker: s
date: Feb 2026
seed: [seed-001.txt]
source: s
asserts: a
checks:
  - label: two rules
    quantity: comparison.cost_ratio
    rule: {below: 1, above: 0}
  - label: unknown output
    quantity: comparison.cost_ration * 2
    rule: {below: 1}
  - label: conditions on a formula
    quantity: comparison.cost_ratio * 2
    rule: {below: 1}
    conditions: [launch.price_usd_per_kg, launch.vehicle]
"""


def test_bad_claim_files_report_every_field(tmp_path):
    bad = tmp_path / "bad-claim.yaml"
    bad.write_text(BAD)
    with pytest.raises(ScenarioError) as info:
        load_claims([bad])
    paths = [e.path for e in info.value.errors]
    assert "bad-claim.yaml: date" in paths
    assert "bad-claim.yaml: seed" in paths
    assert "bad-claim.yaml: checks.0.rule" in paths
    messages = str(info.value)
    assert "unknown name 'comparison.cost_ration'" in messages and "did you mean" in messages
    (missing := tmp_path / "missing.yaml").write_text("id: missing\nquote: q\n")
    with pytest.raises(ScenarioError) as info:
        load_claims([missing])
    assert {"missing.yaml: speaker", "missing.yaml: checks"} <= {e.path for e in info.value.errors}


def test_bad_names_ids_and_conditions(tmp_path):
    text = BAD.replace("date: Feb 2026", "date: 2026-02").replace("seed: [seed-001.txt]", f"seed: [{SEED_FILE}]")
    text = text.replace("    rule: {below: 1, above: 0}\n", "    rule: {below: 1}\n")
    (bad := tmp_path / "bad-claim.yaml").write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_claims([bad])
    errors = {e.path: e.message for e in info.value.errors}
    assert "differs from the file name" in errors["bad-claim.yaml: id"]
    assert "unknown name" in errors["bad-claim.yaml.checks[1].quantity"]
    assert "launch.vehicle" in errors["bad-claim.yaml.checks[2].conditions[1]"]
    assert "break-even" in errors["bad-claim.yaml.checks[2].conditions"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "terawatt.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_cli_bad_claim_file_exits_2_naming_the_field(tmp_path):
    (bad := tmp_path / "bad-claim.yaml").write_text(BAD)
    run = _cli("claims", "--file", str(bad))
    assert run.returncode == 2, run.stderr
    assert "bad-claim.yaml: date" in run.stderr and "Traceback" not in run.stderr
    run = _cli("claims", "no-such-claim", "--scenario", "nope")
    assert run.returncode == 2
    assert "no-such-claim" in run.stderr and "--scenario" in run.stderr


def test_cli_claims_json_and_table():
    run = _cli("claims", "solar-5x", "us-490gw", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert [c["id"] for c in data["claims"]] == ["solar-5x", "us-490gw"]
    assert data["monte_carlo"] == {"samples": SAMPLES, "seed": SEED, "sampler": "lhs"}
    assert data["claims"][1]["number"] == pytest.approx(491.32, rel=1e-4)
    run = _cli("claims", "cheapest-36mo")
    assert run.returncode == 0, run.stderr
    assert "does not hold" in run.stdout and "cheapest-36mo" in run.stdout


def test_cli_defaults_match_the_study():
    from terawatt.cli import claims as cli_claims

    assert (cli_claims.SAMPLES_DEFAULT, cli_claims.SEED_DEFAULT) == (SAMPLES, SEED)


def test_api_claims():
    [v] = terawatt.claims("us-490gw")
    assert v.verdict == "holds"
    with pytest.raises(ScenarioError):
        terawatt.claims(["nope"])


def test_claims_name_their_validation_cases(tmp_path):
    by_id = {c.id: c for c in load_claims()}
    assert "starcloud-solar-gain" in by_id["solar-5x"].validation
    assert {"claim-mass-10mt-100t", "claim-mass-10mt-200t"} <= set(by_id["mass-10mt"].validation)
    text = (ROOT / "src/terawatt/claims/solar-5x.yaml").read_text().replace("starcloud-solar-gain", "starcloud-solar")
    (bad := tmp_path / "solar-5x.yaml").write_text(text)
    with pytest.raises(ScenarioError, match=r"solar-5x.yaml: validation\[0\].*did you mean 'starcloud-solar-gain'"):
        load_claims([bad])


# ------------------------------------------------------------------------ claims computed from the supply chains
@pytest.fixture(scope="module")
def musk_buildout():
    from terawatt.studies.buildout import buildout

    return {r["year"]: r for r in buildout(terawatt.load_scenario("musk-terawatt"), 2026, 2050).rows()}


def _check(v, label_start: str):
    return next(c for c in v.checks if c.label.startswith(label_start))


def test_terafab_reads_the_buildouts_terafab_chips(verdicts, musk_buildout):
    v = verdicts["terafab"]
    chips = {y: r["terafab_chips_per_yr"] for y, r in musk_buildout.items()}
    assert v.primary.value == pytest.approx(max(chips.values()), rel=1e-9)
    assert _check(v, "Terafab chips in 2031").value == pytest.approx(chips[2031], rel=1e-9)
    tools = max(r["euv_tools_terafab"] for r in musk_buildout.values())
    assert _check(v, "most EUV tools").value == pytest.approx(tools, rel=1e-9)
    reached = [y for y, c in chips.items() if c >= 1e11]
    assert (v.verdict == "holds") == bool(reached)
    first = _check(v, "first year the Terafab makes")
    assert (first.value == reached[0]) if reached else first.value != first.value  # NaN = never
    area = terawatt.load_scenario("musk-terawatt").values["supply.terafab_die_area_mm2"]
    assert _check(v, "die area a Terafab chip").value == pytest.approx(float(area))
    assert f"{float(area):,.4g} mm2" in v.why  # the verdict says what a 'chip' is taken to be
    assert _check(v, "die area at which").value == pytest.approx(float(area) * max(chips.values()) / 1e11)
    assert v.claim.not_testable is None
    # the Monte Carlo samples the Terafab's registry distributions (die area uniform 50-800 mm2)
    sampled = _check(v, "die area a Terafab chip")
    assert 50.0 <= sampled.p05 < float(area) < sampled.p95 <= 800.0


def test_memory_verdict_follows_the_chip_link_and_the_binding(verdicts, musk_buildout):
    v = verdicts["memory"]
    window = {y: r for y, r in musk_buildout.items() if 2030 <= y <= 2050}
    orbit_hbm = [y for y, r in window.items() if r["orbit_binding"] == "HBM"]
    link_hbm = [y for y, r in window.items() if r["chip_link"] == "HBM"]
    assert v.primary.years_true == orbit_hbm and v.primary.value == len(orbit_hbm)
    assert _check(v, "years 2030-2050 in which HBM is the least chip link").years_true == link_hbm
    assert set(orbit_hbm) <= set(link_hbm)  # orbit binds on HBM only where HBM is the least chip link
    assert (v.verdict == "holds") == (bool(orbit_hbm) and bool(link_hbm))
    if orbit_hbm:
        assert f"{orbit_hbm[0]}-" in v.why or f"{orbit_hbm[0]}," in v.why or f"{orbit_hbm[0]})" in v.why


def test_solar_100gw_reads_the_cell_programme_in_2028(verdicts, musk_buildout):
    v = verdicts["solar-100gw"]
    assert v.primary.value == pytest.approx(musk_buildout[2028]["cell_programme_gw_per_yr"])
    assert _check(v, "all space solar cells").value == pytest.approx(musk_buildout[2028]["solar_gw_supplied"])
    assert (v.verdict == "holds") == (musk_buildout[2028]["cell_programme_gw_per_yr"] >= 100)
    first = next(y for y, r in musk_buildout.items() if r["cell_programme_gw_per_yr"] >= 100)
    assert _check(v, "first year the cell programme").value == first


def test_grid_flat_chip_growth_is_the_buildouts_accelerator_growth(verdicts):
    from terawatt.studies.buildout import buildout

    rows = {r["year"]: r for r in buildout(terawatt.load_scenario("baseline-2026"), 2026, 2050).rows()}
    growth = (rows[2030]["accelerators_supplied"] / rows[2026]["accelerators_supplied"]) ** 0.25 - 1.0
    assert _check(verdicts["grid-flat"], "growth of accelerators").value == pytest.approx(growth, rel=1e-9)


def test_growth_aggregate_and_name_fields():
    claim = _claim({"label": "demand growth", "quantity": "buildout.demand_gw", "study": "buildout",
                    "over": [2026, 2028], "aggregate": "growth", "probability": False},
                   {"label": "chip link", "quantity": "buildout.chip_link", "study": "buildout", "over": [2026, 2027],
                    "aggregate": "any", "rule": {"one_of": ["logic dies", "HBM", "packaging"]},
                    "probability": False})
    [v] = audit(claims=[claim])
    from terawatt.studies.buildout import buildout

    rows = {r["year"]: r for r in buildout(terawatt.load_scenario("baseline-2026"), 2026, 2028).rows()}
    assert v.checks[0].value == pytest.approx((rows[2028]["demand_gw"] / rows[2026]["demand_gw"]) ** 0.5 - 1.0)
    assert v.checks[1].years_true == [2026, 2027]  # every year has a least chip link
    with pytest.raises(ValueError, match="growth"):
        _claim({"label": "g", "quantity": "buildout.demand_gw", "study": "buildout", "over": [2030, 2030],
                "aggregate": "growth"})
