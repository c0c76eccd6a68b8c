"""Ionizing dose behind aluminium in circular Earth orbits, and its effect on AI accelerators.

Sources of dose: trapped protons (AP-8) and electrons (AE-8) averaged over the orbit's ground track, solar
energetic protons (King 1974 "anomalously large" event spectrum) and galactic cosmic rays (force-field proton
spectrum scaled to the MSL/RAD cruise dose), the last two filtered by the geomagnetic (Stoermer) cutoff and
Earth's shadow. Doses are rad(Si) per year at the centre of a solid aluminium sphere.

Two paths give the same quantities:

- :func:`dose_rate_direct` computes them from the models (seconds per orbit);
- :func:`dose_rate_rad_per_yr` interpolates the shipped table ``data/radiation_table.npz`` built with the same
  code by ``tools/build_radiation_table.py`` (a million samples in about 0.3 s).

The effects on compute (:func:`sdc_events_per_chip_year`, :func:`interrupts_per_chip_year`,
:func:`hbm_capacity_factor`, :func:`tid_margin`, :func:`goodput_fraction`, :func:`modulated_goodput_fraction`,
:func:`inference_goodput_fraction`,
:func:`per_million_inferences`) scale the per-rad event rates of Google's Trillium (TPU v6e) proton tests
(Suncatcher, arXiv:2511.19468 v2, sec. 2.3 and 4.3).
The dose rate's variation along the orbit (South Atlantic Anomaly bursts), which a training job's
checkpoint/restart goodput depends on, is described by three states: :func:`burst_statistics` (shipped table
``data/radiation_bursts.npz``, ``tools/build_radiation_burst_table.py``) and :func:`burst_statistics_direct`.
All functions are pure and broadcast over NumPy arrays; scalars in give NumPy scalars out.
"""

# The implementation lives in the domain modules below; every name, public or private, that this module held
# before it became a package is re-exported here so that ``terawatt.physics.radiation.X`` keeps working
# (hence the file-wide F401 exemption; ``__all__`` stays the public API).
# ruff: noqa: F401
from terawatt.physics.radiation._common import (
    _R_KM,
    E_COSMIC,
    E_ELECTRON,
    E_PROTON,
    Solar,
    Workload,
    _check,
    _check_solar,
    _out,
)
from terawatt.physics.radiation.bursts import (
    N_STATES,
    STATE_EDGES,
    BurstStatistics,
    burst_statistics,
    burst_statistics_direct,
    burst_table,
)
from terawatt.physics.radiation.dose import (
    COMPONENTS,
    DIPOLE_POLE_DEG,
    GCR_CAL_PHI_MV,
    GCR_CAL_RAD_PER_YR,
    GCR_PHI_MV,
    KING_AL_E0_MEV,
    KING_AL_FLUENCE_CM2,
    STOERMER_GV,
    TABLE_SHIELDING_MM,
    DoseBreakdown,
    _breakdown,
    _cosmic_doses,
    _cutoff_gv,
    _direct_one,
    _gcr_counts,
    _gcr_ion_factor,
    _rigidity_gv,
    _spe_events_per_yr,
    _split,
    _table,
    _transmission,
    _visible_fraction,
    dose_rate_direct,
    dose_rate_rad_per_yr,
    dose_table,
    point_dose_rad_per_yr,
)
from terawatt.physics.radiation.effects import (
    goodput_fraction,
    hbm_capacity_factor,
    inference_goodput_fraction,
    interrupts_per_chip_year,
    job_interrupts_per_hour,
    modulated_goodput_fraction,
    per_million_inferences,
    sdc_events_per_chip_year,
    tid_margin,
)
from terawatt.physics.radiation.stopping import (
    _AL_G_PER_CM3,
    _K,
    _MAT,
    _ME,
    _MP,
    _MU_AL,
    _MU_EN_SI,
    _PHOTON_E,
    _RAD_PER_MEV_PER_G,
    _SUBSAMPLES,
    _bin_counts,
    _density_effect,
    _dose_from_counts,
    _dose_from_integral,
    _dose_kernel,
    _electron_practical_range_g_cm2,
    _electron_range_table,
    _proton_range_table,
    _residual_energy,
    electron_collision_stopping_mev_cm2_per_g,
    proton_stopping_mev_cm2_per_g,
)
from terawatt.physics.radiation.trapped import (
    FIELD_EPOCH_YR,
    N_LON,
    N_U,
    _field_lb,
    _fold_inclination,
    _geodetic,
    _interp_energy,
    _l_index,
    _map_log_flux,
    _model_map,
    _norm_particle,
    _orbit_points,
    _trapped_doses,
    _trapped_point_flux,
    _trara2,
    trapped_flux_orbit_average,
)

__all__ = [
    "BurstStatistics", "DoseBreakdown", "burst_statistics", "burst_statistics_direct", "burst_table",
    "modulated_goodput_fraction", "dose_rate_direct", "dose_rate_rad_per_yr", "dose_table", "goodput_fraction",
    "hbm_capacity_factor", "inference_goodput_fraction", "interrupts_per_chip_year",
    "job_interrupts_per_hour", "per_million_inferences", "point_dose_rad_per_yr", "sdc_events_per_chip_year",
    "tid_margin",
    "trapped_flux_orbit_average",
]
