"""Effects of the dose on AI accelerators: silent data corruptions, job interrupts, total-ionizing-dose margin and
the goodput of training (checkpoint/restart) and inference (retry per replica), scaled from the per-rad event rates
that Google's Suncatcher study measured on Trillium (TPU v6e) in a 67 MeV proton beam.

Measured rates (Agüera y Arcas et al., arXiv:2511.19468 v2, sec. 2.3 and 4.3), per rad(Si):

- silent data corruption (core logic and on-chip SRAM): one per 14.4-20 rad per chip, "approximately one
  event/17 rad" (sec. 2.3);
- HBM uncorrectable ECC errors: one per ~44 rad per chip, "averaged over 203 events" (sec. 4.3);
- system-level crashes (TPU SEFI): "once per 5 krad of dose per chip" (sec. 4.3);
- host SEFI (crashes, reboots): "one such event per 450 rad(Si) for CPU and 400 rad(Si) for RAM" (sec. 2.3), per
  host.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from terawatt._arrays import is_plus_zero, is_sampled, where_all
from terawatt._buffers import into
from terawatt.constants import HOURS_PER_YEAR, SECONDS_PER_YEAR
from terawatt.physics._checks import check_range, extremes
from terawatt.physics.radiation._common import Workload, _out


def _non_negative(x: npt.ArrayLike, name: str, unit: str) -> np.ndarray:
    return check_range(x, name, 0.0, np.inf, unit)


# ------------------------------------------------------------------------------------------ effects on compute
def sdc_events_per_chip_year(dose_rad_per_yr: npt.ArrayLike, sdc_per_chip_per_rad: npt.ArrayLike) -> np.ndarray:
    """Silent data corruptions per accelerator per year [1/yr] = dose rate x events per rad.

    Parameters
    ----------
    dose_rad_per_yr : array_like
        Ionizing dose rate at the chip [rad(Si)/yr].
    sdc_per_chip_per_rad : array_like
        Silent data corruptions per chip per rad [1/rad] (registry ``radiation.sdc_per_chip_per_rad``;
        Suncatcher: ~1/17).

    Notes
    -----
    Single-event rates scale with the particle fluence; using dose as the proxy assumes the orbit's spectrum
    behind the shield resembles the 67 MeV test beam per rad (Suncatcher's assumption: 1 rad ~ 7.9e6 protons/cm2,
    cross-section :math:`\\sigma \\approx 1.27\\times10^{-7}/D` cm2/chip for D rad per event), which holds for
    trapped protons behind ~10 mm Al but underestimates GCR heavy-ion effects. The SDCs arise in core logic and
    on-chip SRAM, so the rate is per chip and not scaled with memory capacity.

    References
    ----------
    .. [1] Agüera y Arcas, B. et al., Towards a future space-based, highly scalable AI infrastructure system
       design, arXiv:2511.19468 v2, 2025, sec. 2.3 and 4.3 (Trillium TPU proton tests).
    """
    return _out(np.asarray(dose_rad_per_yr, float) * np.asarray(sdc_per_chip_per_rad, float))


def hbm_capacity_factor(hbm_gb: npt.ArrayLike, reference_hbm_gb: npt.ArrayLike,
                        exponent: npt.ArrayLike) -> np.ndarray:
    r"""Multiplier on a per-chip HBM error rate measured on a part with ``reference_hbm_gb`` of memory [-].

    Parameters
    ----------
    hbm_gb : array_like
        HBM capacity of the accelerator [GB], > 0.
    reference_hbm_gb : array_like
        HBM capacity of the tested part [GB], > 0 (Trillium TPU v6e: 32 GB).
    exponent : array_like
        Capacity exponent k [-] in [0, 1] (registry ``radiation.hbm_capacity_exponent``).

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`(C / C_{ref})^k`: 1 for k = 0 ("per chip as tested"), :math:`C / C_{ref}` for k = 1 ("per bit").
    """
    c = np.asarray(hbm_gb, float)
    ref = np.asarray(reference_hbm_gb, float)
    k = np.asarray(exponent, float)
    if c.ndim == ref.ndim == k.ndim == 0:  # plain float comparisons, the same verdicts (NaN fails each)
        capacities_ok, exponent_ok = float(c) > 0 and float(ref) > 0, 0 <= float(k) <= 1
    elif c.ndim == ref.ndim == 0 and k.size:  # sampled exponents: the verdict from their extremes (NaN fails it)
        capacities_ok = float(c) > 0 and float(ref) > 0
        low, high = extremes(k)
        exponent_ok = bool(low >= 0 and high <= 1)
    else:
        capacities_ok = not (np.any(~(c > 0)) or np.any(~(ref > 0)))
        exponent_ok = not np.any(~((k >= 0) & (k <= 1)))
    if not capacities_ok:
        raise ValueError("hbm_gb and reference_hbm_gb must be > 0 [GB]")
    if not exponent_ok:
        raise ValueError("exponent must be in [0, 1] [-]")
    return _out((c / ref) ** k)


def interrupts_per_chip_year(dose_rad_per_yr: npt.ArrayLike, hbm_uecc_per_chip_per_rad: npt.ArrayLike,
                             sefi_per_chip_per_rad: npt.ArrayLike,
                             host_sefi_per_host_per_rad: npt.ArrayLike = 0.0,
                             accelerators_per_host: npt.ArrayLike = 1.0,
                             hbm_capacity_factor: npt.ArrayLike = 1.0) -> np.ndarray:
    r"""Radiation events per accelerator per year that stop the job or replica using it [1/yr].

    Parameters
    ----------
    dose_rad_per_yr : array_like
        Dose rate at the chip [rad(Si)/yr].
    hbm_uecc_per_chip_per_rad : array_like
        HBM uncorrectable ECC errors per chip per rad [1/rad] as measured (Suncatcher: ~1/44 on 32 GB).
    sefi_per_chip_per_rad : array_like
        Accelerator system crashes (single-event functional interrupts) per chip per rad [1/rad] (~1/5,000).
    host_sefi_per_host_per_rad : array_like, optional
        Host crashes and reboots per host per rad [1/rad] (CPU ~1/450 + RAM ~1/400); each stops every
        accelerator on the host.
    accelerators_per_host : array_like, optional
        Accelerators sharing one host [-], >= 1 (DGX-class servers and TPU v6e hosts: 8).
    hbm_capacity_factor : array_like, optional
        Multiplier on the HBM rate for a memory capacity other than the tested one (:func:`hbm_capacity_factor`).

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`\lambda = \dot D\,(r_{UE} f_{HBM} + r_{SEFI} + r_{host}/n_{host})`.

    Notes
    -----
    A host event stops all :math:`n_{host}` accelerators on it at once; per accelerator it counts
    :math:`1/n_{host}` of an event, which is exact for the job- or replica-level rate when a job spans whole hosts
    (:func:`job_interrupts_per_hour` multiplies by the accelerators in the job). See
    :func:`sdc_events_per_chip_year` for the dose proxy.
    """
    d = np.asarray(dose_rad_per_yr, float)
    per_host = np.asarray(accelerators_per_host, float)
    if np.any(~(per_host >= 1)):
        raise ValueError("accelerators_per_host must be >= 1 [-]")
    rates = _sum_left_to_right(
        np.asarray(hbm_uecc_per_chip_per_rad, float) * np.asarray(hbm_capacity_factor, float),
        np.asarray(sefi_per_chip_per_rad, float),
        np.asarray(host_sefi_per_host_per_rad, float) / per_host,
    )
    return _out(into(rates, np.multiply, d, rates))


def _sum_left_to_right(first: np.ndarray, *terms: np.ndarray) -> np.ndarray:
    """``first + terms[0] + terms[1] + ...``, left to right, the same values bitwise, in ``first``'s buffer where
    it can be (``first``: a product of the caller's own; :func:`terawatt._buffers.into`), with the one-value +0
    terms after the first addition skipped: a sum is -0 only where both its terms are, so once one term has been
    added no value is -0, and x + (+0) is x for every x but -0."""
    total, added = first, False
    for term in terms:
        if added and is_plus_zero(term):
            continue
        total, added = into(total, np.add, total, term), True
    return total


def job_interrupts_per_hour(chip_interrupts_per_yr: npt.ArrayLike, accelerators_per_job: npt.ArrayLike) -> np.ndarray:
    """Interrupts per hour of a job spanning N accelerators [1/h] = N x per-chip rate / 8,760 h (independent chips)."""
    per_job = np.asarray(chip_interrupts_per_yr, float) * np.asarray(accelerators_per_job, float)
    return _out(into(per_job, np.true_divide, per_job, HOURS_PER_YEAR))  # in the product's buffer


def per_million_inferences(events_per_chip_year: npt.ArrayLike,
                           inferences_per_s_per_accelerator: npt.ArrayLike) -> np.ndarray:
    r"""Events per million inferences [-] for an accelerator serving a given rate of inferences.

    Parameters
    ----------
    events_per_chip_year : array_like
        Events per accelerator per year [1/yr] (e.g. :func:`sdc_events_per_chip_year`).
    inferences_per_s_per_accelerator : array_like
        Inferences completed per second per accelerator [1/s], > 0 (Suncatcher's statement assumes 1).

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`10^6\,\lambda / (r\,T_{yr})` with :math:`T_{yr}` = 3.1536e7 s. An inference on a replica of N chips
        is exposed to N chips, but N chips also serve N times the inferences, so the ratio is per chip.

    Notes
    -----
    Suncatcher (sec. 2.3): "approximately one event/17 rad, at an estimated orbital dose of 150 rad(Si)/year,
    translates to ... on the order of 1 per 3 million inferences, assuming 1 inference per second":
    150 / 17 = 8.8 per year over 3.15e7 inferences = 1 per 3.6 million.
    """
    rate = np.asarray(inferences_per_s_per_accelerator, float)
    if np.any(~(rate > 0)):
        raise ValueError("inferences_per_s_per_accelerator must be > 0 [1/s]")
    return _out(1e6 * np.asarray(events_per_chip_year, float) / (rate * SECONDS_PER_YEAR))


def tid_margin(tid_tolerance_rad: npt.ArrayLike, dose_rad_per_yr: npt.ArrayLike,
               lifetime_yr: npt.ArrayLike) -> np.ndarray:
    """Total-ionizing-dose margin [-]: tolerance / dose accumulated over the lifetime (> 1 survives).

    Parameters
    ----------
    tid_tolerance_rad : array_like
        Dose the part tolerates [rad(Si)] (Trillium: HBM irregularities from ~2,000; no hard failure at 15,000).
    dose_rad_per_yr : array_like
        Dose rate [rad(Si)/yr].
    lifetime_yr : array_like
        Mission lifetime [yr].

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`T / (\\dot D\\,L)`; infinite where no dose accumulates.
    """
    d = np.asarray(dose_rad_per_yr, float) * np.asarray(lifetime_yr, float)
    tol = np.asarray(tid_tolerance_rad, float)
    if is_sampled(d) and d.min() > 0:  # every sample dosed (one reduction; NaN fails it): np.where's values
        return into(d, np.true_divide, tol, d)  # in the buffer of the dose d (computed here)
    with np.errstate(divide="ignore"):
        dosed = d > 0  # where_all: np.where's values, without the copies where every sample is dosed
        return _out(where_all(dosed, tol / where_all(dosed, d, 1.0), np.inf))


# --------------------------------------------------------------------------------------------------- goodput
def goodput_fraction(interrupts_per_job_hour: npt.ArrayLike, checkpoint_cost_h: npt.ArrayLike,
                     restart_cost_h: npt.ArrayLike, workload: Workload = "training") -> np.ndarray:
    r"""Fraction of accelerator time doing useful work under interrupts [-].

    Parameters
    ----------
    interrupts_per_job_hour : array_like
        Rate of events that stop the job (training) or the replica (inference) [1/h]
        (:func:`job_interrupts_per_hour`).
    checkpoint_cost_h : array_like
        Time to write one checkpoint, delta [h] (training only).
    restart_cost_h : array_like
        Time to detect, restart and reload after an interrupt, R [h]; for inference the time a replica is
        lost per event (reset and reload of the weights).
    workload : {'training', 'inference'}
        Checkpoint/restart (training) or retry (inference).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Goodput in [0, 1].

    Notes
    -----
    Training: with mean time between interrupts :math:`M = 1/\lambda`, Young's optimal checkpoint interval
    :math:`\tau = \sqrt{2\delta M}` (Daly's first-order form); the goodput at that interval is Daly's
    higher-order expression for exponential interrupts, in which a restart hit by an interrupt starts over:

    .. math:: G = \frac{\lambda\tau\,e^{-\lambda R}}{e^{\lambda(\tau+\delta)} - 1}
              \approx 1 - \frac{\delta}{\tau} - \lambda\Big(\frac{\tau}{2} + R\Big)
              = 1 - \sqrt{2\delta\lambda} - R\lambda

    (the first-order form, which charges every interrupt a half interval of rework even during a restart, is
    low by about :math:`\lambda R\sqrt{2\delta\lambda}`: 0.001 at Llama 3's rate, 0.07 for a 1,024-accelerator
    job at the default orbit's 2.5 interrupts per hour; measured by the operations twin, tests/test_twin_jobs.py).
    Inference: each event costs R of a replica's time, :math:`G = 1 - \lambda R`, floored at 0. Both give 1 when
    :math:`\lambda = 0`. Calibration: Llama 3's 419 unexpected interruptions in 54 days on 16,384 H100
    (:math:`\lambda` = 0.323/h) with "higher than 90% effective training time" (Dubey et al. 2024, sec. 3.3.4).

    References
    ----------
    .. [1] Young, J. W., A first order approximation to the optimum checkpoint interval, *Commun. ACM* 17,
       530-531, 1974.
    .. [2] Daly, J. T., A higher order estimate of the optimum checkpoint interval for restart dumps, *Future
       Gener. Comput. Syst.* 22, 303-312, 2006.
    .. [3] Dubey, A. et al. (Llama Team, Meta), The Llama 3 herd of models, arXiv:2407.21783, 2024, sec. 3.3.4.
    """
    if workload not in ("training", "inference"):
        raise ValueError(f"workload must be 'training' or 'inference', got {workload!r}")
    lam = _non_negative(interrupts_per_job_hour, "interrupts_per_job_hour", "1/h")
    delta = _non_negative(checkpoint_cost_h, "checkpoint_cost_h", "h")
    r = _non_negative(restart_cost_h, "restart_cost_h", "h")
    if workload == "inference":
        return _out(np.clip(1.0 - lam * r, 0.0, 1.0))
    lam1 = np.where(lam > 0, lam, 1.0)
    tau = np.sqrt(2.0 * delta / lam1)
    x = lam1 * (tau + delta)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # lambda tau / (e^x - 1) -> 1 as delta -> 0 (no checkpoint cost: checkpoint continuously)
        kept = np.where(x > 0, lam1 * tau / np.where(x > 0, np.expm1(x), 1.0), 1.0)
    g = kept * np.exp(-lam1 * r)
    return _out(np.where(lam > 0, np.clip(np.nan_to_num(g), 0.0, 1.0), 1.0))


def inference_goodput_fraction(stops_per_replica_hour: npt.ArrayLike, replica_restart_cost_h: npt.ArrayLike,
                               retries_per_replica_hour: npt.ArrayLike = 0.0,
                               retry_cost_h: npt.ArrayLike = 0.0) -> np.ndarray:
    r"""Fraction of an inference replica's time serving requests [-] under stops and retried requests.

    Parameters
    ----------
    stops_per_replica_hour : array_like
        Events that take the replica down (crash, uncorrectable memory error, host reboot) [1/h].
    replica_restart_cost_h : array_like
        Replica time lost per stop: detect, reset, reload the weights, rejoin the pool [h].
    retries_per_replica_hour : array_like, optional
        Requests that must be run again (detected silent data corruptions) [1/h].
    retry_cost_h : array_like, optional
        Replica time one retried request costs [h].

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`G = 1 - \lambda_{stop} R - \lambda_{retry} r`, in [0, 1].
    """
    lam = _non_negative(stops_per_replica_hour, "stops_per_replica_hour", "1/h")
    r = _non_negative(replica_restart_cost_h, "replica_restart_cost_h", "h")
    rho = _non_negative(retries_per_replica_hour, "retries_per_replica_hour", "1/h")
    t = _non_negative(retry_cost_h, "retry_cost_h", "h")
    # (1 - lam r) - rho t in the buffer of lam r; x - (+0) is x, so a one-value +0 retry term is no pass
    stops = lam * r
    g = into(stops, np.subtract, 1.0, stops)
    retries = rho * t
    if not is_plus_zero(retries):
        g = into(g, np.subtract, g, retries)
    if is_sampled(g) and g.min() >= 0.0:  # one reduction: 1 less non-negative terms is at most 1 (NaN fails it)
        return g
    return _out(np.clip(g, 0.0, 1.0))


# ---------------------------------------------------------------------- goodput under a modulated interrupt rate
#: Smallest probability that a restart completes (in the likeliest state) for which
#: :func:`modulated_goodput_fraction` is evaluated; below it the goodput (< ~1e-12) is 0.
RESTART_FLOOR = 1e-13


#: Samples evaluated together by :func:`modulated_goodput_fraction`: the temporaries of one block stay in the
#: processor's cache (the result does not depend on it).
_BLOCK = 8192
#: The entries of a symmetric 3 x 3 matrix kept (upper triangle, row by row).
_UPPER = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
#: Sign of the off-diagonal entry (i, j) of the stored projectors, by i + j (pairs (0, 1) and (1, 2) negated).
_SIGN = {1: -1.0, 2: 1.0, 3: -1.0}


def _tridiagonal_eigen(d: list[np.ndarray], e1: np.ndarray, e2: np.ndarray
                       ) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Eigenvalues and spectral projectors of symmetric tridiagonal 3 x 3 matrices (diagonal ``d``,
    off-diagonals ``e1``, ``e2`` > 0), elementwise over arrays: the trigonometric solution of the characteristic
    cubic (Smith 1961); each eigenvector :math:`z` as the longer of two cross products of rows of
    :math:`S - \\mu I`, its projector :math:`zz^T/|z|^2` as the six entries of :data:`_UPPER`, those of the
    pairs (0, 1) and (1, 2) with the opposite sign (:data:`_SIGN` restores it)."""
    q = (d[0] + d[1] + d[2]) / 3.0
    a, b, c = d[0] - q, d[1] - q, d[2] - q
    off = e1 * e1 + e2 * e2
    p = np.sqrt((a * a + b * b + c * c + 2.0 * off) / 6.0)
    det = a * (b * c - e2 * e2) - e1 * e1 * c
    r = np.clip(det / (2.0 * p**3), -1.0, 1.0)
    phi = np.arccos(r) / 3.0
    mu0 = q + 2.0 * p * np.cos(phi)
    mu2 = q + 2.0 * p * np.cos(phi + 2.0 * np.pi / 3.0)
    mus = [mu0, 3.0 * q - mu0 - mu2, mu2]
    e12, e11 = e1 * e2, e1 * e1
    projectors = np.empty((3, 6) + np.shape(mus[0]))
    for k, mu in enumerate(mus):
        s0, s2 = d[0] - mu, d[2] - mu
        u = (e1 * s2, s0 * s2, e2 * s0)  # row 0 x row 2, the middle entry's sign dropped (restored below)
        w = (e12, s0 * e2, s0 * (d[1] - mu) - e11)  # row 0 x row 1, likewise
        nu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2]
        nw = w[0] * w[0] + w[1] * w[1] + w[2] * w[2]
        pick = nu >= nw
        if np.all(pick):  # one cross product for the whole block (always so for the largest eigenvalue)
            z, scale = list(u), 1.0 / nu
        elif not np.any(pick):
            z, scale = list(w), 1.0 / nw
        else:
            z = [np.where(pick, x, y) for x, y in zip(u, w, strict=True)]
            scale = 1.0 / np.where(pick, nu, nw)
        z1s = z[1] * scale
        z2s = z[2] * scale
        pk = projectors[k]
        np.multiply(z[0], z[0] * scale, out=pk[0, ...])
        np.multiply(z[0], z1s, out=pk[1, ...])
        np.multiply(z[0], z2s, out=pk[2, ...])
        np.multiply(z[1], z1s, out=pk[3, ...])
        np.multiply(z[1], z2s, out=pk[4, ...])
        np.multiply(z[2], z2s, out=pk[5, ...])
    return mus, projectors


def _goodput_block(lam: np.ndarray, w: np.ndarray, c: np.ndarray, delta: np.ndarray,
                   r_h: np.ndarray) -> np.ndarray:
    """:func:`modulated_goodput_fraction` on one block of flat samples (``lam``, ``w``: (3, n) or (3,) for
    values shared by the block; ``c``: (2, n) or (2,); ``delta``, ``r_h``: (n,))."""
    mean = w[0] * lam[0] + w[1] * lam[1] + w[2] * lam[2]
    on = mean > 0
    tau = np.sqrt(2.0 * delta / np.where(on, mean, 1.0))
    # the symmetrized generator minus the rates: S = W^1/2 (Q - Lambda) W^-1/2
    q01, q10, q12, q21 = c[0] / w[0], c[0] / w[1], c[1] / w[1], c[1] / w[2]
    diag = [-q01 - lam[0], -q10 - q12 - lam[1], -q21 - lam[2]]
    mus, proj = _tridiagonal_eigen(diag, c[0] / np.sqrt(w[0] * w[1]), c[1] / np.sqrt(w[1] * w[2]))
    # f(A) = W^-1/2 f(S) W^1/2: f(S) = sum_k f(mu_k) P_k is symmetric; f(A)_ij = f(S)_ij sqrt(w_j / w_i)
    sw = np.sqrt(w)
    ratio = {(i, j): sw[j] / sw[i] * _SIGN[i + j] for i in range(3) for j in range(3) if i != j}

    zero = [not np.all(mu) for mu in mus]
    # F = N Lambda directly from the symmetric entries: F_ij = N~_ij sqrt(w_j / w_i) lambda_j
    rho = {(i, j): ratio[i, j] * lam[j] for i, j in ratio}
    entry = {(i, j): _UPPER.index((min(i, j), max(i, j))) for i in range(3) for j in range(3)}

    def phase(length: np.ndarray) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]], list[list[np.ndarray]]]:
        """E_L = e^{AL}, N_L = int_0^L e^{At} dt and F_L = N_L Lambda (3 x 3 lists of arrays) for a phase of
        ``length`` [h]: f(mu) = e^{mu L} and (e^{mu L} - 1)/mu (L where mu = 0)."""
        f = np.empty((2, 3) + np.shape(length))  # f(mu_k) for E and N
        for k, mu in enumerate(mus):
            z = mu * length
            np.exp(z, out=f[0, k])
            np.divide(np.expm1(z, out=z), mu, out=f[1, k])
            if zero[k]:  # mu = 0 only where every rate is 0 (rounding): N_L = L
                np.copyto(f[1, k], length, where=mu == 0)
        e, n = np.einsum("mk...,ke...->me...", f, proj)  # f(S) = sum_k f(mu_k) P_k, its six entries
        e_full = [[e[entry[i, j]] * ratio[i, j] if i != j else e[entry[i, i]] for j in range(3)] for i in range(3)]
        n_full = [[n[entry[i, j]] * ratio[i, j] if i != j else n[entry[i, i]] for j in range(3)] for i in range(3)]
        f_full = [[n[entry[i, j]] * rho[i, j] if i != j else n[entry[i, i]] * lam[i] for j in range(3)]
                  for i in range(3)]
        return e_full, n_full, f_full

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        e_s, n_s, f_s = phase(tau + delta)
        e_r, n_r, f_r = phase(np.broadcast_to(r_h, tau.shape))
        # the restart: H = (I - F_R)^-1 E_R, v = (I - F_R)^-1 N_R 1; cof: the cofactors of B = I - F_R
        b00, b11, b22 = 1.0 - f_r[0][0], 1.0 - f_r[1][1], 1.0 - f_r[2][2]
        cof = [[b11 * b22 - f_r[1][2] * f_r[2][1], f_r[1][0] * b22 + f_r[1][2] * f_r[2][0],
                f_r[1][0] * f_r[2][1] + b11 * f_r[2][0]],
               [f_r[0][1] * b22 + f_r[0][2] * f_r[2][1], b00 * b22 - f_r[0][2] * f_r[2][0],
                b00 * f_r[2][1] + f_r[0][1] * f_r[2][0]],
               [f_r[0][1] * f_r[1][2] + f_r[0][2] * b11, b00 * f_r[1][2] + f_r[0][2] * f_r[1][0],
                b00 * b11 - f_r[0][1] * f_r[1][0]]]
        inv_det = 1.0 / (b00 * cof[0][0] - f_r[0][1] * cof[0][1] - f_r[0][2] * cof[0][2])
        # F_s H = K E_R / det and F_s v = K N_R 1 / det with K = F_s adj(B) (adj(B)_lk = cof_kl)
        k_s = [[f_s[i][0] * cof[k][0] + f_s[i][1] * cof[k][1] + f_s[i][2] * cof[k][2] for k in range(3)]
               for i in range(3)]
        d_r = [n_r[i][0] + n_r[i][1] + n_r[i][2] for i in range(3)]
        # segment starts: the stationary distribution of M = E_s + F_s H, from its off-diagonal entries
        m = {(i, j): e_s[i][j] + (k_s[i][0] * e_r[0][j] + k_s[i][1] * e_r[1][j] + k_s[i][2] * e_r[2][j]) * inv_det
             for i in range(3) for j in range(3) if i != j}
        x = [m[1, 0] * (m[2, 0] + m[2, 1]) + m[1, 2] * m[2, 0],
             m[0, 1] * (m[2, 0] + m[2, 1]) + m[0, 2] * m[2, 1],
             m[0, 1] * m[1, 2] + m[0, 2] * (m[1, 0] + m[1, 2])]
        kept = sum(x[i] * (e_s[i][0] + e_s[i][1] + e_s[i][2]) for i in range(3))
        spent = sum(x[i] * (n_s[i][0] + n_s[i][1] + n_s[i][2]
                            + (k_s[i][0] * d_r[0] + k_s[i][1] * d_r[1] + k_s[i][2] * d_r[2]) * inv_det)
                    for i in range(3))
        g = tau * kept / spent
    # A restart that completes with probability < RESTART_FLOOR from every state: the goodput is below ~1e-12
    # and I - F_R is singular to rounding (its row sums are those probabilities); 0, as Daly's form underflows to.
    completes = np.maximum(np.maximum(e_r[0][0] + e_r[0][1] + e_r[0][2], e_r[1][0] + e_r[1][1] + e_r[1][2]),
                           e_r[2][0] + e_r[2][1] + e_r[2][2])
    g = np.clip(np.nan_to_num(g, copy=False), 0.0, 1.0, out=g)
    g[completes < RESTART_FLOOR] = 0.0
    g[~on] = 1.0
    return g


def modulated_goodput_fraction(state_interrupts_per_job_hour: npt.ArrayLike, occupancy: npt.ArrayLike,
                               crossings_per_h: npt.ArrayLike, checkpoint_cost_h: npt.ArrayLike,
                               restart_cost_h: npt.ArrayLike) -> np.ndarray:
    r"""Training goodput [-] under an interrupt rate modulated by a three-state birth-death Markov chain.

    Parameters
    ----------
    state_interrupts_per_job_hour : array_like
        Interrupt rate of the job in each state, (3, ...) [1/h], >= 0 (quiet, burst edge, burst core:
        :mod:`terawatt.physics.radiation.bursts`).
    occupancy : array_like
        Time fraction of each state, (3, ...) [-], each > 0, summing to 1.
    crossings_per_h : array_like
        Up-crossings per hour of the two thresholds, (2, ...) [1/h], > 0: :math:`c_1` (0 -> 1) and
        :math:`c_2` (1 -> 2); the chain moves between neighbouring states only.
    checkpoint_cost_h, restart_cost_h : array_like
        Checkpoint write time :math:`\delta` and restart time :math:`R` [h], >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Goodput in [0, 1], of the broadcast shape of the per-state arrays without their leading axis.

    Notes
    -----
    The job checkpoints every :math:`\tau = \sqrt{2\delta/\bar\Lambda}` of compute at the *mean* rate
    :math:`\bar\Lambda = \sum_k w_k\Lambda_k` (Young's interval, as the steady-state model and the operations
    twin use); an interrupt loses the segment of :math:`s = \tau + \delta` under way and costs a restart of
    :math:`R`, restarted by any interrupt during it (Daly 2006). With the generator :math:`Q` of the state
    (:math:`q_{01} = c_1/w_0`, :math:`q_{10} = c_1/w_1`, :math:`q_{12} = c_2/w_1`, :math:`q_{21} = c_2/w_2`),
    :math:`\Lambda = \mathrm{diag}(\Lambda_k)` and :math:`A = Q - \Lambda`, a phase of length :math:`L` started
    in state :math:`i` (Markov-modulated Poisson process; Neuts 1981, Fischer & Meier-Hellstern 1993):

    - completes in state :math:`j` with probability :math:`E_L = e^{AL}`;
    - is interrupted in state :math:`j` with probability :math:`F_L = N_L\Lambda`,
      :math:`N_L = \int_0^L e^{At}dt`, and lasts on average :math:`N_L\mathbf 1`.

    A restart ends in state :math:`j` after :math:`H = (I - F_R)^{-1}E_R`, in expected time
    :math:`v = (I - F_R)^{-1}N_R\mathbf 1`; segments start in the stationary distribution :math:`x` of
    :math:`M = E_s + F_sH` (by the Markov chain tree theorem, e.g. :math:`x_0 \propto M_{10}M_{20} + M_{10}M_{21}
    + M_{12}M_{20}`), and the renewal-reward theorem gives

    .. math:: G = \frac{\tau\, x E_s\mathbf 1}{x\,(N_s\mathbf 1 + F_s v)}.

    At a constant rate (all :math:`\Lambda_k` equal) this is Daly's :math:`\Lambda\tau e^{-\Lambda R}/
    (e^{\Lambda(\tau+\delta)} - 1)` (:func:`goodput_fraction`; to rounding). A birth-death chain is reversible,
    so :math:`S = W^{1/2}AW^{-1/2}` (:math:`W = \mathrm{diag}(w)`) is symmetric tridiagonal: its eigenvalues
    (trigonometric cubic) and eigenvectors give :math:`e^{AL}` and :math:`N_L = L\varphi_1(AL)`,
    :math:`\varphi_1(z) = (e^z - 1)/z`, in closed form, elementwise over the samples (no matrix library call):
    :math:`f(S) = \sum_k f(\mu_k)P_k` is symmetric (six entries), :math:`F_sH` enters through
    :math:`F_s\,\mathrm{adj}(I - F_R)` and only the off-diagonal entries of :math:`M`, and the samples are
    evaluated in blocks of 8,192 (the temporaries stay in cache; ``benchmarks/bench_goodput.py``).
    :math:`\delta` is floored at 1e-12 h (a zero checkpoint cost is its limit). Where a restart completes with
    probability below :data:`RESTART_FLOOR` (1e-13) from every state, :math:`I - F_R` is singular to rounding and
    the goodput (below ~1e-12) is returned as 0, as Daly's form underflows to 0.

    References
    ----------
    .. [1] Daly, J. T., A higher order estimate of the optimum checkpoint interval for restart dumps, *Future
       Gener. Comput. Syst.* 22, 303-312, 2006.
    .. [2] Neuts, M. F., *Matrix-Geometric Solutions in Stochastic Models*, Johns Hopkins, 1981 (Markovian
       arrival processes).
    .. [3] Fischer, W. and Meier-Hellstern, K., The Markov-modulated Poisson process (MMPP) cookbook,
       *Perform. Eval.* 18, 149-171, 1993.
    .. [4] Smith, O. K., Eigenvalues of a symmetric 3 x 3 matrix, *Commun. ACM* 4, 168, 1961.
    """
    lam = np.asarray(state_interrupts_per_job_hour, float)
    w = np.asarray(occupancy, float)
    c = np.asarray(crossings_per_h, float)
    if lam.shape[:1] != (3,) or w.shape[:1] != (3,) or c.shape[:1] != (2,):
        raise ValueError("state_interrupts_per_job_hour and occupancy need a leading axis of 3 states, "
                         "crossings_per_h one of 2 thresholds")
    if np.any(~(lam >= 0)):
        raise ValueError("state_interrupts_per_job_hour must be >= 0 [1/h]")
    if np.any(~(w > 0)) or np.any(~(c > 0)):
        raise ValueError("occupancy [-] and crossings_per_h [1/h] must be > 0")
    delta = np.maximum(_non_negative(checkpoint_cost_h, "checkpoint_cost_h", "h"), 1e-12)
    r_h = _non_negative(restart_cost_h, "restart_cost_h", "h")
    shape = np.broadcast_shapes(lam.shape[1:], w.shape[1:], c.shape[1:], np.shape(delta), np.shape(r_h))

    def flat(x: np.ndarray) -> np.ndarray:
        """Per-state arrays as (k, samples); 0-d ones (a fixed orbit's state statistics, fixed rates) stay (k,):
        what depends on them only (the eigen decomposition when the rates are fixed) is computed once a block."""
        if x.ndim == 1:
            return x
        x = x.reshape(x.shape[:1] + (1,) * (len(shape) - x.ndim + 1) + x.shape[1:])
        return np.broadcast_to(x, x.shape[:1] + shape).reshape(x.shape[0], -1)

    lam, w, c = flat(lam), flat(w), flat(c)
    delta, r_h = (np.broadcast_to(x, shape).reshape(-1) for x in (delta, r_h))
    n = delta.size
    g = np.empty(n)
    for start in range(0, n, _BLOCK):
        cut = slice(start, start + _BLOCK)
        lam_b, w_b, c_b = (x if x.ndim == 1 else x[:, cut] for x in (lam, w, c))
        g[cut] = _goodput_block(lam_b, w_b, c_b, delta[cut], r_h[cut])
    return _out(g.reshape(shape))
