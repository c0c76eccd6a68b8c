"""Annual energy of a ground photovoltaic array at real sites, and its ratio to the same cell in orbit.

The ground side runs a PVWatts-v5-style hourly simulation with pvlib over a typical meteorological year
(TMY) that ships with pvlib (``pvlib/data``), so nothing is downloaded. Results are expressed per square
metre of cell area and per unit cell efficiency: every loss in the chain (angle of incidence, temperature,
system losses, inverter) is a ratio of powers that does not depend on the efficiency, so the annual energy
of a cell of efficiency ``eta`` is ``eta`` times the per-unit-efficiency figure. Numerically, the energy
per unit efficiency [kWh/m2/yr] equals the specific yield [kWh/kWp/yr] of the array.

The orbit side is the closed form ``S * eta * f_sunlit * cos(theta) * hours``.

Site catalogue: ``terawatt/catalogs/sites.yaml``.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from terawatt.catalogs import load_catalog
from terawatt.constants import HOURS_PER_YEAR
from terawatt.physics._checks import all_finite, within
from terawatt.yamlio import load_package_data

if TYPE_CHECKING:  # pandas and pvlib (~0.5 s to import) are loaded only when a simulation actually runs
    import pandas as pd

#: Mounting options understood by :func:`site_annual_yield`.
MOUNTINGS: tuple[str, ...] = ("fixed_latitude_tilt", "single_axis")

#: Sky-diffuse transposition models understood by :func:`site_annual_yield`.
TRANSPOSITION_MODELS: tuple[str, ...] = ("perez", "haydavies")

#: Cell-temperature models understood by :func:`site_annual_yield`.
TEMPERATURE_MODELS: tuple[str, ...] = ("sapm", "faiman")

#: Ground-side quantities that :func:`orbit_to_ground_energy_ratio` can compare against.
GROUND_BASES: tuple[str, ...] = ("poa", "dc", "ac")

#: Irradiance at standard test conditions [W/m2] (IEC 60904-3 reference spectrum, 1000 W/m2).
STC_IRRADIANCE_W_PER_M2 = 1000.0

#: Default power temperature coefficient [1/K]: a typical crystalline-silicon module datasheet value
#: (-0.35 %/K; mono-PERC modules list -0.34 to -0.37 %/K). PVWatts v5 uses -0.47 %/K for its "standard"
#: module and -0.35 %/K for its "premium" module (Dobos 2014).
DEFAULT_GAMMA_PDC_PER_K = -0.0035

#: Default nominal inverter efficiency [-]. PVWatts v5 default (Dobos 2014).
DEFAULT_INVERTER_EFFICIENCY = 0.96

#: Default array DC-to-inverter-AC size ratio [-]. PVWatts v5 default (Dobos 2014).
DEFAULT_DC_AC_RATIO = 1.1

#: Default ground albedo [-]. PVWatts v5 value when no snow (Dobos 2014).
DEFAULT_ALBEDO = 0.2

#: Default single-axis-tracker rotation limit [deg] and ground coverage ratio [-]: PVWatts v5 / SAM
#: defaults (rotlim 45 deg, gcr 0.4), with backtracking.
DEFAULT_TRACKER_MAX_ANGLE_DEG = 45.0
DEFAULT_TRACKER_GCR = 0.4

#: Year that the TMY timestamps are coerced to for solar geometry (a non-leap year; TMY months come from
#: different calendar years, and solar geometry changes negligibly between years).
_TMY_YEAR = 1990


def _sapm_parameters() -> dict[str, float]:
    """SAPM temperature-model coefficients used by default: open rack, glass/polymer-back module
    (King et al. 2004, via ``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS``)."""
    import pvlib

    return pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]


#: PVWatts v5 default loss categories [%] (Dobos 2014, Table 3; the defaults of ``pvlib.pvsystem.pvwatts_losses``).
PVWATTS_DEFAULT_LOSSES_PERCENT: dict[str, float] = {
    "soiling": 2.0,
    "shading": 3.0,
    "snow": 0.0,
    "mismatch": 2.0,
    "wiring": 2.0,
    "connections": 0.5,
    "lid": 1.5,
    "nameplate_rating": 1.0,
    "age": 0.0,
    "availability": 3.0,
}

#: Default PVWatts system losses [-]: the categories above combined multiplicatively,
#: ``1 - prod(1 - loss / 100)`` (Dobos 2014; the formula of ``pvlib.pvsystem.pvwatts_losses``) = 14.08 %.
DEFAULT_SYSTEM_LOSS_FRACTION = 1.0 - float(np.prod([1.0 - x / 100.0 for x in PVWATTS_DEFAULT_LOSSES_PERCENT.values()]))

#: Shipped yields of every catalogued site and mounting at the default options (``data/ground_solar_yield.yaml``,
#: written by ``tools/build_ground_solar_table.py`` from the same simulation; ``tests/test_ground_solar.py``
#: checks it against a direct pvlib run). It spares the ~0.5 s pvlib import and the hourly simulation.
GROUND_SOLAR_TABLE = "ground_solar_yield.yaml"


# --------------------------------------------------------------------------------------------------------
# Site catalogue
# --------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _load_sites_cached() -> dict[str, dict[str, Any]]:
    return dict(load_catalog("sites"))


def load_sites() -> dict[str, dict[str, Any]]:
    """
    Load the ground-solar site catalogue.

    Returns
    -------
    sites : dict
        Mapping of site slug (e.g. ``"greensboro-nc"``) to its catalogue entry: ``file`` (weather file in
        ``pvlib/data``), ``format`` (``"tmy3"`` or ``"tmy2"``), ``latitude_deg`` [deg],
        ``longitude_deg`` [deg], ``altitude_m`` [m], ``utc_offset_h`` [h], ``description`` and ``source``.
        A fresh copy is returned on each call, so callers may modify it.

    Notes
    -----
    The catalogue is ``terawatt/catalogs/sites.yaml``, read with ``yaml.safe_load``.
    """
    return copy.deepcopy(_load_sites_cached())


def _check_site(site: str) -> dict[str, Any]:
    sites = _load_sites_cached()
    if not isinstance(site, str) or site not in sites:
        raise ValueError(f"unknown site {site!r}; valid sites are: {', '.join(sorted(sites))}")
    return sites[site]


def pvlib_data_path(filename: str) -> Path:
    """
    Path of a file in pvlib's bundled ``pvlib/data`` folder.

    Parameters
    ----------
    filename : str
        File name, e.g. ``"723170TYA.CSV"``.

    Returns
    -------
    path : pathlib.Path
        Absolute path to the file.

    Raises
    ------
    FileNotFoundError
        If the installed pvlib does not ship the file.
    """
    spec = importlib.util.find_spec("pvlib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pvlib is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / filename
    if not path.is_file():
        raise FileNotFoundError(f"{filename!r} is not in the installed pvlib's data folder ({path.parent})")
    return path


@functools.lru_cache(maxsize=16)
def _read_weather(site: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a site's TMY file into a uniform frame indexed by the middle of each hourly interval.

    Columns: ``ghi``, ``dni``, ``dhi`` [W/m2], ``temp_air`` [C], ``wind_speed`` [m/s], ``pressure`` [Pa].
    The returned metadata holds ``latitude``, ``longitude``, ``altitude`` from the file header.
    """
    import pandas as pd
    import pvlib

    entry = _check_site(site)
    path = pvlib_data_path(entry["file"])
    fmt = entry["format"]
    if fmt == "tmy3":
        raw, meta = pvlib.iotools.read_tmy3(path, coerce_year=_TMY_YEAR, map_variables=True)
        frame = pd.DataFrame(
            {
                "ghi": raw["ghi"].to_numpy(float),
                "dni": raw["dni"].to_numpy(float),
                "dhi": raw["dhi"].to_numpy(float),
                "temp_air": raw["temp_air"].to_numpy(float),
                "wind_speed": raw["wind_speed"].to_numpy(float),
                "pressure": raw["pressure"].to_numpy(float) * 100.0,  # mbar -> Pa
            },
            # TMY3 values integrate the hour *ending* at the timestamp (Wilcox & Marion 2008).
            index=raw.index - pd.Timedelta(minutes=30),
        )
    elif fmt == "tmy2":
        raw, meta = pvlib.iotools.read_tmy2(path)
        index = pd.DatetimeIndex([ts.replace(year=_TMY_YEAR) for ts in raw.index])
        frame = pd.DataFrame(
            {
                "ghi": raw["GHI"].to_numpy(float),
                "dni": raw["DNI"].to_numpy(float),
                "dhi": raw["DHI"].to_numpy(float),
                "temp_air": raw["DryBulb"].to_numpy(float) / 10.0,  # tenths of C -> C
                "wind_speed": raw["Wspd"].to_numpy(float) / 10.0,  # tenths of m/s -> m/s
                "pressure": raw["Pressure"].to_numpy(float) * 100.0,  # mbar -> Pa
            },
            # read_tmy2 labels the hour ending at HH with HH-1, i.e. the start of the interval.
            index=index + pd.Timedelta(minutes=30),
        )
    else:  # pragma: no cover - catalogue error
        raise ValueError(f"site {site!r}: unknown weather format {fmt!r}; expected 'tmy3' or 'tmy2'")
    if len(frame) != int(HOURS_PER_YEAR) or not np.isfinite(frame.to_numpy()).all():
        raise ValueError(f"site {site!r}: weather file {entry['file']} is not a complete 8760-h year")
    header = {
        "latitude": float(meta["latitude"]),
        "longitude": float(meta["longitude"]),
        "altitude": float(meta["altitude"]),
    }
    return frame, header


# --------------------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------------------


def _as_float_array(value: ArrayLike, name: str, unit: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} [{unit}] must be numeric; got {value!r}") from exc
    if not all_finite(arr):
        raise ValueError(f"{name} [{unit}] must be finite; got {value!r}")
    return arr


def _check_range(
    value: ArrayLike,
    name: str,
    unit: str,
    low: float,
    high: float,
    *,
    low_inclusive: bool,
    high_inclusive: bool,
) -> NDArray[np.float64]:
    arr = _as_float_array(value, name, unit)
    if not within(arr, low, high, lo_open=not low_inclusive, hi_open=not high_inclusive):
        ok_low = arr >= low if low_inclusive else arr > low
        ok_high = arr <= high if high_inclusive else arr < high
        interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        bad = arr[~(ok_low & ok_high)]
        raise ValueError(f"{name} [{unit}] must be in {interval}; got {bad.ravel()[:5].tolist()}")
    return arr


def _check_efficiency(value: ArrayLike, name: str = "cell_efficiency") -> NDArray[np.float64]:
    return _check_range(value, name, "-", 0.0, 1.0, low_inclusive=False, high_inclusive=True)


def _check_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; valid values are: {', '.join(choices)}")
    return value


def _output(arr: NDArray[np.float64]) -> float | NDArray[np.float64]:
    return float(arr) if arr.ndim == 0 else arr


# --------------------------------------------------------------------------------------------------------
# Ground simulation
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroundSolarYield:
    """
    Annual energy of 1 m2 of cell area at a site, per unit cell efficiency.

    Every ``*_per_efficiency_kwh_per_m2_yr`` field is the annual energy [kWh/m2/yr] that 1 m2 of cells of
    efficiency 1 would deliver at that stage of the chain; multiply by the cell efficiency for a real
    cell (:meth:`ac_energy_kwh_per_m2_yr`). Numerically it equals the specific yield [kWh/kWp/yr].

    Attributes
    ----------
    site : str
        Site slug.
    mounting : str
        ``"fixed_latitude_tilt"`` or ``"single_axis"``.
    latitude_deg, longitude_deg, altitude_m : float
        Site coordinates from the weather-file header [deg], [deg], [m].
    ghi_kwh_per_m2_yr : float
        Global horizontal insolation from the weather file [kWh/m2/yr].
    poa_insolation_kwh_per_m2_yr : float
        Plane-of-array insolation [kWh/m2/yr].
    effective_insolation_kwh_per_m2_yr : float
        Insolation reaching the cells after cover reflection (angle-of-incidence) losses [kWh/m2/yr].
    dc_stc_per_efficiency_kwh_per_m2_yr : float
        DC energy per unit efficiency at 25 C cells, i.e. before temperature losses [kWh/m2/yr].
    dc_per_efficiency_kwh_per_m2_yr : float
        DC energy per unit efficiency after temperature losses [kWh/m2/yr].
    dc_net_per_efficiency_kwh_per_m2_yr : float
        DC energy per unit efficiency after system losses, at the inverter input [kWh/m2/yr].
    ac_per_efficiency_kwh_per_m2_yr : float
        AC energy per unit efficiency after the inverter [kWh/m2/yr].
    iam_loss_fraction, temperature_loss_fraction, system_loss_fraction, inverter_loss_fraction : float
        Annual energy lost at each stage, as a fraction of that stage's input [-].
    capacity_factor : float
        AC energy over DC nameplate times 8760 h [-] (the PVWatts convention, DC basis).
    performance_ratio : float
        AC energy per unit efficiency over plane-of-array insolation [-] (IEC 61724-1).
    irradiance_weighted_cell_temperature_c : float
        Cell temperature averaged with plane-of-array irradiance weights [C].
    gamma_pdc_per_k, inverter_efficiency, dc_ac_ratio, albedo : float
        Inputs used [1/K], [-], [-], [-].
    transposition_model, temperature_model : str
        Models used.
    """

    site: str
    mounting: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    ghi_kwh_per_m2_yr: float
    poa_insolation_kwh_per_m2_yr: float
    effective_insolation_kwh_per_m2_yr: float
    dc_stc_per_efficiency_kwh_per_m2_yr: float
    dc_per_efficiency_kwh_per_m2_yr: float
    dc_net_per_efficiency_kwh_per_m2_yr: float
    ac_per_efficiency_kwh_per_m2_yr: float
    iam_loss_fraction: float
    temperature_loss_fraction: float
    system_loss_fraction: float
    inverter_loss_fraction: float
    capacity_factor: float
    performance_ratio: float
    irradiance_weighted_cell_temperature_c: float
    gamma_pdc_per_k: float
    inverter_efficiency: float
    dc_ac_ratio: float
    albedo: float
    transposition_model: str
    temperature_model: str

    def ac_energy_kwh_per_m2_yr(self, cell_efficiency: ArrayLike) -> float | NDArray[np.float64]:
        """
        AC energy of 1 m2 of cells of the given efficiency [kWh/m2/yr].

        Parameters
        ----------
        cell_efficiency : array_like
            Cell (module-area) efficiency at standard test conditions, in (0, 1] [-].

        Returns
        -------
        energy_kwh_per_m2_yr : float or numpy.ndarray
            Same shape as ``cell_efficiency`` [kWh/m2/yr].
        """
        return _output(_check_efficiency(cell_efficiency) * self.ac_per_efficiency_kwh_per_m2_yr)

    def dc_energy_kwh_per_m2_yr(self, cell_efficiency: ArrayLike) -> float | NDArray[np.float64]:
        """
        DC energy (after temperature losses, before system losses) of 1 m2 of cells [kWh/m2/yr].

        Parameters
        ----------
        cell_efficiency : array_like
            Cell efficiency at standard test conditions, in (0, 1] [-].

        Returns
        -------
        energy_kwh_per_m2_yr : float or numpy.ndarray
            Same shape as ``cell_efficiency`` [kWh/m2/yr].
        """
        return _output(_check_efficiency(cell_efficiency) * self.dc_per_efficiency_kwh_per_m2_yr)


def _surface_orientation(
    mounting: str,
    latitude_deg: float,
    solpos: pd.DataFrame,
    max_angle_deg: float,
    gcr: float,
) -> tuple[pd.Series | float, pd.Series | float]:
    if mounting == "fixed_latitude_tilt":
        tilt = abs(latitude_deg)
        azimuth = 180.0 if latitude_deg >= 0.0 else 0.0
        return tilt, azimuth
    import pvlib

    # Horizontal north-south axis, east-west rotation, backtracking.
    tracking = pvlib.tracking.singleaxis(
        solpos["apparent_zenith"],
        solpos["azimuth"],
        axis_tilt=0.0,
        axis_azimuth=180.0,
        max_angle=max_angle_deg,
        backtrack=True,
        gcr=gcr,
    )
    # At night the tracker returns NaN; park it flat (no irradiance then anyway).
    tilt = tracking["surface_tilt"].fillna(0.0)
    azimuth = tracking["surface_azimuth"].fillna(180.0)
    return tilt, azimuth


@functools.lru_cache(maxsize=128)
def _simulate(
    site: str,
    mounting: str,
    gamma_pdc_per_k: float,
    system_loss_fraction: float,
    inverter_efficiency: float,
    dc_ac_ratio: float,
    albedo: float,
    transposition_model: str,
    temperature_model: str,
    tracker_max_angle_deg: float,
    tracker_gcr: float,
) -> GroundSolarYield:
    import pandas as pd
    import pvlib

    weather, header = _read_weather(site)
    lat, lon, alt = header["latitude"], header["longitude"], header["altitude"]
    times = weather.index

    solpos = pvlib.solarposition.get_solarposition(
        times,
        lat,
        lon,
        altitude=alt,
        pressure=weather["pressure"],
        temperature=weather["temp_air"],
    )
    # Day of year in UTC, as pvlib computes it from a DatetimeIndex (passed as numbers to avoid a pandas
    # deprecation warning raised inside pvlib 0.16).
    day_of_year = times.tz_convert("UTC").day_of_year.to_numpy()
    dni_extra = pd.Series(pvlib.irradiance.get_extra_radiation(day_of_year), index=times)
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    # No beam with the Sun below the horizon at mid-interval.
    sun_up = solpos["apparent_zenith"] < 90.0
    dni = weather["dni"].where(sun_up, 0.0)

    tilt, azimuth = _surface_orientation(mounting, lat, solpos, tracker_max_angle_deg, tracker_gcr)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt,
        azimuth,
        solpos["apparent_zenith"],
        solpos["azimuth"],
        dni,
        weather["ghi"],
        weather["dhi"],
        dni_extra=dni_extra,
        airmass=airmass,
        albedo=albedo,
        model=transposition_model,
    ).fillna(0.0)
    poa_global = poa["poa_global"].clip(lower=0.0)
    poa_direct = poa["poa_direct"].clip(lower=0.0)

    # Cover reflection on the beam only, as PVWatts v5 does (physical model, n=1.526, K=4/m, L=2 mm).
    aoi = pvlib.irradiance.aoi(tilt, azimuth, solpos["apparent_zenith"], solpos["azimuth"])
    iam_beam = pd.Series(pvlib.iam.physical(aoi), index=times).fillna(0.0)
    effective = (poa_global - poa_direct * (1.0 - iam_beam)).clip(lower=0.0)

    if temperature_model == "sapm":
        temp_cell = pvlib.temperature.sapm_cell(
            poa_global, weather["temp_air"], weather["wind_speed"], **_sapm_parameters()
        )
    else:
        temp_cell = pvlib.temperature.faiman(poa_global, weather["temp_air"], weather["wind_speed"])

    # Per unit efficiency, 1 m2 of cells has a DC nameplate of 1000 W (STC irradiance x 1 m2 x 1).
    pdc0_w = STC_IRRADIANCE_W_PER_M2
    pdc_stc = effective.to_numpy() * pdc0_w / STC_IRRADIANCE_W_PER_M2
    pdc = np.asarray(pvlib.pvsystem.pvwatts_dc(effective, temp_cell, pdc0_w, gamma_pdc_per_k), dtype=float)
    pdc = np.clip(pdc, 0.0, None)
    pdc_net = pdc * (1.0 - system_loss_fraction)
    pac = np.asarray(
        pvlib.inverter.pvwatts(pdc_net, pdc0_w / dc_ac_ratio, eta_inv_nom=inverter_efficiency), dtype=float
    )
    pac = np.clip(np.nan_to_num(pac), 0.0, None)

    # Hourly means [W/m2] x 1 h, summed, -> kWh/m2/yr.
    def kwh(series: ArrayLike) -> float:
        return float(np.sum(series)) / 1000.0

    poa_kwh = kwh(poa_global)
    eff_kwh = kwh(effective)
    dc_stc_kwh = kwh(pdc_stc)
    dc_kwh = kwh(pdc)
    dc_net_kwh = kwh(pdc_net)
    ac_kwh = kwh(pac)
    weights = poa_global.to_numpy()
    return GroundSolarYield(
        site=site,
        mounting=mounting,
        latitude_deg=lat,
        longitude_deg=lon,
        altitude_m=alt,
        ghi_kwh_per_m2_yr=kwh(weather["ghi"]),
        poa_insolation_kwh_per_m2_yr=poa_kwh,
        effective_insolation_kwh_per_m2_yr=eff_kwh,
        dc_stc_per_efficiency_kwh_per_m2_yr=dc_stc_kwh,
        dc_per_efficiency_kwh_per_m2_yr=dc_kwh,
        dc_net_per_efficiency_kwh_per_m2_yr=dc_net_kwh,
        ac_per_efficiency_kwh_per_m2_yr=ac_kwh,
        iam_loss_fraction=1.0 - eff_kwh / poa_kwh,
        temperature_loss_fraction=1.0 - dc_kwh / dc_stc_kwh,
        system_loss_fraction=system_loss_fraction,
        inverter_loss_fraction=1.0 - ac_kwh / dc_net_kwh,
        capacity_factor=ac_kwh / (pdc0_w / 1000.0 * HOURS_PER_YEAR),
        performance_ratio=ac_kwh / poa_kwh,
        irradiance_weighted_cell_temperature_c=float(np.sum(weights * temp_cell.to_numpy()) / weights.sum()),
        gamma_pdc_per_k=gamma_pdc_per_k,
        inverter_efficiency=inverter_efficiency,
        dc_ac_ratio=dc_ac_ratio,
        albedo=albedo,
        transposition_model=transposition_model,
        temperature_model=temperature_model,
    )


def site_annual_yield(
    site: str,
    mounting: str = "fixed_latitude_tilt",
    *,
    gamma_pdc_per_k: float = DEFAULT_GAMMA_PDC_PER_K,
    system_loss_fraction: float = DEFAULT_SYSTEM_LOSS_FRACTION,
    inverter_efficiency: float = DEFAULT_INVERTER_EFFICIENCY,
    dc_ac_ratio: float = DEFAULT_DC_AC_RATIO,
    albedo: float = DEFAULT_ALBEDO,
    transposition_model: str = "perez",
    temperature_model: str = "sapm",
    tracker_max_angle_deg: float = DEFAULT_TRACKER_MAX_ANGLE_DEG,
    tracker_gcr: float = DEFAULT_TRACKER_GCR,
) -> GroundSolarYield:
    """
    Annual energy of 1 m2 of ground PV cells at a catalogued site, per unit cell efficiency.

    Parameters
    ----------
    site : str
        Site slug from :func:`load_sites`, e.g. ``"greensboro-nc"``.
    mounting : str, default "fixed_latitude_tilt"
        ``"fixed_latitude_tilt"``: fixed, equator-facing, tilted at the latitude. ``"single_axis"``:
        horizontal north-south axis tracker with backtracking.
    gamma_pdc_per_k : float, default -0.0035
        Temperature coefficient of DC power [1/K], in [-0.02, 0]. Typical crystalline silicon datasheet
        value (-0.35 %/K; PVWatts v5 "premium" module, Dobos 2014).
    system_loss_fraction : float, default 0.1408
        PVWatts system losses [-], in [0, 1) (``pvlib.pvsystem.pvwatts_losses()`` defaults).
    inverter_efficiency : float, default 0.96
        Nominal inverter efficiency [-], in (0, 1] (PVWatts v5 default, Dobos 2014). Part-load efficiency
        follows the PVWatts inverter curve (``pvlib.inverter.pvwatts``).
    dc_ac_ratio : float, default 1.1
        Array DC nameplate over inverter AC rating [-], > 0 (PVWatts v5 default). Above 1 the inverter
        clips at its rating.
    albedo : float, default 0.2
        Ground reflectance [-], in [0, 1].
    transposition_model : str, default "perez"
        Sky-diffuse model for :func:`pvlib.irradiance.get_total_irradiance`: ``"perez"`` or
        ``"haydavies"``.
    temperature_model : str, default "sapm"
        Cell temperature: ``"sapm"`` (King et al. 2004, open-rack glass/polymer coefficients) or
        ``"faiman"`` (Faiman 2008, pvlib default coefficients).
    tracker_max_angle_deg : float, default 45
        Single-axis rotation limit [deg], in (0, 90] (PVWatts v5 / SAM default 45 deg).
    tracker_gcr : float, default 0.4
        Single-axis ground coverage ratio for backtracking [-], in (0, 1) (PVWatts v5 / SAM default).

    Returns
    -------
    yield : GroundSolarYield
        Annual insolation and energies per unit efficiency [kWh/m2/yr], loss fractions and capacity factor.

    Raises
    ------
    ValueError
        If the site, mounting or model is unknown, or a parameter is outside its range.

    Notes
    -----
    Hourly chain over the site's TMY (8760 h), following PVWatts v5 [1]_ with pvlib [2]_:

    1. Solar position at the middle of each hourly interval (NREL SPA [3]_, ``nrel_numpy``), with the
       file's pressure and air temperature for refraction. TMY3 values belong to the hour ending at the
       time stamp [4]_; TMY2 the same [5]_ (``read_tmy2`` labels it by the hour start).
    2. Plane-of-array irradiance by ``get_total_irradiance`` with the Perez 1990 (or Hay-Davies) sky
       model, extraterrestrial DNI from ``get_extra_radiation`` and Kasten-Young relative air mass. The
       beam is zeroed when the Sun is below the horizon at mid-interval. Trackers: ``tracking.singleaxis``.
    3. Cover reflection: the beam is multiplied by ``iam.physical`` (glass, n = 1.526), diffuse
       components are passed unchanged, as in PVWatts v5.
    4. Cell temperature from the SAPM or Faiman model with the file's air temperature and 10 m wind.
    5. DC power per unit efficiency from ``pvwatts_dc`` with a 1000 W nameplate per m2:
       :math:`P_{dc} = G_{eff} [1 + \\gamma (T_c - 25)]`.
    6. System losses: multiply by :math:`1 - L_{sys}`.
    7. Inverter: ``inverter.pvwatts`` (part-load curve, clipping at ``1000/dc_ac_ratio`` W).

    Every step is linear in the DC nameplate, so energies scale exactly with cell efficiency. Not
    modelled: spectral mismatch (AM1.5 rating vs field spectrum), low-irradiance efficiency change,
    snow, bifaciality, degradation. The capacity factor is AC energy over DC nameplate times 8760 h,
    the PVWatts convention; on an AC-nameplate basis multiply by ``dc_ac_ratio``.

    Results are cached per argument set (``functools.lru_cache``); one site-year takes about 0.1-0.2 s
    after the weather file is read (TMY2 files take about 2 s to read, once per process).

    References
    ----------
    .. [1] Dobos, A. P. (2014). PVWatts Version 5 Manual. NREL/TP-6A20-62641, National Renewable Energy
       Laboratory, Golden, CO. :doi:`10.2172/1158421`
    .. [2] Holmgren, W. F., Hansen, C. W. and Mikofski, M. A. (2018). pvlib python: a python package for
       modeling solar energy systems. Journal of Open Source Software 3(29), 884. :doi:`10.21105/joss.00884`
    .. [3] Reda, I. and Andreas, A. (2004). Solar position algorithm for solar radiation applications.
       Solar Energy 76(5), 577-589. :doi:`10.1016/j.solener.2003.12.003`
    .. [4] Wilcox, S. and Marion, W. (2008). Users Manual for TMY3 Data Sets. NREL/TP-581-43156.
       :doi:`10.2172/928611`
    .. [5] Marion, W. and Urban, K. (1995). User's Manual for TMY2s. National Renewable Energy
       Laboratory, Golden, CO.
    .. [6] Perez, R., Ineichen, P., Seals, R., Michalsky, J. and Stewart, R. (1990). Modeling daylight
       availability and irradiance components from direct and global irradiance. Solar Energy 44(5),
       271-289. :doi:`10.1016/0038-092X(90)90055-H`
    .. [7] King, D. L., Boyson, W. E. and Kratochvil, J. A. (2004). Photovoltaic Array Performance Model.
       SAND2004-3535, Sandia National Laboratories. :doi:`10.2172/919131`
    .. [8] Faiman, D. (2008). Assessing the outdoor operating temperature of photovoltaic modules.
       Progress in Photovoltaics 16(4), 307-315. :doi:`10.1002/pip.813`
    """
    options = (gamma_pdc_per_k, system_loss_fraction, inverter_efficiency, dc_ac_ratio, albedo,
               transposition_model, temperature_model, tracker_max_angle_deg, tracker_gcr)
    if options == _DEFAULT_OPTIONS:  # the common case: the shipped table, without re-checking the defaults
        shipped = _shipped_yields().get((site, mounting)) if isinstance(site, str) else None
        if shipped is not None:
            return shipped
    _check_site(site)
    _check_choice(mounting, "mounting", MOUNTINGS)
    _check_choice(transposition_model, "transposition_model", TRANSPOSITION_MODELS)
    _check_choice(temperature_model, "temperature_model", TEMPERATURE_MODELS)
    gamma = _check_range(
        gamma_pdc_per_k, "gamma_pdc_per_k", "1/K", -0.02, 0.0, low_inclusive=True, high_inclusive=True
    )
    loss = _check_range(
        system_loss_fraction, "system_loss_fraction", "-", 0.0, 1.0, low_inclusive=True, high_inclusive=False
    )
    eta_inv = _check_range(
        inverter_efficiency, "inverter_efficiency", "-", 0.0, 1.0, low_inclusive=False, high_inclusive=True
    )
    ratio = _check_range(
        dc_ac_ratio, "dc_ac_ratio", "-", 0.0, np.inf, low_inclusive=False, high_inclusive=False
    )
    alb = _check_range(albedo, "albedo", "-", 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    max_angle = _check_range(
        tracker_max_angle_deg,
        "tracker_max_angle_deg",
        "deg",
        0.0,
        90.0,
        low_inclusive=False,
        high_inclusive=True,
    )
    gcr = _check_range(tracker_gcr, "tracker_gcr", "-", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    for arr, name in (
        (gamma, "gamma_pdc_per_k"),
        (loss, "system_loss_fraction"),
        (eta_inv, "inverter_efficiency"),
        (ratio, "dc_ac_ratio"),
        (alb, "albedo"),
        (max_angle, "tracker_max_angle_deg"),
        (gcr, "tracker_gcr"),
    ):
        if arr.ndim != 0:
            raise ValueError(f"{name} must be a scalar")
    if mounting != "single_axis":
        # Tracker geometry does not affect fixed arrays: normalise so the cache is shared.
        max_angle, gcr = np.float64(DEFAULT_TRACKER_MAX_ANGLE_DEG), np.float64(DEFAULT_TRACKER_GCR)
    options = (
        float(gamma),
        float(loss),
        float(eta_inv),
        float(ratio),
        float(alb),
        transposition_model,
        temperature_model,
        float(max_angle),
        float(gcr),
    )
    if options == _DEFAULT_OPTIONS:
        shipped = _shipped_yields().get((site, mounting))
        if shipped is not None:
            return shipped
    return _simulate(site, mounting, *options)


#: The option tuple of :func:`_simulate` at the defaults of :func:`site_annual_yield` (the shipped table's key).
_DEFAULT_OPTIONS = (
    DEFAULT_GAMMA_PDC_PER_K,
    DEFAULT_SYSTEM_LOSS_FRACTION,
    DEFAULT_INVERTER_EFFICIENCY,
    DEFAULT_DC_AC_RATIO,
    DEFAULT_ALBEDO,
    "perez",
    "sapm",
    DEFAULT_TRACKER_MAX_ANGLE_DEG,
    DEFAULT_TRACKER_GCR,
)


def simulate_default_yield(site: str, mounting: str) -> GroundSolarYield:
    """The pvlib simulation at the default options, bypassing the shipped table (used to build and test it)."""
    _check_site(site)
    _check_choice(mounting, "mounting", MOUNTINGS)
    return _simulate(site, mounting, *_DEFAULT_OPTIONS)


@functools.cache
def _shipped_yields() -> dict[tuple[str, str], GroundSolarYield]:
    """The shipped table (:data:`GROUND_SOLAR_TABLE`) by (site, mounting); empty if the file is missing."""
    path = importlib.resources.files("terawatt").joinpath("data", GROUND_SOLAR_TABLE)
    if not path.is_file():
        return {}
    rows = load_package_data(path.read_text(encoding="utf-8"))["yields"]
    return {(row["site"], row["mounting"]): GroundSolarYield(**row) for row in rows}


def ground_energy_kwh_per_m2_yr(
    site: str,
    cell_efficiency: ArrayLike,
    mounting: str = "fixed_latitude_tilt",
    *,
    basis: str = "ac",
    **yield_options: Any,
) -> float | NDArray[np.float64]:
    """
    Annual energy of 1 m2 of ground PV cells at a site [kWh/m2/yr], broadcast over cell efficiency.

    Parameters
    ----------
    site : str
        Site slug from :func:`load_sites`.
    cell_efficiency : array_like
        Cell efficiency at standard test conditions (AM1.5G, 25 C), in (0, 1] [-].
    mounting : str, default "fixed_latitude_tilt"
        ``"fixed_latitude_tilt"`` or ``"single_axis"``.
    basis : str, default "ac"
        ``"ac"``: delivered AC energy after system and inverter losses. ``"dc"``: cell DC output after
        reflection and temperature losses, before system losses. ``"poa"``: efficiency times
        plane-of-array insolation (no losses at all).
    **yield_options
        Passed to :func:`site_annual_yield`.

    Returns
    -------
    energy_kwh_per_m2_yr : float or numpy.ndarray
        Same shape as ``cell_efficiency`` [kWh/m2/yr]; a float for scalar input.

    Notes
    -----
    One simulation per site and option set (cached); the efficiency enters as a multiplier, so arrays of
    any shape cost no more than a scalar.
    """
    eta = _check_efficiency(cell_efficiency)
    _check_choice(basis, "basis", GROUND_BASES)
    result = site_annual_yield(site, mounting, **yield_options)
    per_efficiency = {
        "poa": result.poa_insolation_kwh_per_m2_yr,
        "dc": result.dc_per_efficiency_kwh_per_m2_yr,
        "ac": result.ac_per_efficiency_kwh_per_m2_yr,
    }[basis]
    return _output(eta * per_efficiency)


def ground_capacity_factor(site: str, mounting: str = "fixed_latitude_tilt", **yield_options: Any) -> float:
    """
    Annual capacity factor of a ground PV array at a site [-], for ``solar_storage`` sizing.

    Parameters
    ----------
    site : str
        Site slug from :func:`load_sites`.
    mounting : str, default "fixed_latitude_tilt"
        ``"fixed_latitude_tilt"`` or ``"single_axis"``.
    **yield_options
        Passed to :func:`site_annual_yield`.

    Returns
    -------
    capacity_factor : float
        AC energy over (DC nameplate x 8760 h) [-]; independent of cell efficiency.

    Notes
    -----
    DC-nameplate basis, as PVWatts reports it [1]_: a 1 kWdc array delivers ``8760 * capacity_factor``
    kWh/yr of AC energy. For the AC-nameplate capacity factor multiply by ``dc_ac_ratio``.

    References
    ----------
    .. [1] Dobos, A. P. (2014). PVWatts Version 5 Manual. NREL/TP-6A20-62641. :doi:`10.2172/1158421`
    """
    return site_annual_yield(site, mounting, **yield_options).capacity_factor


# --------------------------------------------------------------------------------------------------------
# Orbit and the ratio
# --------------------------------------------------------------------------------------------------------


def orbit_energy_kwh_per_m2_yr(
    solar_constant_w_per_m2: ArrayLike,
    cell_efficiency: ArrayLike,
    sunlit_fraction: ArrayLike,
    cos_incidence: ArrayLike = 1.0,
    hours_per_yr: ArrayLike = HOURS_PER_YEAR,
) -> float | NDArray[np.float64]:
    """
    Annual energy of 1 m2 of cells in orbit [kWh/m2/yr] (closed form, broadcasting).

    Parameters
    ----------
    solar_constant_w_per_m2 : array_like
        Solar irradiance at the spacecraft [W/m2], > 0 (1361 W/m2 at 1 au, Kopp & Lean 2011).
    cell_efficiency : array_like
        Cell efficiency under the AM0 spectrum at operating temperature, in (0, 1] [-].
    sunlit_fraction : array_like
        Fraction of the orbit spent in sunlight, in [0, 1] [-].
    cos_incidence : array_like, default 1.0
        Mean cosine of the Sun's incidence angle on the array, in [0, 1] [-] (1 = Sun-pointing).
    hours_per_yr : array_like, default 8760
        Hours in the year [h], > 0.

    Returns
    -------
    energy_kwh_per_m2_yr : float or numpy.ndarray
        Broadcast shape of the inputs [kWh/m2/yr]; a float if all inputs are scalars.

    Notes
    -----
    .. math:: E = S \\, \\eta \\, f_{sun} \\, \\cos\\theta \\, h / 1000

    For example 1361 W/m2 x 0.3 x 1 x 1 x 8760 h = 3,577 kWh/m2/yr.

    References
    ----------
    .. [1] Kopp, G. and Lean, J. L. (2011). A new, lower value of total solar irradiance: Evidence and
       climate significance. Geophysical Research Letters 38, L01706. :doi:`10.1029/2010GL045777`
    """
    s = _check_range(
        solar_constant_w_per_m2,
        "solar_constant_w_per_m2",
        "W/m2",
        0.0,
        np.inf,
        low_inclusive=False,
        high_inclusive=False,
    )
    eta = _check_efficiency(cell_efficiency)
    f = _check_range(
        sunlit_fraction, "sunlit_fraction", "-", 0.0, 1.0, low_inclusive=True, high_inclusive=True
    )
    c = _check_range(cos_incidence, "cos_incidence", "-", 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    h = _check_range(
        hours_per_yr, "hours_per_yr", "h", 0.0, np.inf, low_inclusive=False, high_inclusive=False
    )
    return _output(np.asarray(s * eta * f * c * h / 1000.0, dtype=float))


def orbit_to_ground_energy_ratio(
    site: str,
    solar_constant_w_per_m2: ArrayLike,
    sunlit_fraction: ArrayLike,
    *,
    orbit_cell_efficiency: ArrayLike | None = None,
    ground_cell_efficiency: ArrayLike | None = None,
    cos_incidence: ArrayLike = 1.0,
    mounting: str = "fixed_latitude_tilt",
    ground_basis: str = "dc",
    hours_per_yr: ArrayLike = HOURS_PER_YEAR,
    **yield_options: Any,
) -> float | NDArray[np.float64]:
    """
    Annual energy of 1 m2 of cells in orbit divided by that of 1 m2 of cells at a ground site [-].

    Parameters
    ----------
    site : str
        Site slug from :func:`load_sites`.
    solar_constant_w_per_m2 : array_like
        Solar irradiance in orbit [W/m2], > 0.
    sunlit_fraction : array_like
        Fraction of the orbit in sunlight, in [0, 1] [-] (about 0.99 for a dawn-dusk sun-synchronous
        orbit, 0.6-0.65 for a low inclined orbit).
    orbit_cell_efficiency : array_like, optional
        Efficiency of the cell in orbit (AM0 spectrum, operating temperature), in (0, 1] [-]. Default:
        equal to ``ground_cell_efficiency``, or both equal (so efficiency cancels) when neither is given.
    ground_cell_efficiency : array_like, optional
        Efficiency of the cell on the ground (AM1.5G, 25 C), in (0, 1] [-]. Default: equal to
        ``orbit_cell_efficiency``.
    cos_incidence : array_like, default 1.0
        Mean cosine of the Sun's incidence angle on the orbital array, in [0, 1] [-].
    mounting : str, default "fixed_latitude_tilt"
        Ground mounting: ``"fixed_latitude_tilt"`` or ``"single_axis"``.
    ground_basis : str, default "dc"
        Ground quantity compared, see :func:`ground_energy_kwh_per_m2_yr`: ``"dc"`` (cell output after
        reflection and temperature losses: the like-for-like "same panel" comparison), ``"poa"`` (pure
        insolation ratio) or ``"ac"`` (delivered AC after system and inverter losses, which the orbit side
        does not subtract).
    hours_per_yr : array_like, default 8760
        Hours in the orbit year [h]; the TMY year has 8760 h.
    **yield_options
        Passed to :func:`site_annual_yield`.

    Returns
    -------
    ratio : float or numpy.ndarray
        Broadcast shape of the array inputs [-].

    Notes
    -----
    The ratio is

    .. math:: R = \\frac{S \\, \\eta_{orbit} \\, f_{sun} \\cos\\theta \\, h}{\\eta_{ground} E_{ground,1}}

    where :math:`E_{ground,1}` is the ground energy per unit efficiency. With one cell the efficiency
    cancels to first order, but not exactly: a cell rated at AM1.5G is typically 5-10 % (relative) less
    efficient under the bluer, brighter AM0 spectrum, and cells in orbit run hotter than 25 C (no
    convection). Pass the two efficiencies separately to include these effects. The ground DC basis
    already includes the field temperature derate; the orbit efficiency should be the operating one.
    """
    if orbit_cell_efficiency is None and ground_cell_efficiency is None:
        eta_orbit: ArrayLike = 1.0
        eta_ground: ArrayLike = 1.0
    else:
        eta_orbit = ground_cell_efficiency if orbit_cell_efficiency is None else orbit_cell_efficiency
        eta_ground = orbit_cell_efficiency if ground_cell_efficiency is None else ground_cell_efficiency
    eta_orbit_arr = _check_efficiency(eta_orbit, "orbit_cell_efficiency")
    eta_ground_arr = _check_efficiency(eta_ground, "ground_cell_efficiency")
    orbit = orbit_energy_kwh_per_m2_yr(
        solar_constant_w_per_m2, eta_orbit_arr, sunlit_fraction, cos_incidence, hours_per_yr
    )
    ground = ground_energy_kwh_per_m2_yr(site, eta_ground_arr, mounting, basis=ground_basis, **yield_options)
    return _output(np.asarray(np.asarray(orbit) / np.asarray(ground), dtype=float))
