"""Uncertainties of a scenario and samples of them: the "U" of EMA Workbench's XLRM framing (DESIGN.md).

A parameter is *uncertain* when the registry gives it a ``distribution`` or the scenario file's ``uncertainty:``
block does::

    uncertainty:
      launch.price_usd_per_kg: {kind: lognormal, mean: 300, sd: 150}
      solar.cell_efficiency: {kind: triangular, low: 0.2, mode: 0.25, high: 0.32}
      correlations:
        - {between: [solar.cell_efficiency, solar.cost_usd_per_w], rank: 0.5}

Rules (documented choices):

- A registry distribution describes the uncertainty around the registry default. A parameter that the scenario
  sets (in its file or with ``--set``) is therefore *fixed* at the scenario's value, unless the scenario's own
  ``uncertainty:`` block gives it a distribution. A ``--set`` always fixes a parameter (it wins over the block).
- Kinds and their fields: ``uniform`` (low, high), ``triangular`` (low, mode, high), ``normal`` (mean, sd) and
  ``lognormal`` (mean, sd of the variable itself, not of its logarithm). ``normal`` and ``lognormal`` may also
  give ``low``/``high`` as truncation bounds.
- No sample outside a parameter's allowed range ever reaches the model: a normal or lognormal distribution is
  *truncated* to the allowed range (sampled by inverse CDF over the admitted probability interval, so the shape is
  kept inside the range); a uniform or triangular one whose bounds leave the range is an input error.
- A parameter that follows a trajectory in the scenario keeps its trajectory, multiplied by ``sample / default``
  (the registry default): the distribution gives a relative uncertainty of the whole path. The scaled path is
  clipped to the allowed range (see :func:`terawatt.studies.population.scaled_value`).
- Rank correlations between named inputs are imposed by the Iman-Conover method [1]_, which reorders the samples
  of each correlated column (marginals, and so Latin-hypercube strata, are unchanged).

Samplers (``random``, ``lhs``, ``sobol``) draw points of the unit hypercube in fixed blocks of rows
(:data:`BLOCK` rows; the blocks depend on N and the seed only), so a sample's values depend on its index, never on
how a run is cut into chunks or spread over workers: block *b* of a random design uses the stream
``numpy.random.SeedSequence(seed).spawn`` would give as child *b* (``SeedSequence(seed, spawn_key=(b,))``); the
Latin hypercube is one design over the whole N (one point per stratum 1/N wide in every dimension), sliced into
blocks that are each a Latin hypercube over :data:`BLOCK` coarse strata and computed from the seed and the block
index alone (:mod:`terawatt.studies.latin_hypercube`; up to one block, N <= 65,536, it is SciPy's
``LatinHypercube`` design bit for bit); a Sobol design is one scrambled sequence (scipy.stats.qmc) fast-forwarded
to the block's first row. A block's values are computed once (the inverse CDFs included) and kept for the chunks
cut from it (:func:`_value_block`; two blocks cached per process).

References
----------
.. [1] R. L. Iman and W. J. Conover, "A distribution-free approach to inducing rank correlation among input
   variables", Communications in Statistics - Simulation and Computation 11(3), 311-334 (1982).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any, ClassVar

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.params import ParamSpec, load_registry
from terawatt.scenario import Scenario, _suggest
from terawatt.studies import latin_hypercube as lh
from terawatt.studies.latin_hypercube import BLOCK

KINDS = ("uniform", "triangular", "normal", "lognormal")
#: Fields each kind needs; ``low``/``high`` are optional truncation bounds for normal and lognormal.
REQUIRED = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd")}
OPTIONAL = {"uniform": (), "triangular": (), "normal": ("low", "high"), "lognormal": ("low", "high")}
SAMPLERS = ("random", "lhs", "sobol")
#: The manifest's ``lhs`` of a Latin hypercube of more than one block: the sliced design with the values of its
#: full blocks computed from the strata (:meth:`Uncertainty.ppf_of_strata`). Its first version, ``"sliced"``,
#: divided by N before the inverse CDFs (the same distributions; values different in the last bits): a folder it
#: wrote is not resumed with these values. (Before it, an independent hypercube per block recorded no key.)
SLICED_LHS = "sliced-2"
CORRELATIONS_KEY = "correlations"


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain parameter: its distribution, truncated to the parameter's allowed range.

    ``lower``/``upper`` are the effective bounds [parameter unit] (allowed range, narrowed by a normal or lognormal
    distribution's own ``low``/``high``); ``truncated`` says the distribution's support was cut by them.
    """

    name: str
    kind: str
    params: tuple[tuple[str, float], ...]
    lower: float | None
    upper: float | None
    lower_open: bool = False
    upper_open: bool = False
    source: str = "registry"
    truncated: bool = False
    integer: bool = False
    scales_trajectory: bool = False

    @cached_property
    def p(self) -> dict[str, float]:
        """The distribution's fields (low, high, mode, mean, sd as given; do not modify)."""
        return dict(self.params)

    def _normal_scale(self) -> tuple[float, float]:
        """(location, scale) of the normal variable: x itself, or ln x for a lognormal of given mean and sd."""
        p = self.p
        if self.kind == "normal":
            return p["mean"], p["sd"]
        ratio = p["sd"] / p["mean"]  # sigma^2 = ln(1 + ratio^2), without squaring a ratio past 1e154
        if ratio < 1e-150:  # ln(1 + r^2) = r^2 to the last digit, and r^2 would underflow: sigma = r
            return math.log(p["mean"]) - ratio * ratio / 2, ratio
        sigma2 = math.log1p(ratio * ratio) if ratio < 1e150 else 2.0 * math.log(ratio) + math.log1p(ratio ** -2)
        return math.log(p["mean"]) - sigma2 / 2, math.sqrt(sigma2)

    def cdf(self, x: float) -> float:
        """CDF of the untruncated distribution at ``x`` [-] (normal and lognormal only: used to truncate)."""
        from scipy.special import ndtr

        loc, scale = self._normal_scale()
        if self.kind == "lognormal":
            if x <= 0:
                return 0.0
            x = math.log(x)
        if scale == 0.0:  # an sd that underflows against the mean: all the mass at the location
            return 0.0 if x < loc else 1.0
        return float(ndtr((x - loc) / scale))

    def ppf(self, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        r"""Inverse CDF of the truncated distribution at ``u`` in [0, 1] [parameter unit], written to ``out`` if
        given (a float64 array of the shape of ``u``, not ``u`` itself).

        Notes
        -----
        Uniform: :math:`x = a + u(b - a)`. Triangular (low :math:`a`, mode :math:`c`, high :math:`b`):
        :math:`x = a + \sqrt{u(b-a)(c-a)}` for :math:`u < (c-a)/(b-a)`, else :math:`b - \sqrt{(1-u)(b-a)(b-c)}`.
        Normal and lognormal, truncated to :math:`[L, U]` with :math:`F` the untruncated CDF:
        :math:`x = F^{-1}(F(L) + u\,(F(U) - F(L)))`, :math:`F^{-1}(p) = \mu + \sigma\Phi^{-1}(p)` (exponentiated
        for the lognormal). An open bound is then moved in by one floating-point step.
        """
        u = np.asarray(u, float)
        p = self.p
        if self.kind == "uniform":
            x = np.multiply(u, p["high"] - p["low"], out=out)
            x += p["low"]  # p["low"] + u (b - a): an addition is commutative, bit for bit
        elif self.kind == "triangular":
            x = _triangular_ppf(u, p["low"], p["mode"], p["high"], out)
        else:
            f_lo, f_hi = self._probability_interval
            x = np.multiply(u, f_hi - f_lo, out=out)
            x += f_lo
            self._normal_ppf(x)
        return self._bounded(x)

    def ppf_of_strata(self, shared: np.ndarray, offset: float, n: int, out: np.ndarray) -> np.ndarray:
        r"""Inverse CDF at :math:`u = (s + o)/n` for a non-decreasing 1-D ``shared`` :math:`s`, written to ``out``:
        a full block of the sliced Latin hypercube in stratum order (:mod:`terawatt.studies.latin_hypercube`,
        :math:`s = e_c + 1 - v`, :math:`o = \sigma_j(b)`, :math:`0 \le s + o \le n`).

        The division by :math:`n` is folded into each distribution's constants and the two branches of the
        triangular distribution split at one index (``u`` is increasing), so that a column costs one pass per
        operation of the branch it is in: triangular :math:`a + \sqrt{(s + o)\,K_a}` below the mode and
        :math:`b - \sqrt{((n - o) - s)\,K_b}` above, :math:`K_a = (b-a)(c-a)/n`, :math:`K_b = (b-a)(b-c)/n`;
        uniform :math:`a + (s + o)(b - a)/n`; normal and lognormal as :meth:`ppf` with
        :math:`F(L) + (s + o)(F(U) - F(L))/n`. The same distributions as :meth:`ppf` at ``(s + o)/n``, to a few
        units in the last place (not bit for bit: the operations differ).
        """
        p = self.p
        if self.kind == "triangular":
            a, c, b = p["low"], p["mode"], p["high"]
            ba = b - a
            k = int(np.searchsorted(shared, (c - a) / ba * n - offset, side="left"))  # the values below the mode
            lo = np.add(shared[:k], offset, out=out[:k])
            lo *= ba * (c - a) / n
            np.sqrt(lo, out=lo)
            lo += a
            hi = np.subtract(n - offset, shared[k:], out=out[k:])
            hi *= ba * (b - c) / n
            np.sqrt(hi, out=hi)
            np.subtract(b, hi, out=hi)
        else:
            x = np.add(shared, offset, out=out)
            if self.kind == "uniform":
                x *= (p["high"] - p["low"]) / n
                x += p["low"]
                return self._bounded(out, ascending=True)  # a + (s + o) K: non-decreasing in s, exactly
            f_lo, f_hi = self._probability_interval
            x *= (f_hi - f_lo) / n
            x += f_lo
            self._normal_ppf(x)
        return self._bounded(out)

    @cached_property
    def _probability_interval(self) -> tuple[float, float]:
        """(F(L), F(U)): the probabilities of the untruncated normal or lognormal below the bounds [-]."""
        return (0.0 if self.lower is None else self.cdf(self.lower),
                1.0 if self.upper is None else self.cdf(self.upper))

    def _normal_ppf(self, x: np.ndarray) -> None:
        """In place: probabilities ``x`` [-] to values of the normal or lognormal, ``loc + scale ndtri(x)``
        (exponentiated for the lognormal)."""
        from scipy.special import ndtri

        loc, scale = self._normal_scale()
        ndtri(x, out=x)
        x *= scale
        x += loc
        if self.kind == "lognormal":
            np.exp(x, out=x)

    @cached_property
    def _bounds(self) -> tuple[float, float, bool]:
        """(lo, hi, clip): the effective bounds, an open one moved in by one floating-point step, and whether the
        inverse CDF can leave them (:meth:`_within`)."""
        lo = -np.inf if self.lower is None else (np.nextafter(self.lower, np.inf) if self.lower_open else self.lower)
        hi = np.inf if self.upper is None else (np.nextafter(self.upper, -np.inf) if self.upper_open else self.upper)
        return float(lo), float(hi), not self._within(lo, hi)

    def _bounded(self, x: np.ndarray, ascending: bool = False) -> np.ndarray:
        """In place: ``x`` clipped to the effective bounds where the inverse CDF can leave them, and rounded for
        an integer parameter. ``ascending``: ``x`` is 1-D and non-decreasing, so only its ends can leave the
        bounds (found by bisection, not by a pass)."""
        lo, hi, clip = self._bounds
        if ascending:
            x[: int(np.searchsorted(x, lo, side="left"))] = lo
            x[int(np.searchsorted(x, hi, side="right")):] = hi
        elif clip:
            x = np.clip(x, lo, hi, out=x)
        return np.round(x, out=x) if self.integer else x

    def _within(self, lo: float, hi: float) -> bool:
        """The inverse CDF of this uniform or triangular distribution never leaves [lo, hi], so clipping changes
        nothing: ``lo <= low``, ``high <= hi`` and, for a triangular one, a mode clear of both ends; for a uniform
        one ``high`` clear of ``hi``. (Each branch is then bounded, rounding included: ``a + sqrt(.) >= a`` and
        ``<= c`` + a few units in the last place, ``b - sqrt(.) <= b`` and ``>= c`` - a few units; ``a + u (b -
        a) >= a`` and ``<= b`` + a few units.)"""
        if self.kind not in ("uniform", "triangular"):
            return False
        a, b = self.p["low"], self.p["high"]
        room = 1e-9 * max(abs(a), abs(b))
        if self.kind == "uniform":
            return lo <= a and b + room < hi
        c = self.p["mode"]
        return lo <= a and b <= hi and a + room < c < b - room

    def describe(self) -> str:
        """E.g. ``triangular(low=3, mode=5, high=8)``, with the truncation and trajectory notes."""
        text = f"{self.kind}(" + ", ".join(f"{k}={v:g}" for k, v in self.params) + ")"
        if self.truncated:
            text += f" truncated to [{_g(self.lower)}, {_g(self.upper)}]"
        if self.scales_trajectory:
            text += "; scales the trajectory by sample/default"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"name": self.name, "kind": self.kind, **self.p, "lower": self.lower, "upper": self.upper,
                "truncated": self.truncated, "source": self.source, "scales_trajectory": self.scales_trajectory}


def _triangular_ppf(u: np.ndarray, a: float, c: float, b: float, out: np.ndarray | None = None) -> np.ndarray:
    """Inverse CDF of the triangular distribution (low ``a``, mode ``c``, high ``b``) at ``u`` in [0, 1]
    [parameter unit], written to ``out`` if given.

    Bitwise ``np.where(u < (c-a)/(b-a), a + sqrt(u (b-a) (c-a)), b - sqrt((1-u) (b-a) (b-c)))``: the same operations
    in the same order, done in place, and the branch picked without branches (``np.where`` on a random mask costs
    more than the arithmetic): the sign bit of ``u - (c-a)/(b-a)`` (negative exactly where ``u`` is below it)
    spread over 64 bits selects ``f ^ ((t ^ f) & mask)`` on the bit patterns of the two branches.
    """
    ba = b - a
    mask = np.subtract(u, (c - a) / ba).view(np.int64)
    mask >>= 63  # all ones below the mode, else 0
    lo = u * ba
    lo *= c - a
    np.sqrt(lo, out=lo)
    lo += a
    hi = np.subtract(1.0, u, out=out)
    hi *= ba
    hi *= b - c
    np.sqrt(hi, out=hi)
    np.subtract(b, hi, out=hi)
    t, f = lo.view(np.int64), hi.view(np.int64)
    np.bitwise_xor(t, f, out=t)
    t &= mask
    f ^= t
    return hi


def _g(value: float | None) -> str:
    return "-inf" if value is None else f"{value:g}"


@dataclass(frozen=True)
class UncertaintySpace:
    """The uncertain parameters of a scenario, their target rank correlations and what was left fixed."""

    uncertainties: tuple[Uncertainty, ...]
    correlations: tuple[tuple[str, str, float], ...] = ()
    fixed: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """Dotted names of the uncertain parameters, in sampling (column) order."""
        return [u.name for u in self.uncertainties]

    @property
    def scaled(self) -> list[str]:
        """Names of the sampled parameters that follow a trajectory (a sample scales the whole path)."""
        return [u.name for u in self.uncertainties if u.scales_trajectory]

    def require_uncertain(self) -> None:
        """Raise :class:`ScenarioError` when nothing is left to sample (every distribution fixed)."""
        if not self.uncertainties:
            raise ScenarioError([FieldError("uncertainty", "no parameter is uncertain: every distribution is fixed")])

    def rank_matrix(self) -> np.ndarray:
        """Target Spearman rank-correlation matrix, shape (d, d)."""
        index = {n: i for i, n in enumerate(self.names)}
        c = np.eye(len(index))
        for a, b, r in self.correlations:
            c[index[a], index[b]] = c[index[b], index[a]] = r
        return c

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UncertaintySpace:
        """Rebuild a space from :meth:`to_dict` (a saved run's manifest). The distributions, bounds and sources are
        kept; whether a bound is open and whether a parameter is an integer are not recorded there (they matter
        only when sampling, and a saved run's samples are already drawn)."""
        uncertainties = []
        for u in data.get("uncertainties", []):
            params = tuple((k, float(u[k])) for k in ("low", "mode", "high", "mean", "sd") if k in u)
            uncertainties.append(Uncertainty(u["name"], u["kind"], params, u.get("lower"), u.get("upper"),
                                             source=u.get("source", "registry"), truncated=bool(u.get("truncated")),
                                             scales_trajectory=bool(u.get("scales_trajectory"))))
        correlations = tuple((c["between"][0], c["between"][1], float(c["rank"]))
                             for c in data.get("correlations", []))
        return cls(tuple(uncertainties), correlations, tuple(data.get("fixed", ())))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the uncertainties, correlations and fixed parameters."""
        return {"uncertainties": [u.to_dict() for u in self.uncertainties],
                "correlations": [{"between": [a, b], "rank": r} for a, b, r in self.correlations],
                "fixed": list(self.fixed)}


# ------------------------------------------------------------------------------------------------ validation
def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _parse_one(name: str, raw: Any, spec: ParamSpec, source: str, path: str) -> tuple[Uncertainty | None,
                                                                                      list[FieldError]]:
    """One distribution entry to an :class:`Uncertainty`, or the list of everything wrong with it."""
    errors: list[FieldError] = []
    if spec.kind not in ("float", "int"):
        return None, [FieldError(path, f"{name} is not numeric ({spec.kind}); only numbers can be uncertain")]
    if not isinstance(raw, Mapping):
        return None, [FieldError(path, f"expected a mapping such as {{kind: uniform, low: ..., high: ...}}, got "
                                       f"{raw!r}")]
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        hint = _suggest(str(kind), KINDS) if isinstance(kind, str) else ""
        return None, [FieldError(f"{path}.kind", f"{kind!r} is not one of: {', '.join(KINDS)}{hint}")]
    allowed = (*REQUIRED[kind], *OPTIONAL[kind])
    p: dict[str, float] = {}
    for key in raw:
        if key != "kind" and key not in allowed:
            errors.append(FieldError(f"{path}.{key}", f"not a field of a {kind} distribution (fields: "
                                                      f"{', '.join(allowed)})"))
    for key in allowed:
        if key not in raw or raw[key] is None:
            if key in REQUIRED[kind]:
                errors.append(FieldError(f"{path}.{key}", f"missing: a {kind} distribution needs "
                                                          f"{', '.join(REQUIRED[kind])} [{spec.unit}]"))
            continue
        number = _number(raw[key])
        if number is None:
            errors.append(FieldError(f"{path}.{key}", f"expected a finite number [{spec.unit}], got {raw[key]!r}"))
        else:
            p[key] = number
    unit = "" if spec.unit in ("-", "") else f" {spec.unit}"
    if "low" in p and "high" in p and p["low"] >= p["high"]:
        errors.append(FieldError(f"{path}.low", f"low {p['low']:g} must be below high {p['high']:g}{unit}"))
    ordered = "low" in p and "high" in p and p["low"] < p["high"]
    if kind == "triangular" and ordered and "mode" in p and not p["low"] <= p["mode"] <= p["high"]:
        errors.append(FieldError(f"{path}.mode", f"mode {p['mode']:g} is outside [low, high] = "
                                                 f"[{p['low']:g}, {p['high']:g}]{unit}"))
    if "sd" in p and p["sd"] <= 0:
        errors.append(FieldError(f"{path}.sd", f"sd must be > 0, got {p['sd']:g}{unit}"))
    if kind == "lognormal" and p.get("mean", 1.0) <= 0:
        errors.append(FieldError(f"{path}.mean", f"a lognormal mean must be > 0, got {p['mean']:g}{unit}"))
    lower, upper = spec.min, spec.max
    if kind in ("uniform", "triangular") and ordered:
        below = lower is not None and (p["low"] < lower or (spec.min_exclusive and p["low"] == lower))
        above = upper is not None and (p["high"] > upper or (spec.max_exclusive and p["high"] == upper))
        if below or above:
            errors.append(FieldError(path, f"[{p['low']:g}, {p['high']:g}]{unit} leaves the allowed range "
                                           f"{spec.range_text()}"))
    if errors:
        return None, errors
    if kind in ("uniform", "triangular"):
        lower, upper = p["low"], p["high"]
    else:
        lows = [v for v in (lower, p.get("low"), 0.0 if kind == "lognormal" else None) if v is not None]
        highs = [v for v in (upper, p.get("high")) if v is not None]
        lower, upper = (max(lows) if lows else None), (min(highs) if highs else None)
        if lower is not None and upper is not None and lower >= upper:
            return None, [FieldError(path, f"the truncation bounds leave no values in {spec.range_text()}")]
    order = [k for k in ("low", "mode", "high", "mean", "sd") if k in p]
    u = Uncertainty(
        name, kind, tuple((k, p[k]) for k in order), lower, upper,
        lower_open=spec.min_exclusive and lower == spec.min, upper_open=spec.max_exclusive and upper == spec.max,
        source=source, integer=spec.kind == "int",
    )
    if kind in ("normal", "lognormal"):
        cut = (lower is not None and u.cdf(lower) > 0) or (upper is not None and u.cdf(upper) < 1)
        u = replace(u, truncated=bool(cut))
    return u, []


def _parse_correlations(raw: Any, names: list[str], registry: Mapping[str, ParamSpec]) -> tuple[
        list[tuple[str, str, float]], list[FieldError]]:
    path = f"uncertainty.{CORRELATIONS_KEY}"
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [FieldError(path, "expected a list of {between: [a, b], rank: r}")]
    out, errors = [], []
    seen: set[frozenset[str]] = set()
    for i, item in enumerate(raw):
        here = f"{path}[{i}]"
        if not isinstance(item, Mapping) or set(item) - {"between", "rank"}:
            errors.append(FieldError(here, f"expected {{between: [a, b], rank: r}}, got {item!r}"))
            continue
        pair, rank = item.get("between"), _number(item.get("rank"))
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            errors.append(FieldError(f"{here}.between", f"expected two parameter names, got {pair!r}"))
        else:
            for name in pair:
                if name not in names:
                    why = (f"unknown parameter{_suggest(name, registry)}" if name not in registry
                           else "is not uncertain here (give it a distribution, and do not fix it)")
                    errors.append(FieldError(f"{here}.between", f"{name}: {why}"))
            if pair[0] == pair[1]:
                errors.append(FieldError(f"{here}.between", f"{pair[0]} is correlated with itself"))
            elif frozenset(pair) in seen:
                errors.append(FieldError(f"{here}.between", f"{pair[0]} and {pair[1]} are paired twice"))
            seen.add(frozenset(pair))
        if rank is None or not -1.0 <= rank <= 1.0:
            errors.append(FieldError(f"{here}.rank", f"a rank correlation in [-1, 1], got {item.get('rank')!r}"))
        if not errors:
            out.append((pair[0], pair[1], rank))
    return out, errors


def model_uncertainty_space(scenario: Scenario, fixed: Iterable[str] = ()) -> UncertaintySpace:
    """The uncertainties that the design + TCO model reads: :func:`uncertainty_space` without the registry
    distributions of the build-out's own parameters (``params/buildout.yaml`` and the supply chains of
    ``params/supply.yaml``), which only the build-out study reads.

    Used by every study of the model itself (Monte Carlo of costs, sensitivity, discovery), so that adding a
    distribution to a build-out parameter never changes their samples.
    """
    from terawatt.params import names_in_file

    return uncertainty_space(scenario, fixed, exclude=names_in_file("buildout") | names_in_file("supply"))


def uncertainty_space(scenario: Scenario, fixed: Iterable[str] = (), exclude: Iterable[str] = ()) -> UncertaintySpace:
    """The uncertain parameters of ``scenario``: registry distributions, then its ``uncertainty:`` block.

    Parameters
    ----------
    scenario
        A loaded scenario (its raw block is :attr:`Scenario.uncertainty`).
    fixed
        Parameter names fixed by ``--set`` (removed from the uncertainties).
    exclude
        Parameters whose *registry* distribution is not sampled because the study does not read them (e.g. the
        build-out's own parameters in a cost Monte Carlo); the scenario's block may still name them.

    Raises
    ------
    ScenarioError
        Every bad field of the block at once: unknown parameter (with a suggestion), non-numeric parameter, bad
        kind, missing or invalid fields, low >= high, mode outside [low, high], bounds outside the allowed range,
        correlation outside [-1, 1] or a correlation matrix that is not positive definite.
    """
    registry = load_registry()
    fixed = set(fixed)
    exclude = set(exclude)
    block = scenario.uncertainty or {}
    errors: list[FieldError] = []
    if not isinstance(block, Mapping):
        raise ScenarioError([FieldError("uncertainty", "expected a mapping of parameter names to distributions")])
    chosen: dict[str, Uncertainty] = {}
    for name, spec in registry.items():
        if spec.distribution is None or name in fixed or name in exclude or name in scenario.overrides:
            continue
        raw = spec.distribution.model_dump(exclude_none=True)
        u, problems = _parse_one(name, raw, spec, "registry", f"registry {name}.distribution")
        errors.extend(problems)
        if u is not None:
            chosen[name] = u
    for name, raw in block.items():
        if name == CORRELATIONS_KEY:
            continue
        path = f"uncertainty.{name}"
        if name not in registry:
            errors.append(FieldError(path, f"unknown parameter{_suggest(str(name), registry)}"))
            continue
        u, problems = _parse_one(name, raw, registry[name], "scenario", path)
        errors.extend(problems)
        if u is not None and name not in fixed:
            chosen[name] = u
    names = list(chosen)
    traj = set(scenario.trajectories)
    uncertainties = tuple(replace(u, scales_trajectory=u.name in traj) for u in chosen.values())
    correlations, problems = _parse_correlations(block.get(CORRELATIONS_KEY), names, registry)
    errors.extend(problems)
    space = UncertaintySpace(uncertainties, tuple(correlations), tuple(sorted(fixed)))
    if correlations and not errors:
        try:
            np.linalg.cholesky(_score_correlation(space.rank_matrix()))
        except np.linalg.LinAlgError:
            errors.append(FieldError(f"uncertainty.{CORRELATIONS_KEY}",
                                     "the rank correlations are not consistent (matrix not positive definite)"))
    if errors:
        raise ScenarioError(errors)
    return space


# ---------------------------------------------------------------------------------------------------- sampling
def _score_correlation(rank: np.ndarray) -> np.ndarray:
    """Pearson correlation of normal scores giving Spearman ``rank``: :math:`2 \\sin(\\pi \\rho_s / 6)`."""
    return 2.0 * np.sin(np.pi * rank / 6.0)


def iman_conover(x: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Reorder each column of ``x`` (m, d) so that its rank correlation approaches ``rank`` (d, d) [1]_.

    Notes
    -----
    With :math:`S` the van der Waerden scores :math:`\\Phi^{-1}(r/(m+1))` of the ranks :math:`r` of ``x``,
    :math:`E = \\mathrm{corr}(S) = QQ^T` and the target :math:`C = PP^T` (Cholesky), the scores
    :math:`T = S (Q^{-1})^T P^T` have correlation :math:`C`; each column of ``x`` is rearranged to the ranks of the
    matching column of :math:`T`. Marginals are unchanged. The target Spearman matrix is first converted to the
    Pearson matrix of normal scores, :math:`2\\sin(\\pi\\rho_s/6)`.

    References
    ----------
    .. [1] Iman, R. L. and Conover, W. J. (1982), Commun. Stat. Simul. Comput. 11(3), 311-334.
    """
    from scipy.special import ndtri

    m = x.shape[0]
    if m < 3:
        return x
    ranks = np.argsort(np.argsort(x, axis=0, kind="stable"), axis=0, kind="stable")
    scores = ndtri((ranks + 1.0) / (m + 1.0))
    q = np.linalg.cholesky(np.corrcoef(scores, rowvar=False))
    p = np.linalg.cholesky(_score_correlation(rank))
    t = scores @ np.linalg.inv(q).T @ p.T
    target_ranks = np.argsort(np.argsort(t, axis=0, kind="stable"), axis=0, kind="stable")
    return np.take_along_axis(np.sort(x, axis=0), target_ranks, axis=0)


def blocks(n: int) -> list[tuple[int, int]]:
    """The fixed sampling blocks of an n-row design: ``[(start, stop), ...]`` of :data:`BLOCK` rows."""
    return [(s, min(n, s + BLOCK)) for s in range(0, n, BLOCK)]


def _qmc_engine(kind: Any, d: int, rng: np.random.Generator, **options: Any) -> Any:
    """A scipy.stats.qmc engine seeded with ``rng`` (``rng=`` since SciPy 1.15, ``seed=`` before)."""
    try:
        return kind(d, rng=rng, **options)
    except TypeError:  # pragma: no cover - SciPy < 1.15
        return kind(d, seed=rng, **options)


def _latin_hypercube(stream: np.random.Generator, d: int, m: int) -> np.ndarray:
    """SciPy's m-point Latin hypercube from ``stream``, shape (m, d) (see
    :func:`terawatt.studies.latin_hypercube.scipy_hypercube`)."""
    return lh.scipy_hypercube(stream, d, m).T


def _corr_columns(corr: tuple[tuple[int, int, float], ...]) -> tuple[list[int], np.ndarray]:
    """The columns a correlation set involves and its target rank matrix among them."""
    cols = sorted({i for i, _, _ in corr} | {j for _, j, _ in corr})
    pos = {c: k for k, c in enumerate(cols)}
    target = np.eye(len(cols))
    for i, j, r in corr:
        target[pos[i], pos[j]] = target[pos[j], pos[i]] = r
    return cols, target


@lru_cache(maxsize=2)
def _unit_block(sampler: str, d: int, seed: int, n: int, b: int, corr: tuple[tuple[int, int, float], ...]
                ) -> np.ndarray:
    """Block ``b`` of the n-row design in the unit hypercube, row order, shape (d, m) (read-only)."""
    start, stop = blocks(n)[b]
    m = stop - start
    if sampler == "random":
        u = lh.transposed(lh.stream(seed, b).random((m, d)))
    elif sampler == "lhs":
        u, shift = lh.sliced_block(seed, n, d, b)
        if shift is not None:  # a full block, in stratum order: to row order
            base, rows = lh.sliced_base(seed, n, d), np.empty_like(u)
            for j in range(d):
                lh.rotate(u[j], base.perm[j], shift[j], rows[j])
            u = rows
    else:
        from scipy.stats import qmc

        engine = _qmc_engine(qmc.Sobol, d, np.random.default_rng(np.random.SeedSequence(seed)), scramble=True)
        if start:
            engine.fast_forward(start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance properties need powers of 2; documented
            u = np.ascontiguousarray(engine.random(m).T)
    if corr:
        cols, target = _corr_columns(corr)
        u[cols] = iman_conover(u[cols].T, target).T
    u.setflags(write=False)
    return u


def _corr_index(space: UncertaintySpace) -> tuple[tuple[int, int, float], ...]:
    index = {name: i for i, name in enumerate(space.names)}
    return tuple((index[a], index[b], r) for a, b, r in space.correlations)


@lru_cache(maxsize=2)
def _value_block(space: UncertaintySpace, n: int, seed: int, sampler: str, b: int) -> np.ndarray:
    """Block ``b`` of the n-row design in parameter units, row order, shape (d, m) (read-only): the inverse CDF
    of each column of :func:`_unit_block`. A full block of the Latin hypercube is transformed in stratum order
    (increasing, :meth:`Uncertainty.ppf_of_strata`, straight from the block's shared strata and each column's
    offset) and then rotated to row order; its correlated columns (reordered in row order) take :meth:`~Uncertainty.
    ppf` of their unit rows."""
    d, corr = len(space.names), _corr_index(space)
    correlated = set(_corr_columns(corr)[0]) if corr else set()
    shift = None
    if sampler == "lhs" and b < lh.full_blocks(n):
        shared, shift = lh.sliced_block_parts(seed, n, d, b)
        base = lh.sliced_base(seed, n, d)
    if shift is None or correlated:
        rows = _unit_block(sampler, d, seed, n, b, corr)
    out = np.empty((d, BLOCK if shift is not None else rows.shape[1]))
    strata = np.empty(BLOCK)
    for j, unc in enumerate(space.uncertainties):
        if shift is not None and j not in correlated:
            unc.ppf_of_strata(shared, base.offset[j, b], n, strata)
            lh.rotate(strata, base.perm[j], shift[j], out[j])
        else:
            unc.ppf(rows[j], out[j])
    out.setflags(write=False)
    return out


def _blocks_of(n: int, start: int, stop: int) -> list[tuple[int, int, int]]:
    """``(block, first, last)`` row ranges within each block that rows ``start:stop`` cover."""
    return [(b, max(start, lo) - lo, min(stop, hi) - lo) for b, (lo, hi) in enumerate(blocks(n))
            if hi > start and lo < stop]


def _join(parts: list[np.ndarray], d: int) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts, axis=1) if parts else np.empty((d, 0))


def unit_design(space: UncertaintySpace, n: int, seed: int, sampler: str, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the n-row design in the unit hypercube, shape (stop - start, d).

    The same row has the same values whatever ``start``/``stop`` are (per-index determinism).
    """
    d, corr = len(space.names), _corr_index(space)
    parts = [_unit_block(sampler, d, int(seed), n, b, corr)[:, lo:hi] for b, lo, hi in _blocks_of(n, start, stop)]
    return _join(parts, d).T


@dataclass(frozen=True)
class SampleDesign:
    """N samples of an :class:`UncertaintySpace`: a row source for
    :func:`terawatt.studies.population.evaluate_population`."""

    space: UncertaintySpace
    n: int
    seed: int = 0
    sampler: str = "lhs"
    #: The rows lie inside the parameters' allowed ranges by construction (the inverse CDFs clip to them), so
    #: :func:`terawatt.studies.population.evaluate_chunk` does not check them again in every chunk.
    in_range: ClassVar[bool] = True

    def rows(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Parameter values of samples ``start:stop`` by dotted name [parameter unit] (read-only arrays: views of
        the block cache where the rows lie in one block)."""
        d = len(self.space.names)
        parts = [_value_block(self.space, self.n, int(self.seed), self.sampler, b)[:, lo:hi]
                 for b, lo, hi in _blocks_of(self.n, start, stop)]
        values = _join(parts, d)
        return {name: values[i] for i, name in enumerate(self.space.names)}

    def spec(self) -> dict[str, Any]:
        """What identifies the rows (for a result folder's manifest). A Latin hypercube of more than one block
        is the sliced one (:mod:`terawatt.studies.latin_hypercube`), its values recorded as :data:`SLICED_LHS`:
        the key ``lhs`` keeps a folder written with an earlier design or arithmetic from being resumed with this
        one."""
        out = {"kind": "sample", "n": self.n, "seed": int(self.seed), "sampler": self.sampler,
               "space": self.space.to_dict()}
        if self.sampler == "lhs" and self.n > BLOCK:
            out["lhs"] = SLICED_LHS
        return out


def check_sampler(sampler: str, n: int, seed: int) -> list[FieldError]:
    """Errors in the sampling options (all at once)."""
    errors = []
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        errors.append(FieldError("--sampler", f"{sampler!r} is not one of: {', '.join(SAMPLERS)}"))
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        errors.append(FieldError("-n", f"the number of samples must be an integer >= 1, got {n!r}"))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        errors.append(FieldError("--seed", f"the seed must be an integer >= 0, got {seed!r}"))
    return errors


def check_scenario(source: Any, overrides: Any = None) -> tuple[Scenario, UncertaintySpace]:
    """Validate a scenario file and its ``uncertainty:`` block together (``terawatt check``).

    Parameters
    ----------
    source, overrides
        As for :func:`terawatt.scenario.load_scenario`; a parameter given in ``overrides`` is fixed.

    Returns
    -------
    (Scenario, UncertaintySpace)
        The loaded scenario and its uncertainties.

    Raises
    ------
    ScenarioError
        Every bad field at once: the scenario's values and trajectories, then the uncertainty block (checked
        against the defaults when the values themselves are invalid).
    """
    from terawatt.scenario import _load_file, load_scenario, parse_set, resolve_scenario_path

    fixed = [] if overrides is None else list(overrides if isinstance(overrides, Mapping) else parse_set(overrides))
    try:
        scenario = load_scenario(source, overrides)
    except ScenarioError as exc:
        errors = list(exc.errors)
        try:
            meta = dict(source) if isinstance(source, Mapping) else (
                _load_file(resolve_scenario_path(source))[0] if source is not None else {})
            if meta.get("uncertainty") is not None:
                uncertainty_space(load_scenario({"uncertainty": meta["uncertainty"]}), fixed)
        except ScenarioError as more:
            errors.extend(e for e in more.errors if e not in errors)
        raise ScenarioError(errors) from exc
    return scenario, uncertainty_space(scenario, fixed)
