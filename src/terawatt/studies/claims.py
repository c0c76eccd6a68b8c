"""The claims audit: each public claim (``terawatt/claims/*.yaml``) computed to a verdict with its number.

A claim's checks are evaluated through the public studies: the model (:func:`terawatt.model.evaluate`) in a year,
or the build-out (:func:`terawatt.studies.buildout.buildout`). Each check gets its central value (the scenario as
written), its P5-P95 over a Monte Carlo of the registry's uncertainties (:mod:`terawatt.studies.uncertainty`,
evaluated by :func:`terawatt.studies.population.evaluate_population`; one population per scenario, overrides and
year, shared by every check that uses it) and P(check true), the share of samples that satisfy its rule.

Verdicts:

- ``holds``: every check with a rule is true at the central values;
- ``holds only if ...``: a check fails, but the break-even solver (:func:`terawatt.studies.breakeven.solve_breakeven`)
  finds, for each failed check, a value of one of its ``conditions`` parameters in the allowed range at which it
  would be true (the condition text names the parameter, the bound, today's value and the literature range);
- ``does not hold``: a check fails and no condition can rescue it;
- ``not testable here``: the claim file says why; its numbers are still computed and shown.

P(claim true) is the probability of the claim's first check that has a rule and is sampled (``probability:``);
JSON gives every check's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from terawatt.errors import FieldError, ScenarioError
from terawatt.studies.claim_spec import (
    DEFAULT_SCENARIO,
    TEXT_FIELDS,
    Check,
    Claim,
    evaluate_quantity,
    load_claims,
    output_keys,
    quantity_names,
)

#: Monte Carlo samples per population and the seed (the claims' date, 5 Feb 2026). 256 Latin-hypercube samples
#: put P5/P95 within about +-2 percentile points (binomial standard error sqrt(0.05 x 0.95 / 256) = 1.4 %) and
#: keep ``terawatt claims`` (all twenty) to a few seconds.
SAMPLES = 256
SEED = 20260205
#: Most Monte Carlo samples per shared population (each check's population is held in memory): the bound a
#: study's rows have (:data:`terawatt.studies.outcomes.MAX_ROWS_IN_MEMORY`).
MAX_SAMPLES = 1_000_000
SAMPLER = "lhs"
REASON = "orbital.infeasible_reason"


@dataclass
class CheckResult:
    """One check computed: the central value, its spread, and whether the rule holds."""

    label: str
    quantity: str
    unit: str
    scenario: str
    year: int | list[int] | None
    value: Any
    p05: float | None = None
    p50: float | None = None
    p95: float | None = None
    p_true: float | None = None
    passed: bool | None = None  # None = no rule (reported only)
    in_verdict: bool = True
    primary: bool = False
    context: bool = False
    rule: str = ""
    years_true: list[int] | None = None  # build-out checks over years with a rule: the years it holds (central)
    conditions: list[str] = field(default_factory=list)  # bounds that make a failed check true
    condition_notes: list[str] = field(default_factory=list)  # why a condition parameter cannot rescue it
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(v) for k, v in self.__dict__.items()}


@dataclass
class Verdict:
    """A claim with its verdict, the number behind it and the checks that gave it."""

    claim: Claim
    verdict: str
    why: str
    checks: list[CheckResult]
    samples: int
    seed: int

    @property
    def primary(self) -> CheckResult:
        """The check whose number the table shows (the one marked primary, else the first that decides the
        verdict, else the first)."""
        return next((c for c in self.checks if c.primary), None) or next(
            (c for c in self.checks if c.passed is not None and c.in_verdict), self.checks[0])

    @property
    def p_true(self) -> float | None:
        """P(claim true): the probability of the primary check, else of the first sampled check that decides the
        verdict (None where nothing is uncertain, or the claim is not testable here)."""
        if self.verdict == "not testable here":
            return None
        if self.primary.p_true is not None:
            return self.primary.p_true
        return next((c.p_true for c in self.checks if c.in_verdict and c.p_true is not None), None)

    @property
    def text(self) -> str:
        """The verdict in words, with its condition (``holds only if ...``) or reason."""
        return f"{self.verdict} {self.why}" if self.verdict == "holds only if" else self.verdict

    def to_dict(self) -> dict[str, Any]:
        c = self.claim
        primary = self.primary
        return {
            "id": c.id, "quote": c.quote, "speaker": c.speaker, "date": c.date, "seed": c.seed,
            "source": c.source, "asserts": c.asserts, "verdict": self.verdict, "why": self.why,
            "number": _plain(primary.value), "unit": primary.unit, "p05": primary.p05, "p95": primary.p95,
            "p_true": self.p_true, "validation": c.validation, "checks": [r.to_dict() for r in self.checks],
            "monte_carlo": {"samples": self.samples, "seed": self.seed, "sampler": SAMPLER},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.tolist()
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def _scalar(value: Any) -> Any:
    arr = np.asarray(value)
    if arr.dtype.kind in "UO":
        return str(arr.reshape(-1)[0]) if arr.size else ""
    return float(arr.reshape(-1)[0]) if arr.size else float("nan")


# ------------------------------------------------------------------------------------------- computing a check
class _Runs:
    """Scenarios, evaluations, build-outs and Monte Carlo populations, each computed once per key."""

    def __init__(self, samples: int, seed: int, scenario: str | None):
        self.samples, self.seed, self.scenario = samples, seed, scenario
        self._memo: dict[tuple, Any] = {}
        self._wanted: dict[tuple, set[str]] = {}

    def _once(self, key: tuple, compute: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def scenario_name(self, claim: Claim, check: Check) -> str:
        if self.scenario is not None and not check.pinned:
            return self.scenario
        return check.scenario or claim.scenario

    def load(self, name: str, overrides: dict[str, Any]) -> Any:
        from terawatt.scenario import load_scenario

        key = ("scenario", name, _key(overrides))
        return self._once(key, lambda: load_scenario(None if name == DEFAULT_SCENARIO else name, overrides))

    def want(self, name: str, overrides: dict[str, Any], year: int | None, outputs: Iterable[str]) -> None:
        """Register outputs a model population must carry (so that one evaluation serves every check)."""
        self._wanted.setdefault((name, _key(overrides), year), set()).update(outputs)

    def evaluate(self, name: str, overrides: dict[str, Any], year: int | None) -> Any:
        from terawatt.model import evaluate

        sc = self.load(name, overrides)
        return self._once(("evaluate", name, _key(overrides), year),
                          lambda: evaluate(sc.at_year(year) if year is not None else sc))

    def population(self, name: str, overrides: dict[str, Any], year: int | None) -> tuple[dict, set[str]] | None:
        """Columns of the shared Monte Carlo of (scenario, overrides, year) and the sampled names; None when
        nothing is uncertain."""
        from terawatt.studies.population import evaluate_population
        from terawatt.studies.uncertainty import SampleDesign, model_uncertainty_space

        def run() -> tuple[dict, set[str]] | None:
            sc = self.load(name, overrides)
            space = model_uncertainty_space(sc, fixed=list(overrides))
            if not space.names:
                return None
            wanted = sorted(self._wanted.get((name, _key(overrides), year), set()) | {REASON})
            design = SampleDesign(space, self.samples, self.seed, SAMPLER)
            scaled = space.scaled
            pop = evaluate_population(sc, design, wanted, year=year, scaled=scaled, spec={"study": "claims"})
            return pop.columns, set(space.names)

        return self._once(("population", name, _key(overrides), year), run)

    def buildout(self, name: str, overrides: dict[str, Any], years: tuple[int, int], sampled: bool) -> Any:
        """The build-out (central, or over the Monte Carlo samples of the parameters without a trajectory) and the
        scenario it ran (the sampled parameters as arrays of shape (N,))."""
        from terawatt.studies.buildout import buildout
        from terawatt.studies.uncertainty import SampleDesign, uncertainty_space

        def run() -> Any:
            sc = self.load(name, overrides)
            if sampled:
                space = uncertainty_space(sc, fixed=list(overrides))
                direct = [u.name for u in space.uncertainties if not u.scales_trajectory]
                if not direct:
                    return None
                rows = SampleDesign(space, self.samples, self.seed, SAMPLER).rows(0, self.samples)
                sc = sc.with_overrides({k: rows[k] for k in direct})
            return buildout(sc, *years), sc

        return self._once(("buildout", name, _key(overrides), years, sampled), run)


def _key(overrides: dict[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in overrides.items()))


def _model_env(runs: _Runs, name: str, check: Check, sampled: bool) -> dict[str, Any] | None:
    """Values of the names a model check reads: outputs and parameters (central, or per sample)."""
    UNITS = output_keys()  # noqa: N806
    names = quantity_names(check.quantity)
    outputs = [n for n in names if n in UNITS]
    sc = runs.load(name, check.set)
    at = sc.at_year(check.year) if check.year is not None else sc
    if not sampled:
        env = {n: at.values[n] for n in names if n not in UNITS}
        if outputs:
            result = runs.evaluate(name, check.set, check.year)
            env.update({n: result[n] for n in outputs})
        return env
    pop = runs.population(name, check.set, check.year)
    if pop is None:
        return None
    columns, uncertain = pop
    if not any(n in uncertain for n in names) and not outputs:
        return None  # arithmetic on fixed numbers: nothing to sample
    return {n: columns[n] if n in columns else at.values[n] for n in names}


def _buildout_env(runs: _Runs, name: str, check: Check, sampled: bool) -> tuple[dict[str, Any], np.ndarray] | None:
    """Build-out fields (``buildout.<field>``, over the years of the rule) and parameters a check reads."""
    from terawatt.studies.buildout import LABELS

    got = runs.buildout(name, check.set, check.years, sampled)
    if got is None:
        return None
    b, sc = got
    span = check.over or (check.year, check.year)
    idx = np.flatnonzero((b.years >= span[0]) & (b.years <= span[1]))
    env: dict[str, Any] = {}
    for n in quantity_names(check.quantity):
        if n.startswith("buildout."):
            values = np.asarray(b.data[n.split(".", 1)[1]])[..., idx]
            if n in TEXT_FIELDS:
                labels = np.asarray(LABELS[n.split(".", 1)[1]], dtype=object)
                values = labels[values.astype(int)]
            env[n] = values
        else:  # a parameter: per sample (N, 1) against the fields' (N, years) when sampled
            value = np.asarray(sc.values[n])
            env[n] = value.reshape(-1, 1) if b.sampled and value.ndim == 1 else sc.values[n]
    return env, b.years[idx]


def _aggregate(check: Check, value: Any, passed: np.ndarray | None, years: np.ndarray) -> tuple[Any, Any]:
    """Collapse a build-out value over the years of ``over``: (value, truth), each per sample or scalar."""
    value = np.asarray(value, dtype=object if np.asarray(value).dtype.kind in "UO" else float)
    if check.aggregate is None:
        v = value[..., 0]
        return v, None if passed is None else passed[..., 0]
    if check.aggregate == "growth":  # annualised growth from the first to the last year of over [1/yr]
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (value[..., -1] / value[..., 0]) ** (1.0 / float(years[-1] - years[0])) - 1.0
        return g, None if check.rule is None else check.rule.test(g)
    if check.aggregate in ("any", "all", "first"):
        truth = passed if passed is not None else np.ones(value.shape, bool)
        if check.aggregate == "first":  # the first year the rule holds (NaN = never)
            first = np.where(truth.any(axis=-1), years[np.argmax(truth, axis=-1)], np.nan)
            return first, truth.any(axis=-1)
        count = truth.sum(axis=-1).astype(float)
        return count, truth.any(axis=-1) if check.aggregate == "any" else truth.all(axis=-1)
    v = np.nanmax(value, axis=-1) if check.aggregate == "max" else np.nanmin(value, axis=-1)
    return v, None if check.rule is None else check.rule.test(v)


def _values(runs: _Runs, claim: Claim, check: Check, sampled: bool) -> tuple[Any, Any] | None:
    """(value, truth) of a check, central (scalars) or over the samples (arrays); None if not sampled."""
    name = runs.scenario_name(claim, check)
    if check.study == "buildout":
        got = _buildout_env(runs, name, check, sampled)
        if got is None:
            return None
        env, years = got
        raw = np.asarray(evaluate_quantity(check.quantity, env))
        raw = np.broadcast_to(raw, np.broadcast_shapes(raw.shape, (len(years),)))  # a parameter alone: every year
        truth = None if check.rule is None else check.rule.test(raw)
        value, passed = _aggregate(check, raw, truth, years)
    else:
        env = _model_env(runs, name, check, sampled)
        if env is None:
            return None
        value = evaluate_quantity(check.quantity, env)
        passed = None if check.rule is None else check.rule.test(value)
    return value, passed


def _years_true(runs: _Runs, claim: Claim, check: Check) -> list[int] | None:
    """The years of ``over`` in which a build-out check's rule holds at the central values (None otherwise)."""
    if check.study != "buildout" or check.over is None or check.rule is None or check.aggregate in ("max", "min",
                                                                                                    "growth"):
        return None
    env, years = _buildout_env(runs, runs.scenario_name(claim, check), check, False)  # type: ignore[misc]
    raw = np.broadcast_to(np.asarray(evaluate_quantity(check.quantity, env)), (len(years),))
    truth = np.asarray(check.rule.test(raw), bool).reshape(-1)
    return [int(y) for y in np.asarray(years)[truth]]


def _year_spans(years: Sequence[int]) -> str:
    """``2032-2035, 2045, 2047-2050`` of a sorted list of years (``none`` if empty)."""
    spans: list[list[int]] = []
    for y in years:
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans) or "none"


def _conditions(runs: _Runs, claim: Claim, check: Check) -> tuple[list[str], list[str]]:
    """Bounds on the condition parameters that make a failed check true (from the break-even solver)."""
    from terawatt.model import evaluate
    from terawatt.params import load_registry
    from terawatt.studies.breakeven import solve_breakeven

    name = runs.scenario_name(claim, check)
    sc = runs.load(name, check.set)
    target = check.rule.threshold  # type: ignore[union-attr]
    found, notes = [], []
    for param in check.conditions:
        spec = load_registry()[param]
        if target is None or target <= 0:
            notes.append(f"{param}: the break-even solver needs a positive threshold")
            continue
        be = solve_breakeven(sc, param, check.year, target, output=check.quantity)
        if not be.found:
            note = be.message.splitlines()[0]
            if check.quantity != "comparison.cost_ratio":  # the solver's words are about the cost ratio
                note = note.replace("orbit/ground", check.quantity).replace("the ratio stays", "it stays")
            notes.append(note)
            continue
        base = sc.at_year(check.year) if check.year is not None else sc
        lo, hi = be.span
        bounds = []
        for root in be.roots:
            step = 1e-4 * max(abs(root), (hi - lo) * 1e-6, 1e-12)
            probe = np.clip(np.array([root - step, root + step]), lo, hi)
            res = evaluate(base.with_overrides({param: probe}))
            ok = check.rule.test(np.broadcast_to(np.asarray(res[check.quantity], float), (2,)))  # type: ignore[union-attr]
            if ok[0] != ok[1]:
                bounds.append(("<=" if ok[0] else ">=", root))
        if not bounds:
            notes.append(f"{param}: {be.message.splitlines()[0]} (touches the threshold without crossing it)")
            continue
        now = "" if be.current_value is None else f"; now {be.current_value:,.4g}"
        lit = f"; literature range {spec.range[0]:,.4g}-{spec.range[1]:,.4g}" if spec.range else ""
        text = " or ".join(f"{param} {op} {root:,.4g} {spec.unit}" for op, root in bounds)
        found.append(f"{text} ({check.label}{now}{lit})")
    return found, notes


def _percentiles(samples: Any) -> tuple[float | None, float | None, float | None]:
    x = np.asarray(samples, float) if np.asarray(samples).dtype.kind not in "UO" else np.array([])
    x = x[np.isfinite(x)]
    if not x.size:
        return None, None, None
    p05, p50, p95 = np.percentile(x, [5, 50, 95])
    return float(p05), float(p50), float(p95)


def compute_check(runs: _Runs, claim: Claim, check: Check) -> CheckResult:
    """Central value, P5/P50/P95, P(true) and, for a failed check, the conditions that would make it true."""
    value, passed = _values(runs, claim, check, sampled=False)  # type: ignore[misc]
    value = _scalar(value)
    year: Any = list(check.over) if check.over else check.year
    result = CheckResult(check.label, check.quantity, check.unit, runs.scenario_name(claim, check), year, value,
                         passed=None if passed is None else bool(np.asarray(passed).reshape(-1)[0]),
                         rule="" if check.rule is None else check.rule.describe(check.unit), note=check.note,
                         in_verdict=check.in_verdict, primary=check.primary, context=check.context,
                         years_true=_years_true(runs, claim, check))
    if check.probability:
        got = _values(runs, claim, check, sampled=True)
        if got is not None:
            samples, truth = got
            result.p05, result.p50, result.p95 = _percentiles(samples)
            if truth is not None:
                result.p_true = float(np.mean(np.asarray(truth, bool)))
    if result.passed is False and check.conditions:
        result.conditions, result.condition_notes = _conditions(runs, claim, check)
    return result


def verdict_of(claim: Claim, results: Sequence[CheckResult]) -> tuple[str, str]:
    """The verdict and its reason (or condition) from the computed checks."""
    if claim.not_testable:
        return "not testable here", claim.not_testable.strip()
    failed = [r for r in results if r.passed is False and r.in_verdict]
    context = "".join(f"; {r.label}: {_fmt(r.value)}{_unit(r.unit)}" for r in results if r.context)
    if not failed:
        years = [f"{r.label}: {_year_spans(r.years_true)}" for r in results if r.years_true and r.in_verdict]
        return "holds", ("every check holds at the central values" + (f" ({'; '.join(years)})" if years else "")
                         + context)
    if all(r.conditions for r in failed):
        return "holds only if", " and ".join(" or ".join(r.conditions) for r in failed) + context
    parts = []
    for r in failed:
        if r.conditions:
            continue
        solver = f" ({r.condition_notes[0]})" if r.condition_notes else ""
        parts.append(f"{r.label}: {_fmt(r.value)}{_unit(r.unit)}, needs {r.rule}{solver}")
    return "does not hold", "; ".join(parts) + context


def _unit(unit: str) -> str:
    return "" if unit in ("", "-") else f" {unit}"


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "n/a" if value is None or not np.isfinite(value) else f"{value:,.4g}"


def audit(
    ids: Sequence[str] | None = None,
    scenario: str | None = None,
    samples: int = SAMPLES,
    seed: int = SEED,
    claims: Sequence[Claim] | None = None,
) -> list[Verdict]:
    """Compute every claim (or those in ``ids``) to a verdict.

    Parameters
    ----------
    ids
        Claim ids to compute (``None`` = all, in file order).
    scenario
        A shipped scenario name (or ``"default"``, the registry defaults) that replaces each check's scenario
        (checks marked ``pinned`` keep theirs).
    samples, seed
        Monte Carlo samples per shared population and the seed (Latin hypercube).
    claims
        Claims already loaded (default: the shipped claim files).

    Raises
    ------
    ScenarioError
        Unknown claim ids or scenario, bad claim files, or a model refusal (naming the claim and check).
    """
    from terawatt.scenario import _suggest, shipped_scenarios

    loaded = list(claims) if claims is not None else load_claims()
    by_id = {c.id: c for c in loaded}
    if ids is not None:
        given = ids
        ids = list(ids) if isinstance(ids, Iterable) and not isinstance(ids, (str, bytes)) else None
        if ids is None or not all(isinstance(i, str) for i in ids):
            raise ScenarioError([FieldError("ID", f"expected a list of claim ids, got {given!r:.60}")])
    errors = [FieldError("ID", f"unknown claim {i!r}{_suggest(i, by_id)}") for i in ids or [] if i not in by_id]
    known = [*shipped_scenarios(), DEFAULT_SCENARIO]
    if scenario is not None and not isinstance(scenario, str):
        errors.append(FieldError("--scenario", f"expected a shipped scenario's name, got {scenario!r:.60}"))
    elif scenario is not None and scenario not in known:
        errors.append(FieldError("--scenario", f"unknown shipped scenario {scenario!r}{_suggest(scenario, known)} "
                                               f"('{DEFAULT_SCENARIO}' = the registry defaults)"))
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 2 <= samples <= MAX_SAMPLES:
        errors.append(FieldError("samples", f"Monte Carlo samples must be an integer in [2, {MAX_SAMPLES:,}], got "
                                            f"{samples!r:.60}"))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        errors.append(FieldError("--seed", f"the seed must be an integer >= 0, got {seed!r:.60}"))
    if errors:
        raise ScenarioError(errors)
    chosen = [by_id[i] for i in dict.fromkeys(ids)] if ids else loaded
    runs = _Runs(int(samples), int(seed), scenario)
    for claim in chosen:  # one population per (scenario, overrides, year) carries every output its checks read
        for check in claim.checks:
            if check.study == "model":
                runs.want(runs.scenario_name(claim, check), check.set, check.year,
                          [n for n in quantity_names(check.quantity) if n in output_keys()])
    verdicts = []
    for claim in chosen:
        try:
            results = [compute_check(runs, claim, check) for check in claim.checks]
        except ScenarioError as exc:
            raise ScenarioError([FieldError(f"claim {claim.id}: {e.path}", e.message) for e in exc.errors]) from exc
        verdict, why = verdict_of(claim, results)
        verdicts.append(Verdict(claim, verdict, why, results, int(samples), int(seed)))
    return verdicts
