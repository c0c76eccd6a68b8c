"""Measured (twin) against steady-state (model) values under the same keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from terawatt.physics import orbit
from terawatt.twin.constellation import MODEL_DAY0_JD

#: Keys the twin measures, with what the steady-state value is.
KEYS = {
    "orbital.sunlit_fraction": "fraction of time outside the umbra",
    "orbital.availability_failures": "working accelerators / nameplate (failures, cold spares)",
    "orbital.inference_goodput_fraction": "replica time not lost to stops and retried requests",
    "orbital.dose_rad_per_yr": "ionizing dose rate behind the shielding [rad(Si)/yr]",
    "orbital.training_goodput_fraction": "training job time kept by checkpoint/restart (twin: placed jobs)",
    "orbital.goodput_fraction": "goodput of workload.kind (training-share-weighted for mixed)",
    "twin.placed_fraction": "working accelerator time inside placed jobs (model: every one)",
    "twin.isl_connected_fraction": "satellites in their cluster's largest ISL component (model: all)",
    "orbital.availability": "useful / nameplate compute with jobs (the twin flies no avoidance manoeuvres)",
}
#: Keys the steady-state model does not compute; its implicit value.
IMPLICIT = {"twin.placed_fraction": 1.0, "twin.isl_connected_fraction": 1.0}


def window_sunlit_fraction(result: Any, ds: Any) -> float:
    """The steady-state model's sunlit fraction over the twin's own window (the annual key is a year's mean).

    Notes
    -----
    :math:`1 - \\overline{f_e(\\beta(d))}` over the steps and the planes (weighted by satellites), with
    :func:`terawatt.physics.orbit.eclipse_fraction` at the beta angle
    of each step's date (:func:`terawatt.physics.orbit.beta_angle_deg`), the model's own analytic path.
    """
    v = result.scenario.values
    jd = (ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 86400e9) + 2440587.5
    day = jd - MODEL_DAY0_JD
    inc = v["orbit.inclination_deg"]
    inc = np.nan if inc is None else float(inc)
    alt = float(v["orbit.altitude_km"])
    planes = int(ds.attrs["planes"])  # a Walker shell's planes sit 24 h / P apart in local time of the node
    ltan = np.mod(float(v["orbit.ltan_h"]) + 24.0 * np.arange(planes) / planes, 24.0)[:, None]
    beta = orbit.beta_angle_deg(alt, inc, ltan, day[None, :])
    frac = orbit.eclipse_fraction(alt, beta, v["orbit.eclipse_model"], orbit.sun_distance_au(day)[None, :])
    weights = np.bincount(ds["plane"].values, minlength=planes)[:, None]  # satellites per plane
    return float(1.0 - np.sum(frac * weights) / (weights.sum() * day.size))


def steady_state(result: Any, ds: Any) -> dict[str, tuple[float, float]]:
    """Steady-state values by key: (over the twin's window, the model's annual/lifetime output)."""
    out = result.outputs
    avoid = float(out["orbital.availability_avoidance"])
    window = {
        "orbital.sunlit_fraction": window_sunlit_fraction(result, ds),
        "orbital.availability": float(out["orbital.availability"]) / avoid,  # the twin flies no manoeuvres
    }
    annual = {k: IMPLICIT[k] if k in IMPLICIT else float(out[k]) for k in KEYS}
    return {k: (window.get(k, annual[k]), annual[k]) for k in KEYS}


def comparison(ds: Any):
    """pandas DataFrame by key: twin (measured), model (same window), model_annual, difference, meaning."""
    import pandas as pd

    rows = [{"key": key, "twin": float(ds.attrs[key]), "model": float(ds.attrs[f"model.{key}"]),
             "model_annual": float(ds.attrs[f"model_annual.{key}"]),
             "difference": float(ds.attrs[key]) - float(ds.attrs[f"model.{key}"]), "meaning": what}
            for key, what in KEYS.items()]
    return pd.DataFrame(rows).set_index("key")
