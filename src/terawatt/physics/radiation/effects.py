"""Effects of the dose on AI accelerators: silent data corruptions, job interrupts, total-ionizing-dose margin
and checkpoint/restart goodput, scaled from the per-rad event rates of Google's Trillium (TPU v6e) proton tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from terawatt.constants import HOURS_PER_YEAR
from terawatt.physics.radiation._common import Workload, _out


# ------------------------------------------------------------------------------------------ effects on compute
def sdc_events_per_chip_year(dose_rad_per_yr: npt.ArrayLike, sdc_per_chip_per_rad: npt.ArrayLike) -> np.ndarray:
    """Silent data corruptions per accelerator per year [1/yr] = dose rate x events per rad.

    Parameters
    ----------
    dose_rad_per_yr : array_like
        Ionizing dose rate at the chip [rad(Si)/yr].
    sdc_per_chip_per_rad : array_like
        Silent data corruptions per chip per rad [1/rad] (registry ``radiation.sdc_per_chip_per_rad``).

    Notes
    -----
    Single-event rates scale with the particle fluence; using dose as the proxy assumes the orbit's spectrum
    behind the shield resembles the 67 MeV test beam per rad (Suncatcher's assumption), which holds for trapped
    protons behind ~10 mm Al but underestimates GCR heavy-ion effects.

    References
    ----------
    .. [1] Agüera y Arcas, B. et al., Towards a future space-based, highly scalable AI infrastructure system
       design, arXiv:2511.19468, 2025 (Trillium TPU proton tests).
    """
    return _out(np.asarray(dose_rad_per_yr, float) * np.asarray(sdc_per_chip_per_rad, float))


def interrupts_per_chip_year(dose_rad_per_yr: npt.ArrayLike, hbm_uecc_per_chip_per_rad: npt.ArrayLike,
                             functional_interrupts_per_chip_per_rad: npt.ArrayLike) -> np.ndarray:
    """Events per accelerator per year that stop its job [1/yr]: HBM uncorrectable ECC errors + functional interrupts.

    Parameters
    ----------
    dose_rad_per_yr : array_like
        Dose rate at the chip [rad(Si)/yr].
    hbm_uecc_per_chip_per_rad : array_like
        HBM uncorrectable ECC errors per chip per rad [1/rad].
    functional_interrupts_per_chip_per_rad : array_like
        Single-event functional interrupts (hangs, resets) per chip per rad [1/rad].

    Notes
    -----
    :math:`\\lambda = \\dot D\\,(r_{UE} + r_{SEFI})`; see :func:`sdc_events_per_chip_year` for the dose proxy.
    """
    d = np.asarray(dose_rad_per_yr, float)
    return _out(d * (np.asarray(hbm_uecc_per_chip_per_rad, float)
                     + np.asarray(functional_interrupts_per_chip_per_rad, float)))


def job_interrupts_per_hour(chip_interrupts_per_yr: npt.ArrayLike, accelerators_per_job: npt.ArrayLike) -> np.ndarray:
    """Interrupts per hour of a job spanning N accelerators [1/h] = N x per-chip rate / 8,760 h (independent chips)."""
    return _out(np.asarray(chip_interrupts_per_yr, float) * np.asarray(accelerators_per_job, float) / HOURS_PER_YEAR)


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
    with np.errstate(divide="ignore"):
        return _out(np.where(d > 0, tol / np.where(d > 0, d, 1.0), np.inf))


def goodput_fraction(interrupts_per_job_hour: npt.ArrayLike, checkpoint_cost_h: npt.ArrayLike,
                     restart_cost_h: npt.ArrayLike, workload: Workload = "training") -> np.ndarray:
    r"""Fraction of accelerator time doing useful work under radiation-induced interrupts [-].

    Parameters
    ----------
    interrupts_per_job_hour : array_like
        Rate of events that stop the job [1/h] (:func:`job_interrupts_per_hour`).
    checkpoint_cost_h : array_like
        Time to write one checkpoint, delta [h] (training only).
    restart_cost_h : array_like
        Time to detect, restart and reload after an interrupt, R [h]; for inference the time a replica is
        lost per event (retry and reload).
    workload : {'training', 'inference'}
        Checkpoint/restart (training) or retry (inference).

    Returns
    -------
    numpy.ndarray or numpy.float64
        Goodput in [0, 1].

    Notes
    -----
    Training: with mean time between interrupts :math:`M = 1/\lambda`, Young's optimal checkpoint interval
    :math:`\tau = \sqrt{2\delta M}` (Daly's first-order form) loses :math:`\delta/\tau` to writing checkpoints and,
    per interrupt, half an interval of rework plus the restart:
    :math:`G = 1 - \delta/\tau - (\tau/2 + R)/M`, floored at 0. Inference: each event costs R of a replica's
    time, :math:`G = 1 - \lambda R`, floored at 0. Both give 1 when :math:`\lambda = 0`.

    References
    ----------
    .. [1] Young, J. W., A first order approximation to the optimum checkpoint interval, *Commun. ACM* 17,
       530-531, 1974.
    .. [2] Daly, J. T., A higher order estimate of the optimum checkpoint interval for restart dumps, *Future
       Gener. Comput. Syst.* 22, 303-312, 2006.
    """
    if workload not in ("training", "inference"):
        raise ValueError(f"workload must be 'training' or 'inference', got {workload!r}")
    lam = np.asarray(interrupts_per_job_hour, float)
    delta, r = np.asarray(checkpoint_cost_h, float), np.asarray(restart_cost_h, float)
    for name, v in (("interrupts_per_job_hour", lam), ("checkpoint_cost_h", delta), ("restart_cost_h", r)):
        if np.any(v < 0) or np.any(np.isnan(v)):
            raise ValueError(f"{name} must be >= 0 [{'1/h' if name.startswith('int') else 'h'}]")
    if workload == "inference":
        return _out(np.clip(1.0 - lam * r, 0.0, 1.0))
    tau = np.sqrt(2.0 * delta / np.where(lam > 0, lam, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ckpt = np.where(tau > 0, delta / np.where(tau > 0, tau, 1.0), 0.0)
    g = 1.0 - ckpt - (tau / 2.0 + r) * lam
    return _out(np.where(lam > 0, np.clip(g, 0.0, 1.0), 1.0))
