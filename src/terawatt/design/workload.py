"""What the accelerators run (``workload.kind``) and the goodput it gets, with the same model on both sides.

One switch drives everything that depends on the workload: :func:`training_share` sets the goodput mix, the link
traffic (checkpoints and training data vs tokens) and the tokens served; :func:`goodput` applies the retry model
to inference replicas and Young/Daly checkpoint/restart to training jobs. The ground sees the workload's own
interruption rate (``workload.interruptions_per_accelerator_yr``, from Llama 3's fleet); the orbit sees that rate
plus the radiation-induced events of :func:`terawatt.design.environment.radiation_effects`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from terawatt._arrays import Deferred, deferred_if, is_plus_zero, is_sampled, nan_to_zero, resolve
from terawatt.design.stage_cache import scalar_stage
from terawatt.physics import radiation
from terawatt.physics._checks import extremes
from terawatt.scenario import as_array as _f

#: Parameters :func:`training_share` reads.
TRAINING_SHARE_KEYS = ("workload.kind", "workload.training_fraction")
#: Parameters :func:`goodput` reads (its cache key, with the event rates).
GOODPUT_KEYS = (
    "workload.interruptions_per_accelerator_yr",
    "workload.accelerators_per_training_job",
    "workload.checkpoint_cost_h",
    "workload.restart_cost_h",
    "workload.accelerators_per_replica",
    "workload.replica_restart_cost_h",
    "workload.retry_cost_h",
    "radiation.dose_rate_bursts",
    *TRAINING_SHARE_KEYS,
)


def training_share(v: dict[str, Any]) -> np.ndarray:
    """Share of the busy accelerators training [-]: 0 for inference, 1 for training, ``workload.training_fraction``
    for mixed."""
    kind = v["workload.kind"]
    if kind == "mixed":
        return _f(v["workload.training_fraction"])
    return np.asarray(1.0 if kind == "training" else 0.0)


@dataclass(frozen=True)
class Goodput:
    """Goodput of one side [-] for each workload and for the chosen mix, with the event rates behind it.

    ``training`` holds the training goodput, or (an inference-only workload, where the mix does not need it: in
    orbit, where the burst table's look-up and the modulated goodput are the costliest steps, and on the ground
    for sample arrays) a :class:`~terawatt._arrays.Deferred` computing it on first use of
    :attr:`training_goodput_fraction`; ``job`` likewise the interrupt rate of a training job, deferred there for
    sample arrays (:attr:`job_interrupts_per_hour`).
    """

    training: Any
    inference_goodput_fraction: np.ndarray
    goodput_fraction: np.ndarray  # of the chosen workload.kind (training-share-weighted for mixed)
    job: Any  # interrupts per hour of one training job of workload.accelerators_per_training_job
    replica_stops_per_hour: np.ndarray  # of one inference replica of workload.accelerators_per_replica

    def _resolved(self, name: str) -> np.ndarray:
        value = getattr(self, name)
        if type(value) is Deferred:
            value = np.asarray(resolve(value), float)
            object.__setattr__(self, name, value)
        return value

    @property
    def training_goodput_fraction(self) -> np.ndarray:
        """Goodput of the training jobs [-] (computed on first use where deferred)."""
        return self._resolved("training")

    @property
    def job_interrupts_per_hour(self) -> np.ndarray:
        """Interrupts per hour of one training job of ``workload.accelerators_per_training_job`` [1/h] (computed
        on first use where deferred)."""
        return self._resolved("job")

    def outputs(self, side: str) -> dict[str, np.ndarray]:
        """The goodput outputs under ``side.`` keys (``orbital`` or ``terrestrial``)."""
        return {
            f"{side}.goodput_fraction": self.goodput_fraction,
            f"{side}.training_goodput_fraction": Deferred(lambda: self.training_goodput_fraction)
            if type(self.training) is Deferred
            else self.training,
            f"{side}.inference_goodput_fraction": self.inference_goodput_fraction,
            f"{side}.training_job_interrupts_per_hour": Deferred(lambda: self.job_interrupts_per_hour)
            if type(self.job) is Deferred
            else self.job,
            f"{side}.replica_stops_per_hour": self.replica_stops_per_hour,
        }


@scalar_stage(GOODPUT_KEYS)
def goodput(
    v: dict[str, Any],
    radiation_interrupts_per_chip_yr: npt.ArrayLike = 0.0,
    detected_sdc_per_chip_yr: npt.ArrayLike = 0.0,
    radiation_design: Any = None,
) -> Goodput:
    r"""Training, inference and chosen-workload goodput of one side.

    Parameters
    ----------
    v
        Validated scenario values (``workload.*``).
    radiation_interrupts_per_chip_yr : array_like
        Radiation-induced stops per accelerator per year [1/yr] (HBM uncorrectable errors, accelerator and host
        SEFIs); 0 on the ground. NaN (radiation switched off) counts as 0.
    detected_sdc_per_chip_yr : array_like
        Silent data corruptions per accelerator per year caught by end-to-end checks [1/yr]; 0 on the ground
        (the ground's own SDCs are inside the measured interruption rate).
    radiation_design : terawatt.design.environment.RadiationDesign, optional
        The orbit's radiation design: its :attr:`~terawatt.design.environment.RadiationDesign.rate_modulation`
        (the dose rate along the orbit in three states) makes the radiation events of a training job come in
        bursts (``radiation.dose_rate_bursts``). None (the ground) or radiation switched off: a constant rate.

    Notes
    -----
    With the base rate :math:`\lambda_0` (``workload.interruptions_per_accelerator_yr``), the radiation stops
    :math:`\lambda_r` and detected SDCs :math:`\lambda_s` per accelerator-year:

    - training, a job of :math:`N_j` accelerators: every stop and every detected SDC rolls the job back to its last
      checkpoint, :math:`\Lambda = N_j(\lambda_0 + \lambda_r + \lambda_s)/8760` per hour, and
      :math:`G_t = \Lambda\tau e^{-\Lambda R}/(e^{\Lambda(\tau+\delta)} - 1)` at Young's interval
      :math:`\tau = \sqrt{2\delta/\Lambda}` (Daly 2006; first order :math:`1 - \sqrt{2\delta\Lambda} - R\Lambda`,
      :func:`radiation.goodput_fraction`) at a constant rate (the ground; radiation off);
    - training in orbit: the radiation share of :math:`\Lambda` follows the dose rate along the track, in the
      three states of :func:`radiation.burst_statistics` (quiet; the edge and the core of a South Atlantic
      Anomaly pass), :math:`\Lambda_k = N_j(\lambda_0 + (\lambda_r + \lambda_s) m_k)/8760` with :math:`m_k` the
      state's dose rate over the orbit mean (:math:`\sum_k w_k m_k = 1`: the mean rate is unchanged), and
      :math:`G_t` is the exact goodput of checkpoint/restart under that Markov-modulated Poisson process at
      Young's interval of the mean rate (:func:`radiation.modulated_goodput_fraction`): interrupts within one
      pass share a rollback, so :math:`G_t` is above Daly's at the mean rate (default orbit, 1,024-accelerator
      jobs: 0.83 against 0.66; the operations twin measures 0.83, tests/test_twin_jobs.py);
      an SDC found late may roll back further than one interval (not modelled);
    - inference, a replica of :math:`N_r` accelerators: a stop costs the replica ``workload.replica_restart_cost_h``,
      a detected SDC one retried request (``workload.retry_cost_h``),
      :math:`G_i = 1 - N_r(\lambda_0 + \lambda_r) R_r / 8760 - N_r \lambda_s r / 8760`;
    - mixed: :math:`G = f_t G_t + (1 - f_t) G_i` with :math:`f_t` = :func:`training_share`.

    Undetected SDCs cost no time; they are reported as corrupted results (``orbital.undetected_sdc_*``).
    """
    base = _f(v["workload.interruptions_per_accelerator_yr"])
    radiation_stops = nan_to_zero(np.asarray(radiation_interrupts_per_chip_yr, float))
    if is_plus_zero(radiation_stops) and is_sampled(base) and base.size and extremes(base)[0] > 0:
        stops = base  # base + (+0) is base where no value is -0 (each is positive: the extremes of an input)
    else:
        stops = base + radiation_stops
    sdc = nan_to_zero(np.asarray(detected_sdc_per_chip_yr, float))
    job_size = _f(v["workload.accelerators_per_training_job"])
    bursts = radiation_design is not None and v["radiation.dose_rate_bursts"]
    delta, restart = _f(v["workload.checkpoint_cost_h"]), _f(v["workload.restart_cost_h"])
    inference_only = v["workload.kind"] == "inference"
    # An inference run reads a training job's interrupt rate and goodput in outputs only: of sample arrays,
    # computed on first read (the orbit's where its event rates are samples, the ground's where any input of the
    # training goodput is; the mix is then the inference goodput, below).
    lazy = inference_only and (
        is_sampled(stops) if bursts else any(map(is_sampled, (stops, sdc, job_size, delta, restart)))
    )
    job: Any = deferred_if(lazy, lambda: radiation.job_interrupts_per_hour(stops + sdc, job_size))
    if not bursts:
        training: Any = (
            Deferred(lambda: radiation.goodput_fraction(resolve(job), delta, restart, "training"))
            if lazy
            else radiation.goodput_fraction(job, delta, restart, "training")
        )
    else:
        def modulated() -> np.ndarray:
            modulation = radiation_design.rate_modulation  # the burst table's look-up, made here on first use
            if modulation is None:
                return radiation.goodput_fraction(resolve(job), delta, restart, "training")
            mult, occupancy, crossings = modulation
            bursty = nan_to_zero(np.asarray(radiation_interrupts_per_chip_yr, float)) + sdc
            mult = np.asarray(mult, float)  # (3, ...): the state axis first, the sample axes aligned behind it
            nd = max(np.ndim(base), np.ndim(bursty), np.ndim(job_size), mult.ndim - 1)
            mult = mult.reshape(mult.shape[:1] + (1,) * (nd - mult.ndim + 1) + mult.shape[1:])
            per_state = radiation.job_interrupts_per_hour(base + bursty * mult, job_size)
            return radiation.modulated_goodput_fraction(per_state, occupancy, crossings, delta, restart)

        # the mix needs it; an inference run computes it only if it is read
        training = modulated() if v["workload.kind"] != "inference" else Deferred(modulated)
    per_replica = _f(v["workload.accelerators_per_replica"])
    replica = radiation.job_interrupts_per_hour(stops, per_replica)
    inference = radiation.inference_goodput_fraction(
        replica,
        _f(v["workload.replica_restart_cost_h"]),
        radiation.job_interrupts_per_hour(sdc, per_replica),
        _f(v["workload.retry_cost_h"]),
    )
    share = training_share(v)
    if type(training) is Deferred:
        # inference only: the mix is the inference goodput (0 x G_t + 1 x G_i, exactly: G_t is finite, in [0, 1],
        # so 0 x G_t is +-0, and G_i is never -0, so +-0 + G_i is G_i)
        inference = np.asarray(inference, float)
        dose = () if radiation_design is None else np.shape(radiation_design.dose_rad_per_yr)
        shape = np.broadcast_shapes(np.shape(stops), np.shape(sdc), np.shape(job_size), np.shape(delta),
                                    np.shape(restart), inference.shape, dose)
        # the inference goodput itself where it has the mix's shape (a computed intermediate, never modified in
        # place; the outputs are read-only views), else broadcast to it
        mix = inference if inference.shape == shape else np.array(np.broadcast_to(inference, shape))
    else:
        training = np.asarray(training, float)
        mix = share * training + (1.0 - share) * inference
    return Goodput(
        training=training,
        inference_goodput_fraction=inference,
        goodput_fraction=mix,
        job=job if type(job) is Deferred else np.asarray(job, float),
        replica_stops_per_hour=np.asarray(replica, float),
    )
