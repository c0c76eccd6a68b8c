"""Physical constants, each with its source.

Every constant here is a fixed property of nature or of a convention; tunable technology and price numbers live in
the parameter registry (``terawatt/params/registry.yaml``), never here.
"""

from __future__ import annotations

#: Stefan-Boltzmann constant [W m-2 K-4]. CODATA 2018 (exact since the 2019 SI redefinition).
STEFAN_BOLTZMANN_W_PER_M2_K4 = 5.670374419e-8

#: Earth's gravitational parameter GM [m3 s-2]. WGS-84 (NIMA TR8350.2, 3rd ed., 2000), EGM96 value.
EARTH_MU_M3_PER_S2 = 3.986004418e14

#: Earth's equatorial radius [m]. WGS-84 (NIMA TR8350.2, 2000).
EARTH_EQUATORIAL_RADIUS_M = 6378137.0

#: Earth's mean radius [m]. IUGG mean radius R1 (Moritz 2000, Geodetic Reference System 1980).
EARTH_MEAN_RADIUS_M = 6371008.8

#: Earth's second zonal harmonic J2 [-]. EGM96 (Lemoine et al. 1998), unnormalised C20 = -J2.
EARTH_J2 = 1.08262668e-3

#: Sidereal year [s]; the mean motion of the Sun that a sun-synchronous node must follow.
#: IERS Conventions (2010), 365.256363004 d.
SIDEREAL_YEAR_S = 365.256363004 * 86400.0

#: Tropical year [d]. Used for the Sun's mean longitude over the year (Meeus 1998, ch. 25).
TROPICAL_YEAR_D = 365.24219

#: Solar radius [m]. IAU 2015 Resolution B3 nominal solar radius.
SUN_RADIUS_M = 6.957e8

#: Astronomical unit [m]. IAU 2012 Resolution B2 (exact).
AU_M = 1.495978707e11

#: Obliquity of the ecliptic at J2000 [deg]. IAU 2006 precession (Capitaine et al. 2003), 84381.406 arcsec.
OBLIQUITY_J2000_DEG = 23.43928

#: Hours in the model year [h]: 365 x 24. The convention of the cost studies reproduced here (Starcloud 2024,
#: McCalip 2025 math.js HOURS_PER_YEAR) and of utility tariffs (8,760 h/yr).
HOURS_PER_YEAR = 8760.0

#: Seconds in the model year [s].
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0

#: Standard gravity [m s-2]. CGPM 1901 (exact).
STANDARD_GRAVITY_M_PER_S2 = 9.80665

#: Joules per British thermal unit [J/Btu]. International Table Btu (ISO 31-4).
J_PER_BTU = 1055.05585262

#: Speed of light in vacuum [m s-1]. SI definition (exact, CGPM 1983).
SPEED_OF_LIGHT_M_PER_S = 299_792_458.0

#: Planck constant [J s]. SI definition (exact since the 2019 redefinition).
PLANCK_J_S = 6.62607015e-34

#: Calendar year the default ``start_year`` of rate and learning trajectories refers to ("today") [yr].
BASE_YEAR = 2026
#: First and last calendar year the model accepts (inclusive) [yr].
YEAR_RANGE = (2020, 2100)

#: Specific heat of aluminium at 300 K [J kg-1 K-1] (Incropera & DeWitt, Fundamentals of Heat and Mass
#: Transfer, 6th ed., Table A.1: 903; NIST: 897 at 298 K). The twin's lumped radiator heat capacity.
ALUMINIUM_SPECIFIC_HEAT_J_PER_KG_K = 900.0
