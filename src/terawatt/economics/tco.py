"""Total cost of ownership of the orbital and the terrestrial deployment. Money only: takes designs as given.

Every cost line is an equivalent annual cost [USD/yr]: capital is annualised with the capital recovery factor
over the life of what it buys (satellites with everything they carry over the satellite life, ground servers over
their refresh life, buildings and power plants over theirs); operating costs are annual. Lifecycle totals are the
present value of the annual cost over ``finance.analysis_period_yr``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt._arrays import as_float, broadcast_shape, is_plus_zero, is_sampled, select
from terawatt._buffers import chain, holds, into
from terawatt.constants import HOURS_PER_YEAR
from terawatt.design.ground import GroundDesign
from terawatt.design.satellite import FleetDesign, SatelliteDesign
from terawatt.economics.finance import (
    RecoveryFactors,
    capital_recovery_factors,
    recovery_factors_finite,
    series_present_value_factor,
    within,
)


@dataclass(frozen=True)
class OrbitalPrices:
    server_price_usd_per_accelerator: np.ndarray
    satellite_cost_usd_per_w: np.ndarray  # NaN = bottom-up
    array_cost_usd_per_w: np.ndarray
    radiator_cost_usd_per_m2: np.ndarray
    battery_cost_usd_per_kwh: np.ndarray
    bus_cost_usd_per_kg: np.ndarray
    structure_cost_usd_per_kg: np.ndarray
    bus_structure_fraction: np.ndarray
    launch_price_usd_per_kg: np.ndarray  # NaN = per launch from the vehicle
    vehicle_price_usd: np.ndarray
    insurance_fraction: np.ndarray
    opex_fraction_per_yr: np.ndarray
    replacement_fraction_per_yr: np.ndarray
    ground_segment_usd_per_w: np.ndarray
    nre_usd: np.ndarray
    servicing_cost_usd_per_visit: np.ndarray
    servicing_visits_per_satellite_yr: np.ndarray  # 0 where servicing is off
    discount_rate: np.ndarray  # the orbit's own (finance.orbital_discount_rate, else finance.discount_rate)
    analysis_period_yr: np.ndarray
    satellite_lifetime_yr: np.ndarray
    #: The capital recovery factors of ``discount_rate`` (:class:`~terawatt.economics.finance.RecoveryFactors`),
    #: shared with the ground where both sides discount at one rate; None: computed here.
    recovery: Any = None


def satellite_hardware_cost_usd(sat: SatelliteDesign, compute_power_w: np.ndarray, p: OrbitalPrices) -> np.ndarray:
    r"""Hardware cost of one satellite, without accelerators and servers [USD].

    Notes
    -----
    Given ``satellite_cost_usd_per_w``: that price times the satellite's IT power. Otherwise bottom-up: array
    (BOL W), radiator (m2), battery (kWh); structure-class mass at the structure price per kg (shielding plates and
    the structure share :math:`f_s` of the bus); bus-class hardware at the bus price per kg (the rest of the bus:
    avionics, attitude control, harness, communications; and propulsion); the growth margin at the bus's mean
    price per kg :math:`f_s c_{str} + (1 - f_s) c_{bus}`. For a heritage satellite, its mass beyond the sized
    subsystems is priced at the bus price per kg.
    """
    given_price = np.isfinite(p.satellite_cost_usd_per_w)
    if np.ndim(given_price) == 0 and given_price:  # a price per W for every sample: the bottom-up sum unused
        return select(given_price, p.satellite_cost_usd_per_w * compute_power_w, np.nan)
    # (array + battery) + radiator: the array and battery terms (one number each with the orbit fixed) added
    # first, one pass fewer over the samples (within an ulp of array + radiator + battery); for sample arrays each
    # sum in the buffer of a product of this function's (into, chain: the same values)
    radiator = sat.radiator_area_m2 * p.radiator_cost_usd_per_m2
    array = sat.array_power_bol_w * p.array_cost_usd_per_w
    battery = chain(sat.battery_capacity_wh / 1e3, (np.multiply, p.battery_cost_usd_per_kwh))
    subsystems = into(radiator, np.add, into(array, np.add, array, battery), radiator)
    every_heritage = not _nd(sat.heritage) and bool(sat.heritage)  # one flag: heritage mode for every sample
    if every_heritage:
        sized_rest = None  # the sized form of the rest unused (below)
    else:
        f_s = p.bus_structure_fraction
        bus_mean_usd_per_kg = f_s * p.structure_cost_usd_per_kg + (1.0 - f_s) * p.bus_cost_usd_per_kg
        sized_rest = (
            sat.shielding_mass_kg * p.structure_cost_usd_per_kg
            + (sat.bus_mass_kg + sat.margin_mass_kg) * bus_mean_usd_per_kg
            + sat.propulsion_mass_kg * p.bus_cost_usd_per_kg
        )
    if np.ndim(sat.heritage) == 0 and not sat.heritage:  # no heritage satellite: its form of the rest unused
        rest = select(sat.heritage, np.nan, sized_rest)
    else:
        # the mass beyond the sized subsystems, floored at 0, at the bus price (for samples in one buffer)
        beyond = sat.satellite_mass_kg - sat.it_mass_kg - sat.array_mass_kg
        if type(beyond) is np.ndarray:
            beyond = chain(beyond, (np.subtract, sat.radiator_mass_kg), (np.subtract, sat.battery_mass_kg))
            beyond = np.maximum(beyond, 0.0, out=beyond) if holds(beyond) else np.maximum(beyond, 0.0)
            heritage_rest = chain(beyond, (np.multiply, p.bus_cost_usd_per_kg))
        else:
            heritage_rest = np.maximum(beyond - sat.radiator_mass_kg - sat.battery_mass_kg, 0.0) * p.bus_cost_usd_per_kg
        if every_heritage:  # np.where's values and shape: this branch, broadcast to the sized one's shape
            shape = broadcast_shape(heritage_rest, sat.shielding_mass_kg, p.structure_cost_usd_per_kg,
                                    sat.bus_mass_kg, sat.margin_mass_kg, p.bus_structure_fraction,
                                    p.bus_cost_usd_per_kg, sat.propulsion_mass_kg)
            rest = heritage_rest if _shape(heritage_rest) == shape else np.array(np.broadcast_to(heritage_rest, shape))
        else:
            rest = select(sat.heritage, heritage_rest, sized_rest)
    bottom_up = _sum_into_second(subsystems, rest)  # rest: this function's own
    given = p.satellite_cost_usd_per_w * compute_power_w
    return select(given_price, given, bottom_up)


def servicing_cost_usd(sat: SatelliteDesign, fleet: FleetDesign, p: OrbitalPrices) -> tuple[np.ndarray, np.ndarray]:
    r"""Present value at launch of one fleet generation's servicing visits and of the accelerators they install
    [USD], as ``(visits, accelerators)``.

    Notes
    -----
    Per satellite, :math:`n` visits (:attr:`FleetDesign.servicing_visits_per_satellite`) every :math:`T = 1/v`
    years each cost :math:`C_{visit} + f_{repl} N_{flown} p_{server}` (the failed accelerators replaced, priced at
    the server price); discounted with :func:`~terawatt.economics.finance.series_present_value_factor`.
    """
    v = p.servicing_visits_per_satellite_yr
    interval = 1.0 / np.where(v > 0, v, 1.0)
    pv = series_present_value_factor(p.discount_rate, interval, fleet.servicing_visits_per_satellite)
    discounted = fleet.satellite_count * pv  # satellites x present value of their visits, shared by both
    visits = discounted * p.servicing_cost_usd_per_visit
    replaced = discounted * fleet.replaced_fraction_per_visit * sat.accelerators_flown
    return visits, replaced * p.server_price_usd_per_accelerator


def orbital_costs(
    sat: SatelliteDesign,
    fleet: FleetDesign,
    it_power_w: np.ndarray,
    compute_power_w: np.ndarray,
    p: OrbitalPrices,
) -> dict[str, np.ndarray]:
    """Capital outlays [USD] and annual cost lines [USD/yr] of the orbital deployment.

    Returns
    -------
    dict
        ``capex_*`` (one fleet generation), ``annual_*`` lines, ``annual_total``, ``annual_infrastructure``
        (without accelerators, servers and their insurance, and without the accelerators servicing installs),
        ``launch_slope_usd_per_yr_per_usd_per_kg`` (annual cost added per 1 USD/kg of launch price, for
        break-even).
    """
    life = p.satellite_lifetime_yr
    hardware = fleet.satellite_count * satellite_hardware_cost_usd(sat, compute_power_w, p)
    accelerators = fleet.accelerators_flown * p.server_price_usd_per_accelerator
    launch = _launch_cost_usd(fleet, p)
    ground_segment = p.ground_segment_usd_per_w * it_power_w
    kept: list[tuple[np.ndarray, np.ndarray]] = []

    def servicing() -> tuple[np.ndarray, np.ndarray]:
        """(visits, accelerators) of servicing, computed once."""
        if not kept:
            kept.append(servicing_cost_usd(sat, fleet, p))
        return kept[0]

    # Each capital recovery factor once: on large sample arrays they dominate the run time.
    recovery = _recovery(p)
    crf_life, crf_period = recovery(life, p.analysis_period_yr)

    def servicing_line() -> tuple[np.ndarray, np.ndarray]:
        visits, installed = servicing()
        return visits + installed, crf_life

    # A line that is +-0 in every sample leaves the total unchanged (a sum started at 0 + x is never -0, and
    # y + +-0 is y): it is computed on first read only. Such are a zero price or fraction times finite values, and
    # servicing where no visit falls in a life.
    shape = _shape(hardware) if not _nd(crf_life) else np.broadcast_shapes(_shape(hardware), _shape(crf_life))
    # shape, the hardware line's, is () for a scalar scenario: nothing skipped there
    checked: list[bool] = []

    def finite_hardware() -> bool:
        """Whether every hardware cost is finite, checked once (for the zero lines and the satellite counts)."""
        if not checked:
            checked.append(_finite(hardware))
        return checked[0]

    # The outlays annualised over the satellite life, accelerators + hardware + launch [USD] (a buffer of this
    # function's for samples): the insurance is a fraction of it, and the total's satellite-life lines are its sum
    # with the insurance times the factor once (within an ulp of the line-by-line sum; the lines are still each
    # outlay times the factor).
    capital = _total(accelerators, hardware, launch, start=None)

    def insured() -> np.ndarray:
        """The insurance outlay: a fraction of the hardware, launch and accelerators (their sum again: the total
        may have been written over ``capital``)."""
        return p.insurance_fraction * _total(accelerators, hardware, launch, start=None)

    finite_factors: list[bool] = []

    def finite_crf_life() -> bool:
        """Whether every satellite-life recovery factor is finite, checked once (insurance, servicing)."""
        if not finite_factors:
            finite_factors.append(_finite(crf_life))
        return finite_factors[0]

    # No insurance: a zero fraction of finite outlays, no wider than the total, annualised by finite factors
    no_insurance = bool(shape) and _zero_line(p.insurance_fraction, hardware, shape, finite_hardware) and all(
        _shape(x) in ((), shape) and _finite(x) for x in (launch, accelerators)
    ) and _shape(crf_life) in ((), shape) and finite_crf_life()
    insurance = None if no_insurance else p.insurance_fraction * capital
    # Each annual line as the product (outlay or coefficient, factor or values) it is.
    products = {
        "accelerators": (accelerators, crf_life),
        "satellite_hardware": (hardware, crf_life),
        "launch": (launch, crf_life),
        "insurance": (insurance, crf_life),
        "ground_segment": (ground_segment, crf_period),
    }
    if no_insurance:
        del products["insurance"]
    later = {}
    for name, coefficient, values in (("nre", p.nre_usd, crf_period),
                                      ("operations", p.opex_fraction_per_yr, hardware),
                                      ("replacement", p.replacement_fraction_per_yr, hardware)):
        if shape and _zero_line(coefficient, values, shape, finite_hardware if values is hardware else None):
            later[name] = (coefficient, values)
        else:
            products[name] = (coefficient, values)
    # hardware = count x a satellite's cost: finite only where the count is
    counts_finite = finite_hardware if _shape(fleet.satellite_count) == shape else None
    if shape and _no_servicing(sat, fleet, p, crf_life, recovery, counts_finite, shape, finite_crf_life):
        later["servicing"] = None
    else:
        products["servicing"] = servicing_line()
    # (accelerators + hardware + launch + insurance) x the satellite-life factor, then the other lines; the total
    # written over that sum (capital's buffer: capex_total adds the outlays again): one array fewer.
    life_capital = capital if no_insurance else _sum_into_second(insurance, capital)
    totalled = [(life_capital, crf_life)] + [
        product for name, product in products.items()
        if name not in ("accelerators", "satellite_hardware", "launch", "insurance")
    ]
    owned = life_capital if type(life_capital) is np.ndarray and life_capital.dtype == np.float64 else None
    out, pending, annual_total = _annual_lines(products, bool(shape) or is_sampled(launch), out=owned,
                                               total=totalled)
    if no_insurance:  # the outlay and its line on first read
        pending["capex_insurance"] = lambda _: insured()
        pending["annual_insurance"] = lambda c: _product(c["capex_insurance"], crf_life, None)
    for name, product in later.items():
        pending[f"annual_{name}"] = (
            functools.partial(_product, *product) if product else lambda _: _product(*servicing_line(), None)
        )

    def infrastructure(costs: CostLines) -> np.ndarray:
        return _total(
            costs["annual_satellite_hardware"],
            costs["annual_launch"],
            p.insurance_fraction * (hardware + launch) * crf_life,
            costs["annual_ground_segment"],
            costs["annual_nre"],
            costs["annual_operations"],
            costs["annual_replacement"],
            servicing()[0] * crf_life,
            start=None,
        )

    out.update(capex_accelerators=accelerators, capex_satellite_hardware=hardware, capex_launch=launch)
    if not no_insurance:  # (else on first read, above)
        out["capex_insurance"] = insurance
    out.update(
        capex_ground_segment=ground_segment,
        capex_nre=np.asarray(p.nre_usd, float),  # one number: the outputs broadcast it to the samples
        annual_total=annual_total,
        crf_period=crf_period,
    )
    capex_nre = out["capex_nre"]
    costs = CostLines(
        out,
        **pending,
        annual_infrastructure=infrastructure,
        annual_opex=lambda c: c["annual_operations"] + c["annual_replacement"] + c["annual_servicing"],
        launch_slope_usd_per_yr_per_usd_per_kg=lambda _: _launch_slope(fleet.launch_mass_kg, p.insurance_fraction,
                                                                       crf_life),
        capex_total=lambda c: accelerators + hardware + launch + c["capex_insurance"] + ground_segment + capex_nre,
    )
    return costs


def _launch_slope(launch_mass_kg: np.ndarray, insurance_fraction: np.ndarray, crf_life: np.ndarray) -> np.ndarray:
    """Annual cost added per 1 USD/kg of launch price [kg/yr]: ``mass x (1 + insurance) x CRF``, in one buffer,
    without the product by 1 where there is no insurance (x * 1 is x)."""
    factor = 1.0 + insurance_fraction
    if not _nd(factor) and factor == 1.0:
        return launch_mass_kg * crf_life
    return chain(launch_mass_kg * factor, (np.multiply, crf_life))


def _product(a: np.ndarray, b: np.ndarray, _lines: CostLines | None) -> np.ndarray:
    """A cost line computed on first read: ``a * b``."""
    return np.multiply(a, b)


def _annual_lines(
    products: dict[str, tuple[Any, Any]], sampled: bool, out: np.ndarray | None = None,
    total: list[tuple[Any, Any]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The annual lines by ``annual_<name>``, those computed on first read, and their total, from each line's
    product ``(a, b)`` (``a * b``, in order). ``sampled`` (some factor is an array of samples): the total is
    summed product by product (:func:`_sum_of_products`, into ``out`` where it fits) and each line that is an
    array computed on first read (the same product); else every line at once and their :func:`_total` (the same
    values either way). ``total``: the products the total sums instead of the lines' (lines that share a factor
    as one product, :math:`(a_1 + a_2) b`: within an ulp of :math:`a_1 b + a_2 b`)."""
    if not sampled:
        lines = {f"annual_{name}": a * b for name, (a, b) in products.items()}
        return lines, {}, _total(*(lines.values() if total is None else (a * b for a, b in total)))
    lines, pending = {}, {}
    for name, (a, b) in products.items():
        if _nd(a) or _nd(b):
            pending[f"annual_{name}"] = functools.partial(_product, a, b)
        else:
            lines[f"annual_{name}"] = a * b
    return lines, pending, _sum_of_products(list(products.values()) if total is None else total, out)


def _nd(x: Any) -> int:
    """``np.ndim`` of a NumPy value or a Python number, without its call overhead."""
    return getattr(x, "ndim", 0)


def _shape(x: Any) -> tuple[int, ...]:
    """``np.shape`` of a NumPy value or a Python number, without its call overhead."""
    return getattr(x, "shape", ())


def _float64(x: Any) -> bool:
    return type(x) is float or getattr(x, "dtype", None) == np.float64


def _product_shape(a: Any, b: Any) -> tuple[int, ...] | None:
    """The shape of ``a * b`` where it is float64 (both factors are), else None."""
    if not (_float64(a) and _float64(b)):
        return None
    sa, sb = _shape(a), _shape(b)
    return sa if sa == sb or not sb else sb if not sa else np.broadcast_shapes(sa, sb)


def _sum_into_second(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b``, written into ``b`` where it is a float64 array of the sum's shape (a temporary of the caller's:
    one array fewer to allocate); the same values."""
    if type(b) is np.ndarray and b.ndim and _product_shape(a, b) == b.shape:
        return np.add(a, b, out=b)
    return a + b


def _finite(values: np.ndarray) -> bool:
    """Whether every value is finite (for sample arrays: the least and greatest, two reductions without a
    temporary; NaN propagates through both)."""
    if not _nd(values):
        return bool(np.isfinite(values))
    return within(as_float(values), -np.inf, np.inf)


def _zero_line(coefficient: np.ndarray, values: np.ndarray, shape: tuple[int, ...], finite: Any = None) -> bool:
    """Whether ``coefficient * values`` is +-0 in every sample and of ``shape`` (the total's): a scalar +-0
    coefficient and finite values of that shape (two reductions; ``finite``, if given, tells it instead)."""
    return (
        not _nd(coefficient)
        and coefficient == 0.0
        and _shape(values) == shape
        and (finite() if finite is not None else _finite(values))
    )


def _no_servicing(sat: SatelliteDesign, fleet: FleetDesign, p: OrbitalPrices, crf_life: np.ndarray,
                  recovery: Any = None, counts_finite: Any = None, shape: tuple[int, ...] | None = None,
                  crf_finite: Any = None) -> bool:
    """Whether the servicing line is +-0 in every sample: no visit in a satellite's life (the present value of
    the visits is then +0, :func:`~terawatt.economics.finance.series_present_value_factor`) and every factor of
    the line finite (a sample array of satellite counts checked last, with two reductions, or by
    ``counts_finite()`` where given). ``recovery``: the rate's :class:`~terawatt.economics.finance.RecoveryFactors`,
    whose bounds of the rate are shared. ``shape``: the total's; a price or fraction of the line may then be a
    sample array of that shape (two reductions each, after the checks of the one-value factors), else each is
    one value. ``crf_finite()``: whether ``crf_life`` is finite, where the caller checks it once."""
    n = fleet.servicing_visits_per_satellite
    if not is_plus_zero(n):
        return False
    v = p.servicing_visits_per_satellite_yr
    if _nd(v) or not math.isfinite(v) or not math.isfinite(1.0 / (v if v > 0 else 1.0)):
        return False
    factors = (p.servicing_cost_usd_per_visit, fleet.replaced_fraction_per_visit, sat.accelerators_flown,
               p.server_price_usd_per_accelerator)
    sampled = [x for x in factors if _nd(x)]
    if any(not math.isfinite(x) for x in factors if not _nd(x)):
        return False
    if sampled and (shape is None or any(_shape(x) != shape for x in sampled)):  # the line no wider than the total
        return False
    rate_within = (recovery.within(-1.0, np.inf) if isinstance(recovery, RecoveryFactors)
                   else within(as_float(p.discount_rate), -1.0, np.inf))
    if not (rate_within and (crf_finite() if crf_finite is not None else _finite(crf_life))):
        return False
    if not all(_finite(x) for x in sampled):
        return False
    return counts_finite() if counts_finite is not None else _finite(fleet.satellite_count)


def _recovery(p: OrbitalPrices | TerrestrialPrices) -> Any:
    """The capital recovery factors of the side's discount rate, as a function of the durations: the shared ones
    given with the prices, else its own (:class:`~terawatt.economics.finance.RecoveryFactors` for sampled rates,
    whose bounds the zero-line checks share)."""
    if p.recovery is not None:
        return p.recovery
    if is_sampled(p.discount_rate):
        return RecoveryFactors(p.discount_rate)
    return functools.partial(capital_recovery_factors, p.discount_rate)


def _factors_finite(recovery: Any, rate: np.ndarray, *years: np.ndarray) -> bool:
    """:func:`~terawatt.economics.finance.recovery_factors_finite`, the rate's bounds shared where ``recovery``
    keeps them."""
    if isinstance(recovery, RecoveryFactors):
        return recovery.finite(*years)
    return recovery_factors_finite(rate, *years)


def _launch_cost_usd(fleet: FleetDesign, p: OrbitalPrices) -> np.ndarray:
    """Launch cost of one fleet generation [USD]: launched mass x the price per kg where one is given, else the
    vehicle's price per launch (NaN where the fleet cannot be launched)."""
    by_mass = fleet.launch_mass_kg * p.launch_price_usd_per_kg
    if (
        type(by_mass) is np.ndarray
        and by_mass.ndim
        and all(_shape(x) in ((), by_mass.shape) for x in (p.launch_price_usd_per_kg, fleet.launchable,
                fleet.satellite_count, fleet.satellites_per_launch, p.vehicle_price_usd))  # (the launches')
        and _finite(p.launch_price_usd_per_kg)
    ):  # every sample priced per kg, np.where's shape: what it returns below, without the per-launch branch
        return by_mass
    finite = np.isfinite(p.launch_price_usd_per_kg)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_launch_cost = np.where(fleet.launchable, fleet.launches * p.vehicle_price_usd, np.nan)
    return np.where(finite, by_mass, per_launch_cost)


def _total(*terms: np.ndarray, start: int | None = 0) -> np.ndarray:
    """``sum(terms)`` (``start=0``: as the built-in, 0 + the first term) or ``terms[0] + terms[1] + ...``
    (``start=None``), left to right: the same values, added into one buffer of its own where the shapes allow.
    From ``start=0`` a one-value zero term is no pass over the samples: the running sum is never -0 (0 + x is not,
    and a sum is -0 only where both terms are), and y + +-0 is y."""
    total, fresh = (terms[0], False) if start is None else (start + terms[0], True)
    skip_zeros = type(start) is int and start == 0
    for term in terms[1:]:
        if skip_zeros and type(total) is np.ndarray and total.dtype == np.float64 and np.ndim(term) == 0 and term == 0:
            continue
        if (
            fresh
            and type(total) is np.ndarray
            and total.dtype == np.float64
            and (np.ndim(term) == 0 or np.shape(term) == total.shape)
            and np.result_type(total, term) == np.float64
        ):
            np.add(total, term, out=total)
        else:
            total, fresh = total + term, True
    return total


def _sum_of_products(products: list[tuple[Any, Any]], out: np.ndarray | None = None) -> np.ndarray:
    """``sum(a * b for a, b in products)`` (as the built-in: 0 + the first product, then left to right), the same
    values as :func:`_total` of the products: each array product computed into one scratch buffer and added into
    the total's own (no array per product), a one-value zero product no pass (as in :func:`_total`). ``out``: a
    float64 array of the caller's that the total may be written into (where the first product has its shape).

    Nor is the start 0 a pass where a product is one nonzero value (or NaN): without it a running sum differs
    from the sum from 0 only where it is -0 instead of +0 (x + y is -0 only where both are), adding that product
    w makes both the same (+-0 + w is w), and a sum is never -0 again."""
    values = [a * b if not (_nd(a) or _nd(b)) else None for a, b in products]  # the one-value products
    total = None if any(v is not None and v != 0 for v in values) else 0
    owned, scratch = False, None  # whether total is a float64 array of this function's; the products' buffer
    for (a, b), value in zip(products, values, strict=True):
        if total is None:  # the first product, without the start
            if value is None and out is not None and _product_shape(a, b) == out.shape:
                total = np.multiply(a, b, out=out)
            else:
                total = a * b if value is None else value
            owned = type(total) is np.ndarray and total.dtype == np.float64
        elif value is not None:
            if owned and value == 0:
                continue
            if owned and _float64(value):
                np.add(total, value, out=total)
            else:
                total = total + value
                owned = type(total) is np.ndarray and total.dtype == np.float64
        elif owned and _product_shape(a, b) == total.shape:
            if scratch is None or scratch.shape != total.shape:  # (the total's shape grows from a term on)
                scratch = np.multiply(a, b)
            else:
                np.multiply(a, b, out=scratch)
            np.add(total, scratch, out=total)
        else:
            total = total + a * b
            owned = type(total) is np.ndarray and total.dtype == np.float64
    return total


class CostLines(dict):
    """Cost lines and totals of one side by name [USD, USD/yr]: a dict whose summary entries (given as functions
    of the cost lines themselves, so that no function holds the dict in a reference cycle: a cycle kept a whole
    chunk's design alive until Python's cyclic collector ran, tripling a streamed Monte Carlo's peak memory) are
    computed on first read, so that an evaluation that reads only some of them (``terawatt
    evaluate`` reading the cost ratio) does not pay for the rest. Iterating, ``len``, ``in``, ``get``, ``keys``,
    ``items`` and ``values`` see every entry (computing the pending ones first); pickles as a plain dict."""

    def __init__(self, values: dict[str, np.ndarray], **pending) -> None:
        super().__init__(values)
        self._pending = pending

    def __missing__(self, key: str) -> np.ndarray:
        compute = self._pending.pop(key, None)
        if compute is None:
            raise KeyError(key)
        value = self[key] = compute(self)
        return value

    def _complete(self) -> None:
        for key in list(self._pending):
            self[key]  # noqa: B018 (computes it)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self._pending

    def __iter__(self):
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        return super().__len__() + len(self._pending)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def keys(self):
        self._complete()
        return super().keys()

    def items(self):
        self._complete()
        return super().items()

    def values(self):
        self._complete()
        return super().values()

    def __reduce__(self):
        self._complete()
        return (dict, (dict(self),))


@dataclass(frozen=True)
class TerrestrialPrices:
    server_price_usd_per_accelerator: np.ndarray
    hardware_lifetime_yr: np.ndarray
    repair_cost_fraction_per_yr: np.ndarray
    power_source: str
    electricity_price_usd_per_mwh: np.ndarray
    facility_capex_usd_per_w: np.ndarray
    facility_lifetime_yr: np.ndarray
    opex_fraction_per_yr: np.ndarray
    gas_plant_capex_usd_per_w: np.ndarray
    gas_price_usd_per_mmbtu: np.ndarray
    heat_rate_btu_per_kwh: np.ndarray
    gas_variable_om_usd_per_mwh: np.ndarray
    pv_capex_usd_per_w: np.ndarray
    storage_capex_usd_per_kwh: np.ndarray
    power_plant_lifetime_yr: np.ndarray
    discount_rate: np.ndarray  # the ground's own (finance.terrestrial_discount_rate, else finance.discount_rate)
    analysis_period_yr: np.ndarray
    recovery: Any = None  # as OrbitalPrices.recovery


def energy_price_usd_per_mwh(p: TerrestrialPrices) -> np.ndarray:
    r"""Marginal price of a facility MWh [USD/MWh]: the grid tariff; for gas, fuel
    :math:`HR\,[Btu/kWh] \times p_{gas}\,[USD/MMBtu] / 1000` plus variable O&M; zero for solar + storage."""
    fuel = p.heat_rate_btu_per_kwh * p.gas_price_usd_per_mmbtu / 1e3 + p.gas_variable_om_usd_per_mwh
    price = {"grid": p.electricity_price_usd_per_mwh, "gas": fuel, "solar_storage": 0.0}[p.power_source]
    return np.asarray(price, float)


def terrestrial_costs(ground: GroundDesign, it_power_w: np.ndarray, p: TerrestrialPrices) -> dict[str, np.ndarray]:
    """Capital outlays [USD] and annual cost lines [USD/yr] of the terrestrial deployment.

    Notes
    -----
    Repairs are what swapping failed boards costs, a fraction of the accelerator and server price per year
    (``terrestrial.repair_cost_fraction_per_yr``); the repaired capacity is back within days, so the ground loses
    no delivered capacity to permanent failures.
    """
    r = p.discount_rate
    accelerators = ground.accelerators * p.server_price_usd_per_accelerator
    facility = p.facility_capex_usd_per_w * it_power_w
    plant = (
        ground.gas_capacity_w * p.gas_plant_capex_usd_per_w
        + ground.pv_capacity_w * p.pv_capex_usd_per_w
        + ground.storage_capacity_wh / 1e3 * p.storage_capex_usd_per_kwh
    )
    recovery = _recovery(p)
    # No plant (a grid connection): its line is +0 without its factor, where every factor is finite.
    no_plant = is_plus_zero(plant) and _factors_finite(
        recovery, r, p.power_plant_lifetime_yr
    )
    lives = (p.hardware_lifetime_yr, p.facility_lifetime_yr) + (() if no_plant else (p.power_plant_lifetime_yr,))
    crf_hardware, crf_facility, *crf_plant = recovery(*lives)
    products = {  # each capital outlay annualised over its life (finance.annualize, its factors computed together)
        "accelerators": (as_float(accelerators), crf_hardware),
        "repairs": (p.repair_cost_fraction_per_yr, accelerators),
        "facility": (as_float(facility), crf_facility),
        "power_plant": (as_float(plant), 1.0 if no_plant else crf_plant[0]),
        "energy": (ground.facility_energy_mwh_per_yr, energy_price_usd_per_mwh(p)),
        "operations": (p.opex_fraction_per_yr, facility),
    }
    sampled = is_sampled(crf_hardware) or is_sampled(ground.facility_energy_mwh_per_yr) or is_sampled(facility)
    out, pending, annual_total = _annual_lines(products, sampled)
    out.update(
        capex_accelerators=accelerators,
        capex_facility=facility,
        capex_power_plant=plant,
        annual_total=annual_total,
    )
    return CostLines(
        out,
        **pending,
        capex_total=lambda _: accelerators + facility + plant,
        annual_infrastructure=lambda c: (
            c["annual_facility"] + c["annual_power_plant"] + c["annual_energy"] + c["annual_operations"]
        ),
        annual_opex=lambda c: c["annual_energy"] + c["annual_operations"] + c["annual_repairs"],
        crf_period=lambda _: recovery(p.analysis_period_yr)[0],  # only the lifecycle totals
    )


def unit_costs(annual_usd: np.ndarray, it_power_w: np.ndarray, gpu_hours_per_yr: np.ndarray, tokens_per_yr: np.ndarray):
    """Cost per kW-year of IT power, per delivered GPU-hour and per million tokens, from an annual cost."""
    return {
        "cost_per_kw_year_usd": annual_usd / (it_power_w / 1e3),
        "cost_per_gpu_hour_usd": annual_usd / gpu_hours_per_yr,
        "cost_per_million_tokens_usd": annual_usd / (tokens_per_yr / 1e6),
    }


def gpu_hours_per_yr(it_power_w: np.ndarray, server_power_w_per_accelerator: np.ndarray, utilization: np.ndarray):
    """Delivered accelerator-hours per year: active accelerators x utilisation x 8,760 h."""
    # u x (accelerators x 8760 h): one pass over the samples where the accelerator count is one number (a sampled
    # utilisation), in one buffer where it is sampled (chain); within an ulp of left to right
    return chain(it_power_w / server_power_w_per_accelerator * HOURS_PER_YEAR, (np.multiply, utilization))


def lifecycle(annual_usd: np.ndarray, crf_period: np.ndarray) -> np.ndarray:
    """Present value [USD] of an annual cost over the analysis period, given the period's capital recovery factor."""
    return annual_usd / crf_period


def breakeven_launch_price_usd_per_kg(
    orbital_annual_usd: np.ndarray,
    orbital_annual_launch_usd: np.ndarray,
    orbital_annual_launch_insurance_usd: np.ndarray,
    slope: np.ndarray,
    terrestrial_annual_usd: np.ndarray,
) -> np.ndarray:
    r"""Launch price per kg at which the orbital annual cost equals the terrestrial one [USD/kg].

    Notes
    -----
    The orbital annual cost is affine in the price per launched kg :math:`p`: :math:`C(p) = C_0 + s p` with
    :math:`s = M (1 + f_{ins})\,\mathrm{CRF}`, so :math:`p^* = (C_{ground} - C_0)/s`. Negative: orbit costs more
    than the ground even with free launch (no crossover).
    """
    insurance = orbital_annual_launch_insurance_usd
    with np.errstate(invalid="ignore"):
        # in the buffer of the first difference (the same values); x - (+0) is x, so a one-value +0 insurance
        # (none on launch) is no pass
        base = orbital_annual_usd - orbital_annual_launch_usd
        if not is_plus_zero(insurance):
            base = into(base, np.subtract, base, insurance)
        return into(base, np.true_divide, into(base, np.subtract, terrestrial_annual_usd, base), slope)
