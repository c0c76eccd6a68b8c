r"""Links: optical inter-satellite link budget, cluster formation spacing, ground segment capacity and latency.

All functions are pure and vectorised: inputs broadcast against each other, scalars give NumPy scalars and arrays
give arrays. Bad inputs raise a ``ValueError`` naming the argument, its unit and the allowed range.

Inter-satellite links
---------------------
:func:`optical_link_rate_gbps` is a free-space optical link budget: diffraction-limited transmit and receive
apertures (Friis form with optical antenna gains), pointing and other losses in dB, a receiver that needs a given
number of photons per bit, and WDM channels each capped at a line rate. Received power falls as :math:`1/R^2` in
the far field; at short range (below :math:`R_c = \pi D_t D_r / 4\lambda`, ~5 km for two 10 cm apertures at
1,550 nm) the beam is narrower than the receive aperture and the geometric coupling is capped at 1 (all power
collected), so a tight cluster is limited by the transceivers' line rate, not by power.

With the registry defaults (1 W optical, 1,550 nm, 10 cm apertures, 3 dB pointing + 3 dB other losses,
100 photons/bit, 8 DWDM channels of 100 Gbps) the budget reproduces the class of Google's Suncatcher bench
result, 800 Gbps each way (1.6 Tbps total) over one transceiver pair, at the 100-200 m spacing of an 81-satellite
cluster; the rate stays at 800 Gbps out to ~790 km and falls as :math:`1/R^2` beyond.

Ground segment
--------------
Required capacity (:func:`downlink_required_gbps`, :func:`uplink_required_gbps`) is compared with station
capacity: optical (weather availability improved by site diversity, :func:`optical_ground_availability`) or
Ka-band RF (:func:`rf_link_rate_gbps`). :func:`ground_stations_needed` sizes stations on average capacity
(data are buffered on board between contacts); :func:`station_contact_fraction` gives the time a station sees a
satellite. :func:`latency_ms` is the one-way delay to a station at the minimum elevation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from terawatt.constants import EARTH_EQUATORIAL_RADIUS_M, PLANCK_J_S, SPEED_OF_LIGHT_M_PER_S
from terawatt.physics._checks import check_range, fraction, output

__all__ = [
    "PLANCK_J_S", "SPEED_OF_LIGHT_M_PER_S", "cluster_neighbour_range_m", "downlink_required_gbps",
    "ground_stations_needed", "latency_ms", "optical_geometric_coupling", "optical_ground_availability",
    "optical_link_rate_gbps", "rf_link_rate_gbps", "slant_range_km", "station_contact_fraction",
    "uplink_required_gbps",
]


#: Altitude range accepted by the ground-segment geometry [km] (as ``physics.orbit``).
ALTITUDE_RANGE_KM = (150.0, 50000.0)
_R_KM = EARTH_EQUATORIAL_RADIUS_M / 1e3
_PACKINGS = ("square", "hexagonal", "ball")


# --------------------------------------------------------------------------------------------- validation
_out = output
_check = check_range


def _positive(x: npt.ArrayLike, name: str, unit: str) -> np.ndarray:
    return _check(x, name, 0.0, np.inf, unit, lo_open=True, hi_open=True)


def _non_negative(x: npt.ArrayLike, name: str, unit: str) -> np.ndarray:
    return _check(x, name, 0.0, np.inf, unit, hi_open=True)


def _fraction(x: npt.ArrayLike, name: str) -> np.ndarray:
    return fraction(x, name)


# ------------------------------------------------------------------------------------ optical ISL budget
def optical_geometric_coupling(
    range_m: npt.ArrayLike, wavelength_m: npt.ArrayLike, tx_aperture_m: npt.ArrayLike, rx_aperture_m: npt.ArrayLike
) -> np.ndarray:
    r"""Fraction of transmitted power that reaches the receive aperture (free-space loss times aperture gains).

    Parameters
    ----------
    range_m : array_like
        Link distance [m], > 0.
    wavelength_m : array_like
        Optical wavelength [m], in (0, 1e-3].
    tx_aperture_m : array_like
        Transmit aperture diameter [m], > 0.
    rx_aperture_m : array_like
        Receive aperture diameter [m], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Geometric coupling [-], in (0, 1].

    Notes
    -----
    Friis equation with diffraction-limited optical gains :math:`G = (\pi D/\lambda)^2` and free-space loss
    :math:`(\lambda/4\pi R)^2`:

    .. math:: \eta_\mathrm{geo} = \min\left[1, \left(\frac{\pi D_t D_r}{4 \lambda R}\right)^2\right].

    The far-field form exceeds 1 below :math:`R_c = \pi D_t D_r/(4\lambda)`, where the transmitted beam is
    narrower than the receive aperture: there all power is collected and the coupling is capped at 1 (truncation
    and efficiency losses belong in ``other_losses_db``). Near :math:`R_c` the true coupling is smooth; the cap is
    an upper bound.

    References
    ----------
    .. [1] Hemmati, H. (ed.), *Near-Earth Laser Communications*, CRC Press, 2009, ch. 1 (optical link equation).
    .. [2] Majumdar, A. K., *Laser Communication with Constellation Satellites, UAVs, HAPs and Balloons*,
       Springer, 2022, ch. 2.
    """
    r = _positive(range_m, "range_m", "m")
    lam = _check(wavelength_m, "wavelength_m", 0.0, 1e-3, "m", lo_open=True)
    dt = _positive(tx_aperture_m, "tx_aperture_m", "m")
    dr = _positive(rx_aperture_m, "rx_aperture_m", "m")
    return _out(np.minimum(1.0, (np.pi * dt * dr / (4.0 * lam * r)) ** 2))


def optical_link_rate_gbps(
    range_m: npt.ArrayLike,
    tx_power_w: npt.ArrayLike,
    wavelength_m: npt.ArrayLike,
    tx_aperture_m: npt.ArrayLike,
    rx_aperture_m: npt.ArrayLike,
    pointing_loss_db: npt.ArrayLike,
    other_losses_db: npt.ArrayLike,
    sensitivity_photons_per_bit: npt.ArrayLike,
    wdm_channels: npt.ArrayLike,
    max_rate_per_channel_gbps: npt.ArrayLike,
) -> np.ndarray:
    r"""Data rate of one direction of a free-space optical inter-satellite link (one transceiver pair).

    Parameters
    ----------
    range_m : array_like
        Link distance [m], > 0.
    tx_power_w : array_like
        Total transmitted optical power, shared equally by the WDM channels [W], > 0.
    wavelength_m : array_like
        Wavelength [m], in (0, 1e-3]; 1.55e-6 for the C band.
    tx_aperture_m, rx_aperture_m : array_like
        Transmit and receive aperture diameters [m], > 0.
    pointing_loss_db : array_like
        Mean pointing loss [dB], >= 0.
    other_losses_db : array_like
        Optics transmission, fibre coupling, implementation losses [dB], >= 0.
    sensitivity_photons_per_bit : array_like
        Received photons per bit the receiver needs at the target error rate [-], > 0.
    wdm_channels : array_like
        Number of wavelength channels [-], >= 1.
    max_rate_per_channel_gbps : array_like
        Line rate of one channel's transceiver [Gbit/s], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Data rate in one direction [Gbit/s]. A full-duplex transceiver pair carries this in each direction.

    Notes
    -----
    Per channel, received power and power-limited rate:

    .. math:: P_r = \frac{P_t}{N_\lambda}\,\eta_\mathrm{geo}(R)\,10^{-(L_p + L_o)/10}, \qquad
              R_b = \min\left(R_\mathrm{max}, \frac{P_r}{n_b\,h c/\lambda}\right),

    total rate :math:`N_\lambda R_b`, with :math:`\eta_\mathrm{geo}` from :func:`optical_geometric_coupling`.
    In the far field :math:`P_r \propto 1/R^2`, so the power-limited rate falls as :math:`1/R^2`. The photon
    budget is the receiver sensitivity expressed as photons per bit (1 photon/bit is the record with a
    phase-sensitive preamplifier, Kakarla et al. 2020; preamplified coherent receivers need a few to tens;
    100 allows for commercial transceivers and margin).

    References
    ----------
    .. [1] Agüera y Arcas, B. et al., Towards a future space-based, highly scalable AI infrastructure system
       design (Project Suncatcher), arXiv:2511.19468, 2025: bench demonstrator, 800 Gbps each way (1.6 Tbps
       total) over one transceiver pair using DWDM.
    .. [2] Kakarla, R., Schröder, J., Andrekson, P. A., One photon-per-bit receiver using near-noiseless phase-
       sensitive amplification, Light: Science & Applications 9, 153, 2020.
    .. [3] Hemmati, H. (ed.), *Near-Earth Laser Communications*, CRC Press, 2009.
    """
    coupling = np.asarray(optical_geometric_coupling(range_m, wavelength_m, tx_aperture_m, rx_aperture_m))
    lam = np.asarray(wavelength_m, dtype=float)
    p_t = _positive(tx_power_w, "tx_power_w", "W")
    l_p = _non_negative(pointing_loss_db, "pointing_loss_db", "dB")
    l_o = _non_negative(other_losses_db, "other_losses_db", "dB")
    n_b = _positive(sensitivity_photons_per_bit, "sensitivity_photons_per_bit", "photons/bit")
    n_ch = _check(wdm_channels, "wdm_channels", 1.0, np.inf, "channels", hi_open=True)
    r_max = _positive(max_rate_per_channel_gbps, "max_rate_per_channel_gbps", "Gbit/s")
    p_r = p_t / n_ch * coupling * 10.0 ** (-(l_p + l_o) / 10.0)
    photon_j = PLANCK_J_S * SPEED_OF_LIGHT_M_PER_S / lam
    rate_gbps = p_r / (n_b * photon_j) / 1e9
    return _out(n_ch * np.minimum(r_max, rate_gbps))


# ---------------------------------------------------------------------------------------------- cluster
def cluster_neighbour_range_m(
    n_satellites: npt.ArrayLike, cluster_radius_m: npt.ArrayLike, packing: str = "square"
) -> np.ndarray:
    r"""Nearest-neighbour distance of N satellites spread evenly over a cluster of given radius.

    Parameters
    ----------
    n_satellites : array_like
        Satellites in the cluster [-], >= 2.
    cluster_radius_m : array_like
        Cluster radius [m], > 0.
    packing : {"square", "hexagonal", "ball"}
        ``"square"`` / ``"hexagonal"``: a planar disc filled by a square / hexagonal lattice (consistent with
        Suncatcher's 100-200 m spacing); ``"ball"``: a 3-D ball filled by a simple cubic lattice.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Nearest-neighbour spacing [m]: the link range between adjacent satellites.

    Notes
    -----
    Equal area (volume) per satellite, edge effects neglected:

    .. math:: d_\square = R\sqrt{\pi/N}, \qquad d_\text{hex} = R\sqrt{2\pi/(\sqrt{3}N)}, \qquad
              d_\text{ball} = R\,(4\pi/3N)^{1/3}.

    81 satellites within 1 km: 197 m (square), 212 m (hexagonal), 373 m (ball). The Suncatcher preprint quotes
    81 satellites within a 1 km radius at ~650 km with nearest neighbours 100-200 m apart: a planar formation
    fits, a 3-D ball does not, hence the planar default. Our reading of the 100-200 m range: free relative
    orbits (Hill / Clohessy-Wiltshire) are 2:1 ellipses, so a planar formation stretches and compresses twice per
    orbit and the spacing swings between about :math:`d/2` and :math:`d`. The value returned is the larger one,
    the range the links must close at.

    References
    ----------
    .. [1] Agüera y Arcas, B. et al., Project Suncatcher, arXiv:2511.19468, 2025 (formation-flight section).
    .. [2] Conway, J. H. and Sloane, N. J. A., *Sphere Packings, Lattices and Groups*, 3rd ed., Springer, 1999,
       ch. 1.
    """
    n = _check(n_satellites, "n_satellites", 2.0, np.inf, "satellites", hi_open=True)
    radius = _positive(cluster_radius_m, "cluster_radius_m", "m")
    if packing == "square":
        d = radius * np.sqrt(np.pi / n)
    elif packing == "hexagonal":
        d = radius * np.sqrt(2.0 * np.pi / (np.sqrt(3.0) * n))
    elif packing == "ball":
        d = radius * np.cbrt(4.0 * np.pi / (3.0 * n))
    else:
        raise ValueError(f"packing must be one of {', '.join(_PACKINGS)}, got {packing!r}")
    return _out(d)


# ------------------------------------------------------------------------------------------ ground demand
def downlink_required_gbps(
    accelerators: npt.ArrayLike,
    tokens_per_s_per_accelerator: npt.ArrayLike,
    bytes_per_token: npt.ArrayLike,
    utilization: npt.ArrayLike,
    training_fraction: npt.ArrayLike,
    checkpoint_bytes: npt.ArrayLike,
    checkpoint_interval_h: npt.ArrayLike,
) -> np.ndarray:
    r"""Average space-to-ground data rate the workload needs.

    Parameters
    ----------
    accelerators : array_like
        Accelerators in the deployment [-], >= 0.
    tokens_per_s_per_accelerator : array_like
        Generated tokens per second per busy accelerator [tokens/s], >= 0.
    bytes_per_token : array_like
        Bytes sent to the ground per generated token, framing included [B], >= 0 (~4 for plain text; a
        token-by-token streaming API with JSON framing is ~100-200).
    utilization : array_like
        Fraction of accelerator-hours doing work [-], in [0, 1].
    training_fraction : array_like
        Fraction of the busy accelerators training rather than serving [-], in [0, 1].
    checkpoint_bytes : array_like
        Size of the checkpoints written per interval when the whole deployment trains [B], >= 0; scaled by
        ``training_fraction``.
    checkpoint_interval_h : array_like
        Time between checkpoints sent to the ground [h], > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Required downlink [Gbit/s], averaged over time.

    Notes
    -----
    .. math:: C_\downarrow = 8 \times 10^{-9} \left[(1 - f_t)\,N u\,\dot n_\mathrm{tok}\,b_\mathrm{tok}
              + f_t\,\frac{B_\mathrm{ckpt}}{3600\,\Delta t_\mathrm{ckpt}}\right].

    Uplink traffic (prompts, training data) is :func:`uplink_required_gbps`; size stations on the larger.
    """
    n = _non_negative(accelerators, "accelerators", "accelerators")
    tok = _non_negative(tokens_per_s_per_accelerator, "tokens_per_s_per_accelerator", "tokens/s")
    b_tok = _non_negative(bytes_per_token, "bytes_per_token", "B")
    u = _fraction(utilization, "utilization")
    f_t = _fraction(training_fraction, "training_fraction")
    ckpt = _non_negative(checkpoint_bytes, "checkpoint_bytes", "B")
    dt_h = _positive(checkpoint_interval_h, "checkpoint_interval_h", "h")
    bytes_per_s = (1.0 - f_t) * n * u * tok * b_tok + f_t * ckpt / (3600.0 * dt_h)
    return _out(8e-9 * bytes_per_s)


def uplink_required_gbps(
    accelerators: npt.ArrayLike,
    tokens_per_s_per_accelerator: npt.ArrayLike,
    prompt_bytes_per_output_token: npt.ArrayLike,
    utilization: npt.ArrayLike,
    training_fraction: npt.ArrayLike,
    training_data_bytes_per_s_per_accelerator: npt.ArrayLike,
) -> np.ndarray:
    r"""Average ground-to-space data rate the workload needs (prompts and training data).

    Parameters
    ----------
    accelerators : array_like
        Accelerators in the deployment [-], >= 0.
    tokens_per_s_per_accelerator : array_like
        Generated tokens per second per busy accelerator [tokens/s], >= 0.
    prompt_bytes_per_output_token : array_like
        Prompt (input) bytes uploaded per generated token [B], >= 0.
    utilization : array_like
        Fraction of accelerator-hours doing work [-], in [0, 1].
    training_fraction : array_like
        Fraction of the busy accelerators training [-], in [0, 1].
    training_data_bytes_per_s_per_accelerator : array_like
        Training data consumed per training accelerator [B/s], >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Required uplink [Gbit/s].

    Notes
    -----
    .. math:: C_\uparrow = 8 \times 10^{-9}\,N u \left[(1 - f_t)\,\dot n_\mathrm{tok}\,b_\mathrm{prompt}
              + f_t\,\dot b_\mathrm{data}\right].
    """
    n = _non_negative(accelerators, "accelerators", "accelerators")
    tok = _non_negative(tokens_per_s_per_accelerator, "tokens_per_s_per_accelerator", "tokens/s")
    b_in = _non_negative(prompt_bytes_per_output_token, "prompt_bytes_per_output_token", "B")
    u = _fraction(utilization, "utilization")
    f_t = _fraction(training_fraction, "training_fraction")
    data = _non_negative(training_data_bytes_per_s_per_accelerator, "training_data_bytes_per_s_per_accelerator",
                         "B/s")
    return _out(8e-9 * n * u * ((1.0 - f_t) * tok * b_in + f_t * data))


# ---------------------------------------------------------------------------------------- ground supply
def rf_link_rate_gbps(
    bandwidth_hz: npt.ArrayLike, spectral_efficiency_bit_per_s_per_hz: npt.ArrayLike, polarizations: npt.ArrayLike
) -> np.ndarray:
    r"""Data rate of an RF (e.g. Ka-band) space-to-ground link.

    Parameters
    ----------
    bandwidth_hz : array_like
        Occupied bandwidth [Hz], > 0.
    spectral_efficiency_bit_per_s_per_hz : array_like
        Net spectral efficiency of the modulation and coding [bit s-1 Hz-1], > 0 (DVB-S2X: 0.4-5.9).
    polarizations : array_like
        Independent polarizations reusing the band [-], 1 or 2.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Data rate [Gbit/s]: :math:`B\,\eta\,n_\mathrm{pol} / 10^9`.

    References
    ----------
    .. [1] ETSI EN 302 307-2 V1.3.1 (2021), DVB-S2X, Table 20 (modcods and spectral efficiencies).
    .. [2] ITU Radio Regulations, Article 5: 17.7-20.2 GHz fixed-satellite service (space-to-Earth).
    """
    b = _positive(bandwidth_hz, "bandwidth_hz", "Hz")
    eta = _positive(spectral_efficiency_bit_per_s_per_hz, "spectral_efficiency_bit_per_s_per_hz", "bit/s/Hz")
    pol = _check(polarizations, "polarizations", 1.0, 2.0, "-")
    return _out(b * eta * pol / 1e9)


def optical_ground_availability(n_sites: npt.ArrayLike, site_clear_sky_probability: npt.ArrayLike) -> np.ndarray:
    r"""Probability that at least one of several optical ground sites has a cloud-free line of sight.

    Parameters
    ----------
    n_sites : array_like
        Diversity sites that can serve the same pass [-], >= 1.
    site_clear_sky_probability : array_like
        Cloud-free line-of-sight probability of one site [-], in [0, 1].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Availability [-]: :math:`1 - (1 - p)^n`.

    Notes
    -----
    Sites are taken as independent; correlated weather (sites closer than a weather system) gives less.

    References
    ----------
    .. [1] del Portillo, I., Sanchez, M., Cameron, B., Crawley, E., Optimal location of optical ground stations
       to serve LEO spacecraft, IEEE Aerospace Conference, 2017 (site diversity, cloud correlation).
    """
    n = _check(n_sites, "n_sites", 1.0, np.inf, "sites", hi_open=True)
    p = _fraction(site_clear_sky_probability, "site_clear_sky_probability")
    return _out(1.0 - (1.0 - p) ** n)


def ground_stations_needed(
    required_gbps: npt.ArrayLike,
    station_rate_gbps: npt.ArrayLike,
    availability: npt.ArrayLike,
    contact_fraction: npt.ArrayLike = 1.0,
) -> np.ndarray:
    r"""Ground stations needed to carry the required average data rate.

    Parameters
    ----------
    required_gbps : array_like
        Required average rate [Gbit/s], >= 0.
    station_rate_gbps : array_like
        Rate of one station while in contact and available [Gbit/s], > 0.
    availability : array_like
        Fraction of contact time the link works (weather, rain fade) [-], in (0, 1].
    contact_fraction : array_like
        Fraction of time a station is in contact with the deployment [-], in (0, 1]: 1 with a relay network or
        a station always in view; :func:`station_contact_fraction` for direct passes.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Whole number of stations [-]: :math:`\lceil C / (r\,a\,f_c) \rceil` (0 when nothing is required).

    Notes
    -----
    Sized on average throughput: data wait in on-board storage between contacts, so latency-critical traffic
    needs more (or a relay).
    """
    c = _non_negative(required_gbps, "required_gbps", "Gbit/s")
    r = _positive(station_rate_gbps, "station_rate_gbps", "Gbit/s")
    a = _check(availability, "availability", 0.0, 1.0, "-", lo_open=True)
    fc = _check(contact_fraction, "contact_fraction", 0.0, 1.0, "-", lo_open=True)
    # round away float noise (e.g. 3.0000000000000004 stations) before the ceiling
    return _out(np.ceil(np.round(c / (r * a * fc), 9)))


# --------------------------------------------------------------------------------------------- geometry
def _check_altitude(altitude_km: npt.ArrayLike) -> np.ndarray:
    return _check(altitude_km, "altitude_km", *ALTITUDE_RANGE_KM, "km")


def _check_elevation(elevation_deg: npt.ArrayLike, name: str) -> np.ndarray:
    return _check(elevation_deg, name, 0.0, 90.0, "deg")


def slant_range_km(altitude_km: npt.ArrayLike, elevation_deg: npt.ArrayLike) -> np.ndarray:
    r"""Distance from a ground station to a satellite seen at a given elevation, spherical Earth.

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the satellite [km], in [150, 50000].
    elevation_deg : array_like
        Elevation of the satellite above the station's horizon [deg], in [0, 90].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Slant range [km].

    Notes
    -----
    .. math:: \rho = \sqrt{(R_\oplus + h)^2 - R_\oplus^2 \cos^2\varepsilon} - R_\oplus \sin\varepsilon,

    with the equatorial radius :math:`R_\oplus` = 6,378.137 km (the datum of ``orbit.altitude_km``).

    References
    ----------
    .. [1] Wertz, J. R., Everett, D. F., Puschell, J. J. (eds.), *Space Mission Engineering: The New SMAD*,
       Microcosm, 2011, sec. 8.3 (Earth geometry viewed from space).
    """
    h = _check_altitude(altitude_km)
    eps = np.radians(_check_elevation(elevation_deg, "elevation_deg"))
    return _out(_slant_range_km(h, eps))


def _slant_range_km(h: np.ndarray, eps_rad: np.ndarray) -> np.ndarray:
    return np.sqrt((_R_KM + h) ** 2 - (_R_KM * np.cos(eps_rad)) ** 2) - _R_KM * np.sin(eps_rad)


def station_contact_fraction(altitude_km: npt.ArrayLike, elevation_deg_min: npt.ArrayLike) -> np.ndarray:
    r"""Mean fraction of time one ground station sees a given satellite above a minimum elevation.

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [150, 50000].
    elevation_deg_min : array_like
        Minimum elevation for a link [deg], in [0, 90].

    Returns
    -------
    numpy.ndarray or numpy.float64
        Contact fraction [-]: the fraction of the sphere covered by the station's visibility cap.

    Notes
    -----
    Earth central angle of the cap, :math:`\lambda = \arccos\left(\frac{R_\oplus}{R_\oplus + h}\cos\varepsilon
    \right) - \varepsilon`, and cap fraction :math:`(1 - \cos\lambda)/2`: the long-run average for a station at
    a random place under a satellite whose ground track covers the globe evenly. High-latitude stations see a
    polar or sun-synchronous satellite far more often (every orbit at Svalbard), equatorial ones less. 650 km at
    25 deg gives 0.71 %.

    References
    ----------
    .. [1] Wertz, J. R. et al., *Space Mission Engineering: The New SMAD*, 2011, sec. 8.3 and 10.2 (coverage).
    """
    h = _check_altitude(altitude_km)
    eps = np.radians(_check_elevation(elevation_deg_min, "elevation_deg_min"))
    lam = np.arccos(_R_KM / (_R_KM + h) * np.cos(eps)) - eps
    return _out(0.5 * (1.0 - np.cos(lam)))


def latency_ms(
    altitude_km: npt.ArrayLike,
    elevation_deg_min: npt.ArrayLike,
    processing_ms: npt.ArrayLike,
    isl_hops: npt.ArrayLike = 0.0,
    isl_hop_range_km: npt.ArrayLike = 0.0,
) -> np.ndarray:
    r"""One-way latency from the satellite to a ground station at the minimum elevation (worst-case geometry).

    Parameters
    ----------
    altitude_km : array_like
        Altitude of the circular orbit [km], in [150, 50000].
    elevation_deg_min : array_like
        Minimum elevation for a link [deg], in [0, 90].
    processing_ms : array_like
        Switching, queueing and coding delay at both ends [ms], >= 0.
    isl_hops : array_like
        Inter-satellite hops before the satellite that talks to the ground [-], >= 0.
    isl_hop_range_km : array_like
        Length of one hop [km], >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        One-way latency [ms]; double it for a round trip.

    Notes
    -----
    .. math:: t = \frac{\rho(h, \varepsilon_\mathrm{min}) + n_\mathrm{hop}\,d_\mathrm{hop}}{c} + t_\mathrm{proc},

    :math:`\rho` from :func:`slant_range_km`. 650 km at 25 deg: :math:`\rho` = 1,302 km, 4.34 ms of propagation.
    """
    h = _check_altitude(altitude_km)
    rho = _slant_range_km(h, np.radians(_check_elevation(elevation_deg_min, "elevation_deg_min")))
    t_proc = _non_negative(processing_ms, "processing_ms", "ms")
    hops = _non_negative(isl_hops, "isl_hops", "hops")
    hop_km = _non_negative(isl_hop_range_km, "isl_hop_range_km", "km")
    path_m = (rho + hops * hop_km) * 1e3
    return _out(path_m / SPEED_OF_LIGHT_M_PER_S * 1e3 + t_proc)
