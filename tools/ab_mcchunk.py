"""A/B timing of one 65,536-sample Monte Carlo chunk of musk-2026 (design + TCO, the main outputs read, as a
streamed ``terawatt montecarlo musk-2026 --year 2030`` evaluates it): a base tree against another, interleaved.

    python tools/ab_mcchunk.py NEW_TREE [--base BASE_TREE] [--rounds 8] [--reps 8] [--lock FILE]

Each round runs the base then the new tree (the order swapped every other round), each in a fresh process
(``PYTHONPATH=TREE/src``, one BLAS thread) holding an exclusive lock on ``--lock`` (so that timings of several
people sharing a machine never overlap), and takes the best CPU time (``time.process_time``) of ``--reps``
repeats of 4 chunks after a warm-up. Prints each round and the medians and the median ratio new/base (< 1:
faster); on a loaded machine trust a ratio only beyond +-5 %.
"""

from __future__ import annotations

import argparse
import fcntl
import statistics
import subprocess
import sys

CODE = r"""
import sys, time
import terawatt
from terawatt.studies.montecarlo import MAIN_OUTPUTS
from terawatt.studies.uncertainty import SampleDesign, model_uncertainty_space
sc = terawatt.load_scenario("musk-2026")
design = SampleDesign(model_uncertainty_space(sc), 65536 * 4, 0, "lhs")
chunks = [sc.with_overrides(design.rows(i * 65536, (i + 1) * 65536), in_range=True) for i in range(4)]
def run():
    for c in chunks:
        r = terawatt.evaluate(c.at_year(2030))
        [r[k] for k in MAIN_OUTPUTS]
run()
best = 1e9
for _ in range(int(sys.argv[1])):
    t = time.process_time()
    run()
    best = min(best, (time.process_time() - t) / 4)
print(best * 1e3)
"""


def one(tree: str, reps: int, lock_path: str) -> float:
    """Best ms per chunk of ``tree`` in a fresh process, under the lock."""
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        out = subprocess.run([sys.executable, "-c", CODE, str(reps)], capture_output=True, text=True,
                             env={"PYTHONPATH": f"{tree}/src", "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"})
    if out.returncode:
        sys.exit(out.stderr)
    return float(out.stdout.split()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tree")
    p.add_argument("--base", default="/work/wt/_base")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--reps", type=int, default=8)
    p.add_argument("--lock", default="/work/wt/_tools/bench.lock")
    a = p.parse_args()
    base, new = [], []
    for r in range(a.rounds):
        order = [("base", a.base), ("new", a.tree)][:: 1 if r % 2 == 0 else -1]
        for name, tree in order:
            (base if name == "base" else new).append(one(tree, a.reps, a.lock))
        print(f"mcchunk round {r}: base {base[-1]:.2f} ms  new {new[-1]:.2f} ms  ratio {new[-1] / base[-1]:.3f}",
              flush=True)
    ratios = [x / y for x, y in zip(new, base, strict=True)]
    ratio = statistics.median(ratios)
    print(f"mcchunk: base median {statistics.median(base):.2f} ms (min {min(base):.2f}), new median "
          f"{statistics.median(new):.2f} ms (min {min(new):.2f}); median ratio new/base {ratio:.3f}")


if __name__ == "__main__":
    main()
