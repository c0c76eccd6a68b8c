"""Benchmark: the claims audit (``terawatt claims``: twenty claims, their Monte Carlo populations, break-even
conditions and build-outs) and the HTML report of one scenario. Run:
``python benchmarks/bench_claims.py [--samples 256] [--repeat 2]``. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from _timing import best_of, machine

from terawatt.report.document import build_report
from terawatt.studies.claims import SAMPLES, audit

REPORT_SCENARIO = "musk-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument("--report-samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    claims = len(audit(samples=8))
    audit_s = best_of(lambda: audit(samples=args.samples), args.repeat)
    print(f"claims audit: {claims} claims, {args.samples} samples each population: {audit_s:.2f} s "
          f"({claims / audit_s:.1f} claims/s)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        report_s = best_of(lambda: build_report(REPORT_SCENARIO, path, samples=args.report_samples), 1)
        size = path.stat().st_size
    print(f"report {REPORT_SCENARIO} (HTML, {args.report_samples} samples): {report_s:.2f} s, {size / 1e6:.1f} MB")
    rows = [{"benchmark": "claims audit (terawatt claims)", "size": f"{claims} claims, {args.samples} samples",
             "rate": f"{audit_s:.1f} s"},
            {"benchmark": f"report {REPORT_SCENARIO} (HTML)", "size": f"{args.report_samples:,} samples",
             "rate": f"{report_s:.1f} s"}]
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine(), "seconds": {"audit": audit_s, "report": report_s}, "readme": rows},
                      fh, indent=2)


if __name__ == "__main__":
    main()
