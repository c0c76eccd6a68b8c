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
    "orbital.availability": "useful / nameplate compute with jobs (eclipse, failures, goodput, dose, avoidance)",
    "orbital.availability_avoidance": "job time not stalled by collision-avoidance manoeuvres",
    "orbital.avoidance_outage_fraction": "a satellite's time out for collision avoidance",
    "orbital.manoeuvres_per_satellite_yr": "collision-avoidance manoeuvres per satellite-year",
    "twin.station_contact_fraction": "a station sees some satellite (model: min(1, f_c x clusters))",
    "twin.ground_contact_fraction": "a satellite sees some station (model: 1 - (1 - f_c)^stations)",
    "twin.pass_duration_mean_s": "mean pass above the mask [s] (model: pi lambda / 2n, no Earth rotation)",
    "twin.downlink_capacity_ratio": "station capacity in contact and clear / ground traffic sized (model: >= 1)",
    "twin.clear_contact_fraction": "contact time with a cloud-free line of sight (model: 1 - (1 - p)^n)",
    "orbital.training_goodput_fraction": "training job time kept by checkpoint/restart (twin: placed jobs)",
    "orbital.goodput_fraction": "goodput of workload.kind (training-share-weighted for mixed)",
    "twin.placed_fraction": "working accelerator time inside placed jobs (model: every one)",
    "twin.isl_connected_fraction": "satellites in their cluster's largest ISL component (model: all)",
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


def ground_model(result: Any, satellites: float, stations: float | None = None) -> dict[str, float]:
    r"""The steady-state link sizing's contact assumptions for ``satellites`` flown (``twin.*`` keys).

    Notes
    -----
    With :math:`f_c` the cap fraction of one station (:func:`terawatt.physics.comms.station_contact_fraction`,
    or ``links.contact_fraction`` when set), :math:`K` clusters and :math:`N` stations, the model takes a
    station to see some cluster :math:`\min(1, f_c K)` of the time and sizes :math:`N` for a capacity
    :math:`N r a \min(1, f_c K) \ge C` (:func:`terawatt.design.environment.fleet_links`); a satellite among
    :math:`N` stations spread at random sees one :math:`1 - (1 - f_c)^N` of the time. ``stations``: :math:`N`
    (default the model's ``orbital.ground_stations``); NaN everywhere when the links are switched off.
    """
    from terawatt.physics import comms
    from terawatt.twin.ground import mean_pass_duration_s
    from terawatt.twin.operations import operations_from_result

    v = result.scenario.values
    if not v["links.enabled"]:
        return dict.fromkeys(("twin.station_contact_fraction", "twin.ground_contact_fraction",
                              "twin.pass_duration_mean_s", "twin.downlink_capacity_ratio",
                              "twin.clear_contact_fraction"), float("nan"))
    ops = operations_from_result(result)
    alt, mask = float(v["orbit.altitude_km"]), float(v["links.min_elevation_deg"])
    f_c = float(comms.station_contact_fraction(alt, mask))
    clusters = np.ceil(satellites / float(v["links.cluster_satellites"]))
    contact = float(v["links.contact_fraction"]) if v["links.contact_fraction"] is not None else min(
        1.0, f_c * clusters)
    traffic = ops.traffic_gbps_per_satellite * satellites
    n_st = ops.stations_sized if stations is None else stations
    return {
        "twin.station_contact_fraction": contact,
        "twin.ground_contact_fraction": float(1.0 - (1.0 - f_c) ** n_st),
        "twin.pass_duration_mean_s": mean_pass_duration_s(alt, mask),
        "twin.downlink_capacity_ratio": n_st * ops.station_capacity_gbps * ops.weather_availability * contact
        / traffic if traffic > 0 else float("nan"),
        "twin.clear_contact_fraction": ops.weather_availability if ops.optical else float("nan"),
    }


def steady_state(result: Any, ds: Any) -> dict[str, tuple[float, float]]:
    """Steady-state values by key: (over the twin's window, the model's annual/lifetime output).

    The ``twin.*`` ground keys: the model's assumptions for the satellites and stations flown (window: the
    catalog may hold fewer sites than the sizing asks for) and for the design's whole fleet and sized stations
    (annual), :func:`ground_model`.
    """
    out = result.outputs
    window = {"orbital.sunlit_fraction": window_sunlit_fraction(result, ds),
              **ground_model(result, float(ds.attrs["satellites"]), float(ds.attrs["twin.ground_stations_flown"]))}
    annual = ground_model(result, float(out["orbital.satellite_count"]))
    annual = {**{k: IMPLICIT[k] if k in IMPLICIT else float(out[k]) if k in out else np.nan for k in KEYS}, **annual}
    return {k: (window.get(k, annual[k]), annual[k]) for k in KEYS}


def comparison(ds: Any):
    """pandas DataFrame by key: twin (measured), model (same window), model_annual, difference, meaning."""
    import pandas as pd

    rows = [{"key": key, "twin": float(ds.attrs[key]), "model": float(ds.attrs[f"model.{key}"]),
             "model_annual": float(ds.attrs[f"model_annual.{key}"]),
             "difference": float(ds.attrs[key]) - float(ds.attrs[f"model.{key}"]), "meaning": what}
            for key, what in KEYS.items()]
    return pd.DataFrame(rows).set_index("key")
