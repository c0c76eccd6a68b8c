"""Scan N random in-range parameter combinations through the model and count tracebacks and unexplained empty
results (issue 9). Usage: ``python tools/scan_inputs.py [N] [--seed S]``; exits 1 if any is found."""

from __future__ import annotations

import argparse
import sys
import time

from terawatt.studies.input_scan import scan_inputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=2000, help="number of combinations (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-params", type=int, default=4, help="parameters changed per combination (1..this)")
    args = parser.parse_args()
    start = time.perf_counter()
    report = scan_inputs(args.n, seed=args.seed, max_params=args.max_params)
    print(report.summary())
    print(f"({time.perf_counter() - start:.0f} s)")
    return 1 if report.counts["traceback"] or report.counts["unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main())
