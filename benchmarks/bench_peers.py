"""Benchmark: terawatt's Monte Carlo against spacedc-mdao's ``monte_carlo`` on the same case, in the same run.

Issue 10 asks for the ratio against spacedc-mdao (PyPI ``spacedc-mdao``, package ``orbitdc``) "on the same inputs in
the same benchmark run where it can be installed". The case is the peer's common 1 MW comparison case, which
terawatt ships as the preset ``spacedc-mdao-1mw`` (1,152 H100 on 64 satellites of 18, 550 km dawn-dusk at beta
80 deg, launch on the ``current_reusable`` catalog entry at $3,000/kg):

- the peer: ``orbitdc.optimize.uncertainty.monte_carlo(space, earth_lcoc, n=N, seed=0)`` on that space scenario
  (its default drivers: launch price, solar specific power, radiator areal mass, failure rate and utilization,
  triangular; one ``evaluate_space`` call per draw), against the LCOC of its hyperscale Earth baseline;
- terawatt: :func:`terawatt.studies.montecarlo.montecarlo` on the preset's scenario, N samples of every registry
  distribution the design + TCO model reads (40 parameters, Latin hypercube), in-process on one core.

Both draw N samples and evaluate a whole design + cost per sample; terawatt samples more parameters than the peer
does (so the ratio is, if anything, unfavourable to terawatt). The peer runs in a subprocess of the Python given by
``TERAWATT_PEER_PYTHON`` (e.g. a scratch venv: ``python3 -m venv ../peer && ../peer/bin/pip install
spacedc-mdao``), or of this interpreter when ``orbitdc`` is importable here; when neither has it the row says so
and is skipped. terawatt never imports the peer. Run: ``python benchmarks/bench_peers.py [--samples 10000]``.
Timings are reported, never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import count

from _timing import best_of, options, write_report

from terawatt.studies.montecarlo import montecarlo
from terawatt.studies.presets import load_preset

PRESET = "spacedc-mdao-1mw"
#: The peer's common 1 MW case (its examples/scenarios/orbital_1mw_inference.yaml, at the preset's 550 km and
#: beta 80 deg) and its hyperscale Earth baseline of the same 1,152 H100, as ``orbitdc.load_scenario_dict`` input.
PEER_SPACE = {
    "name": "1 MW orbital inference cluster", "kind": "space", "mission_life_years": 5, "accelerator": "h100_sxm",
    "utilization": 0.85, "sustained_fraction": 0.55, "discount_rate": 0.08,
    "workload": {"type": "llm_inference", "comm_intensity_bits_per_flop": 2.0e-6},
    "space": {"orbit": {"type": "dawn_dusk_sso", "altitude_km": 550.0}, "beta_deg": 80.0,
              "architecture": {"satellites": 64, "accelerators_per_satellite": 18, "crosslink": "optical",
                               "crosslink_gbps": 50000.0, "downlink_gbps": 200.0, "radiator_area_m2_per_sat": 45.0},
              "launch": "current_reusable", "annual_failure_rate": 0.05, "spare_fraction": 0.05,
              "reset_recovery_availability": 0.99},
}
PEER_EARTH = {
    "name": "Hyperscale terrestrial baseline", "kind": "earth", "mission_life_years": 5, "accelerator": "h100_sxm",
    "utilization": 0.85, "sustained_fraction": 0.55, "discount_rate": 0.08,
    "earth": {"n_accelerators": 1152, "pue": 1.10, "energy_price_per_kwh": 0.06,
              "facility_capex_per_mw_usd": 12.0e6, "availability": 0.995, "it_power_overhead_frac": 0.25},
}
#: Run in the peer's interpreter: time its monte_carlo (after a 50-draw warm-up) and print JSON.
PEER_SCRIPT = """
import json, sys, time
import orbitdc
from orbitdc.optimize.uncertainty import monte_carlo
space_d, earth_d, n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
space, earth = orbitdc.load_scenario_dict(space_d), orbitdc.load_scenario_dict(earth_d)
earth_lcoc = orbitdc.evaluate_earth(earth).lcoc_per_pflop_day
monte_carlo(space, earth_lcoc, n=50, seed=1)
start = time.perf_counter()
mc = monte_carlo(space, earth_lcoc, n=n, seed=0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "version": orbitdc.__version__, "p_space_wins": mc.p_space_wins,
                  "lcoc_p50": mc.lcoc_p50}))
"""


def peer_python() -> str | None:
    """The interpreter that has ``orbitdc``: ``$TERAWATT_PEER_PYTHON``, else this one; None when neither has it."""
    for python in (os.environ.get("TERAWATT_PEER_PYTHON"), sys.executable):
        if python and subprocess.run([python, "-c", "import orbitdc"], capture_output=True).returncode == 0:
            return python
    return None


def run_peer(python: str, n: int) -> dict:
    """Seconds of the peer's ``monte_carlo`` for ``n`` draws (and what it found), in a subprocess of ``python``."""
    proc = subprocess.run([python, "-c", PEER_SCRIPT, json.dumps(PEER_SPACE), json.dumps(PEER_EARTH), str(n)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    args = options(__doc__, samples=10_000, repeat=2)
    n = args.samples
    preset = load_preset(PRESET)
    seeds = count()  # a new seed per call: no sampling block comes from the cache of the previous call
    seconds = best_of(lambda: montecarlo(preset.scenario, n, seed=next(seeds), year=preset.year), args.repeat)
    ours = n / seconds
    print(f"terawatt montecarlo {PRESET}: {n:,} samples in {seconds:.3f} s ({ours:,.0f} samples/s)")
    rows = [{"benchmark": f"Monte Carlo on the spacedc-mdao 1 MW case (preset {PRESET}), terawatt in-process",
             "size": f"{n:,} samples", "rate": f"{ours:,.0f} samples/s"}]
    report: dict = {"samples": n, "terawatt_seconds": seconds, "terawatt_samples_per_s": ours}
    python = peer_python()
    if python is None:
        print("spacedc-mdao (orbitdc) is not installed here and TERAWATT_PEER_PYTHON names no interpreter with it: "
              "peer row skipped")
        report["peer"] = None
    else:
        got = run_peer(python, n)
        theirs = n / got["seconds"]
        ratio = ours / theirs
        print(f"spacedc-mdao {got['version']} monte_carlo: {n:,} draws in {got['seconds']:.2f} s "
              f"({theirs:,.0f} samples/s); terawatt / spacedc-mdao = {ratio:,.0f}x")
        rows.append({"benchmark": f"spacedc-mdao {got['version']} `monte_carlo`, same case, same run",
                     "size": f"{n:,} samples", "rate": f"{theirs:,.0f} samples/s (terawatt {ratio:,.0f}x faster)"})
        report["peer"] = {**got, "samples_per_s": theirs, "ratio": ratio, "python": python}
    write_report(args.json_path, {**report, "readme": rows})


if __name__ == "__main__":
    main()
