"""Fuzz the command line: random invocations of every verb, each of which must end in exit 0 (1 for ``check``) or
exit 2 with "error: invalid input" and a line naming the field; never a traceback, never a RuntimeWarning on
stderr. ``tools/scan_inputs.py`` does the same for the model's inputs in-process; this drives the verbs' options,
text arguments and files, which is where the defects it found lay (the twin's design limits, optimize's levers and
objectives, ``query`` SQL, extreme uncertainty specs, preset files, ``--workers``, ``--out`` tables).

Usage: ``python tools/fuzz_cli.py [N] [--seed S] [--family sets,options,text,uncertainty,files,api]`` (exit 2
from the option parser, "Error: Invalid value for '--year'", counts as named). The ``api`` family calls the Python
API's functions with one keyword of another kind (a list for a year, an array for a method): each must work or
raise ``terawatt.ScenarioError``. Run it under a memory limit (``ulimit -v``): a size the API does not bound would
exhaust memory. Each failure is
printed as the command that reproduces it (a generated file is kept in ``--keep``, default ``fuzz-failures/``);
exit 1 if there is any. Derandomized, bounded versions of some families run in ``tests/test_fuzz.py``.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shlex
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

FAMILIES = ("sets", "options", "text", "uncertainty", "files", "api")
FIELD_LINE = re.compile(r"^  [^\n:]+: ", re.MULTILINE)  # "  orbit.altitude_km: ...", "  --lever NAME: ..."
#: An option the command-line parser itself refuses (Click's usage error, exit 2): it names the option.
PARSER_ERROR = re.compile(r"Error: (Invalid value for|No such option|Missing|Got unexpected)")
JUNK_TEXT = ("", " ", "x", "nan", "inf", "-inf", "1e400", "0", "-1", ":", ",", "=", "1:", ":2", "3:1", "é", "and")
JUNK_VALUES: tuple[Any, ...] = (None, "", "x", 0, -1, 1e300, -1e300, float("nan"), float("inf"), True, [], {}, 2030)
SMALL = {"montecarlo": ["-n", "256"], "sensitivity": ["-n", "64"], "discover": ["-n", "512"],
         "twin": ["--satellites", "81", "--hours", "1", "--step", "300"], "timeline": ["--to", "2032"],
         "buildout": ["--to", "2032"]}


#: The Python API's functions the ``api`` family calls, with the small sizes each runs at.
API_SMALL: dict[str, dict[str, Any]] = {
    "timeline": {}, "breakeven": {}, "buildout": {}, "evaluate": {}, "load_scenario": {},
    "montecarlo": {"n": 64}, "sensitivity": {"n": 16, "method": "morris"}, "discover": {"n": 256, "year": 2030},
    "montecarlo_buildout": {"n": 64}, "reconcile": {"preset": "semianalysis-2026"},
    "twin": {"satellites": 81, "hours": 1, "step_s": 300},
}
WRONG_KINDS: tuple[Any, ...] = (None, -1, 0, 1.5, float("nan"), float("inf"), "x", "", [], {}, [1, 2], True, 10**30,
                                np.array([1.0, 2.0]), object())


class Case:
    """One invocation: its arguments and the files it needs (name -> text), written before it runs; or, for the
    ``api`` family, a call of ``terawatt.<function>(**kwargs)``."""

    def __init__(self, args: list[str], files: dict[str, str] | None = None, ok_codes: tuple[int, ...] = (0, 2),
                 call: tuple[str, dict[str, Any]] | None = None):
        self.args, self.files, self.ok_codes, self.call = args, files or {}, ok_codes, call


class Fuzzer:
    """Random cases of each family, from one seed."""

    def __init__(self, seed: int, folder: Path):
        from terawatt.params import load_registry
        from terawatt.scenario import shipped_scenarios

        self.rng = np.random.default_rng(seed)
        self.folder = folder
        self.registry = load_registry()
        self.numeric = sorted(n for n, s in self.registry.items() if s.kind in ("float", "int"))
        self.scenarios = sorted(shipped_scenarios())

    def pick(self, options: Any) -> Any:
        options = list(options)
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def sets(self, k: int) -> list[str]:
        from terawatt.studies.input_scan import sample_value

        names = self.rng.choice(self.numeric, size=k, replace=False)
        return [a for n in names for a in ("--set", f"{n}={sample_value(self.registry[str(n)], self.rng)!r}")]

    # ------------------------------------------------------------------------------------------- families
    def case_sets(self) -> Case:
        """Random in-range ``--set`` values through a random verb."""
        verb = self.pick(["run", "timeline", "buildout", "breakeven", "montecarlo", "twin", "sensitivity"])
        extra = {"breakeven": ["--param", self.pick(n for n in self.numeric
                                                    if self.registry[n].kind == "float")],
                 "sensitivity": ["--method", self.pick(["morris", "tornado"])]}.get(verb, [])
        return Case([verb, self.pick(self.scenarios), *self.sets(int(self.rng.integers(1, 6))), *SMALL.get(verb, []),
                     *extra, "--json"])

    def case_options(self) -> Case:
        """Numeric and path options of each verb, in range or not."""
        ints = ["0", "-1", "1", "3", "64", "2026", "2030", "2100", "1900", "99999999999999999999", "1e3", "x", ""]
        floats = [*ints, "nan", "inf", "0.5", "1e-300", "1e300"]
        out = str(self.folder / "out")
        paths = [out, f"{out}/a/b", "/proc/x", f"{out}.png", f"{out}.xyz", f"{out}.csv", f"{out}.parquet", ""]
        options = {
            "montecarlo": [("--seed", ints), ("--year", ints), ("--from", ints), ("--to", ints), ("--out", paths),
                           ("--workers", ["1", "2", "0", "100000", "x"]), ("--chunk-size", ints),
                           ("--plot", paths), ("--sampler", ["lhs", "sobol", "random", "x"])],
            "timeline": [("--from", ints), ("--to", ints), ("--plot", paths), ("--out", paths)],
            "buildout": [("--from", ints), ("--to", ints), ("--plot", paths), ("--out", paths)],
            "run": [("--year", ints), ("--plot", paths), ("--out", paths)],
            "breakeven": [("--year", ints), ("--target-ratio", floats), ("--plot", paths), ("--out", paths),
                          ("--param2", ["solar.array_specific_power_w_per_kg", "x"])],
            "discover": [("--year", ints), ("--boxes", ints), ("--density", floats), ("--alpha", floats),
                         ("--min-support", floats), ("--plot", paths)],
            "twin": [("--step", floats), ("--seed", ints), ("--knot", floats), ("--isl-range", floats),
                     ("--start", ["2030-01-01", "x", "2060-01-01", "1800-01-01T00:00"]), ("--out", paths),
                     ("--plot", paths), ("--hours", ["0.1", "0", "-1", "nan", "0.5"])],
            "optimize": [("--year", ints), ("--seed", ints), ("--out", paths), ("--plot", paths)],
        }
        verb = self.pick(options)
        args = [verb, self.pick(self.scenarios)]
        chosen = self.rng.choice(len(options[verb]), size=int(self.rng.integers(1, 4)), replace=False)
        given = {options[verb][int(i)][0]: self.pick(options[verb][int(i)][1]) for i in chosen}
        small = dict(zip(SMALL.get(verb, [])[::2], SMALL.get(verb, [])[1::2], strict=True))
        if verb == "discover":
            small["--year"] = "2030"
        args += [a for k, v in {**small, **given}.items() for a in (k, v)]
        if verb == "montecarlo" and "--out" in given:
            args.append("--overwrite")
        return Case(args)

    def case_text(self) -> Case:
        """Text arguments: discover conditions, optimize levers and objectives, sensitivity outputs, SQL."""
        outputs = ["comparison.cost_ratio", "orbital.cost_per_gpu_hour_usd", "orbital.satellite_count",
                   "orbital.feasible", "orbital.infeasible_reason", "orbital.cost_per_gpu_hour_usdx", ""]
        verb = self.pick(["discover", "optimize", "sensitivity", "query"])
        scenario = self.pick(self.scenarios)
        if verb == "discover":
            condition = " and ".join(f"{self.pick(outputs)} {self.pick(['<', '<=', '>', '>=', '==', ''])} "
                                     f"{self.pick([str(self.rng.uniform(0, 3)), *JUNK_TEXT])}"
                                     for _ in range(int(self.rng.integers(1, 3))))
            return Case(["discover", scenario, "--year", "2030", "-n", "512", "--condition", condition, "--json"])
        if verb == "optimize":
            levers = ["orbit.altitude_km", "orbit.eclipse_policy", "launch.vehicle", "satellite.lifetime_yr", "nope"]
            args = ["optimize", scenario, "--json"]
            for _ in range(int(self.rng.integers(0, 3))):
                bounds = self.pick(["", f"={self.pick(JUNK_TEXT)}:{self.pick(JUNK_TEXT)}", "=battery,throttle",
                                    "=,", "=a:b", "=500:900"])
                args += ["--lever", self.pick(levers) + bounds]
            for _ in range(int(self.rng.integers(0, 3))):
                args += ["--objective", self.pick(["gpu-hour", "tokens", "ratio", *outputs])]
            return Case(args)
        if verb == "sensitivity":
            return Case(["sensitivity", scenario, "--method", self.pick(["sobol", "morris", "tornado", "x"]), "-n",
                         "64", "--output", self.pick(outputs), "--json"])
        run = self.folder / "run"
        if not (run / "manifest.json").exists():
            from typer.testing import CliRunner

            from terawatt.cli import app

            CliRunner().invoke(app, ["montecarlo", "musk-2026", "-n", "500", "--out", str(run), "--overwrite"])
        sql = self.pick(["SELECT count(*) FROM samples", "SELEC x", "", " ", "SELECT * FROM nope", "SELECT 1/0",
                         'SELECT "orbital.infeasible_reason" FROM samples LIMIT 2', "DROP TABLE samples"])
        return Case(["query", str(run), sql])

    def case_uncertainty(self) -> Case:
        """A scenario file with a random ``uncertainty:`` block, through ``check`` and ``montecarlo``."""
        block: dict[str, Any] = {}
        for _ in range(int(self.rng.integers(0, 5))):
            name = str(self.pick(self.numeric)) if self.chance(0.9) else "launch.pricex"
            spec = self.registry.get(name)
            lo, hi = (spec.range or [spec.min or 0.0, (spec.max or 1.0)]) if spec else (0.0, 1.0)
            kind = self.pick(["uniform", "triangular", "normal", "lognormal", "beta", None])
            good = self.chance(0.6)
            entry: dict[str, Any] = {"kind": kind}
            if kind in ("uniform", "triangular"):
                entry.update(low=lo if good else self.pick(JUNK_VALUES), high=hi if good else self.pick(JUNK_VALUES))
                if kind == "triangular":
                    entry["mode"] = (lo + hi) / 2 if good else self.pick(JUNK_VALUES)
            elif kind in ("normal", "lognormal"):
                entry.update(mean=(lo + hi) / 2 if good else self.pick(JUNK_VALUES),
                             sd=abs(hi - lo) / 4 + 1e-9 if good else self.pick([*JUNK_VALUES, 1e300, 1e-300]))
            block[name] = entry
        if block and self.chance(0.4):
            names = [*block, str(self.pick(self.numeric))]
            block["correlations"] = [{"between": [self.pick(names), self.pick(names)],
                                      "rank": self.pick([0.5, -0.9, 1.0, 1.5, "x", None])}]
        doc = {"based_on": self.pick(["musk-2026", "suncatcher", "skeptic"]), "uncertainty": block}
        text = yaml.safe_dump(doc)
        if self.chance(0.5):
            return Case(["check", "{file}"], {"file": text}, ok_codes=(0, 2))
        return Case(["montecarlo", "{file}", "-n", "64", "--json"], {"file": text})

    def case_files(self) -> Case:
        """A shipped scenario, preset or claim file with a few fields deleted, renamed or replaced."""
        from importlib import resources

        kind = self.pick(["scenarios", "presets", "claims"])
        folder = resources.files("terawatt").joinpath(kind)
        source = self.pick(sorted(str(p) for p in folder.iterdir() if str(p).endswith(".yaml")))
        doc = self.mutate(yaml.safe_load(Path(source).read_text()))
        text = yaml.safe_dump(doc) if self.chance(0.97) else "a: [1,\n"
        verb = {"scenarios": self.pick([["run", "{file}", "--year", "2030", "--json"], ["check", "{file}"],
                                        ["timeline", "{file}", "--to", "2032", "--json"]]),
                "presets": ["reconcile", "{file}", "--json"], "claims": ["claims", "--file", "{file}", "--json"]}[kind]
        return Case(verb, {"file": text})

    def case_api(self) -> Case:
        """A public function of the Python API with one keyword given a value of another kind: it must work or
        raise :class:`terawatt.ScenarioError`."""
        import inspect

        import terawatt

        name = self.pick(API_SMALL)
        kwargs = dict(API_SMALL[name])
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        function = getattr(terawatt, name)
        function = getattr(function, name, function)  # terawatt.twin is a callable module: its twin()
        params = [p.name for p in inspect.signature(function).parameters.values()
                  if p.kind in kinds and p.name != "progress"]  # (a callback of another kind is a TypeError)
        kwargs[self.pick(params)] = self.pick(WRONG_KINDS)
        return Case([], call=(name, kwargs))

    def mutate(self, doc: Any) -> Any:
        doc = copy.deepcopy(doc)
        for _ in range(int(self.rng.integers(1, 4))):
            paths = [p for p in _paths(doc) if p]
            if not paths:
                break
            path = paths[int(self.rng.integers(len(paths)))]
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            key = path[-1]
            roll = self.rng.random()
            if roll < 0.25 and isinstance(parent, dict):
                del parent[key]
            elif roll < 0.35 and isinstance(parent, list):
                parent.pop(key)
            elif roll < 0.5 and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
                parent[key] = parent[key] * self.pick([-1, 0, 10, 1e6, 1e-6])
            elif roll < 0.6 and isinstance(parent, dict):
                parent[f"{key}x"] = parent.pop(key)
            else:
                parent[key] = self.pick(JUNK_VALUES)
        return doc


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _call(name: str, kwargs: dict[str, Any]) -> str | None:
    """Why ``terawatt.<name>(**kwargs)`` failed (an exception other than ScenarioError, a RuntimeWarning), or None."""
    import terawatt

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            getattr(terawatt, name)(**kwargs)
    except terawatt.ScenarioError:
        return None
    except Exception as exc:  # noqa: BLE001 - what the fuzzer reports
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def verdict(case: Case, code: int, stderr: str, exception: BaseException | None) -> str | None:
    """Why a case failed, or None."""
    if exception is not None and not isinstance(exception, SystemExit):
        return f"{type(exception).__name__}: {exception}"[:300]
    if code not in case.ok_codes and not (case.args[0] == "check" and code == 1):
        return f"exit {code}"
    if "Traceback" in stderr or "RuntimeWarning" in stderr:
        return "traceback or warning on stderr"
    named = "error: invalid input" in stderr and FIELD_LINE.search(stderr)
    if code == 2 and not named and not PARSER_ERROR.search(stderr):
        return "exit 2 without a field named"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=200, help="invocations (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--family", default=",".join(FAMILIES), help=f"comma-separated, of {', '.join(FAMILIES)}")
    parser.add_argument("--keep", type=Path, default=Path("fuzz-failures"), help="folder for failing cases' files")
    args = parser.parse_args()
    families = [f.strip() for f in args.family.split(",") if f.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown family {', '.join(unknown)} (one of {', '.join(FAMILIES)})")
    from typer.testing import CliRunner

    from terawatt.cli import app

    runner = CliRunner()
    failures, counts = 0, Counter()
    start = time.perf_counter()
    keep = args.keep.resolve()
    home = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="terawatt-fuzz-") as tmp:
        os.chdir(tmp)  # a relative --out or out= (the api family's "x", "") writes here, not into the checkout
        fuzzer = Fuzzer(args.seed, Path(tmp))
        makers: dict[str, Callable[[], Case]] = {f: getattr(fuzzer, f"case_{f}") for f in families}
        for i in range(args.n):
            family = families[i % len(families)]
            case = makers[family]()
            if case.call is not None:
                why = _call(*case.call)
                counts[(family, "fail" if why else "ok")] += 1
                if why:
                    failures += 1
                    print(f"FAIL ({why}): terawatt.{case.call[0]}(**{case.call[1]!r})", flush=True)
                continue
            names = {}
            for key, text in case.files.items():
                path = Path(tmp) / f"case-{i}-{key}.yaml"
                path.write_text(text)
                names[key] = str(path)
            argv = [a.format(**names) if "{" in a else a for a in case.args]
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                res = runner.invoke(app, argv)
            why = verdict(case, res.exit_code, res.stderr, res.exception)
            counts[(family, "fail" if why else f"exit {res.exit_code}")] += 1
            if why:
                failures += 1
                keep.mkdir(parents=True, exist_ok=True)
                kept = [str(keep / Path(p).name) for p in names.values()]
                for p, k in zip(names.values(), kept, strict=True):
                    Path(k).write_text(Path(p).read_text())
                shown = [a.format(**dict(zip(names, kept, strict=True))) if "{" in a else a for a in case.args]
                print(f"FAIL ({why}): terawatt {shlex.join(shown)}", flush=True)
        os.chdir(home)
    summary = ", ".join(f"{fam} {what}: {k}" for (fam, what), k in sorted(counts.items()))
    rate = args.n / max(time.perf_counter() - start, 1e-9)
    print(f"{args.n} invocations ({rate:.1f}/s), {failures} failed; {summary}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
