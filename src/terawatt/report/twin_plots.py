"""Charts of the operations twin: delivered compute and battery over the run, radiator and array temperatures
(with the array's output at eclipse exit), and a map of the radiation events along the tracks (matplotlib: .png,
.svg or .pdf)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.report.plots import _pyplot, _save_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SUFFIXES = (".png", ".svg", ".pdf")


def twin_figure(ds: Any) -> Figure:
    """Four panels: fleet compute and traced batteries over time; radiator temperatures; array temperature and
    output; events on a map."""
    plt = _pyplot()
    fig = plt.figure(figsize=(11, 10.5))
    grid = fig.add_gridspec(4, 1, height_ratios=[1.0, 0.8, 0.8, 1.3])
    hours = (ds["time"].values - ds["time"].values[0]) / np.timedelta64(1, "h")
    ax = fig.add_subplot(grid[0])
    nameplate = ds.attrs["satellites"] * ds.attrs["compute_power_w"]
    ax.plot(hours, ds["delivered_compute_w"] / nameplate, color="#1f77b4", label="fleet compute / nameplate")
    for k, sat in enumerate(ds["traced"].values):
        ax.plot(hours, ds["battery_soc"][:, k], lw=0.9, ls="--", label=f"battery SoC, satellite {sat}")
    ax.set_ylabel("fraction")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower left", fontsize=8, ncol=2)
    ax.set_title(f"terawatt twin: {ds.attrs.get('scenario', '')}, {ds.attrs['satellites']:,} satellites from "
                 f"{ds.attrs['start'][:16]} UT", loc="left", fontsize=10)
    ax2 = fig.add_subplot(grid[1], sharex=ax)
    for k, sat in enumerate(ds["traced"].values):
        ax2.plot(hours, ds["radiator_temp_k"][:, k], lw=0.9, label=f"satellite {sat}")
    ax2.axhline(float(ds["radiator_temp_max_k"].max()), color="grey", lw=0.5)
    ax2.set_ylabel("radiator [K]")
    ax2.legend(loc="lower left", fontsize=8, ncol=3)
    if "array_temp_k" in ds:
        ax4 = fig.add_subplot(grid[2], sharex=ax)
        power = ds["array_power_w"].values
        steady = np.nanmedian(np.where(ds["illumination"].values == 1.0, power, np.nan), axis=0)
        for k, sat in enumerate(ds["traced"].values):
            ax4.plot(hours, ds["array_temp_k"][:, k], lw=0.9, label=f"satellite {sat}")
        ax4.axhline(ds.attrs["twin.array_equilibrium_temp_k"], color="grey", lw=0.5)
        ax4.set_ylabel("array [K]")
        ax4.set_ylim(150.0, 1.3 * float(np.nanmax(ds["array_temp_k"])))
        ax4.legend(loc="upper left", fontsize=8, ncol=3)
        ax5 = ax4.twinx()
        ax5.plot(hours, power[:, 0] / steady[0], color="k", lw=0.6, alpha=0.6,
                 label=f"output / steady sun, satellite {ds['traced'].values[0]} (cold at eclipse exit)")
        ax5.set_ylabel("output / steady")
        ax5.set_ylim(0.0, 1.35 * float(np.nanmax(power[:, 0] / steady[0])))
        ax5.legend(loc="upper right", fontsize=8)
        ax4.set_xlabel("hours")
    else:
        ax2.set_xlabel("hours")
    ax3 = fig.add_subplot(grid[3])
    lon, lat = ds["event_longitude_deg"].values, ds["event_latitude_deg"].values
    for k, _ in enumerate(ds["traced"].values):
        ax3.plot(ds["longitude_deg"][:, k], ds["latitude_deg"][:, k], ",", color="#bbbbbb")
    ax3.scatter(lon, lat, s=4, color="#d62728", alpha=0.5,
                label=f"{lon.size:,} steps with radiation events (stops, detected SDCs)")
    if "station_latitude_deg" in ds and ds.sizes.get("station", 0):
        ax3.scatter(ds["station_longitude_deg"], ds["station_latitude_deg"], marker="^", s=30, color="#2ca02c",
                    label=f"{ds.sizes['station']} ground stations (optical sites); a satellite sees one "
                          f"{ds.attrs.get('twin.ground_contact_fraction', float('nan')):.1%} of the time")
    ax3.set_xlim(-180, 180)
    ax3.set_ylim(-90, 90)
    ax3.set_xlabel("longitude [deg] (AP-8 field epoch)")
    ax3.set_ylabel("latitude [deg]")
    ax3.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_twin(ds: Any, path: Path) -> Path:
    """Write :func:`twin_figure` to a .png, .svg or .pdf file."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError([FieldError("--plot", f"{path.name}: use a {', '.join(SUFFIXES)} file name")])
    return _save_png(twin_figure(ds), path)
