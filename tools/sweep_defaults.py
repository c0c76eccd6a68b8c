"""One-at-a-time +/-20 % sweep of every numeric parameter: which defaults move ``comparison.cost_ratio``?

For each numeric registry parameter (and the catalog fields a scenario reaches through ``workload.*`` overrides)
the scenario is evaluated with that one parameter at (1 - d) and (1 + d) times its value, all other parameters at
the scenario's values. All 2 x P perturbations are evaluated in ONE vectorized pass through the public API
(``terawatt.load_scenario`` with arrays of samples, then ``terawatt.evaluate``): sample 0 is the unperturbed
scenario and samples 2k+1 / 2k+2 perturb parameter k down / up.

Base values:
- an explicit number: that number;
- 0: the perturbation is +/- d times the width of the registry's literature ``range`` (skipped without one);
- empty (derived by the model): the accelerator catalog's value for the ``workload.*`` / ``radiation.*`` overrides of
  catalog fields. Every such parameter is then set to that value in every sample, and the tool checks that the
  unperturbed sample reproduces the plain evaluation (printed as "base check"). Empty parameters derived from other
  parameters (the radiator temperature, the price per launched kg, ...) are skipped, since fixing them would mask
  the parameters they come from; so are those with no single derived value.
Values outside the registry's allowed [min, max] (or that do not change an integer) are skipped and listed.

Usage::

    python tools/sweep_defaults.py [SCENARIO] [--rel 0.2] [--flag 0.02] [--top 30] [--out DIR]

writes ``DIR/sweep-<scenario>.md`` and ``DIR/sweep-<scenario>.csv`` when ``--out`` is given. Importable:
:func:`sweep` returns a :class:`pandas.DataFrame`, one row per parameter, ranked by the largest relative change of
the ratio.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import terawatt
from terawatt.catalogs import catalog_entry
from terawatt.params.spec import ParamSpec, load_registry

OUTPUT = "comparison.cost_ratio"

# Empty parameter -> how to read the value the model derives for it (from the scenario values and the plain result).
_Resolver = Callable[[dict[str, Any], Any], Any]


def _acc(field: str) -> _Resolver:
    return lambda v, r: catalog_entry("accelerators", v["workload.accelerator"]).get(field)


DERIVED: dict[str, _Resolver] = {
    "workload.server_power_w_per_accelerator": _acc("server_power_w_per_accelerator"),
    "workload.server_mass_kg_per_accelerator": _acc("server_mass_kg_per_accelerator"),
    "workload.server_price_usd_per_accelerator": _acc("server_price_usd_per_accelerator"),
    "workload.tokens_per_s_per_accelerator": _acc("tokens_per_s"),
    "radiation.tid_tolerance_rad": _acc("tid_tolerance_rad"),
}

# Empty parameters derived from other parameters: fixing them in every sample would mask those parameters, so they
# are not perturbed themselves; the note says which parameters carry them.
DERIVED_FROM: dict[str, str] = {
    "thermal.radiator_temp_k": "thermal.loop_delta_t_k and the accelerator's temperature limits",
    "thermal.absorptivity_ir": "thermal.emissivity (Kirchhoff)",
    "launch.price_usd_per_kg": "launch.vehicle_price_factor (the vehicle's price per flight)",
}


def _numeric(spec: ParamSpec) -> bool:
    return spec.kind in ("float", "int") and not spec.choices and not spec.catalog


def _allowed(spec: ParamSpec, x: float) -> bool:
    if not math.isfinite(x):
        return False
    if spec.min is not None and (x < spec.min or (spec.min_exclusive and x == spec.min)):
        return False
    if spec.max is not None and (x > spec.max or (spec.max_exclusive and x == spec.max)):
        return False
    return True


def _scalar(x: Any) -> float | None:
    if x is None or isinstance(x, bool | str):
        return None
    arr = np.asarray(x, float)
    return float(arr) if arr.ndim == 0 else None


def plan(scenario: terawatt.Scenario, rel: float = 0.2) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Perturbations to evaluate and the derived values fixed in every sample.

    Returns
    -------
    rows
        One dict per numeric parameter: ``parameter``, ``unit``, ``base``, ``low``, ``high`` (NaN where skipped),
        ``basis`` (value, range or derived) and ``note`` (why skipped, empty otherwise).
    fixed
        Empty parameters set to their derived value in every sample.
    """
    registry = load_registry()
    values = scenario.values
    plain = terawatt.evaluate(scenario)
    rows: list[dict[str, Any]] = []
    fixed: dict[str, float] = {}
    for name, spec in registry.items():
        if not _numeric(spec):
            continue
        row = {
            "parameter": name,
            "unit": spec.unit,
            "base": np.nan,
            "low": np.nan,
            "high": np.nan,
            "basis": "value",
            "note": "",
            "distribution": spec.distribution.kind if spec.distribution else "",
        }
        rows.append(row)
        if isinstance(values[name], np.ndarray):
            row["note"] = "skipped: the scenario already samples it"
            continue
        base = _scalar(values[name])
        if base is None:
            derived = _scalar(DERIVED[name](values, plain)) if name in DERIVED else None
            if name in DERIVED_FROM:
                row["note"] = f"skipped: empty, derived from {DERIVED_FROM[name]}"
                continue
            if derived is None or not math.isfinite(derived):
                row["note"] = "skipped: empty, derived by the model with no single value to perturb"
                continue
            base, row["basis"] = derived, "derived"
            fixed[name] = derived
        row["base"] = base
        if base == 0.0:
            if not spec.range:
                row["note"] = "skipped: default 0 and no literature range"
                continue
            step, row["basis"] = rel * (spec.range[1] - spec.range[0]), "range"
        else:
            step = rel * abs(base)
        low, high = base - step, base + step
        if spec.kind == "int":
            low, high = float(round(low)), float(round(high))
        for label, x in (("low", low), ("high", high)):
            if spec.kind == "int" and x == base:
                continue
            if _allowed(spec, x):
                row[label] = x
        if np.isnan(row["low"]) and np.isnan(row["high"]):
            row["note"] = "skipped: both perturbations outside the allowed range" + (
                " or no integer change" if spec.kind == "int" else ""
            )
        elif np.isnan(row["low"]) or np.isnan(row["high"]):
            row["note"] = "one side outside the allowed range"
    return rows, fixed


def _ratio(sc: terawatt.Scenario, columns: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(terawatt.evaluate(sc.with_overrides(columns))[OUTPUT], float)


def _accepts_arrays(sc: terawatt.Scenario, name: str, base: float, fixed: dict[str, float]) -> bool:
    try:
        _ratio(sc, {**{k: np.full(2, x) for k, x in fixed.items()}, name: np.full(2, base)})
    except (TypeError, ValueError):
        return False
    return True


def sweep(scenario: str | terawatt.Scenario | None = None, rel: float = 0.2, flag: float = 0.02) -> pd.DataFrame:
    """Evaluate every one-at-a-time perturbation in one vectorized pass.

    Parameters
    ----------
    scenario
        Scenario name, path or object (``None`` = registry defaults).
    rel
        Relative perturbation d [-]: values (1 - d) x base and (1 + d) x base.
    flag
        Threshold on the largest relative change of the ratio [-] above which a parameter is flagged.

    Returns
    -------
    pandas.DataFrame
        One row per numeric parameter, ranked by ``max_abs_change`` (largest first), with the ratio at each side,
        the relative changes ``change_low``/``change_high`` [-], ``flagged`` and ``note``. ``attrs`` holds the base
        ratio and the base check.
    """
    sc = scenario if isinstance(scenario, terawatt.Scenario) else terawatt.load_scenario(scenario)
    base_ratio = float(terawatt.evaluate(sc)[OUTPUT])
    rows, fixed = plan(sc, rel)
    active = [r for r in rows if not (np.isnan(r["low"]) and np.isnan(r["high"]))]
    n = 1 + 2 * len(active)
    columns: dict[str, np.ndarray] = {}
    for k, row in enumerate(active):
        col = np.full(n, row["base"])
        col[2 * k + 1] = row["base"] if np.isnan(row["low"]) else row["low"]
        col[2 * k + 2] = row["base"] if np.isnan(row["high"]) else row["high"]
        columns[row["parameter"]] = col
    for name, value in fixed.items():
        columns.setdefault(name, np.full(n, value))
    try:
        ratio = _ratio(sc, columns)
    except (TypeError, ValueError):
        # Some parameters are read as scalars by the model: find them, evaluate them one value at a time, and keep
        # the one vectorized pass for the rest.
        scalar_only = {r["parameter"] for r in active if not _accepts_arrays(sc, r["parameter"], r["base"], fixed)}
        for row in active:
            if row["parameter"] in scalar_only:
                columns.pop(row["parameter"])
                note = "evaluated as scalars (the model reads it as one value)"
                row["note"] = f"{row['note']}; {note}" if row["note"] else note
        ratio = _ratio(sc, columns)
        for row in active:
            if row["parameter"] in scalar_only:
                for side in ("low", "high"):
                    row[f"ratio_{side}"] = (
                        np.nan
                        if np.isnan(row[side])
                        else float(terawatt.evaluate(sc.with_overrides({**fixed, row["parameter"]: row[side]}))[OUTPUT])
                    )
    check = ratio[0] / base_ratio - 1.0
    for k, row in enumerate(active):
        for side, idx in (("low", 2 * k + 1), ("high", 2 * k + 2)):
            if f"ratio_{side}" not in row:
                row[f"ratio_{side}"] = np.nan if np.isnan(row[side]) else ratio[idx]
    frame = pd.DataFrame(rows)
    for side in ("low", "high"):
        frame[f"change_{side}"] = frame.get(f"ratio_{side}", np.nan) / ratio[0] - 1.0
    frame["max_abs_change"] = frame[["change_low", "change_high"]].abs().max(axis=1)
    frame["flagged"] = frame["max_abs_change"] > flag
    frame = frame.sort_values("max_abs_change", ascending=False, na_position="last").reset_index(drop=True)
    frame.attrs.update(
        scenario=sc.name, base_ratio=base_ratio, base_check=check, rel=rel, flag=flag, derived=sorted(fixed)
    )
    return frame


def to_markdown(frame: pd.DataFrame, top: int | None = None) -> str:
    """Markdown report: the ranked table (``top`` rows; all when None) and the skipped parameters."""
    a = frame.attrs
    lines = [
        f"# +/-{a['rel']:.0%} sweep of `{OUTPUT}`: scenario `{a['scenario']}`",
        "",
        f"Base ratio {a['base_ratio']:.4g}; base check (unperturbed sample with derived values set vs plain "
        f"evaluation) {a['base_check']:+.1e}. Flag: |change| > {a['flag']:.0%}. Derived values fixed: "
        + (", ".join(f"`{d}`" for d in a["derived"]) or "none")
        + ".",
        "",
        "| # | parameter | unit | base | basis | ratio at -d | ratio at +d | change -d | change +d | flag "
        "| distribution |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ranked = frame[frame["max_abs_change"].notna()]
    for i, row in enumerate(ranked.head(top).itertuples(), 1):
        lines.append(
            f"| {i} | `{row.parameter}` | {row.unit} | {row.base:.4g} | {row.basis} | {row.ratio_low:.4g} | "
            f"{row.ratio_high:.4g} | {row.change_low:+.2%} | {row.change_high:+.2%} | "
            f"{'**>' + format(a['flag'], '.0%') + '**' if row.flagged else ''} | {row.distribution or '-'} |"
        )
    skipped = frame[frame["note"].str.startswith("skipped")]
    if len(skipped):
        lines += ["", "Skipped:", ""] + [f"- `{r.parameter}`: {r.note[9:]}" for r in skipped.itertuples()]
    return "\n".join(lines).replace("| nan |", "| - |").replace("+nan%", "-").replace("nan%", "-") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=None, help="shipped scenario name or path (default: registry)")
    parser.add_argument("--rel", type=float, default=0.2, help="relative perturbation (default 0.2)")
    parser.add_argument("--flag", type=float, default=0.02, help="flag threshold on |change| (default 0.02)")
    parser.add_argument("--top", type=int, default=30, help="rows printed (default 30; 0 = all)")
    parser.add_argument("--out", type=Path, default=None, help="folder for sweep-<scenario>.md and .csv")
    args = parser.parse_args(argv)
    frame = sweep(args.scenario, args.rel, args.flag)
    print(to_markdown(frame, args.top or None))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"sweep-{frame.attrs['scenario']}"
        (args.out / f"{stem}.md").write_text(to_markdown(frame), encoding="utf-8")
        frame.to_csv(args.out / f"{stem}.csv", index=False)
        print(f"wrote {args.out / stem}.md and .csv", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
