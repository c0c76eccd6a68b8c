"""Shared pieces of :mod:`terawatt.physics.radiation`: type aliases, energy grids and argument checks."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M
from terawatt.physics._checks import check_range, output

Solar = Literal["min", "max", "mean"]
Workload = Literal["training", "inference"]

_R_KM = EARTH_EQUATORIAL_RADIUS_M / 1e3
#: Energy grids of the spectra [MeV]: trapped protons (AP-8 range), trapped electrons (AE-8), cosmic/solar protons.
E_PROTON = np.geomspace(0.1, 400.0, 121)
E_ELECTRON = np.geomspace(0.04, 7.0, 81)
E_COSMIC = np.geomspace(1.0, 1.0e5, 161)


_out = output


def _check(x: npt.ArrayLike, name: str, lo: float, hi: float, unit: str, what: str = "",
           allow_nan: bool = False) -> np.ndarray:
    return check_range(x, name, lo, hi, unit, allow_nan=allow_nan, note=what)


def _check_solar(solar: str, allow_mean: bool = True) -> None:
    allowed = ("min", "max", "mean") if allow_mean else ("min", "max")
    if solar not in allowed:
        raise ValueError(f"solar must be one of {', '.join(allowed)}, got {solar!r}")
