"""Workloads on the twin (terawatt.twin.jobs): the ISL link graph, the first-fit scheduler, checkpoint/restart and
retry, and the goodput and availability they measure against the steady-state model.

How the statistical tolerances are set (fixed seeds; 4 standard errors, i.e. a false alarm ~6e-5 per check):

* training goodput: the loss is a sum over N interrupts (Poisson, N = Lambda x job-hours) of
  L = R + rework, the rework ~ uniform over a checkpoint interval tau, E[L^2] ~ R^2 + R tau + tau^2 / 3; so the
  standard error of the goodput is sqrt(N E[L^2]) / job-hours (:func:`_sigma_training`);
* inference goodput: every stop costs R_r exactly, sigma = R_r sqrt(N) / replica-hours (plus the retries);
* along a real track (radiation on) the events follow the dose of one day's passes through the South Atlantic
  Anomaly, whose track average differs from the model's orbit average by up to 6 % (tests/test_twin.py): the
  radiation share of the rate gets that much more tolerance, |dG/dLambda| x Lambda_rad x 0.06.

Statistical power: events are rare on small fleets in a day, so the scheduler checks raise the base interruption
rate (``workload.interruptions_per_accelerator_yr`` = 40-100 per accelerator-year, radiation off: a uniform rate
the model and the twin share) to get thousands of restarts; the per-orbit checks at the real rates use 24-h runs
of 650-810 satellites (a few hundred to a thousand job restarts each).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sgp4.api")
pytest.importorskip("xarray")

from terawatt.errors import ScenarioError  # noqa: E402
from terawatt.twin import jobs, twin  # noqa: E402

HOURS_PER_YEAR = 8766.0  # the twin's SECONDS_PER_YEAR / 3600 (Julian year)
DOSE_REL_TOL = 0.06
N_SIGMA = 4.0


def _work(**kw) -> jobs.Workload:
    base = dict(training_share=1.0, job_size=25, replica_size=4, checkpoint_interval_s=300.0,
                checkpoint_cost_s=30.0, restart_s=600.0, replica_restart_s=180.0, retry_s=10.0,
                isl_range_km=0.197, cluster_size=9)
    base.update(kw)
    return jobs.Workload(**base)


def _lattice(n_clusters: int = 2, spacing_m: float = 177.0) -> np.ndarray:
    """Clusters of 3 x 3 satellites on a square lattice [km], clusters 100 km apart."""
    g = (np.arange(9) % 3, np.arange(9) // 3)
    one = np.column_stack([g[0], g[1], np.zeros(9)]) * spacing_m / 1e3
    return np.concatenate([one + [100.0 * c, 0.0, 0.0] for c in range(n_clusters)])


# --------------------------------------------------------------------------------------------- ISL graph
def test_isl_graph_lattice_and_a_member_drifting_out():
    r = _lattice(1)
    g = jobs.isl_graph(r, 9, 0.197)
    assert g.components == 1 and g.forest.shape[1] == 8  # a spanning tree: n - 1 links
    assert jobs.isl_graph(r, 9, 0.150).components == 9  # shorter than the spacing: nothing linked
    assert jobs.isl_graph(r, 9, 0.251).components == 1  # diagonals (250 m) too
    drifted = r.copy()
    drifted[8] += [1.0, 0.0, 0.0]  # a corner member drifts 1 km out
    g2 = jobs.isl_graph(drifted, 9, 0.197)
    assert g2.components == 2 and g2.label[8] == 8 and np.all(g2.label[:8] == 0)
    # the per-step check flags exactly the steps where the components may change
    track = np.stack([r, r, drifted, drifted], axis=1)  # (n, k, 3)
    np.testing.assert_array_equal(jobs.isl_unchanged(g, track), [True, True, False, False])
    np.testing.assert_array_equal(jobs.isl_unchanged(g2, track), [False, False, True, True])


def test_default_formation_is_linked_and_a_short_range_isolates_every_satellite():
    """The twin's 9 x 9 grid (177 m) is inside the model's neighbour range (197 m): one component per cluster all
    day; in a held (rigid) formation a 50-m range leaves every satellite alone, so a 1,024-accelerator job fits
    nowhere and 8-accelerator replicas pack each satellite alone: floor(74 / 8) x 8 / 74 of the accelerators.
    In free flight (sgp4) node offsets close the cross-track spacing to |cos i| x 177 m = 25 m near the poles:
    some satellites link there."""
    ds = twin(None, satellites=162, hours=3, step_s=60, seed=2)
    assert ds.attrs["twin.isl_connected_fraction"] == 1.0
    assert ds.attrs["twin.isl_range_m"] == pytest.approx(196.94, abs=0.01)
    assert int(ds["isl_components"].max()) == 2
    alone = twin(None, satellites=162, hours=1, step_s=60, seed=2, isl_range_m=50.0,
                 overrides=["workload.kind=mixed"], formation="rigid")
    assert alone.attrs["twin.isl_connected_fraction"] == pytest.approx(1 / 81)
    assert alone.attrs["twin.training_jobs"] == 0
    active = 74  # round(orbital.accelerators_per_satellite)
    w = np.round(alone["capacity_per_satellite"].values * active)  # working (a failure in the hour: ~1e-5)
    assert alone.attrs["twin.placed_fraction"] == pytest.approx((w // 8 * 8).sum() / w.sum(), abs=2e-4)
    free = twin(None, satellites=81, hours=2, step_s=60, seed=2, isl_range_m=50.0)
    assert 1 / 81 < free.attrs["twin.isl_connected_fraction"] < 0.5 and free.attrs["twin.isl_rebuilds"] > 2
    with pytest.raises(ScenarioError, match="twin.isl_range_m"):
        twin(None, satellites=81, hours=1, isl_range_m=-1.0)


# ------------------------------------------------------------------------------------------ the scheduler
def _sched(work, r, working, n_steps=10):
    cluster = np.arange(r.shape[0]) // work.cluster_size
    return jobs.chunk(None, np.repeat(r[:, None], n_steps, axis=1), cluster, working, work, n_steps, 0)


def _quiet_step(js, j, working, r=None):
    n = working.size
    if r is not None:
        js.r_chunk = r
        js.isl_ok = jobs.isl_unchanged(js.graph, r)
    z = np.zeros(n, int)
    failed = np.maximum(js.working - working, 0)  # working accelerators change by failures only
    jobs.step(js, j, working + 2, working, failed, z, z, np.ones(n), np.ones(n), 60.0)


def test_first_fit_spans_only_linked_satellites_and_jobs_wait_for_capacity():
    """Two clusters of 9 satellites x 10 accelerators, jobs of 25: 3 per cluster (90 // 25). Two members of
    cluster 0 drift out: its linked capacity is 70, 2 jobs fit, the third waits; a job that spanned a member
    that left stops (rolled back, restarted) and is re-placed."""
    work = _work()
    r = _lattice(2)
    working = np.full(18, 10)
    js = _sched(work, r, working)
    assert js.n_train == 6 and js.layout.running.all()
    _quiet_step(js, 0, working)
    assert js.series["jobs_waiting"][0] == 0
    drifted = r.copy()
    drifted[[7, 8]] += [[0.0, 2.0, 0.0], [0.0, 4.0, 0.0]]
    _quiet_step(js, 1, working, np.repeat(drifted[:, None], 10, axis=1))
    assert js.series["jobs_waiting"][1] == 1 and js.series["jobs_running"][1] == 5
    assert js.series["job_restarts"][1] >= 1
    lay, lab = js.layout, js.graph.label
    for k in np.flatnonzero(lay.running):  # every running job inside one component
        sats = lay.order[lay.first_sat[k]:lay.last_sat[k] + 1]
        assert np.unique(lab[sats]).size == 1
    # permanent failures beyond the spares shrink cluster 1 below 3 jobs: one more waits
    fewer = working.copy()
    fewer[9:12] = 5  # 75 working
    _quiet_step(js, 2, fewer)
    assert js.series["jobs_waiting"][2] == 1  # 75 // 25 = 3: still fits
    fewer[12] = 4
    _quiet_step(js, 3, fewer)
    assert js.series["jobs_waiting"][3] == 2


def test_checkpoint_clock_without_interrupts():
    """No events: a job keeps tau / (tau + delta) of its time, exactly per completed cycle."""
    work = _work(checkpoint_interval_s=100.0, checkpoint_cost_s=20.0)
    r = _lattice(1)
    working = np.full(9, 10)
    js = _sched(work, r, working, n_steps=7)
    for j in range(7):
        _quiet_step(js, j, working)
    t = 7 * 60.0
    per_job = np.floor(t / 120.0) * 100.0 + min(t % 120.0, 100.0)
    assert js.totals["useful_t"] == pytest.approx(js.n_train * 25 * per_job)
    assert js.rework[:js.n_train] == pytest.approx(25 * min(t % 120.0, 100.0))


def test_a_stop_rolls_back_to_the_last_checkpoint_and_pays_the_restart():
    work = _work(checkpoint_interval_s=1e9, checkpoint_cost_s=0.0, restart_s=90.0)  # no checkpoint in the run
    r = _lattice(1)
    working = np.full(9, 10)
    js = _sched(work, r, working, n_steps=5)
    for j in range(3):
        _quiet_step(js, j, working)
    before = js.totals["useful_t"]
    z = np.zeros(9, int)
    stops = z.copy()
    stops[0] = 1  # satellite 0 holds the first accelerators: the first job
    jobs.step(js, 3, working + 2, working, z, stops, z, np.ones(9), np.ones(9), 60.0)
    assert js.series["job_restarts"][3] == 1
    # the hit job lost everything since the start (no checkpoint) and restarts for 90 s from the event
    assert js.rework[0] == 0.0 and js.down[0] > 30.0 - 1e-9
    others = (js.n_train - 1) * 25 * 60.0
    assert js.totals["useful_t"] - before == pytest.approx(others - 25 * 180.0, abs=1e-6)


# ------------------------------------------------------------------ the scheduler's fast paths are exact
def test_isl_distances_are_the_same_for_every_memory_layout():
    """Pair distances gathered by rows (C-ordered (n, k, 3)), by satellites of one coordinate ((3, k, n) chunks,
    the twin's) or for one step (n, 3) are the same numbers: the direct (dx^2 + dy^2) + dz^2."""
    rng = np.random.default_rng(1)
    r = rng.normal(size=(3, 7, 40)) * 0.2 + 7000.0  # (3, k, n)
    pairs = np.vstack(np.triu_indices(40, 1))
    d = r[:, :, pairs[0]] - r[:, :, pairs[1]]
    direct = ((d[0] * d[0] + d[1] * d[1]) + d[2] * d[2]).T  # (P, k)
    view = r.transpose(2, 1, 0)  # (n, k, 3) view of (3, k, n) memory
    np.testing.assert_array_equal(jobs._sq_dist(view, pairs), direct)
    np.testing.assert_array_equal(jobs._sq_dist(np.ascontiguousarray(view), pairs), direct)
    np.testing.assert_array_equal(jobs._sq_dist(np.ascontiguousarray(view[:, 3]), pairs), direct[:, 3])
    assert jobs._sq_dist(view, pairs[:, :0]).shape == (0, 7)


def test_replacing_the_changed_clusters_is_placing_everything():
    """After failures and links breaking in some clusters, re-placing only those (:func:`jobs._replace`) gives the
    layout a full first fit (:func:`jobs._place`) gives: the same slots running, at the same addresses, the
    same per-satellite slot ranges."""
    rng = np.random.default_rng(7)
    work = _work(training_share=0.5, job_size=20, replica_size=4)
    n_clusters = 6
    r = _lattice(n_clusters)
    working = np.full(9 * n_clusters, 10)
    js = _sched(work, r, working)
    fields = ("order", "offset", "running", "start", "sat_end", "run", "run_start", "jobs_running",
              "replicas_running", "placed_r")
    for _ in range(25):
        old = js.layout
        new_r = r.copy()
        new_r[rng.integers(0, r.shape[0], 2)] += [0.0, 1.0, 0.0]  # members drifting out
        graph = jobs.isl_graph(new_r, 9, work.isl_range_km)
        w = np.maximum(old.working_sat - rng.binomial(1, 0.15, working.size) * rng.integers(1, 4, working.size), 0)
        moved = np.flatnonzero((graph.label != old.label) | (w != old.working_sat))
        clusters = np.unique(js.sat_cluster[moved])
        new = jobs._replace(work, old, js.cluster, js.rank, graph.label, js.sat_cluster, w, clusters)
        full = jobs._place(work, js.n_train, js.cluster, js.rank, graph.label, js.sat_cluster, w, old.pad)
        for f in fields:
            np.testing.assert_array_equal(getattr(new, f), getattr(full, f), err_msg=f)
        for a, b in zip(new.sat_runs, full.sat_runs, strict=True):
            np.testing.assert_array_equal(a, b)
        js.layout = new
    assert js.layout.jobs_running < js.n_train  # capacity was lost: some jobs wait


def test_events_drawn_together_or_one_kind_at_a_time_are_the_same():
    """Stops and SDCs drawn in one call hit the same slots at the same times as drawn kind by kind."""
    work = _work(training_share=0.0, replica_size=5)  # 18 replicas fill each cluster's 90 accelerators
    r = _lattice(2)
    counts = np.random.default_rng(3).poisson(0.6, (2, 18))
    both = _sched(work, r, np.full(18, 10))
    one = _sched(work, r, np.full(18, 10))
    slot, u, kind = jobs._hits(both, (jobs._sparse(counts[0]), jobs._sparse(counts[1])), both.working)
    parts = [jobs._hits(one, (jobs._sparse(c),), one.working) for c in counts]
    np.testing.assert_array_equal(slot, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(u, np.concatenate([p[1] for p in parts]))
    np.testing.assert_array_equal(kind, np.repeat([0, 1], [parts[0][0].size, parts[1][0].size]))
    assert slot.size == counts.sum()  # every accelerator is in a replica: every event hits one


def test_events_given_by_chunk_are_the_dense_per_step_counts():
    """The twin gives the scheduler a chunk's events sparsely (:func:`jobs.events`); stepping with them is
    stepping with the same events as dense per-step counts."""
    work = _work(training_share=0.5, replica_size=5)
    r = _lattice(2)
    working = np.full(18, 10)
    rng = np.random.default_rng(5)
    k = 6
    stops, sdc = rng.poisson(0.3, (k, 18)), rng.poisson(0.2, (k, 18))
    fail = np.zeros((k, 18), np.int64)
    fail[3, 4] = 2
    dense, sparse = _sched(work, r, working, k), _sched(work, r, working, k)
    cells = np.flatnonzero(stops + sdc)
    jobs.events(sparse, *np.divmod(cells, 18), stops.flat[cells], sdc.flat[cells], fail.any(axis=1))
    alive = working - np.cumsum(fail, axis=0)  # no spares: the failure takes two working accelerators
    for j in range(k):
        w = np.minimum(alive[j], 10)
        load = np.where(np.arange(18) == j, 0.5, 1.0)
        for js, s, d in ((dense, stops[j], sdc[j]), (sparse, None, None)):
            jobs.step(js, j, alive[j], w, fail[j], s, d, load, np.ones(18), 60.0)
    assert dense.totals == sparse.totals and dense.totals["restarts_r"] + dense.totals["restarts_t"] > 0
    for key, series in dense.series.items():
        np.testing.assert_array_equal(series, sparse.series[key])
    assert dense.layout.jobs_running + dense.layout.replicas_running < dense.size.size  # the failure evicted one


def test_scheduler_outcome_is_pinned():
    """A run that exercises every path of the scheduler (free flight at a 100-m ISL range: links breaking and
    joining, jobs split and re-placed; failures without spares; collision-avoidance stalls; raised interruption
    rates) gives exactly what the scheduler gave before its per-step cost was cut (values recorded from that
    version; the restructuring kept every floating-point operation in its order). The model's training goodput and
    availability were re-recorded when the dose table's look-up in altitude took its 1-km form (relative changes
    6e-8 and 3e-9; the scheduler's own figures did not move)."""
    ds = twin(None, satellites=162, hours=6, step_s=60, seed=4, isl_range_m=100.0,
              overrides=["workload.kind=mixed", "workload.accelerators_per_training_job=64",
                         "workload.interruptions_per_accelerator_yr=60", "workload.hardware_failure_rate_per_yr=1",
                         "workload.training_fraction=0.9", "orbital_ops.spare_fraction=0",
                         "debris.reference_manoeuvres_per_yr=300000", "debris.formation_manoeuvre=per_satellite"])
    a = ds.attrs
    assert (a["twin.job_restarts"], a["twin.replica_restarts"], a["twin.isl_rebuilds"]) == (37, 366, 30)
    assert int(ds["replicas_waiting"].max()) == 192 and int(ds["hardware_failures"].sum()) == 1
    pinned = {"orbital.training_goodput_fraction": 0.5968927067775628,
              "orbital.inference_goodput_fraction": 0.9238406164378468, "orbital.availability": 0.12119537303502777,
              "orbital.availability_avoidance": 0.9943166293240068, "twin.placed_fraction": 0.6649149620855126,
              "twin.isl_connected_fraction": 0.09958847736625501}
    for key, value in pinned.items():
        assert a[key] == pytest.approx(value, rel=1e-12), key
    assert float(ds["useful_compute_w"].sum()) == pytest.approx(941435899.9726108, rel=1e-12)


# ------------------------------------------------------------------------------- agreement with the model
def _sigma_training(a: dict, lam_per_h: float) -> float:
    tau, r = a["twin.checkpoint_interval_h"], a["model.restart_cost_h"]
    hours = a["twin.training_job_hours"]
    return float(np.sqrt(lam_per_h * hours * (r * r + r * tau + tau * tau / 3.0)) / hours)


def _restart_h(scenario, overrides):
    from terawatt.model import evaluate
    from terawatt.scenario import load_scenario

    res = evaluate(load_scenario(scenario, list(overrides)))
    return res, float(res.scenario.values["workload.restart_cost_h"])


SCALED = ["radiation.enabled=false", "workload.accelerators_per_training_job=256",
          "workload.interruptions_per_accelerator_yr=40"]


@pytest.fixture(scope="module")
def scaled():
    """Uniform raised rates (radiation off) the model and the twin share: 810 satellites x 12 h."""
    out = {}
    for kind in ("training", "inference"):
        ov = [*SCALED, f"workload.kind={kind}"] + (["workload.interruptions_per_accelerator_yr=100"]
                                                  if kind == "inference" else [])
        ds = twin(None, satellites=810, hours=12, step_s=60, seed=3, overrides=ov, formation="rigid")
        res, restart = _restart_h(None, ov)
        ds.attrs["model.restart_cost_h"] = restart
        out[kind] = (ds, res)
    return out


def test_training_goodput_at_raised_rates_is_dalys_not_youngs(scaled):
    """Thousands of restarts: the twin's checkpoint/restart matches Daly's higher-order goodput (the model since
    this issue) within 4 sigma, and rejects the first-order form 1 - sqrt(2 delta L) - R L the model used before.
    Measured: twin 0.8026, Daly 0.797, first order 0.775 (sigma 0.003)."""
    ds, res = scaled["training"]
    a = ds.attrs
    lam = float(res["orbital.training_job_interrupts_per_hour"])
    assert lam == pytest.approx(256 * 40 / HOURS_PER_YEAR, rel=0.01)
    assert a["twin.job_restarts"] > 2000
    sigma = _sigma_training(a, lam)
    model = a["model.orbital.training_goodput_fraction"]
    assert model == pytest.approx(float(res["orbital.training_goodput_fraction"]))
    assert a["orbital.training_goodput_fraction"] == pytest.approx(model, abs=N_SIGMA * sigma)
    delta, r = 0.005, a["model.restart_cost_h"]
    first_order = 1 - np.sqrt(2 * delta * lam) - r * lam
    assert abs(a["orbital.training_goodput_fraction"] - first_order) > N_SIGMA * sigma
    # restarts: Poisson at the job rate on the placed jobs' hours (4 sigma)
    n_exp = lam * a["twin.training_job_hours"]
    assert a["twin.job_restarts"] == pytest.approx(n_exp, abs=N_SIGMA * np.sqrt(n_exp) + 0.01 * n_exp)


def test_inference_goodput_at_raised_rates(scaled):
    """8-accelerator replicas at 100 interruptions per accelerator-year, each costing the replica its restart."""
    ds, res = scaled["inference"]
    a = ds.attrs
    lam = float(res["orbital.replica_stops_per_hour"])
    n = lam * a["twin.replica_hours"]
    assert a["twin.replica_restarts"] > 1000
    r_r = float(res.scenario.values["workload.replica_restart_cost_h"])
    sigma = r_r * np.sqrt(n) / a["twin.replica_hours"]
    assert a["orbital.inference_goodput_fraction"] == pytest.approx(
        a["model.orbital.inference_goodput_fraction"], abs=N_SIGMA * sigma)
    assert a["twin.replica_restarts"] == pytest.approx(n, abs=N_SIGMA * np.sqrt(n) + 0.01 * n)


ORBITS = {
    "default": (None, 810, []),
    "suncatcher": ("suncatcher", 810, []),
    "walker": (None, 648, ["orbit.inclination_deg=53", "orbit.altitude_km=550"]),
}


@pytest.fixture(scope="module")
def orbits():
    """The default, suncatcher and a 53 deg / 550 km Walker shell at their real rates, 24 h, mixed workload
    (80 % training: 1,024-accelerator jobs, replicas on the rest). Collision avoidance is off here (a training job
    stalls when any of its satellites manoeuvres: :func:`test_avoidance_stalls_per_satellite_agree_with_the_model`)."""
    out = {}
    for name, (sc, n, extra) in ORBITS.items():
        ov = [*extra, "workload.kind=mixed", "workload.training_fraction=0.8", "debris.enabled=false"]
        ds = twin(sc, satellites=n, hours=24, step_s=60, seed=11, overrides=ov, formation="rigid")
        res, restart = _restart_h(sc, ov)
        ds.attrs["model.restart_cost_h"] = restart
        out[name] = (ds, res)
    return out


def _modulated_training(res, radiation_scale: float = 1.0) -> float:
    """The model's training goodput from its outputs (the three dose-rate states of the orbit), with the
    radiation share of the interrupt rate scaled by ``radiation_scale``."""
    from terawatt.physics import radiation

    v = res.scenario.values
    f = lambda k: float(res[k])  # noqa: E731
    job = f("orbital.training_job_interrupts_per_hour")  # N_j (base + radiation) per hour
    base = float(v["workload.interruptions_per_accelerator_yr"])
    rad = f("orbital.interrupts_per_chip_year") + f("orbital.detected_sdc_per_chip_year")
    mult = np.array([f("orbital.quiet_dose_ratio"), f("orbital.burst_edge_dose_ratio"),
                     f("orbital.burst_core_dose_ratio")])
    edge, core = f("orbital.burst_edge_time_fraction"), f("orbital.burst_core_time_fraction")
    per_state = job * (base + radiation_scale * rad * mult) / (base + rad)
    return float(radiation.modulated_goodput_fraction(
        per_state, [1 - edge - core, edge, core],
        [f("orbital.bursts_per_hour"), f("orbital.burst_cores_per_hour")],
        v["workload.checkpoint_cost_h"], v["workload.restart_cost_h"]))


#: Model approximation error of the three-state chain against the process along a real track: an event simulation
#: of checkpoint/restart along 10 days of the twin's own dose map (the twin without its scheduler) gave 0.827 /
#: 0.878 / 0.861 on the three orbits against the chain's 0.826 / 0.877 / 0.859 (<= 0.003), plus the table's
#: 3 x 6 deg dose map against the twin's 4 x 8 deg one.
MODEL_TOL = 0.006


@pytest.mark.parametrize("name", list(ORBITS))
def test_training_goodput_along_real_tracks_agrees_with_the_model(orbits, name):
    """Along a real track the radiation interrupts come in bursts (South Atlantic Anomaly passes); interrupts
    inside one burst share a rollback (the job is already restarting). The model describes the dose rate along
    the orbit in three states (quiet, burst edge, burst core) and gives the exact goodput of checkpoint/restart
    under that Markov-modulated rate at Young's interval of the mean rate (as the twin): the twin agrees within
    4 sigma of its restarts (each loses at most a segment and a restart, tau + delta + R) + the dose
    tolerance on the radiation share + MODEL_TOL. Daly's form at the orbit-average rate (the model before) is
    outside that tolerance. Measured (twin / model / Daly at the mean, tolerance): default 0.828 / 0.827 / 0.661,
    0.038; suncatcher 0.881 / 0.877 / 0.803, 0.043; Walker 0.860 / 0.860 / 0.736, 0.038."""
    ds, res = orbits[name]
    a, v = ds.attrs, res.scenario.values
    lam = float(res["orbital.training_job_interrupts_per_hour"])
    twin_g, model = a["orbital.training_goodput_fraction"], a["model.orbital.training_goodput_fraction"]
    assert model == pytest.approx(_modulated_training(res), rel=1e-9)
    tau, r, hours = a["twin.checkpoint_interval_h"], a["model.restart_cost_h"], a["twin.training_job_hours"]
    assert a["twin.job_restarts"] > 200
    sigma = np.sqrt(a["twin.job_restarts"]) * (tau + float(v["workload.checkpoint_cost_h"]) + r) / hours
    dose = abs(_modulated_training(res, 1 + DOSE_REL_TOL) - model)
    tol = N_SIGMA * sigma + dose + MODEL_TOL
    assert twin_g == pytest.approx(model, abs=tol)
    from terawatt.physics import radiation

    daly = float(radiation.goodput_fraction(lam, v["workload.checkpoint_cost_h"], v["workload.restart_cost_h"]))
    assert abs(twin_g - daly) > tol  # the constant-rate model fails this check
    # bursts: fewer distinct restarts than interrupts (several hits in one step of a job count once)
    assert a["twin.job_restarts"] < lam * a["twin.training_job_hours"]


@pytest.mark.parametrize("name", list(ORBITS))
def test_inference_goodput_agrees_along_real_tracks(orbits, name):
    """Inference loses R_r per stop and r per detected SDC, linear in the rate: bursts do not matter, the twin
    agrees with the model within the Poisson error of its stops and the dose tolerance."""
    ds, res = orbits[name]
    a = ds.attrs
    v = res.scenario.values
    n_stop = float(res["orbital.replica_stops_per_hour"]) * a["twin.replica_hours"]
    assert a["twin.replica_restarts"] > 30
    r_r = float(v["workload.replica_restart_cost_h"])
    loss_model = 1 - a["model.orbital.inference_goodput_fraction"]
    tol = N_SIGMA * r_r * np.sqrt(n_stop) / a["twin.replica_hours"] + loss_model * DOSE_REL_TOL
    assert a["orbital.inference_goodput_fraction"] == pytest.approx(a["model.orbital.inference_goodput_fraction"],
                                                                    abs=tol)
    f = float(v["workload.training_fraction"])  # the mix weights the kinds as the model does
    assert a["orbital.goodput_fraction"] == pytest.approx(
        f * a["orbital.training_goodput_fraction"] + (1 - f) * a["orbital.inference_goodput_fraction"])


@pytest.mark.parametrize("name", list(ORBITS))
def test_availability_with_jobs_is_the_models_times_goodput_and_packing(orbits, name):
    """Useful work / nameplate = the model's availability without its goodput and collision-avoidance parts
    (eclipse, degradation, failures, dose) x the twin's goodput of each kind weighted by its placed accelerator
    time x the placed fraction (jobs of 1,024 do not tile a cluster: the model has no packing loss). Tolerance
    0.012: the model's mean-field failures are optimistic by <= 0.5 point (tests/test_twin.py), the penumbra
    throttles ~0.3 % of satellite-steps. Measured placed fractions 0.999 (replicas fill what the 1,024-jobs
    leave); a pure training fleet idles 12 % (default: 5 jobs in 81 x 74 = 5,994) to 17 % (suncatcher: 3 in
    3,807)."""
    ds, res = orbits[name]
    a = ds.attrs
    v = res.scenario.values
    f = float(v["workload.training_fraction"])
    g_t, g_i = a["model.orbital.training_goodput_fraction"], a["model.orbital.inference_goodput_fraction"]
    rest = a["model.orbital.availability"] / (f * g_t + (1 - f) * g_i)  # eclipse, degradation, failures, dose
    acc_t = a["twin.training_job_hours"] * 1024
    acc_r = a["twin.replica_hours"] * float(v["workload.accelerators_per_replica"])
    share_t = acc_t / (acc_t + acc_r)
    goodput = share_t * a["orbital.training_goodput_fraction"] + (1 - share_t) * a["orbital.inference_goodput_fraction"]
    assert a["orbital.availability"] == pytest.approx(rest * goodput * a["twin.placed_fraction"], abs=0.012)


#: Avoidance runs: the reference fleet's manoeuvres x10 (3e6 a year: a satellite out ~5 % of the time at
#: 0.05 h per manoeuvre, three 60-s steps) so that hundreds of manoeuvres fall in a few hours.
AVOIDANCE = ["debris.reference_manoeuvres_per_yr=3000000", "debris.outage_h_per_manoeuvre=0.05"]


@pytest.mark.parametrize("kind", ["training", "inference"])
def test_avoidance_stalls_per_satellite_agree_with_the_model(kind):
    r"""``debris.formation_manoeuvre=per_satellite``: a job runs at its slowest satellite's pace, so an outage of
    any of the ~15 satellites a 1,024-accelerator job spans (74 accelerators each) stalls it: the model charges
    :math:`1 - E[(1-p)^S]` (:func:`terawatt.physics.debris.stall_availability`), 0.51 here against the 0.048 a
    per-satellite charge would give; an 8-accelerator replica spans 1.09 satellites on average. Tolerance: 4
    standard deviations of a Poisson count of the manoeuvres behind the loss, :math:`4 L/\sqrt{N}` (each
    manoeuvre stalls about the same job time), plus the outages the run's end cuts (:math:`t_{out}/T` = 0.8 %)."""
    ds = twin(None, satellites=162, hours=6, step_s=60, seed=3, formation="rigid",
              overrides=[*AVOIDANCE, f"workload.kind={kind}", "debris.formation_manoeuvre=per_satellite"])
    a = ds.attrs
    lam = a["model.orbital.manoeuvres_per_satellite_yr"] * 6 / HOURS_PER_YEAR * 162
    assert a["twin.manoeuvres"] == pytest.approx(lam, abs=4 * np.sqrt(lam))
    loss = 1.0 - a["model.orbital.availability_avoidance"]
    p = a["model.orbital.avoidance_outage_fraction"]
    if kind == "training":
        assert loss > 8 * p  # a stall of the whole job, not one satellite's share
    else:
        assert p < loss < 1.2 * p
    tol = 4 * loss / np.sqrt(lam) + 0.05 / 6 * loss
    assert a["orbital.availability_avoidance"] == pytest.approx(a["model.orbital.availability_avoidance"], abs=tol)
    assert a["orbital.avoidance_outage_fraction"] == pytest.approx(p, abs=4 * p / np.sqrt(lam) + 0.05 / 6 * p)


def test_avoidance_of_a_formation_agrees_with_the_model():
    """``debris.formation_manoeuvre=cluster``: a formation manoeuvres as one body, at the union of its members'
    conjunctions (:func:`terawatt.physics.debris.formation_manoeuvre_factor`, 1.32 x a member's with the
    defaults), and every job on it stalls together: every member flies the same manoeuvres, the job time lost
    is the satellites' outage, and both agree with the model within 4 standard deviations of the Poisson count
    of formation manoeuvres (6 formations x 12 h, ~90 of them)."""
    ds = twin(None, satellites=486, hours=12, step_s=60, seed=5, formation="rigid",
              overrides=[*AVOIDANCE, "workload.kind=mixed", "workload.training_fraction=0.8",
                         "debris.formation_manoeuvre=cluster"])
    a = ds.attrs
    assert a["twin.formation_manoeuvre"] == "cluster"
    per_sat = ds["manoeuvres_per_satellite"].values.reshape(6, 81)
    assert np.all(per_sat == per_sat[:, :1])  # the formation as one body
    lam = a["model.orbital.manoeuvres_per_satellite_yr"] * 12 / HOURS_PER_YEAR * 6  # formation manoeuvres
    assert per_sat[:, 0].sum() == pytest.approx(lam, abs=4 * np.sqrt(lam))
    p = a["model.orbital.avoidance_outage_fraction"]
    assert a["model.orbital.availability_avoidance"] == pytest.approx(1.0 - p)
    tol = 4 * p / np.sqrt(lam) + 0.05 / 12 * p
    assert a["orbital.avoidance_outage_fraction"] == pytest.approx(p, abs=tol)
    # all jobs of a formation stall together: the job time lost is the satellites' outage
    assert a["orbital.availability_avoidance"] == pytest.approx(1.0 - a["orbital.avoidance_outage_fraction"],
                                                                abs=0.003)


# ------------------------------------------------------------------------------------------------------ CLI
def test_cli_rows_and_bad_isl_range():
    p = subprocess.run([sys.executable, "-m", "terawatt.cli", "twin", "--satellites", "81", "--hours", "1",
                        "--set", "workload.kind=training"], capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stderr
    for row in ("orbital.training_goodput_fraction", "twin.placed_fraction", "twin.isl_connected_fraction",
                "training jobs"):
        assert row in p.stdout
    bad = subprocess.run([sys.executable, "-m", "terawatt.cli", "twin", "--isl-range", "-5", "--hours", "1"],
                         capture_output=True, text=True, timeout=240)
    assert bad.returncode == 2 and "twin.isl_range_m" in bad.stderr and "Traceback" not in bad.stderr
