"""Why the verdict is what it is: the walk from the ground's cost per delivered GPU-hour to the orbit's.

The walk is computed from a :class:`~terawatt.results.Result`'s outputs, not asserted: it starts at
``terrestrial.cost_per_gpu_hour_usd``, removes the ground's cost lines one by one, puts the accelerators on the
orbit's terms, adds the orbit's cost lines as if every nameplate accelerator delivered, and ends by multiplying the
availability losses onto what scales with the fleet. The steps sum exactly to ``orbital.cost_per_gpu_hour_usd``
(scalars and N-sample arrays alike).

Notes
-----
Let :math:`H` be the nameplate GPU-hours per year (``comparison.gpu_hours_per_yr``), :math:`C_g` and :math:`C_o`
the annual costs, :math:`H_g = C_g / c_g` and :math:`H_o = C_o / c_o` the GPU-hours each side delivers (so a ground
goodput below 1, where the model has one, shows as :math:`H_g < H`), :math:`a = \\prod_k a_k` the orbit's
availability. The steps are

1. ground goodput restored (only where ``terrestrial.goodput_fraction`` is an output): :math:`C_g/H - C_g/H_g`;
2. each ground line but the accelerators removed: :math:`-L^g_j / H`;
3. the accelerators on the orbit's life and cost of capital, :math:`K_g (\\mathrm{CRF}_o - \\mathrm{CRF}_g)/H`
   with :math:`K_g` the ground's accelerator capital, and then the cold spares (with the rounding to whole
   satellites), :math:`(a L^o_{acc} - K_g \\mathrm{CRF}_o)/H`;
4. each other orbital line before availability losses: :math:`a L^o_j / H` for lines that scale with the fleet,
   :math:`L^o_j / H` for the ground segment and NRE;
5. the availability loss :math:`c_o - P` (with :math:`P` the running total after step 4), split among the parts
   :math:`a_k` in proportion to :math:`\\ln(1/a_k)` (the logarithmic mean Divisia index, which allocates a product
   exactly and independently of the order of its factors [1]_); a difference between :math:`H_o` and :math:`H`
   (delivered hours counted with goodput) joins the goodput part with the factor :math:`H / H_o`.

References
----------
.. [1] Ang, B. W. (2004). Decomposition analysis for policymaking in energy: which is the preferred method?
   Energy Policy 32(9), 1131-1139.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from terawatt.design.satellite import AVAILABILITY_PARTS
from terawatt.results import Result

#: Ground cost lines removed (output ``terrestrial.annual_breakdown_usd_per_yr.<name>``), with their labels.
GROUND_LINES = {
    "energy": "ground energy removed",
    "facility": "ground facility removed",
    "power_plant": "ground power plant removed",
    "operations": "ground operations removed",
    "repairs": "ground repairs removed",
}
#: Orbital lines added before availability losses, and whether they scale with the fleet's size.
ORBIT_LINES = {
    "satellite_hardware": ("satellite hardware", True),
    "launch": ("launch", True),
    "insurance": ("insurance", True),
    "operations": ("orbital operations", True),
    "replacement": ("replacement spending", True),
    "servicing": ("servicing (visits, replaced chips)", True),
    "ground_segment": ("ground segment", False),
    "nre": ("NRE", False),
}
#: Labels of the availability parts (``orbital.availability_<part>``).
AVAILABILITY_LABELS = {
    "eclipse": "availability: eclipse throttle",
    "degradation": "availability: array degradation",
    "failures": "availability: permanent failures",
    "goodput": "availability: goodput",
    "dose": "availability: total-dose margin",
    "avoidance": "availability: collision avoidance",
}


@dataclass(frozen=True)
class Step:
    """One step of the walk: ``delta`` and ``total`` in USD per delivered GPU-hour (arrays for sampled runs)."""

    key: str
    label: str
    delta: Any
    total: Any


@dataclass(frozen=True)
class Explanation:
    """The walk from the ground's cost per delivered GPU-hour (``start``) to the orbit's (``end``)."""

    start: Any
    end: Any
    steps: tuple[Step, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"unit", "start", "end", "steps": [{key, label, delta, total}, ...]}`` (JSON-ready for scalars)."""
        return {
            "unit": "USD/GPU-h",
            "start": _plain(self.start),
            "end": _plain(self.end),
            "steps": [
                {"key": s.key, "label": s.label, "delta": _plain(s.delta), "total": _plain(s.total)} for s in self.steps
            ],
        }

    def to_frame(self):
        """A pandas DataFrame, one row per step (and per sample for sampled runs: columns ``sample``, ...)."""
        import pandas as pd

        rows = []
        for order, s in enumerate(self.steps):
            delta, total = np.broadcast_arrays(np.asarray(s.delta, float), np.asarray(s.total, float))
            for i, (d, t) in enumerate(zip(np.ravel(delta), np.ravel(total), strict=True)):
                rows.append({"sample": i, "order": order, "key": s.key, "label": s.label, "delta": d, "total": t})
        frame = pd.DataFrame(rows)
        if frame["sample"].nunique() == 1:
            frame = frame.drop(columns="sample")
        return frame


def _plain(value: Any) -> Any:
    arr = np.asarray(value, float)
    if arr.ndim == 0:
        item = float(arr)
        return item if np.isfinite(item) else None
    return [float(x) if np.isfinite(x) else None for x in arr.ravel()]


def _get(result: Result, key: str) -> np.ndarray:
    return np.asarray(result[key], float)


def explain(result: Result) -> Explanation:
    """Decompose ``comparison.cost_ratio`` into the steps from the ground's cost per GPU-hour to the orbit's.

    Parameters
    ----------
    result
        An evaluated scenario (:func:`terawatt.evaluate`), scalar or sampled.

    Returns
    -------
    Explanation
        ``start`` = ``terrestrial.cost_per_gpu_hour_usd``, ``end`` = ``orbital.cost_per_gpu_hour_usd`` [USD/GPU-h],
        and the steps (see the module notes); their deltas sum to ``end - start``. An infeasible design's orbital
        costs are NaN: its orbital steps are then None (``to_dict``), with no warning raised for them.
    """
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN costs of an infeasible design carry through
        return _explain(result)


def _explain(result: Result) -> Explanation:
    outputs = result.outputs
    hours = _get(result, "comparison.gpu_hours_per_yr")
    ground_cost = _get(result, "terrestrial.cost_per_gpu_hour_usd")
    orbit_cost = _get(result, "orbital.cost_per_gpu_hour_usd")
    ground_annual = _get(result, "terrestrial.annual_cost_usd_per_yr")
    orbit_annual = _get(result, "orbital.annual_cost_usd_per_yr")
    availability = _get(result, "orbital.availability")

    deltas: list[tuple[str, str, np.ndarray]] = []
    if "terrestrial.goodput_fraction" in outputs:
        deltas.append(("ground_goodput", "ground goodput losses removed", ground_annual / hours - ground_cost))
    for name, label in GROUND_LINES.items():
        deltas.append(
            (f"ground_{name}", label, -_get(result, f"terrestrial.annual_breakdown_usd_per_yr.{name}") / hours)
        )

    ground_acc_capex = _get(result, "terrestrial.capex_breakdown_usd.accelerators")
    ground_acc = _get(result, "terrestrial.annual_breakdown_usd_per_yr.accelerators")
    orbit_acc_capex = _get(result, "orbital.capex_breakdown_usd.accelerators")
    orbit_acc = _get(result, "orbital.annual_breakdown_usd_per_yr.accelerators")
    crf_orbit = np.where(orbit_acc_capex > 0, orbit_acc / np.where(orbit_acc_capex > 0, orbit_acc_capex, 1.0), 0.0)
    on_orbit_terms = ground_acc_capex * crf_orbit
    deltas.append(
        ("accelerator_terms", "accelerators: orbit life, cost of capital", (on_orbit_terms - ground_acc) / hours)
    )
    deltas.append(
        (
            "accelerator_spares",
            "accelerators: cold spares, rounding",
            (availability * orbit_acc - on_orbit_terms) / hours,
        )
    )
    for name, (label, scales) in ORBIT_LINES.items():
        line = _get(result, f"orbital.annual_breakdown_usd_per_yr.{name}")
        deltas.append((f"orbit_{name}", label, (availability * line if scales else line) / hours))

    before_losses = ground_cost + sum(d for _, _, d in deltas)
    loss = orbit_cost - before_losses
    logs = {part: 0.0 - np.log(_get(result, f"orbital.availability_{part}")) for part in AVAILABILITY_PARTS}
    delivered = np.where(orbit_cost > 0, orbit_annual / np.where(orbit_cost > 0, orbit_cost, 1.0), hours)
    logs["goodput"] = logs["goodput"] + np.log(hours / delivered)
    total_log = sum(logs.values())
    for part in AVAILABILITY_PARTS:
        share = np.where(total_log != 0, logs[part] / np.where(total_log != 0, total_log, 1.0), 1.0 / len(logs))
        deltas.append((f"availability_{part}", AVAILABILITY_LABELS[part], loss * share))

    steps = []
    running = ground_cost
    for key, label, delta in deltas:
        delta = delta + 0.0  # no negative zeros in tables
        running = running + delta
        steps.append(Step(key, label, _scalarize(delta), _scalarize(running)))
    return Explanation(start=_scalarize(ground_cost), end=_scalarize(orbit_cost), steps=tuple(steps))


def _scalarize(value: np.ndarray) -> Any:
    arr = np.asarray(value, float)
    return float(arr) if arr.ndim == 0 else arr
