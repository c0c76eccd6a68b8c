"""Whether an orbital design can exist, and if not, why: one flag and one plain-language reason per sample.

A design is infeasible when its radiator cannot reject the heat, a heritage satellite is lighter than its own
parts, one satellite does not fit the launch vehicle, it cannot hold its orbit (delta-v beyond any propulsion
system, or all its time spent avoiding debris), its accelerators do not survive their total dose (margin < 1),
radiation interrupts leave no goodput, or nothing else delivers compute (a fleet of infinitely many satellites).
Infeasible samples carry no cost; the reason says which of these applies, so no "n/a" is left unexplained.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt._arrays import broadcast_shape


@dataclass(frozen=True)
class Feasibility:
    """Per-sample flag and reason (``""`` where feasible; several reasons joined by ``"; "``).

    ``reason`` may be given as a function that makes the texts: they are then formatted on first use of
    :attr:`reason` only (formatting is most of the cost of a large array with many infeasible samples, and most
    uses need only the flag).
    """

    feasible: np.ndarray
    reason_texts: np.ndarray | Callable[[], np.ndarray]  # str array (0-d for a scalar scenario), or its maker

    @property
    def reason(self) -> np.ndarray:
        """The reasons, a str array (0-d for a scalar scenario)."""
        texts = self.reason_texts
        if callable(texts):
            texts = texts()
            object.__setattr__(self, "reason_texts", texts)
        return texts


def _fmt(x: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``x`` formatted as ``%.4g`` text at the samples ``where`` is True only (an object array of them, in order)."""
    values = np.broadcast_to(np.asarray(x, float), np.shape(where))[where]
    return np.array([f"{v:.4g}" for v in np.ravel(values).tolist()], dtype=object)


#: A check's reason: fixed text, or a function of the failing samples' mask returning one text per failing sample
#: (so that numbers are formatted only where the check fails: formatting is most of the cost of a large array).
Reason = str | Callable[[np.ndarray], np.ndarray]


def combine(
    checks: Sequence[tuple[np.ndarray, Reason]], shape: tuple[int, ...], bad_any: np.ndarray | None = None
) -> Feasibility:
    """Flags and reasons from ``(bad_mask, reason)`` pairs; a reason is fixed text or a function of the mask of the
    failing samples (:data:`Reason`), called only where the check fails. ``bad_any``: :func:`any_failing` of
    ``checks`` where the caller has it already."""
    if shape == ():  # one sample: the same flags and text without per-check array work
        texts = []
        for bad, text in checks:
            if bool(bad):
                texts.append(str(np.ravel(text(np.True_))[0]) if callable(text) else str(text))
        return Feasibility(np.bool_(not texts), np.asarray("; ".join(texts)))
    checks = list(checks)  # the reasons below are made later, from these checks as they are now
    if bad_any is None:
        bad_any = any_failing(checks, shape)
    if not bad_any.any():  # all feasible: the empty texts as the '<U1' array that astype(str) makes of them
        return Feasibility(~bad_any, np.zeros(shape, "<U1"))

    def reasons() -> np.ndarray:
        reason = np.full(shape, "", dtype=object)
        for bad, text in checks:
            bad = np.broadcast_to(np.asarray(bad, bool), shape)
            if not bad.any():
                continue
            failing = text(bad) if callable(text) else np.full(int(bad.sum()), text, dtype=object)
            current = reason[bad]
            reason[bad] = np.where(current == "", failing, current + "; " + failing)
        return reason.astype(str)

    return Feasibility(~bad_any, reasons)


def any_failing(checks: Sequence[tuple[np.ndarray, Reason]], shape: tuple[int, ...]) -> np.ndarray:
    """Whether any check fails, per sample (the flag of :func:`combine` without formatting its reasons)."""
    if shape == ():
        return np.bool_(any(bool(bad) for bad, _ in checks))
    bad_any = np.zeros(shape, bool)
    for bad, _ in checks:
        bad = np.asarray(bad, bool)
        if bad.ndim == 0:  # one flag for every sample: no pass over them
            if bad:
                bad_any[...] = True
        else:
            np.logical_or(bad_any, bad, out=bad_any)
    return bad_any


def orbital_feasibility(
    *,
    radiator_ok: np.ndarray,
    heritage: np.ndarray,
    accept_given_mass: bool | np.ndarray,
    given_mass_kg: np.ndarray,
    parts_mass_kg: np.ndarray,
    launchable: np.ndarray,
    satellite_mass_kg: np.ndarray,
    payload_kg: np.ndarray,
    total_dv_m_per_s: np.ndarray,
    max_dv_m_per_s: float,
    propellant_ok: np.ndarray,
    avoidance_outage_fraction: np.ndarray,
    tid_margin: np.ndarray,
    goodput_fraction: np.ndarray,
    availability: np.ndarray,
    satellite_count: np.ndarray,
    cell_efficiency: np.ndarray,
) -> Feasibility:
    """Flag and reason for each sample of an orbital design (inputs broadcast; NaN = effect switched off).

    ``cell_efficiency`` is the array's efficiency at its operating temperature [-]; above 1 (an efficiency near 1
    rated at 28 C and run far colder) the design is infeasible.

    Returns
    -------
    Feasibility
        ``feasible`` is False where any check fails; ``reason`` names every failing check with its numbers.
    """
    shape = broadcast_shape(radiator_ok, given_mass_kg, parts_mass_kg, launchable, total_dv_m_per_s, tid_margin,
                            goodput_fraction, availability, satellite_count)
    inputs = dict(radiator_ok=radiator_ok, heritage=heritage, accept_given_mass=accept_given_mass,
                  given_mass_kg=given_mass_kg, parts_mass_kg=parts_mass_kg, launchable=launchable,
                  satellite_mass_kg=satellite_mass_kg, payload_kg=payload_kg, total_dv_m_per_s=total_dv_m_per_s,
                  max_dv_m_per_s=max_dv_m_per_s, propellant_ok=propellant_ok,
                  avoidance_outage_fraction=avoidance_outage_fraction, tid_margin=tid_margin,
                  goodput_fraction=goodput_fraction, availability=availability, satellite_count=satellite_count,
                  cell_efficiency=cell_efficiency)
    if shape == ():  # one sample: every check and its text (a few scalar comparisons)
        return combine(_checks(shape, **inputs), shape)
    # Samples: the flag first, from the fewest passes over them; the reasons (every check's mask and text) only
    # where some sample fails, and only when they are read.
    too_light = _too_light(heritage, accept_given_mass, given_mass_kg, parts_mass_kg)
    if 0 not in shape and _all_feasible(too_light, **inputs):
        return Feasibility(np.ones(shape, bool), lambda: np.zeros(shape, "<U1"))
    feasible = _feasible(shape, too_light, **inputs)
    if feasible.all():
        return Feasibility(feasible, lambda: np.zeros(shape, "<U1"))
    infeasible = ~feasible
    return Feasibility(feasible, lambda: combine(_checks(shape, **inputs), shape, bad_any=infeasible).reason)


def _too_light(heritage: Any, accept_given_mass: Any, given_mass_kg: Any, parts_mass_kg: Any) -> Any:
    """Where a heritage satellite is lighter than its own parts (one False where no sample is heritage)."""
    if np.ndim(heritage) == 0 and not heritage:
        return np.False_
    return (
        np.asarray(heritage, bool)
        & ~np.asarray(accept_given_mass, bool)
        & (np.asarray(given_mass_kg) < np.asarray(parts_mass_kg))
    )


def _checks(shape: tuple[int, ...], **x: Any) -> list[tuple[Any, Reason]]:
    """Every check of :func:`orbital_feasibility`: (mask of the failing samples, reason), in the order of the
    reasons' text; the last (the fleet delivers no compute) applies where no other check fails."""
    given_mass_kg, parts_mass_kg = x["given_mass_kg"], x["parts_mass_kg"]
    satellite_mass_kg, payload_kg = x["satellite_mass_kg"], x["payload_kg"]
    total_dv_m_per_s, max_dv_m_per_s = x["total_dv_m_per_s"], x["max_dv_m_per_s"]
    too_light = _too_light(x["heritage"], x["accept_given_mass"], given_mass_kg, parts_mass_kg)
    tid = np.asarray(x["tid_margin"], float)
    goodput = np.asarray(x["goodput_fraction"], float)
    avail = np.asarray(x["availability"], float)
    count = np.asarray(x["satellite_count"], float)
    eta = np.asarray(x["cell_efficiency"], float)
    radiator_ok = np.asarray(x["radiator_ok"], bool)
    mass_ok = np.isfinite(np.asarray(satellite_mass_kg, float))
    launch_bad = ~np.asarray(x["launchable"], bool) & radiator_ok & ~too_light & mass_ok
    checks: list[tuple[Any, Reason]] = [
        (~radiator_ok, "radiator cannot reject the heat (net flux <= 0 at this temperature)"),
        (
            too_light,
            lambda m: "satellite.mass_kg ("
            + _fmt(given_mass_kg, m)
            + " kg) is below the mass of its own parts ("
            + _fmt(parts_mass_kg, m)
            + " kg: compute, shielding, array, battery, radiator)",
        ),
        (
            ~mass_ok & radiator_ok,
            "the satellite's mass is not finite (an array or radiator without bound: efficiency or flux near 0)",
        ),
        (
            launch_bad,
            lambda m: "one satellite ("
            + _fmt(satellite_mass_kg, m)
            + " kg) exceeds the vehicle's payload ("
            + _fmt(payload_kg, m)
            + " kg) or fairing volume",
        ),
        (
            ~np.asarray(x["propellant_ok"], bool) & radiator_ok & mass_ok,
            lambda m: "cannot hold its orbit: lifetime delta-v "
            + _fmt(total_dv_m_per_s, m)
            + f" m/s exceeds what any propulsion system provides ({max_dv_m_per_s:g} m/s)",
        ),
        (
            (np.asarray(x["avoidance_outage_fraction"], float) >= 1.0) & mass_ok,
            "debris avoidance takes all of its time",
        ),
        (
            tid < 1.0,
            lambda m: "total-dose margin "
            + _fmt(tid, m)
            + " < 1: the accelerators fail from radiation before end of life",
        ),
        (goodput <= 0.0, "goodput 0: interrupts and restarts (radiation and others) leave no useful compute"),
        (
            eta > 1.0,
            lambda m: "the cells' efficiency at their operating temperature is "
            + _fmt(eta, m)
            + " > 1 (solar.cell_efficiency x (1 + solar.temp_coefficient_per_k x (solar.cell_temp_k - 301.15 K)))",
        ),
    ]
    failing = any_failing(checks, shape)
    rest = ~failing & ~((avail > 0) & np.isfinite(count) & (count > 0))
    checks.append((rest, lambda m: "the fleet delivers no compute (availability " + _fmt(avail, m) + ")"))
    return checks


# The flag of every sample is that no check of _checks fails: with R = radiator_ok and M = a finite satellite
# mass, the checks gated on R and M (~M & R, launch & R & ~too_light & M, propellant & R & M, avoidance & M) fail
# exactly where their first term does once ~R, ~M and too_light are in the union, and "no compute" adds the
# fleet's condition wherever no other check fails; so a sample is feasible where R, M, not too light, launchable,
# propellant_ok, avoidance < 1 (or NaN), tid margin >= 1, goodput > 0, efficiency <= 1 (each NaN: effect off)
# and availability > 0 and 0 < count < inf all hold.


def _all_feasible(too_light: Any, **x: Any) -> bool:
    """Whether every sample is feasible, from the extremes of each quantity (reductions, no mask written);
    False also where that cannot be told so cheaply (then :func:`_feasible` decides sample by sample)."""
    for flag in (x["radiator_ok"], x["launchable"], x["propellant_ok"]):
        if not (flag.all() if type(flag) is np.ndarray else bool(np.all(flag))):
            return False
    if np.ndim(too_light) or too_light:
        return False
    mass = x["satellite_mass_kg"]
    count = x["satellite_count"]
    if not (_finite(mass) and _low(count) > 0.0 and _high(count) < math.inf and _low(x["availability"]) > 0.0):
        return False  # NaN fails these comparisons, as it fails the checks
    # effects switched off (NaN) pass these checks: the extremes of the other values
    return not (
        _nan_high(x["avoidance_outage_fraction"]) >= 1.0
        or _nan_low(x["tid_margin"]) < 1.0
        or _nan_low(x["goodput_fraction"]) <= 0.0
        or _nan_high(x["cell_efficiency"]) > 1.0
    )


def _feasible(shape: tuple[int, ...], too_light: Any, **x: Any) -> np.ndarray:
    """The feasible flag of every sample (see the comment above :func:`_all_feasible`), one pass per condition."""
    ok = np.ones(shape, bool)
    conditions = [
        x["radiator_ok"],
        x["launchable"],
        x["propellant_ok"],
        np.logical_not(too_light),
        np.isfinite(np.asarray(x["satellite_mass_kg"], float)),
        np.asarray(x["availability"], float) > 0,
        np.isfinite(np.asarray(x["satellite_count"], float)),
        np.asarray(x["satellite_count"], float) > 0,
        np.logical_not(np.asarray(x["avoidance_outage_fraction"], float) >= 1.0),
        np.logical_not(np.asarray(x["tid_margin"], float) < 1.0),
        np.logical_not(np.asarray(x["goodput_fraction"], float) <= 0.0),
        np.logical_not(np.asarray(x["cell_efficiency"], float) > 1.0),
    ]
    for holds in conditions:
        if np.ndim(holds):
            np.logical_and(ok, holds, out=ok)
        elif not holds:
            ok[...] = False
    return ok


def _finite(x: Any) -> bool:
    """Whether every value of ``x`` is finite (its extremes: NaN makes them NaN)."""
    return -math.inf < _low(x) and _high(x) < math.inf


def _low(x: Any) -> float:
    """The smallest value of ``x`` (NaN where any is NaN)."""
    return float(x.min()) if type(x) is np.ndarray and x.size else float(np.min(x))


def _high(x: Any) -> float:
    """The largest value of ``x`` (NaN where any is NaN)."""
    return float(x.max()) if type(x) is np.ndarray and x.size else float(np.max(x))


def _nan_low(x: Any) -> float:
    """The smallest value of ``x`` ignoring NaN (NaN where all are): ``min`` (a faster loop), and ``fmin`` where
    that is NaN."""
    if type(x) is not np.ndarray or not x.ndim:
        return float(x)
    low = x.min()
    return float(low) if low == low else float(np.fmin.reduce(x, axis=None))


def _nan_high(x: Any) -> float:
    """The largest value of ``x`` ignoring NaN (NaN where all are), as :func:`_nan_low`."""
    if type(x) is not np.ndarray or not x.ndim:
        return float(x)
    high = x.max()
    return float(high) if high == high else float(np.fmax.reduce(x, axis=None))
