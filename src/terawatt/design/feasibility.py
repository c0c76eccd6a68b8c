"""Whether an orbital design can exist, and if not, why: one flag and one plain-language reason per sample.

A design is infeasible when its radiator cannot reject the heat, a heritage satellite is lighter than its own
parts, one satellite does not fit the launch vehicle, it cannot hold its orbit (delta-v beyond any propulsion
system, or all its time spent avoiding debris), its accelerators do not survive their total dose (margin < 1),
radiation interrupts leave no goodput, or nothing else delivers compute (a fleet of infinitely many satellites).
Infeasible samples carry no cost; the reason says which of these applies, so no "n/a" is left unexplained.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


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
    shape = np.broadcast_shapes(
        *(
            np.shape(a)
            for a in (
                radiator_ok,
                given_mass_kg,
                parts_mass_kg,
                launchable,
                total_dv_m_per_s,
                tid_margin,
                goodput_fraction,
                availability,
                satellite_count,
            )
        )
    )
    too_light = (
        np.asarray(heritage, bool)
        & ~np.asarray(accept_given_mass, bool)
        & (np.asarray(given_mass_kg) < np.asarray(parts_mass_kg))
    )
    tid = np.asarray(tid_margin, float)
    goodput = np.asarray(goodput_fraction, float)
    avail = np.asarray(availability, float)
    count = np.asarray(satellite_count, float)
    eta = np.asarray(cell_efficiency, float)
    mass_ok = np.isfinite(np.asarray(satellite_mass_kg, float))
    launch_bad = ~np.asarray(launchable, bool) & np.asarray(radiator_ok, bool) & ~too_light & mass_ok
    checks = [
        (~np.asarray(radiator_ok, bool), "radiator cannot reject the heat (net flux <= 0 at this temperature)"),
        (
            too_light,
            lambda m: "satellite.mass_kg ("
            + _fmt(given_mass_kg, m)
            + " kg) is below the mass of its own parts ("
            + _fmt(parts_mass_kg, m)
            + " kg: compute, shielding, array, battery, radiator)",
        ),
        (
            ~mass_ok & np.asarray(radiator_ok, bool),
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
            ~np.asarray(propellant_ok, bool) & np.asarray(radiator_ok, bool) & mass_ok,
            lambda m: "cannot hold its orbit: lifetime delta-v "
            + _fmt(total_dv_m_per_s, m)
            + f" m/s exceeds what any propulsion system provides ({max_dv_m_per_s:g} m/s)",
        ),
        (
            (np.asarray(avoidance_outage_fraction, float) >= 1.0) & mass_ok,
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
    return combine(checks, shape, bad_any=failing | rest)
