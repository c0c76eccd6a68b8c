"""Size one compute satellite and its fleet from physics: array, battery, radiator, shielding, bus, mass budget.

Inputs and outputs are per-subsystem contracts (frozen dataclasses of arrays); every field broadcasts. No money is
computed here except the hardware bill of materials, which economics takes as a given number.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from terawatt._arrays import LazyFields, deferred_if, is_sampled, select
from terawatt._buffers import chain, holds, into, unary_into
from terawatt.design.stage_cache import scalar_stage
from terawatt.physics import launch, power, solar, thermal
from terawatt.physics._checks import extremes

#: Density of aluminium 6061 [kg m-3] (ASM Handbook vol. 2, 1990: 2.70 g/cm3).
ALUMINIUM_DENSITY_KG_PER_M3 = 2700.0


@dataclass(frozen=True)
class SatelliteInputs:
    """Everything the satellite sizing needs; units in the names; all fields broadcast."""

    compute_power_w: np.ndarray
    server_power_w_per_accelerator: np.ndarray
    server_mass_kg_per_accelerator: np.ndarray
    server_mass_factor: np.ndarray
    spare_fraction: np.ndarray
    lifetime_yr: np.ndarray
    # orbit
    period_s: np.ndarray
    max_eclipse_s: np.ndarray
    carry_eclipse: np.ndarray  # bool: battery policy
    # solar array
    solar_constant_w_per_m2: np.ndarray
    cell_efficiency: np.ndarray
    packing_factor: np.ndarray
    temp_coefficient_per_k: np.ndarray
    cell_temp_k: np.ndarray
    degradation_per_yr: np.ndarray
    array_specific_power_w_per_kg: np.ndarray
    conversion_efficiency: np.ndarray
    housekeeping_fraction: np.ndarray
    # battery
    battery_specific_energy_wh_per_kg: np.ndarray
    battery_depth_of_discharge: np.ndarray
    battery_round_trip_efficiency: np.ndarray
    # radiator
    radiator_temp_k: np.ndarray
    radiator_net_flux_w_per_m2: np.ndarray
    fin_efficiency: np.ndarray
    radiator_areal_mass_kg_per_m2: np.ndarray
    # shielding, bus, margins
    shielding_mm_al: np.ndarray
    shielded_area_m2_per_accelerator: np.ndarray
    bus_mass_fraction: np.ndarray
    mass_margin: np.ndarray
    propulsion_mass_fraction: np.ndarray
    stowed_density_kg_per_m3: np.ndarray
    # heritage mode: a given satellite mass (NaN = sized)
    given_mass_kg: np.ndarray
    # the cell efficiency at its operating temperature where the caller has it (solar.cell_efficiency_at_temp of
    # the three solar fields above); None = computed here
    cell_efficiency_at_temp: np.ndarray | None = None


@dataclass(frozen=True)
class SatelliteDesign(LazyFields):
    """One satellite, sized. Masses [kg], powers [W], areas [m2], energies [Wh]."""

    accelerators: np.ndarray  # active accelerators per satellite
    accelerators_flown: np.ndarray  # active plus cold spares
    bus_load_w: np.ndarray
    heat_rejected_w: np.ndarray
    array_power_eol_w: np.ndarray
    array_power_bol_w: np.ndarray
    array_power_density_w_per_m2: np.ndarray
    solar_array_area_m2: np.ndarray
    radiator_area_m2: np.ndarray
    battery_capacity_wh: np.ndarray
    it_mass_kg: np.ndarray
    array_mass_kg: np.ndarray
    radiator_mass_kg: np.ndarray
    battery_mass_kg: np.ndarray
    shielding_mass_kg: np.ndarray
    bus_mass_kg: np.ndarray
    margin_mass_kg: np.ndarray
    propulsion_mass_kg: np.ndarray
    satellite_mass_kg: np.ndarray  # wet, as launched
    stowed_volume_m3: np.ndarray
    specific_power_w_per_kg: np.ndarray  # IT watts per launched kg
    heritage: np.ndarray  # bool: mass given, not sized
    feasible: np.ndarray  # bool: radiator can reject the heat

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _pick(flag: np.ndarray, if_true: np.ndarray, if_false: np.ndarray) -> np.ndarray:
    """``select(flag, if_true, if_false)``: where ``flag`` is one value, the branch it picks itself if that is a
    float64 sample array and the other branch one float (what :func:`~terawatt._arrays.select` returns, without
    its shape arithmetic: a few microseconds a call)."""
    if getattr(flag, "ndim", 0) == 0:  # np.ndim's answer for a NumPy value or a Python bool, without its call
        chosen, other = (if_true, if_false) if flag else (if_false, if_true)
        if (
            type(chosen) is np.ndarray
            and chosen.ndim
            and chosen.dtype == np.float64
            and (type(other) in (float, np.float64) or (type(other) is np.ndarray and other.shape == ()
                                                         and other.dtype == np.float64))
        ):
            return chosen
    return select(flag, if_true, if_false)


@scalar_stage(values_at=None)
def size_satellite(x: SatelliteInputs) -> SatelliteDesign:
    r"""Size one satellite's subsystems and close its mass budget.

    Notes
    -----
    - Bus load :math:`P = P_{IT} (1 + f_{hk})`; heat rejected :math:`Q = P / \eta_{conv}` (all electrical power
      ends as heat in the radiator loop; the array rejects its own absorbed sunlight).
    - Array: SMAD eq. 11-5 for the longest eclipse (battery policy) or the sunlit load only (throttle), at end of
      life: :math:`P_{BOL} = P_{EOL} / (1 - d)^{L}`; area from :math:`S \eta(T) f_{pack}`.
    - Battery: the bus load through the longest eclipse (SMAD eq. 11-6).
    - Shielding: aluminium of ``shielding_mm_al`` over ``shielded_area_m2_per_accelerator`` per accelerator flown.
    - Mass budget: the bus is a fraction of the dry mass before growth, :math:`m_{bus} = f_{bus}\, m_{core}/(1 -
      f_{bus})`, and the growth allowance applies to the estimated core subsystems only, :math:`m_{MGA} = MGA\,
      m_{core}`, so that neither is applied to the other (a bus fraction read off as-built spacecraft already
      contains its growth): :math:`m_{dry} = m_{core}/(1 - f_{bus}) + MGA\, m_{core}`,
      :math:`m_{wet} = m_{dry}/(1 - f_{prop})`.
    - Heritage mode (``given_mass_kg`` finite): the satellite mass is the given one; subsystems are still sized
      for reporting.

    References
    ----------
    .. [1] Wertz, J. R. & Larson, W. J. (1999). Space Mission Analysis and Design, 3rd ed., ch. 10-11.
    .. [2] AIAA S-120A-2015, Mass Properties Control for Space Systems.
    """
    accelerators = x.compute_power_w / x.server_power_w_per_accelerator
    flown = accelerators * (1.0 + x.spare_fraction)
    bus_load = x.compute_power_w * (1.0 + x.housekeeping_fraction)
    heat = bus_load / x.conversion_efficiency

    x_e = x.conversion_efficiency * x.battery_round_trip_efficiency
    p_eol = solar.required_array_power_w(
        bus_load, x.max_eclipse_s, x.period_s, x.conversion_efficiency, x_e, x.carry_eclipse
    )
    p_bol = p_eol / solar.end_of_life_factor(x.degradation_per_yr, x.lifetime_yr)
    eta = x.cell_efficiency_at_temp
    if eta is None:
        eta = solar.cell_efficiency_at_temp(x.cell_efficiency, x.temp_coefficient_per_k, x.cell_temp_k)
    density = solar.array_power_density_w_per_m2(x.solar_constant_w_per_m2, eta, x.packing_factor)
    array_area = p_bol / density
    array_mass = p_bol / x.array_specific_power_w_per_kg

    eclipse_s = _pick(x.carry_eclipse, x.max_eclipse_s, 0.0)
    capacity = power.battery_capacity_wh(
        bus_load, eclipse_s, x.battery_depth_of_discharge, x.battery_round_trip_efficiency
    )
    battery_mass = power.battery_mass_kg(capacity, x.battery_specific_energy_wh_per_kg)

    radiator_area = thermal.radiator_area_m2(heat, x.radiator_net_flux_w_per_m2, x.fin_efficiency)
    feasible = np.isfinite(radiator_area)
    radiator_mass = radiator_area * x.radiator_areal_mass_kg_per_m2

    it_mass = flown * x.server_mass_kg_per_accelerator * x.server_mass_factor
    shielding = flown * x.shielded_area_m2_per_accelerator * x.shielding_mm_al * 1e-3 * ALUMINIUM_DENSITY_KG_PER_M3

    # The mass budget's temporaries (core, dry) reuse their buffers for sample arrays (into/chain: the same
    # values, fewer fresh arrays): core is summed into one buffer that then holds the margin, and the dry mass
    # without margin is the buffer of the dry mass.
    # it + shielding + battery, then + array + radiator: the terms that are often one number each (orbit fixed)
    # added first, one pass fewer over the samples (within an ulp of the subsystems' order)
    core = chain(it_mass + shielding + battery_mass, (np.add, array_mass), (np.add, radiator_mass))
    dry_no_margin = core / (1.0 - x.bus_mass_fraction)
    bus_mass = dry_no_margin - core
    # growth allowance on the estimated subsystems, not on the bus (AIAA S-120A); core is not read after this
    margin = into(core, np.multiply, core, x.mass_margin)
    dry = into(dry_no_margin, np.add, dry_no_margin, margin)
    keep = 1.0 - x.propulsion_mass_fraction
    # x / 1 is x (a propulsion sized from delta-v, with the atmosphere on, has no fixed fraction): no pass
    sized_wet = dry if type(keep) is np.float64 and keep == 1.0 else dry / keep

    heritage = np.isfinite(x.given_mass_kg)
    wet = _pick(heritage, x.given_mass_kg, sized_wet)
    propulsion = _pick(heritage, np.nan, sized_wet - dry)
    return SatelliteDesign(
        accelerators=accelerators,
        accelerators_flown=flown,
        bus_load_w=bus_load,
        heat_rejected_w=heat,
        array_power_eol_w=p_eol,
        array_power_bol_w=p_bol,
        array_power_density_w_per_m2=density,
        solar_array_area_m2=array_area,
        radiator_area_m2=radiator_area,
        battery_capacity_wh=capacity,
        it_mass_kg=it_mass,
        array_mass_kg=array_mass,
        radiator_mass_kg=radiator_mass,
        battery_mass_kg=battery_mass,
        shielding_mass_kg=shielding,
        bus_mass_kg=_pick(heritage, np.nan, bus_mass),
        margin_mass_kg=_pick(heritage, np.nan, margin),
        propulsion_mass_kg=propulsion,
        satellite_mass_kg=wet,
        stowed_volume_m3=wet / x.stowed_density_kg_per_m3,
        specific_power_w_per_kg=deferred_if(is_sampled(wet), lambda: x.compute_power_w / wet),  # outputs only
        heritage=heritage,
        feasible=feasible,
    )


def survival_mean(failure_rate_per_yr: np.ndarray, spare_fraction: np.ndarray, lifetime_yr: np.ndarray) -> np.ndarray:
    r"""Mean fraction of the nameplate accelerators working over a life without repair, with cold spares.

    Parameters
    ----------
    failure_rate_per_yr : array_like
        Permanent failures per accelerator-year :math:`\lambda` [1/yr].
    spare_fraction : array_like
        Spares flown per active accelerator :math:`s` [-].
    lifetime_yr : array_like
        Length of the interval averaged over :math:`L` [yr], > 0.

    Notes
    -----
    The accelerators flown, :math:`(1+s)` per nameplate one, fail at :math:`\lambda` (spares are counted like the
    active ones: a conservative bound for cold spares); the working capacity is
    :math:`c(t) = \min(1, (1 + s) e^{-\lambda t})`. Its mean over :math:`[0, L]` is, with
    :math:`t^* = \ln(1+s)/\lambda` the time spares run out,

    .. math:: \bar c = \frac{1}{L}\left[\min(t^*, L) + \frac{(1+s)}{\lambda}
              \left(e^{-\lambda \min(t^*,L)} - e^{-\lambda L}\right)\right]

    and 1 when :math:`\lambda = 0`.
    """
    lam = np.asarray(failure_rate_per_yr, float)
    s = np.asarray(spare_fraction, float)
    life = np.asarray(lifetime_yr, float)
    if is_sampled(lam) and s.ndim == 0 and life.shape in ((), lam.shape) and lam.min() > 0:  # NaN fails
        return _survival_mean_positive(lam, s, life)
    safe = np.where(lam > 0, lam, 1.0)
    t_star = np.minimum(np.log1p(s) / safe, life)
    mean = (t_star + (1.0 + s) / safe * (np.exp(-safe * t_star) - np.exp(-safe * life))) / life
    return np.where(lam > 0, mean, 1.0)


def _survival_mean_positive(lam: np.ndarray, s: np.ndarray, life: np.ndarray) -> np.ndarray:
    """:func:`survival_mean` of a sample array of failure rates that are all positive (no NaN) and one spare
    fraction: the same expression in the same order, bitwise, without the two ``np.where`` (``lam`` is the safe
    rate and the mean is kept everywhere) and in two buffers of its own (-lam is computed once for both
    exponentials: the same bits as negating it twice)."""
    t_star = np.divide(np.log1p(s), lam)
    np.minimum(t_star, life, out=t_star)  # t* = min(ln(1 + s) / lam, L)
    neg = np.negative(lam)
    term = np.multiply(neg, t_star)
    np.exp(term, out=term)  # exp(-lam t*)
    np.multiply(neg, life, out=neg)
    np.exp(neg, out=neg)  # exp(-lam L)
    np.subtract(term, neg, out=term)
    np.divide(1.0 + s, lam, out=neg)  # (1 + s) / lam
    np.multiply(neg, term, out=term)
    np.add(t_star, term, out=term)
    return np.divide(term, life, out=term)


def servicing_visits_per_life(visits_per_yr: np.ndarray, lifetime_yr: np.ndarray) -> np.ndarray:
    r"""Servicing visits that fall inside a satellite's life [-].

    Notes
    -----
    Visits at :math:`T, 2T, \dots` with :math:`T = 1/v`, strictly before the end of life :math:`L` (a visit at
    the end of life restores nothing): :math:`n = \lceil L v \rceil - 1`, and 0 without visits.
    """
    v = np.asarray(visits_per_yr, float)
    life = np.asarray(lifetime_yr, float)
    if v.shape == () and not v > 0:  # no visits for any sample: np.where's zeros without the count
        return np.zeros(life.shape)
    n = np.ceil(life * v - 1e-9) - 1.0
    return np.where(v > 0, np.maximum(n, 0.0), 0.0)


def serviced_survival_mean(
    failure_rate_per_yr: np.ndarray,
    spare_fraction: np.ndarray,
    lifetime_yr: np.ndarray,
    visits_per_yr: np.ndarray,
) -> np.ndarray:
    r"""Mean fraction of the nameplate accelerators working over a life with servicing visits [-].

    Parameters
    ----------
    failure_rate_per_yr, spare_fraction, lifetime_yr
        As in :func:`survival_mean` [1/yr], [-], [yr].
    visits_per_yr : array_like
        Servicing visits per satellite-year :math:`v` [1/yr]; 0 = no servicing (then :func:`survival_mean`).

    Notes
    -----
    Each visit replaces every failed accelerator, so the satellite returns to its launch state and the capacity
    curve of :func:`survival_mean` restarts. With :math:`n` visits (:func:`servicing_visits_per_life`) at interval
    :math:`T = 1/v` and a last stretch :math:`r = L - nT \in (0, T]`,

    .. math:: \bar c = \frac{n T\, \bar c(T) + r\, \bar c(r)}{L}

    where :math:`\bar c(x)` is the mean of :func:`survival_mean` over an interval of length :math:`x`.
    """
    life = np.asarray(lifetime_yr, float)
    v = np.asarray(visits_per_yr, float)
    return _serviced_mean(failure_rate_per_yr, spare_fraction, life, v, servicing_visits_per_life(v, life))


def _serviced_mean(
    failure_rate_per_yr: np.ndarray, spare_fraction: np.ndarray, life: np.ndarray, v: np.ndarray, n: np.ndarray
) -> np.ndarray:
    """:func:`serviced_survival_mean` from the life and visit rate as float arrays and the visits per life
    ``n`` (:func:`servicing_visits_per_life`)."""
    if np.ndim(v) == 0 and not v > 0 and is_sampled(life) and _finite_positive(life):
        # No visits for any sample (n is +0 everywhere): the interval and the last stretch are the life L itself
        # and the mean (+0 x L x c + L x c) / L, with c = c(L), is L c / L bitwise where no c is infinite: +0 x c
        # is then +0 (c >= +0), -0 (c <= -0: L c <= -0 too, and -0 + y is y) or c's NaN (so is L c). Two passes
        # instead of eight.
        cycle = survival_mean(failure_rate_per_yr, spare_fraction, life)
        if _finite_or_nan(cycle) and holds(cycle, life):
            np.multiply(life, cycle, out=cycle)
            return np.divide(cycle, life, out=cycle)
        return (n * life * cycle + (life - n * life) * cycle) / life
    interval = np.where(n > 0, 1.0 / np.where(v > 0, v, 1.0), life)
    rest = life - n * interval
    cycle = survival_mean(failure_rate_per_yr, spare_fraction, interval)
    if np.ndim(rest) == 0 and np.ndim(interval) == 0 and rest == interval and rest != 0.0:
        last = cycle  # one stretch of the same (nonzero, so bitwise the same) length: no visit inside the life
    elif np.ndim(v) == 0 and not v > 0 and _finite_positive(life):
        # no visits for any sample: n is +0 everywhere, the interval is the life and the rest life - 0 * life,
        # the same bits for a finite, positive life
        last = cycle
    else:
        last = survival_mean(failure_rate_per_yr, spare_fraction, rest)
    return (n * interval * cycle + rest * last) / life


def replaced_fraction_per_visit(
    failure_rate_per_yr: np.ndarray, visits_per_yr: np.ndarray, lifetime_yr: np.ndarray
) -> np.ndarray:
    r"""Fraction of the accelerators flown that one servicing visit replaces [-].

    Notes
    -----
    Everything that failed since launch or the last visit: :math:`1 - e^{-\lambda T}` with :math:`T = 1/v`
    (the population model of :func:`survival_mean`); 0 where no visit falls inside the life.
    """
    v = np.asarray(visits_per_yr, float)
    return _replaced_fraction(failure_rate_per_yr, v, servicing_visits_per_life(v, lifetime_yr))


def _replaced_fraction(failure_rate_per_yr: np.ndarray, v: np.ndarray, n: np.ndarray) -> np.ndarray:
    """:func:`replaced_fraction_per_visit` from the visit rate as a float array and the visits per life ``n``."""
    lam = np.asarray(failure_rate_per_yr, float)
    if np.ndim(v) == 0 and not v > 0:  # no visits for any sample (n = 0): np.where's zeros without the fraction
        return np.zeros(np.broadcast_shapes(np.shape(n), lam.shape))
    return np.where(n > 0, -np.expm1(-lam / np.where(v > 0, v, 1.0)), 0.0)


def _finite_or_nan(x: np.ndarray) -> bool:
    """Whether no value of ``x`` is infinite (NaN allowed): the extremes where there is no NaN (two reductions),
    else a scan."""
    low, high = np.min(x), np.max(x)
    if low == low:  # no NaN: the extremes tell
        return bool(-np.inf < low and high < np.inf)
    return not bool(np.isinf(x).any())


def _finite_positive(x: np.ndarray) -> bool:
    """Whether every value of ``x`` is finite and above zero (a NaN makes the minimum NaN; a sample array's
    extremes are found once where it is an input of the running stage: :func:`terawatt.physics._checks.extremes`)."""
    if type(x) is np.ndarray and x.ndim and x.size:
        low, high = extremes(x)
        return bool(low > 0.0 and np.isfinite(high))
    return bool(np.size(x) and np.min(x) > 0.0 and np.isfinite(np.max(x)))


@dataclass(frozen=True)
class FleetDesign(LazyFields):
    """The fleet that delivers the deployment's average IT power, and its launches.

    ``availability`` is the product of the ``availability_*`` parts, each the delivered fraction of what the
    previous parts left [-].
    """

    availability: np.ndarray  # delivered / nameplate IT power
    availability_eclipse: np.ndarray  # compute stopped in eclipse (throttle policy)
    availability_degradation: np.ndarray  # mean array retention of heritage satellites
    availability_failures: np.ndarray  # permanent failures, cold spares, servicing
    availability_goodput: np.ndarray  # job goodput (radiation upsets and interruptions)
    availability_dose: np.ndarray  # share of the life the chips survive their total dose
    availability_avoidance: np.ndarray  # collision-avoidance outages
    nameplate_it_power_w: np.ndarray
    satellite_count: np.ndarray
    accelerators_flown: np.ndarray
    servicing_visits_per_satellite: np.ndarray  # visits inside one satellite life
    replaced_fraction_per_visit: np.ndarray  # of the accelerators flown
    launch_mass_kg: np.ndarray
    payload_kg: np.ndarray
    satellites_per_launch: np.ndarray
    launches: np.ndarray
    launch_fill_fraction: np.ndarray  # launched mass / (launches x payload) with fractional launches
    launchable: np.ndarray  # bool: one satellite fits the vehicle


#: Names of the availability parts, in the order :func:`size_fleet` multiplies them (FleetDesign fields
#: ``availability_<part>``, outputs ``orbital.availability_<part>``).
AVAILABILITY_PARTS = ("eclipse", "degradation", "failures", "goodput", "dose", "avoidance")


@scalar_stage(values_at=None)
def _reliability(
    heritage: np.ndarray,
    degradation_per_yr: np.ndarray,
    life: np.ndarray,
    failure_rate_per_yr: np.ndarray,
    spare_fraction: np.ndarray,
    visit_rate: np.ndarray,
) -> dict[str, np.ndarray]:
    """:func:`size_fleet`'s figures of hardware reliability (the ``degradation`` and ``failures`` parts of the
    availability, the servicing ``visits`` inside a life and the fraction one visit ``replaced``), from the life
    and the visit rate as float arrays: a pure function of six values, cached for scalars (the chunks of a Monte
    Carlo that samples none of them compute it once)."""
    visits = servicing_visits_per_life(visit_rate, life)  # shared by the failures part and the servicing
    if np.ndim(heritage) == 0 and not heritage and np.ndim(degradation_per_yr) == 0 and np.ndim(life) == 0:
        degradation = np.asarray(1.0)  # np.where's 0-d 1 without the mean retention it would not pick
    else:  # one flag (heritage mode on or off for every sample): the branch it picks, without a copy
        degradation = select(heritage, solar.mean_retention(degradation_per_yr, life), 1.0)
    failures = _serviced_mean(failure_rate_per_yr, spare_fraction, life, visit_rate, visits)
    if np.ndim(visit_rate) == 0 and not visit_rate > 0 and is_sampled(visits):
        # no visit in any life of the samples: the visits and the fraction replaced one zero each (the outputs
        # broadcast them), which tells the economics that the servicing line is zero without a scan
        # (terawatt.economics.tco._no_servicing)
        visits = replaced = np.zeros(())
    else:
        replaced = _replaced_fraction(failure_rate_per_yr, visit_rate, visits)
    return {"degradation": degradation, "failures": failures, "visits": visits, "replaced": replaced}


@scalar_stage(values_at=None)
def size_fleet(
    sat: SatelliteDesign,
    it_power_w: np.ndarray,
    compute_power_w: np.ndarray,
    sunlit_fraction: np.ndarray,
    carry_eclipse: np.ndarray,
    degradation_per_yr: np.ndarray,
    lifetime_yr: np.ndarray,
    failure_rate_per_yr: np.ndarray,
    spare_fraction: np.ndarray,
    payload_kg: np.ndarray,
    fairing_volume_m3: np.ndarray,
    *,
    visits_per_yr: np.ndarray | float = 0.0,
    goodput_fraction: np.ndarray | float = 1.0,
    dose_fraction: np.ndarray | float = 1.0,
    avoidance_fraction: np.ndarray | float = 1.0,
) -> FleetDesign:
    r"""Satellites and launches that deliver ``it_power_w`` on average over a satellite's life.

    Parameters
    ----------
    failure_rate_per_yr : array_like
        Permanent hardware failures per accelerator-year [1/yr].
    visits_per_yr : array_like
        Servicing visits per satellite-year [1/yr] (0 = failure in place).
    goodput_fraction, dose_fraction, avoidance_fraction : array_like
        What the space environment leaves [-]: job goodput, the share of the life before the total-dose limit,
        the time not lost to collision-avoidance manoeuvres (NaN = infeasible environment).

    Notes
    -----
    Availability :math:`a = a_{eclipse}\, a_{degr}\, a_{fail}\, a_{goodput}\, a_{dose}\, a_{avoid}`: the sunlit
    fraction under the throttle policy (1 with batteries); the mean array retention for heritage satellites (sized
    ones carry an end-of-life array); :func:`serviced_survival_mean` for permanent failures with cold spares and
    servicing visits; and the three environment fractions. The fleet's nameplate IT power is :math:`P / a` and
    the satellite count :math:`\lceil P / (a P_{sat}) \rceil` (McCalip 2025 sizes the same way).
    """
    reliability = _reliability(
        sat.heritage,
        degradation_per_yr,
        np.asarray(lifetime_yr, float),
        failure_rate_per_yr,
        spare_fraction,
        np.asarray(visits_per_yr, float),
    )
    # Batteries in every sample (one True flag): the eclipse part is 1 wherever it is evaluated, and 1 x 1 is 1,
    # so the product starts from the next part (one value until a sampled part, the same products) and np.where's
    # array of ones, which only outputs read, is computed on first read.
    every_carry = np.ndim(carry_eclipse) == 0 and bool(carry_eclipse)
    parts = {
        "eclipse": deferred_if(every_carry and is_sampled(sunlit_fraction), np.where, carry_eclipse, 1.0,
                               sunlit_fraction),
        "degradation": reliability["degradation"],
        "failures": reliability["failures"],
        "goodput": np.asarray(goodput_fraction, float),
        "dose": np.asarray(dose_fraction, float),
        "avoidance": np.asarray(avoidance_fraction, float),
    }
    availability = np.asarray(1.0)
    for name, part in parts.items():  # in one buffer from the first sample array on (into: the same products)
        if not (every_carry and name == "eclipse"):
            availability = into(availability, np.multiply, availability, part)
    if every_carry:  # the shape the ones would have given the product
        shape = np.broadcast_shapes(np.shape(availability), np.shape(sunlit_fraction))
        if np.shape(availability) != shape:
            availability = np.array(np.broadcast_to(availability, shape))
    # only outputs read the nameplate power of sample arrays: computed on first read
    nameplate = deferred_if(is_sampled(it_power_w) or is_sampled(availability), lambda: it_power_w / availability)
    # satellites = (IT power / compute power per satellite) / availability, the nameplate power per satellite (the
    # powers' quotient first: one pass over the samples where each is one number; within an ulp of
    # nameplate / compute power), in the buffer of the satellite count
    per_satellite = it_power_w / compute_power_w
    per_satellite = into(per_satellite, np.true_divide, per_satellite, availability)
    count = unary_into(np.ceil, chain(per_satellite, (np.subtract, 1e-9)))
    per_launch, all_fit = launch.satellites_per_launch_and_fit(
        sat.satellite_mass_kg, payload_kg, sat.stowed_volume_m3, fairing_volume_m3
    )
    # every satellite fits a launch (a NaN makes the minimum NaN): the flags without a comparison per sample (the
    # least count found once, where satellites_per_launch's fast path did not find it)
    all_fit = all_fit or (is_sampled(per_launch) and per_launch.size > 0 and per_launch.min() > 0)
    fits = np.ones(per_launch.shape, bool) if all_fit else per_launch > 0
    mass = count * sat.satellite_mass_kg
    # The launches and the fill are read by outputs (and a price per launch) only: computed on first read for
    # sample arrays.
    sampled = is_sampled(mass)
    if all_fit:  # the np.where forms below without a branch
        launches = deferred_if(sampled, lambda: np.ceil(np.asarray(count, float) / per_launch))
        fill = deferred_if(sampled, lambda: per_launch * sat.satellite_mass_kg / payload_kg)
    else:
        launches = deferred_if(sampled, launch.launches_needed, count, per_launch)
        fill = deferred_if(sampled, lambda: np.where(fits, per_launch * sat.satellite_mass_kg / payload_kg, np.nan))
    return FleetDesign(
        availability=availability,
        **{f"availability_{k}": val for k, val in parts.items()},
        nameplate_it_power_w=nameplate,
        satellite_count=count,
        accelerators_flown=count * sat.accelerators_flown,
        servicing_visits_per_satellite=reliability["visits"],
        replaced_fraction_per_visit=reliability["replaced"],
        launch_mass_kg=mass,
        payload_kg=payload_kg,
        satellites_per_launch=per_launch,
        launches=launches,
        launch_fill_fraction=fill,
        launchable=fits,
    )
