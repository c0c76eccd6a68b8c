r"""Workloads on the twin's clusters: ISL connectivity, a first-fit scheduler, checkpoint/restart and retry.

Vectorized over satellites, job slots and clusters (no Python loop over any of them); the stepping loop of
:mod:`terawatt.twin.simulate` calls :func:`chunk` with each chunk's positions (the first call starts the state,
:func:`start`), :func:`events` with the chunk's events (sparse: the cells that have some) and :func:`step` each
step with the step's arrays.

- **ISL graph**: two satellites of a cluster are linked when they are within the ISL range, by default the
  model's ``orbital.isl_range_m`` (the nearest-neighbour range the link budget of ``links.*`` closes at,
  :func:`terawatt.physics.comms.cluster_neighbour_range_m`). The connected components of each cluster's graph
  (``scipy.sparse.csgraph``) are where a job may span. Only the links of a spanning forest (the minimum
  spanning forest of the distance now plus at the first build: the formation's lattice links) and the candidate
  links between different components are measured, for a whole chunk of steps at once; in a step where a forest
  link breaks or a new link joins two components, only the clusters where it happens are rebuilt (clusters are
  disjoint graphs: the others keep their components, forest and candidate links).
- **Scheduler**: first fit. The working accelerators of a component are laid end to end (satellites in index
  order); training jobs of ``workload.accelerators_per_training_job`` take the first whole blocks (a share
  ``workload.training_fraction`` of the component under ``mixed``), inference replicas of
  ``workload.accelerators_per_replica`` the rest; what is left over idles (``twin.placed_fraction``). The jobs
  placed at the start are the demand; when capacity shrinks (failures beyond the spares, a component splitting)
  the jobs that no longer fit wait, and run again where capacity returns. A job whose satellites are no longer
  linked stops and is re-placed. Re-placing a job that was not hit is taken as free. A cluster's slots are placed
  on its own components only, at accelerator addresses of its own (cluster x the most accelerators a cluster
  has), so a failure or a link change re-places only its cluster (:func:`_replace`: the layout a full first fit,
  :func:`_place`, gives).
- **Events** hit a uniformly drawn working accelerator of their satellite; one that is in a job stops it.
  Inference: a stop (radiation stop, SEFI, the base interruption rate) costs the replica
  ``workload.replica_restart_cost_h``, a detected SDC ``workload.retry_cost_h`` (queued: the steady-state model's
  :math:`1 - \lambda R - \rho r`). Training: the job checkpoints every :math:`\tau` of compute for
  :math:`\delta` (``workload.checkpoint_cost_h``), :math:`\tau = \sqrt{2\delta/\Lambda}` at the model's
  ``orbital.training_job_interrupts_per_hour`` :math:`\Lambda` (Young's interval, as the model); a stop or a
  detected SDC anywhere in the job loses the compute since the last completed checkpoint and restarts the job
  for ``workload.restart_cost_h``; a stop during the restart starts it again (Daly 2006). A permanent failure of
  an accelerator in use stops its job, which resumes on a spare or waits.
- **Throttling**: a job runs at the speed of its slowest satellite (``load / wanted``); goodput is measured
  against the speed-weighted placed time, availability against the nameplate.

The expected goodput of this training process in steady state is Daly's higher-order form for exponential
interrupts, :math:`\Lambda\tau e^{-\Lambda R}/(e^{\Lambda(\tau+\delta)} - 1)`, which the steady-state model
uses (:func:`terawatt.physics.radiation.goodput_fraction`); its expansion to first order in :math:`\Lambda\tau`
and :math:`\Lambda R` is Young's :math:`1 - \sqrt{2\delta\Lambda} - R\Lambda`. At a uniform rate the twin
matches it (radiation off); along a real track the radiation interrupts come in South Atlantic Anomaly bursts
that share rollbacks, which the model describes as a rate modulated by three dose-rate states
(:func:`terawatt.physics.radiation.modulated_goodput_fraction`); the twin agrees with that
(tests/test_twin_jobs.py).

References
----------
.. [1] Young, J. W., A first order approximation to the optimum checkpoint interval, *Commun. ACM* 17, 530-531, 1974.
.. [2] Daly, J. T., A higher order estimate of the optimum checkpoint interval for restart dumps, *Future Gener.
   Comput. Syst.* 22, 303-312, 2006 (wall time :math:`T_w = M e^{R/M}(e^{(\tau+\delta)/M} - 1) T_s/\tau` for
   exponential failures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from terawatt._arrays import as_scalar

#: Kind codes of a job slot.
TRAINING, INFERENCE = 0, 1
#: ISL ranges are compared in km; a tiny slack keeps a lattice exactly at the range linked [km].
RANGE_SLACK_KM = 1e-9


@dataclass(frozen=True)
class Workload:
    """What the accelerators run, with the steady-state model's parameters (hours converted to seconds)."""

    training_share: float  # share of a component's accelerators given to training jobs [-]
    job_size: int  # accelerators per training job [-]
    replica_size: int  # accelerators per inference replica [-]
    checkpoint_interval_s: float  # tau, compute between checkpoints [s] (inf: never)
    checkpoint_cost_s: float  # delta [s]
    restart_s: float  # R of a training job [s]
    replica_restart_s: float  # R_r of an inference replica [s]
    retry_s: float  # r, one retried request [s]
    isl_range_km: float  # link range inside a cluster [km]
    cluster_size: int  # satellites per cluster (links.cluster_satellites) [-]


def workload_from(result: Any, isl_range_m: float | None = None) -> Workload:
    """The workload of an evaluated scalar scenario (``workload.*``; ``orbital.isl_range_m`` unless given)."""
    from terawatt.design.workload import training_share

    v, out = result.scenario.values, result.outputs
    f = as_scalar
    delta_h = f(v["workload.checkpoint_cost_h"])
    lam = f(np.nan_to_num(out["orbital.training_job_interrupts_per_hour"]))
    tau_h = np.sqrt(2.0 * delta_h / lam) if lam > 0 and delta_h > 0 else np.inf
    rng = f(out["orbital.isl_range_m"]) if isl_range_m is None else float(isl_range_m)
    return Workload(
        training_share=f(training_share(v)),
        job_size=int(round(f(v["workload.accelerators_per_training_job"]))),
        replica_size=int(round(f(v["workload.accelerators_per_replica"]))),
        checkpoint_interval_s=tau_h * 3600.0,
        checkpoint_cost_s=delta_h * 3600.0,
        restart_s=f(v["workload.restart_cost_h"]) * 3600.0,
        replica_restart_s=f(v["workload.replica_restart_cost_h"]) * 3600.0,
        retry_s=f(v["workload.retry_cost_h"]) * 3600.0,
        isl_range_km=(rng if np.isfinite(rng) else np.inf) / 1e3,
        cluster_size=int(v["links.cluster_satellites"]),
    )


# ----------------------------------------------------------------------------------------------- ISL graph
@dataclass
class IslGraph:
    """The link graph of every cluster: component labels, a spanning forest and the cross-component pairs."""

    cluster_size: int
    range_km: float
    label: np.ndarray  # component of each satellite: the smallest satellite index in it
    forest: np.ndarray  # (2, E) satellite pairs of a spanning forest of the links
    cross: np.ndarray  # (2, C) same-cluster pairs in different components (candidate new links)
    components: int  # linked components over all clusters [-]
    rebuilds: int = 0
    ref_km: np.ndarray | None = None  # every same-cluster pair's distance at the first build [km]


def _pair_template(m: int) -> np.ndarray:
    return np.vstack(np.triu_indices(m, 1)).astype(np.int64)


def _all_links(r_km: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Every same-cluster pair (2, K x P) of satellites at ``r_km`` (n, 3) [km] in contiguous clusters of ``m``,
    cluster by cluster, with its distance [km] (NaN for the pairs a short last cluster lacks)."""
    n = r_km.shape[0]
    k = -(-n // m)
    pad = np.full((k * m, 3), np.nan)
    pad[:n] = r_km
    a, b = _pair_template(m)
    c = pad.reshape(k, m, 3)
    d2 = 0.0
    for x in (c[..., 0], c[..., 1], c[..., 2]):  # (k, m) each: pair differences per cluster, no (k, P, 3) array
        dx = x[:, a] - x[:, b]
        d2 = d2 + dx * dx
    base = (np.arange(k) * m)[:, None]
    return np.vstack([(base + a).ravel(), (base + b).ravel()]), np.sqrt(d2).ravel()


def _cluster_graph(r_km: np.ndarray, m: int, range_km: float, ref_km: np.ndarray | None):
    """Component labels, spanning forest, cross-component pairs, component count and the pair distances of
    satellites at ``r_km`` (n, 3) [km] in contiguous clusters of ``m`` (see :func:`isl_graph`)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    n = r_km.shape[0]
    pairs, d = _all_links(r_km, m)
    with np.errstate(invalid="ignore"):
        link = d <= range_km + RANGE_SLACK_KM  # NaN (missing pairs): no link
    li, lj = pairs[:, link]
    ref = d if ref_km is None else ref_km
    g = coo_matrix((d[link] + ref[link] + 1e-12, (li, lj)), shape=(n, n)).tocsr()
    n_comp, comp = connected_components(g, directed=False)
    first = np.full(comp.max() + 1 if n else 0, n)
    np.minimum.at(first, comp, np.arange(n))
    label = first[comp]
    tree = minimum_spanning_tree(g).tocoo()
    valid = pairs[:, pairs[1] < n]
    cross = valid[:, label[valid[0]] != label[valid[1]]]
    return label, np.vstack([tree.row, tree.col]).astype(np.int64), cross, int(n_comp), d


def isl_graph(r_km: np.ndarray, cluster_size: int, range_km: float, rebuilds: int = 0,
              ref_km: np.ndarray | None = None) -> IslGraph:
    """Build the link graph of satellites at ``r_km`` (n, 3) [km] in contiguous clusters of ``cluster_size``.

    The spanning forest minimises the links' distance now plus at the first build (``ref_km``): the formation's
    own lattice links, which breathe but stay in range, are preferred to links that are short only for now (a
    diagonal when free flight folds the cross-track spacing near the poles), so the forest rarely breaks."""
    m = max(int(min(cluster_size, r_km.shape[0])), 1)
    label, forest, cross, n_comp, d = _cluster_graph(r_km, m, range_km, ref_km)
    return IslGraph(m, range_km, label, forest, cross, n_comp, rebuilds + 1, d if ref_km is None else ref_km)


def _in_clusters(g: IslGraph, pairs: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Which of the same-cluster ``pairs`` (2, P) lie in ``clusters``."""
    mine = np.zeros(-(-g.label.size // g.cluster_size), dtype=bool)
    mine[clusters] = True
    return mine[pairs[0] // g.cluster_size]


def relink(g: IslGraph, r_km: np.ndarray, clusters: np.ndarray) -> IslGraph:
    """The graph ``g`` with the clusters ``clusters`` (ascending) rebuilt at positions ``r_km`` (n, 3) [km]: the
    clusters are disjoint graphs, so the others keep their components, forest and candidate links."""
    m, n = g.cluster_size, g.label.size
    sats, _ = _ranges(clusters * m, np.minimum((clusters + 1) * m, n))  # ascending: labels map monotonically
    ref = g.ref_km.reshape(-1, m * (m - 1) // 2)[clusters].ravel()
    lab, forest, cross, n_comp, _ = _cluster_graph(r_km[sats], m, g.range_km, ref)
    label = g.label.copy()
    heads = int(np.count_nonzero(label[sats] == sats))  # the components the clusters had
    label[sats] = sats[lab]
    forest = np.hstack([g.forest[:, ~_in_clusters(g, g.forest, clusters)], sats[forest]])
    cross = np.hstack([g.cross[:, ~_in_clusters(g, g.cross, clusters)], sats[cross]])
    return IslGraph(m, g.range_km, label, forest, cross, g.components - heads + n_comp, g.rebuilds + 1, g.ref_km)


def _sq_dist(r_km: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    r"""Squared distances [km2] of satellite pairs (2, P) at positions (n, ..., 3): shape (P, ...).

    Gathers along the axis that is contiguous in memory: whole rows of a C-ordered (n, ..., 3) array, or one
    coordinate of the satellites at a time for (3, k, n) chunks (the twin's); ``take`` without bounds checks
    (the pairs are satellites). Always :math:`(\Delta x^2 + \Delta y^2) + \Delta z^2`."""
    shape = (pairs.shape[1],) + r_km.shape[1:-1]
    if not pairs.shape[1]:
        return np.zeros(shape)
    if r_km.flags.c_contiguous:
        flat = r_km.reshape(r_km.shape[0], -1)
        d = np.take(flat, pairs[0], axis=0, mode="clip")
        d -= np.take(flat, pairs[1], axis=0, mode="clip")
        d *= d
        d2 = d[:, 0::3] + d[:, 1::3]
        d2 += d[:, 2::3]
        return d2.reshape(shape)
    d2 = None
    for c in range(3):
        x = np.moveaxis(r_km[..., c], 0, -1)  # (..., n)
        d = np.take(x, pairs[0], axis=-1, mode="clip")
        d -= np.take(x, pairs[1], axis=-1, mode="clip")
        d *= d
        if d2 is None:
            d2 = d
        else:
            d2 += d
    return np.moveaxis(d2, -1, 0)


def _broken(g: IslGraph, r_km: np.ndarray, forest: np.ndarray, cross: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair (and step, for positions (n, ..., 3) [km]): forest links out of range, candidate links in it."""
    lim2 = (g.range_km + RANGE_SLACK_KM) ** 2
    return _sq_dist(r_km, forest) > lim2, _sq_dist(r_km, cross) <= lim2


def isl_unchanged(g: IslGraph, r_km: np.ndarray, clusters: np.ndarray | None = None) -> np.ndarray:
    """For positions (n, k, 3) [km], per step: no link of the spanning forest broken and none joining two
    components, i.e. the components certainly unchanged (k,); only the links of ``clusters`` if given."""
    forest, cross = g.forest, g.cross
    if clusters is not None:
        forest, cross = forest[:, _in_clusters(g, forest, clusters)], cross[:, _in_clusters(g, cross, clusters)]
    broke, joined = _broken(g, r_km, forest, cross)
    return ~(broke.any(axis=0) | joined.any(axis=0))


def changed_clusters(g: IslGraph, r_km: np.ndarray) -> np.ndarray:
    """Clusters (ascending) whose components may change at positions ``r_km`` (n, 3) [km]: a forest link out of
    range or a candidate link in it."""
    broke, joined = _broken(g, r_km, g.forest, g.cross)
    return _unique(np.concatenate([g.forest[0, broke], g.cross[0, joined]]) // g.cluster_size)


# ----------------------------------------------------------------------------------------------- scheduler
@dataclass
class Layout:
    """Where the working accelerators and the placed slots sit: accelerator addresses, each cluster's from its own
    base (cluster x ``pad``), so that a change in one cluster moves no other."""

    order: np.ndarray  # satellites sorted by component (a cluster's satellites at its own index range)
    offset: np.ndarray  # (n,) address of each satellite's first accelerator
    running: np.ndarray  # (S,) bool: slot placed
    start: np.ndarray  # (S,) first address of each slot (placed ones)
    sat_end: np.ndarray  # (n,) address after the last accelerator of each satellite, in order
    n_train: int  # slots [0, n_train) are training jobs
    size: np.ndarray  # (S,) accelerators of each slot
    working: float  # working accelerators laid out [-]
    working_sat: np.ndarray  # (n,) working accelerators of each satellite [-]
    label: np.ndarray  # (n,) the component labels laid out on
    pad: int  # addresses per cluster (its most accelerators) [-]
    run: np.ndarray | None = None  # placed slots, by address
    run_start: np.ndarray | None = None  # their first addresses, ascending
    jobs_running: int = -1
    replicas_running: int = -1
    placed_r: float = field(init=False)  # accelerators in placed replicas [-]
    widest: int = field(init=False)  # accelerators of the largest slot [-]

    def __post_init__(self) -> None:
        if self.run is None:
            run = np.flatnonzero(self.running)
            o = np.argsort(self.start[run], kind="stable")
            self.run, self.run_start = run[o], self.start[run][o]
        if self.jobs_running < 0:
            self.jobs_running = int(self.running[:self.n_train].sum())
            self.replicas_running = int(self.running[self.n_train:].sum())
        # every replica has the same size: the accelerators in placed replicas, exactly
        self.placed_r = float(self.replicas_running * int(self.size[-1])) if self.replicas_running else 0.0
        self.widest = int(self.size.max()) if self.size.size else 1

    def span(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and last satellite (indices into ``order``) each of the placed ``slots`` spans."""
        last = self.order.size - 1
        lo = np.minimum(np.searchsorted(self.sat_end, self.start[slots], side="right"), last)
        return lo, np.minimum(np.searchsorted(self.sat_end, self.start[slots] + self.size[slots] - 1, side="right"),
                              last)

    @cached_property
    def sat_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """(n,) each satellite's placed slots: the range [lo, hi) of ``run`` (slots do not overlap, so their ends
        ascend with their starts; a slot is on a satellite when it ends after the satellite's first accelerator
        and starts before its last)."""
        run_end = self.run_start + self.size[self.run]
        return (np.searchsorted(run_end, self.offset, side="right"),
                np.searchsorted(self.run_start, self.offset + self.working_sat))

    @cached_property
    def first_sat(self) -> np.ndarray:
        """(S,) first satellite (index into ``order``) a placed slot spans."""
        return self.span(np.arange(self.start.size))[0]

    @cached_property
    def last_sat(self) -> np.ndarray:
        """(S,) last one."""
        return self.span(np.arange(self.start.size))[1]


@dataclass
class Jobs:
    """Scheduler state: job slots (training first, then inference replicas), their clocks and the accumulators."""

    work: Workload
    n_train: int  # slots [0, n_train) are training jobs, the rest inference replicas
    size: np.ndarray  # (S,) accelerators
    cluster: np.ndarray  # (S,) cluster of the slot
    rank: np.ndarray  # (S,) rank among the cluster's slots of its kind
    sat_cluster: np.ndarray  # (n,) cluster of each satellite
    graph: IslGraph
    working: np.ndarray  # (n,) working accelerators the layout was made for
    layout: Layout
    rng: np.random.Generator
    n_steps: int
    down: np.ndarray = field(init=False)  # restart/retry time still owed [s]
    cycle: np.ndarray = field(init=False)  # time into the compute + checkpoint cycle [s]
    rework: np.ndarray = field(init=False)  # useful accelerator-time since the last completed checkpoint [s]
    connected: float = field(init=False)  # share of the satellites in their cluster's largest component
    owing: np.ndarray = field(init=False)  # replica slots that may owe a restart or retry
    train_slots: np.ndarray = field(init=False)
    r_chunk: np.ndarray = field(init=False)  # positions of the current chunk (n, k, 3) [km]
    isl_ok: np.ndarray = field(init=False)  # (k,) steps of the chunk whose components are certainly unchanged
    events: tuple | None = None  # the chunk's events by step (:func:`events`)
    totals: dict[str, float] = field(default_factory=dict)
    series: dict[str, np.ndarray] = field(default_factory=dict)
    i: int = 0

    def __post_init__(self) -> None:
        s = self.size.size
        self.down, self.cycle, self.rework = np.zeros(s), np.zeros(s), np.zeros(s)
        self.connected = _connected_share(self.graph.label, self.sat_cluster)
        self.owing = np.zeros(0, np.int64)
        self.train_slots = np.arange(self.n_train)
        self.totals = {k: 0.0 for k in ("useful_t", "useful_r", "placed_t", "placed_r", "placed_raw", "avoid_lost",
                                        "working", "connected", "restarts_t", "restarts_r", "waiting")}
        self.series = {k: np.zeros(self.n_steps) for k in (
            "useful_accelerators", "jobs_running", "jobs_waiting", "replicas_running", "replicas_waiting",
            "job_restarts", "replica_restarts", "isl_components")}

    @property
    def kind(self) -> np.ndarray:
        return np.where(np.arange(self.size.size) < self.n_train, TRAINING, INFERENCE)


def _connected_share(label: np.ndarray, sat_cluster: np.ndarray) -> float:
    """Share of the satellites in the largest linked component of their cluster [-]."""
    sizes = np.bincount(label, minlength=label.size) * (label == np.arange(label.size))  # at each component's head
    heads = np.flatnonzero(np.r_[True, np.diff(sat_cluster) > 0])  # clusters are contiguous
    return float(np.maximum.reduceat(sizes, heads).sum() / label.size)


def _components(label: np.ndarray, working: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Satellites sorted by component, each one's first accelerator position, component heads and capacities."""
    order = np.lexsort((np.arange(label.size), label))
    w = working[order]
    end = np.cumsum(w)
    offset = np.empty(label.size, dtype=np.int64)
    offset[order] = end - w
    lab = label[order]
    head = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    return order, offset, head, np.add.reduceat(w, head)


def _fit(work: Workload, cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Training jobs and replicas that fit in components of ``cap`` accelerators (first fit, training first)."""
    n_t = np.floor(work.training_share * cap / work.job_size + 1e-9).astype(np.int64)
    n_r = (cap - n_t * work.job_size) // work.replica_size if work.training_share < 1.0 else np.zeros_like(cap)
    return n_t, n_r


def _demand(work: Workload, label: np.ndarray, sat_cluster: np.ndarray,
            working: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The slots that fit at the start: (training count, cluster of each slot, its rank in the cluster's kind)."""
    order, _, head, cap = _components(label, working)
    n_clusters = int(sat_cluster.max()) + 1
    comp_cluster = sat_cluster[order[head]]
    clusters, ranks = [], []
    for fits in _fit(work, cap):
        per = np.bincount(comp_cluster, weights=fits, minlength=n_clusters).astype(np.int64)
        clusters.append(np.repeat(np.arange(n_clusters), per))
        ranks.append(np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per))
    return int(clusters[0].size), np.concatenate(clusters), np.concatenate(ranks)


def _place(work: Workload, n_train: int, cluster: np.ndarray, rank: np.ndarray, label: np.ndarray,
           sat_cluster: np.ndarray, working: np.ndarray, pad: int = 0) -> Layout:
    """First-fit layout of every slot on the components of ``label`` with ``working`` accelerators: a cluster's
    slots of each kind in rank order, into its components in order; those that do not fit wait. Addresses: each
    cluster's from cluster x ``pad`` (at least its accelerators)."""
    order, offset, running, start = _first_fit(work, n_train, cluster, rank, label, sat_cluster, working)
    heads = _heads(sat_cluster)
    w = working[order]
    base = (np.cumsum(w) - w)[heads]  # each cluster's first address, clusters end to end
    pad = max(int(pad), int(np.add.reduceat(w, heads).max()) if heads.size else 0, 1)
    shift = np.arange(heads.size) * pad - base
    offset += shift[sat_cluster]
    start = np.where(running, start + shift[cluster], 0)
    size = np.where(np.arange(cluster.size) < n_train, work.job_size, work.replica_size)
    return Layout(order, offset, running, start, offset[order] + w, n_train, size, float(working.sum()), working,
                  label, pad)


def _heads(sat_cluster: np.ndarray) -> np.ndarray:
    """Each cluster's first satellite (clusters are contiguous and ascending)."""
    return np.flatnonzero(np.r_[True, sat_cluster[1:] != sat_cluster[:-1]])


def _replace(work: Workload, old: Layout, cluster: np.ndarray, rank: np.ndarray, label: np.ndarray,
             sat_cluster: np.ndarray, working: np.ndarray, clusters: np.ndarray) -> Layout:
    """:func:`_place` after the links or working accelerators of ``clusters`` (ascending) changed from ``old``'s:
    each cluster's slots are placed on its own components at its own addresses, so only those clusters are placed
    again; the others keep theirs. The same layout as :func:`_place` (with ``old``'s pad)."""
    n_train, pad = old.n_train, old.pad
    sat_lo = np.searchsorted(sat_cluster, clusters)  # clusters are contiguous: satellites and order positions
    sat_hi = np.searchsorted(sat_cluster, clusters, side="right")
    if clusters.size and max(int(working[s0:s1].sum()) for s0, s1 in zip(sat_lo, sat_hi, strict=True)) > pad:
        return _place(work, n_train, cluster, rank, label, sat_cluster, working)  # a cluster outgrew its addresses
    ct, cr = cluster[:n_train], cluster[n_train:]
    t_lo, t_hi = np.searchsorted(ct, clusters), np.searchsorted(ct, clusters, side="right")
    r_lo, r_hi = np.searchsorted(cr, clusters) + n_train, np.searchsorted(cr, clusters, side="right") + n_train
    order, offset, sat_end = old.order.copy(), old.offset.copy(), old.sat_end.copy()
    running, start = old.running.copy(), old.start.copy()
    lo, hi = (x.copy() for x in old.sat_runs)
    pieces, starts, at, jobs_running, replicas_running = [], [], 0, old.jobs_running, old.replicas_running
    seg = np.searchsorted(old.run_start, np.column_stack([clusters * pad, (clusters + 1) * pad]).ravel())
    for c in range(clusters.size):
        s0, s1, base = int(sat_lo[c]), int(sat_hi[c]), int(clusters[c]) * pad
        slots = np.r_[t_lo[c]:t_hi[c], r_lo[c]:r_hi[c]]
        n_t = int(t_hi[c] - t_lo[c])
        o, off, run, st = _first_fit(work, n_t, np.zeros(slots.size, np.int64), rank[slots], label[s0:s1],
                                     np.zeros(s1 - s0, np.int64), working[s0:s1])
        order[s0:s1] = o + s0
        offset[s0:s1] = off + base
        sat_end[s0:s1] = offset[order[s0:s1]] + working[order[s0:s1]]
        was = running[slots]
        jobs_running += int(run[:n_t].sum()) - int(was[:n_t].sum())
        replicas_running += int(run[n_t:].sum()) - int(was[n_t:].sum())
        running[slots] = run
        start[slots] = np.where(run, st + base, 0)
        mine = slots[run]
        first = st[run] + base
        ob = np.argsort(first, kind="stable")
        a, b = int(seg[2 * c]), int(seg[2 * c + 1])
        pieces += [old.run[at:a], mine[ob]]
        starts += [old.run_start[at:a], first[ob]]
        at = b
        # the runs of the later clusters move by the change in this one's; this one's anew
        d = mine.size - (b - a)
        lo[s1:] += d
        hi[s1:] += d
        a_new = sum(x.size for x in pieces[:-1])  # where this cluster's runs begin now
        fs = first[ob]
        lo[s0:s1] = a_new + np.searchsorted(fs + old.size[mine[ob]], offset[s0:s1], side="right")
        hi[s0:s1] = a_new + np.searchsorted(fs, offset[s0:s1] + working[s0:s1])
    pieces.append(old.run[at:])
    starts.append(old.run_start[at:])
    lay = Layout(order, offset, running, start, sat_end, n_train, old.size, float(working.sum()), working, label,
                 pad, np.concatenate(pieces), np.concatenate(starts), jobs_running, replicas_running)
    lay.__dict__["sat_runs"] = (lo, hi)  # the cached property, moved from old's
    return lay


def _first_fit(work: Workload, n_train: int, cluster: np.ndarray, rank: np.ndarray, label: np.ndarray,
               sat_cluster: np.ndarray, working: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The satellites in component order, each one's first accelerator position, and each slot's placement
    (running) and first position (see :func:`_place`)."""
    order, offset, head, cap = _components(label, working)
    comp_start = np.r_[0, np.cumsum(cap)[:-1]].astype(np.int64)
    comp_cluster = sat_cluster[order[head]]
    n_t, n_r = _fit(work, cap)
    n_clusters = int(sat_cluster.max()) + 1
    start = np.zeros(cluster.size, dtype=np.int64)
    running = np.zeros(cluster.size, dtype=bool)
    for sel, fits, inner_offset, size in ((slice(0, n_train), n_t, np.zeros_like(n_t), work.job_size),
                                          (slice(n_train, None), n_r, n_t * work.job_size, work.replica_size)):
        cum = np.cumsum(fits)  # slots of this kind fitted up to each component (clusters in order)
        total = np.bincount(comp_cluster, weights=fits, minlength=n_clusters).astype(np.int64)
        base = np.cumsum(total) - total
        c, k = cluster[sel], rank[sel]
        ok = k < total[c]
        g = base[c] + k
        comp_of = np.repeat(np.arange(cum.size), fits)  # the component of each fitted slot of the kind
        comp = comp_of[np.minimum(g, comp_of.size - 1)] if comp_of.size else np.zeros_like(g)
        inner = g - (cum - fits)[comp]
        start[sel] = np.where(ok, comp_start[comp] + inner_offset[comp] + inner * size, 0)
        running[sel] = ok
    return order, offset, running, start


def start(r_km: np.ndarray, cluster: np.ndarray, working: np.ndarray, work: Workload, n_steps: int,
          seed: int) -> Jobs:
    """Link graph, the initial placement (the demand: every job that fits at the start) and clean clocks.

    Parameters
    ----------
    r_km : numpy.ndarray
        Positions (n, 3) [km] at the first step.
    cluster : numpy.ndarray
        Cluster index of each satellite (contiguous, ascending) [-].
    working : numpy.ndarray
        Working accelerators of each satellite [-].
    work : Workload
        The workload (:func:`workload_from`).
    n_steps : int
        Steps of the run (for the time series).
    seed : int
        Seed of the scheduler's own draws (which accelerator an event hits).
    """
    graph = isl_graph(r_km, work.cluster_size, work.isl_range_km)
    working = np.asarray(working, np.int64)
    cluster = np.asarray(cluster, np.int64)
    n_train, clus, rank = _demand(work, graph.label, cluster, working)
    layout = _place(work, n_train, clus, rank, graph.label, cluster, working)
    size = np.where(np.arange(clus.size) < n_train, work.job_size, work.replica_size)
    return Jobs(work, n_train, size, clus, rank, cluster, graph, working, layout,
                np.random.default_rng([int(seed), 14]), n_steps)


def _sparse(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The satellites (ascending) with events in a dense (n,) count and their counts."""
    on = np.flatnonzero(counts != 0)  # nonzero of a bool array: ~5x faster than of an int one
    return on, counts[on]


def _hits(js: Jobs, rows: tuple[tuple[np.ndarray, np.ndarray], ...],
          chips: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Placed slots hit by events, ``rows`` one (satellites ascending, counts) pair for each kind of event, each
    on a uniform one of its satellite's ``chips`` (n,) accelerators (those beyond the working ones are spares: no
    slot), with the event's time in the step, in [0, 1), and its kind (row). The draws are those of one kind after
    the other (times, then chips), so rows drawn together or one by one give the same events."""
    sats = [np.repeat(on, count) if on.size else on for on, count in rows]
    per = [x.size for x in sats]
    total = sum(per)
    if not total:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)
    draws = js.rng.random(2 * total)
    lay = js.layout
    if not lay.run.size:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)
    if total in per:  # one kind: its times, then its chips
        k = per.index(total)
        sat, u, c = sats[k], draws[:total], draws[total:]
        kind = np.full(total, k)
    else:
        sat = np.concatenate(sats)
        us, cs, at = [], [], 0
        for p in per:
            us.append(draws[at:at + p])
            cs.append(draws[at + p:at + 2 * p])
            at += 2 * p
        u, c = np.concatenate(us), np.concatenate(cs)
        kind = np.repeat(np.arange(len(per)), per)
    chip = np.floor(c * chips[sat]).astype(np.int64)
    pos = lay.offset[sat] + chip
    j = np.searchsorted(lay.run_start, pos, side="right") - 1
    slot = lay.run[np.maximum(j, 0)]
    inside = (chip < js.working[sat]) & (j >= 0) & (pos < lay.start[slot] + js.size[slot])
    return slot[inside], u[inside], kind[inside]


def _advance(js: Jobs, sel: np.ndarray, t: np.ndarray, speed: np.ndarray, n_tr: int) -> tuple[float, float]:
    """Run slots ``sel`` (ascending indices; the first ``n_tr`` of them training jobs) for ``t`` [s] at ``speed``:
    a restart or retry owed first, then (training) compute/checkpoint cycles. Returns the useful
    accelerator-seconds (training, inference) done; compute since the last checkpoint is kept as rework."""
    w = js.work
    down = js.down[sel]
    d = np.minimum(down, t)
    js.down[sel] = down - d
    t2 = t - d
    size = js.size[sel]
    gain = t2 * speed * size
    if n_tr:
        # sel starting with every training job: slices, no gathers
        ti = slice(0, n_tr) if n_tr == js.n_train else sel[:n_tr]
        tau, period = w.checkpoint_interval_s, w.checkpoint_interval_s + w.checkpoint_cost_s
        c0 = js.cycle[ti]
        c1 = c0 + t2[:n_tr]
        rate = speed[:n_tr] * size[:n_tr]
        if np.isfinite(tau):
            m1 = np.mod(c1, period)
            g = np.floor(c1 / period) * tau
            g += np.minimum(m1, tau)
            g -= np.floor(c0 / period) * tau + np.minimum(np.mod(c0, period), tau)
            g *= rate
            js.rework[ti] = np.where(c1 >= period, np.minimum(m1, tau) * rate, js.rework[ti] + g)
            js.cycle[ti] = m1
        else:
            g = t2[:n_tr] * rate
            js.rework[ti] += g
            js.cycle[ti] = c1
        gain[:n_tr] = g
    useful_t, useful_r = float(gain[:n_tr].sum()), float(gain[n_tr:].sum())
    js.totals["useful_t"] += useful_t
    js.totals["useful_r"] += useful_r
    return useful_t, useful_r


def _stop(js: Jobs, slots: np.ndarray, n_stops: np.ndarray, n_retries: np.ndarray) -> tuple[int, int]:
    """Stops and retries on distinct slots: a training job loses its rework and (re)starts its restart; a replica
    owes its restart per stop and a retry per detected SDC. Returns (training restarts, replica restarts)."""
    w = js.work
    tr = slots < js.n_train
    t_sl = slots[tr & (n_stops + n_retries > 0)]
    js.totals["useful_t"] -= float(js.rework[t_sl].sum())
    js.rework[t_sl] = 0.0
    js.cycle[t_sl] = 0.0
    js.down[t_sl] = w.restart_s
    js.down[slots[~tr]] += n_stops[~tr] * w.replica_restart_s + n_retries[~tr] * w.retry_s
    return int(t_sl.size), int(n_stops[~tr].sum())


def _unique(a: np.ndarray, return_inverse: bool = False) -> Any:
    """Sorted unique values (and the inverse map): a sort, for the small arrays of one step (``np.unique``
    hashes, ~100x slower on a few hundred integers)."""
    o = np.argsort(a, kind="stable")
    sa = a[o]
    first = np.empty(sa.size, dtype=bool)
    first[:1] = True
    np.not_equal(sa[1:], sa[:-1], out=first[1:])
    if not return_inverse:
        return sa[first]
    inv = np.empty(a.size, dtype=np.int64)
    inv[o] = np.cumsum(first) - 1
    return sa[first], inv


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integers of the half-open ranges [lo, hi) concatenated, and where each range starts in them."""
    n = hi - lo
    starts = np.cumsum(n) - n
    return np.repeat(lo - starts, n) + np.arange(int(n.sum())), starts


def _on_satellites(js: Jobs, sats: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Placed slots on satellites ``sats`` (ascending slot indices) and, for each, the least ``value`` of those it
    spans (a slot runs at the pace of its slowest satellite)."""
    lay = js.layout
    if not (sats.size and lay.run.size):
        return np.zeros(0, np.int64), np.zeros(0)
    lo, hi = lay.sat_runs
    lo, hi = lo[sats], hi[sats]
    j, _ = _ranges(lo, hi)
    slot = lay.run[j]
    o = np.argsort(slot, kind="stable")
    slot = slot[o]
    first = np.empty(slot.size, dtype=bool)
    first[:1] = True
    np.not_equal(slot[1:], slot[:-1], out=first[1:])
    at = np.flatnonzero(first)
    return slot[at], np.minimum.reduceat(np.repeat(value, hi - lo)[o], at) if at.size else np.zeros(0)


def _split(js: Jobs) -> np.ndarray:
    """Placed slots whose satellites are no longer all in one component."""
    lay = js.layout
    lab = np.r_[js.graph.label[lay.order], 0]
    first, last = lay.span(lay.run)
    idx = np.column_stack([first, last + 1]).ravel()
    if not idx.size:
        return np.zeros(0, np.int64)
    lo, hi = np.minimum.reduceat(lab, idx)[::2], np.maximum.reduceat(lab, idx)[::2]
    return lay.run[lo != hi]


def chunk(js: Jobs | None, r_km: np.ndarray, cluster: np.ndarray, working: np.ndarray, work: Workload,
          n_steps: int, seed: int) -> Jobs:
    """Take a chunk's positions (n, k, 3) [km]: start the scheduler on its first step if ``js`` is None
    (:func:`start`), and find the steps whose link components may change (checked for all k steps at once)."""
    if js is None:
        js = start(r_km[:, 0], cluster, working, work, n_steps, seed)
    js.r_chunk = r_km
    js.isl_ok = isl_unchanged(js.graph, r_km)
    js.events = None
    return js


def events(js: Jobs, step: np.ndarray, sat: np.ndarray, n_stop: np.ndarray, n_sdc: np.ndarray,
           failures: np.ndarray) -> None:
    """Take a chunk's radiation and other events sparsely, for :func:`step` called with ``stops=sdc=None``.

    ``step``, ``sat``: the (step, satellite) cells with events, in ascending order of step x satellites + satellite
    (as :func:`terawatt.twin.events.poisson_cells` gives them); ``n_stop``, ``n_sdc``: their stops and detected
    SDCs; ``failures`` (k,): whether any accelerator fails at each step (:func:`step` reads ``failed`` only
    then). The same events as dense per-step counts, without a (steps, satellites) array of them."""
    k = js.isl_ok.size
    kinds = []
    for count in (n_stop, n_sdc):
        on = count != 0
        kinds.append((np.searchsorted(step[on], np.arange(k + 1)), sat[on], count[on]))
    js.events = (kinds[0], kinds[1], np.asarray(failures, dtype=bool))


def _relink(js: Jobs, j: int) -> bool:
    """Rebuild the clusters where a forest link broke or a new one joins two components at step ``j``; whether
    any satellite's component changed."""
    if js.isl_ok[j]:
        return False
    changed = changed_clusters(js.graph, js.r_chunk[:, j])
    if not changed.size:
        return False
    new = relink(js.graph, js.r_chunk[:, j], changed)
    relinked = not np.array_equal(new.label, js.graph.label)
    js.graph = new
    js.isl_ok[j + 1:] &= isl_unchanged(new, js.r_chunk[:, j + 1:], changed)
    return relinked


def step(js: Jobs, j: int, alive: np.ndarray, working: np.ndarray, failed: np.ndarray,
         stops: np.ndarray, sdc: np.ndarray, load: np.ndarray, wanted: np.ndarray, dt_s: float,
         avoid: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Advance the scheduler one step (in place).

    Parameters
    ----------
    js : Jobs
        State from :func:`chunk`.
    j : int
        The step's index in the chunk given to :func:`chunk`.
    alive, working : numpy.ndarray
        Alive accelerators (spares included) and working ones, after this step's failures [-].
    failed : numpy.ndarray
        Accelerators that failed permanently in the step [-].
    stops, sdc : numpy.ndarray or None
        Stops and detected SDCs on each satellite's working accelerators in the step [-]; None: those of the
        chunk's events given to :func:`events` (then ``failed`` is read only at steps with failures).
    load, wanted : numpy.ndarray
        Each satellite's compute load and the load its working accelerators want [fraction of IT power]: a
        satellite runs at ``load / wanted`` of full speed.
    dt_s : float
        Step [s].
    avoid : (numpy.ndarray, numpy.ndarray), optional
        Satellites with a collision-avoidance outage this step and the share of the step each still computes:
        the placed accelerator-time their outages stall (a slot runs at its slowest satellite's pace) is tallied
        for the measured ``orbital.availability_avoidance`` (the stall itself comes through ``load``).

    Notes
    -----
    Training jobs are few (fleet accelerators / job size) and stepped as arrays; inference replicas are many,
    so only those owing a restart or retry, hit this step or on a throttled satellite are stepped, the others
    each add their size x step of useful time (the per-step cost is then independent of the replica count).
    """
    relinked = _relink(js, j)
    failed = np.asarray(failed, np.int64)
    any_failed = stops is not None and bool(failed.any())  # working accelerators change only with failures
    lay = js.layout
    nt = js.n_train
    # events on the layout the step began with; a failure hits a uniform one of the chips alive before it
    if stops is None:  # the chunk's events, given sparsely (:func:`events`)
        ev = js.events
        rows = tuple((sat[b[j]:b[j + 1]], n[b[j]:b[j + 1]]) for b, sat, n in ev[:2])
        any_failed = bool(ev[2][j]) and bool(failed.any())
    else:
        rows = (_sparse(stops), _sparse(sdc))
    slots, u, ev_kind = _hits(js, rows, js.working)
    is_stop = (ev_kind == 0).astype(float)  # the rest: detected SDCs (retried)
    if any_failed or relinked:
        chips = np.maximum(np.asarray(alive, np.int64) + failed, 1) if any_failed else None
        f_slot, f_u, _ = _hits(js, (_sparse(failed),), chips) if any_failed else (np.zeros(0, np.int64), np.zeros(0),
                                                                                  None)
        split = _split(js) if relinked else np.zeros(0, np.int64)  # links broken: those jobs stop at the start
        slots = np.concatenate([slots, f_slot, split])
        u = np.concatenate([u, f_u, np.zeros(split.size)])
        is_stop = np.concatenate([is_stop, np.ones(f_slot.size + split.size)])
    if slots.size:
        hit, inv = _unique(slots, return_inverse=True)
        o = np.lexsort((u, inv))  # the first event of each slot hit (ufunc.at is slow)
        inv_o = inv[o]
        first = np.empty(o.size, dtype=bool)
        first[0] = True
        np.not_equal(inv_o[1:], inv_o[:-1], out=first[1:])
        u_first = u[o][first]
    else:
        hit, inv, u_first = slots, slots, u
    slow_sats = np.flatnonzero(load < wanted)
    slow, slow_speed = _on_satellites(js, slow_sats, load[slow_sats] / wanted[slow_sats])
    if avoid is not None and slow.size:  # the outages' share of the slow slots' time (slots on them are slow)
        _tally_stalls(js, slow, avoid[0], np.asarray(avoid[1]), dt_s)
    extra = [x[np.searchsorted(x, nt):] for x in (hit, slow)]
    if js.owing.size:
        extra.append(js.owing)
    reps = _unique(np.concatenate(extra)) if len(extra) > 1 or extra[0].size else extra[0]
    sel = np.concatenate([js.train_slots, reps])  # the slots stepped, ascending: every training job first
    spd = np.ones(sel.size)
    if slow.size:
        spd[np.searchsorted(sel, slow)] = slow_speed
    running = lay.running[sel]
    t = np.where(running, dt_s, 0.0)
    n_hit_t = int(np.searchsorted(hit, nt))
    useful = 0.0
    if hit.size:
        pos_hit = np.searchsorted(sel, hit)
        t[pos_hit] = u_first * dt_s
        useful += sum(_advance(js, sel, t, spd, nt))
        n_stops = np.bincount(inv, weights=is_stop, minlength=hit.size)
        n_t, n_r = _stop(js, hit, n_stops, np.bincount(inv, weights=1.0 - is_stop, minlength=hit.size))
        useful += sum(_advance(js, hit, (1.0 - u_first) * dt_s, spd[pos_hit], n_hit_t))
    else:
        useful += sum(_advance(js, sel, t, spd, nt))
        n_t = n_r = 0
    size_sel = js.size[sel] * running
    rest = (lay.placed_r - float(size_sel[nt:].sum())) * dt_s  # replicas not stepped
    js.totals["useful_r"] += rest
    useful += rest
    js.totals["placed_t"] += float(size_sel[:nt] @ spd[:nt]) * dt_s
    js.totals["placed_r"] += (lay.placed_r - float(size_sel[nt:] @ (1.0 - spd[nt:]))) * dt_s
    js.totals["placed_raw"] += (lay.placed_r + float(size_sel[:nt].sum())) * dt_s
    js.totals["working"] += lay.working * dt_s
    js.totals["restarts_t"] += n_t
    js.totals["restarts_r"] += n_r
    owing = reps[js.down[reps] > 0]
    # re-place when capacity or links changed; an evicted job stops (its restart is paid when it runs again)
    if relinked or (any_failed and not np.array_equal(working, js.working)):
        old = lay.running
        js.working = np.array(working, np.int64)  # a copy: the layout keeps it
        moved = np.flatnonzero((js.graph.label != lay.label) | (js.working != lay.working_sat))
        js.layout = _replace(js.work, lay, js.cluster, js.rank, js.graph.label, js.sat_cluster, js.working,
                             _unique(js.sat_cluster[moved]))
        evicted = np.flatnonzero(old & ~js.layout.running)
        if evicted.size:
            _stop(js, evicted, np.ones(evicted.size), np.zeros(evicted.size))
            owing = np.union1d(owing, evicted[evicted >= nt])
        if relinked:
            js.connected = _connected_share(js.graph.label, js.sat_cluster)
    js.owing = owing
    js.totals["connected"] += js.connected
    lay = js.layout
    i, s = js.i, js.series
    s["useful_accelerators"][i] = useful / dt_s
    s["jobs_running"][i] = lay.jobs_running
    s["jobs_waiting"][i] = nt - lay.jobs_running
    s["replicas_running"][i] = lay.replicas_running
    s["replicas_waiting"][i] = js.size.size - nt - lay.replicas_running
    s["job_restarts"][i] = n_t
    s["replica_restarts"][i] = n_r
    s["isl_components"][i] = js.graph.components
    js.totals["waiting"] += nt - lay.jobs_running
    js.i += 1


def _tally_stalls(js: Jobs, slots: np.ndarray, sats: np.ndarray, keep: np.ndarray, dt_s: float) -> None:
    """Add the placed accelerator-seconds stalled by outages of ``sats`` (each computing ``keep`` of the step);
    ``slots``: placed slots (ascending) that include every one on those satellites that stall."""
    out = keep < 1.0  # the others stall nothing
    on, least = _on_satellites(js, sats[out], keep[out])
    lost = np.zeros(slots.size)
    at = np.minimum(np.searchsorted(slots, on), max(slots.size - 1, 0))
    mine = slots[at] == on if slots.size else np.zeros(0, dtype=bool)
    lost[at[mine]] = 1.0 - least[mine]
    js.totals["avoid_lost"] += float(js.size[slots] @ lost) * dt_s


def summary(js: Jobs, nameplate_accelerators: float, dt_s: float) -> dict[str, float]:
    """Measured attrs under the steady-state keys (``orbital.*``) and the scheduler's own (``twin.*``).

    ``nameplate_accelerators``: satellites x active accelerators per satellite (the availability's base).
    """
    t = js.totals
    steps = max(js.i, 1)
    g_t = t["useful_t"] / t["placed_t"] if t["placed_t"] > 0 else float("nan")
    g_i = t["useful_r"] / t["placed_r"] if t["placed_r"] > 0 else float("nan")
    share = js.work.training_share
    mix = (share * g_t if share > 0 else 0.0) + ((1.0 - share) * g_i if share < 1 else 0.0)
    return {
        "orbital.training_goodput_fraction": float(g_t),
        "orbital.inference_goodput_fraction": float(g_i),
        "orbital.goodput_fraction": float(mix),
        "orbital.availability": float((t["useful_t"] + t["useful_r"]) / (nameplate_accelerators * steps * dt_s)),
        "orbital.availability_avoidance": float(1.0 - t["avoid_lost"] / t["placed_raw"]) if t["placed_raw"] > 0
        else float("nan"),
        "twin.placed_fraction": float(t["placed_raw"] / t["working"]) if t["working"] > 0 else float("nan"),
        "twin.isl_connected_fraction": float(t["connected"] / steps),
        "twin.isl_range_m": float(js.work.isl_range_km * 1e3),
        "twin.isl_rebuilds": int(js.graph.rebuilds),
        "twin.training_jobs": int(js.n_train),
        "twin.inference_replicas": int(js.size.size - js.n_train),
        "twin.job_restarts": int(t["restarts_t"]),
        "twin.replica_restarts": int(t["restarts_r"]),
        "twin.jobs_waiting_mean": float(t["waiting"] / steps),
        "twin.checkpoint_interval_h": float(js.work.checkpoint_interval_s / 3600.0),
        "twin.training_job_hours": float(t["placed_t"] / js.work.job_size / 3600.0),
        "twin.replica_hours": float(t["placed_r"] / js.work.replica_size / 3600.0),
    }


def outputs(js: Jobs, nameplate_accelerators: float, dt_s: float,
            watts_per_accelerator: float) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Time series (``useful_compute_w`` [W], jobs and replicas running/waiting, restarts, ISL components) and
    the attrs of :func:`summary`."""
    series = {k: v for k, v in js.series.items() if k != "useful_accelerators"}
    series["useful_compute_w"] = js.series["useful_accelerators"] * watts_per_accelerator
    return series, summary(js, nameplate_accelerators, dt_s)
