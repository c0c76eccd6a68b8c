"""Benchmark: the dashboard's answer to a slider change, server-side, and a load test of the loopback server.

1. A slider moved on the default scenario (compare tab), as the browser sends it: the sync callback (slider ->
   URL) then the show callback (URL -> validated scenario -> model -> figures and tables), through Flask's test
   client, so the time is the server's alone. Target: under 300 ms (issue 13).
2. A bounded number of concurrent clients (threads) sending show requests with different inputs to the real
   threaded server on 127.0.0.1: latency percentiles and requests per second.

Run: ``python benchmarks/bench_dashboard.py [--changes 40] [--clients 4] [--requests 20]``. Timings are reported,
never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import threading
import time

import numpy as np
from _timing import machine

from terawatt.dashboard import create_app, make_server
from terawatt.dashboard.payloads import show_payload, slider_payload


def slider_changes(n: int) -> np.ndarray:
    """Server-side seconds of ``n`` slider changes of the altitude (sync + show), after two warm-up changes."""
    app = create_app()
    client = app.server.test_client()
    times = []
    for i in range(n + 2):
        altitude = 500.5 + 3.0 * i  # never the default 650 km (no change, no URL)
        start = time.perf_counter()
        sync = client.post("/_dash-update-component", json=slider_payload(app, "orbit.altitude_km", altitude))
        search = sync.get_json()["response"]["url"]["search"]
        shown = client.post("/_dash-update-component", json=show_payload(app, search))
        elapsed = time.perf_counter() - start
        assert shown.status_code == 200 and b"headline" in shown.data
        if i >= 2:
            times.append(elapsed)
    return np.asarray(times)


def load_test(clients: int, requests: int) -> tuple[np.ndarray, float]:
    """(latencies [s], wall time [s]) of ``clients`` threads each sending ``requests`` show requests."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app = create_app()  # only to build the request bodies (callback keys are the same in every app)
    latencies: list[float] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        for i in range(requests):
            body = json.dumps(show_payload(app, f"?orbit.altitude_km={500 + 7 * k + i}"))
            start = time.perf_counter()
            conn.request("POST", "/_dash-update-component", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            assert response.status == 200
            with lock:
                latencies.append(elapsed)
        conn.close()

    client(0)  # warm-up
    latencies.clear()
    workers = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    server.shutdown()
    return np.asarray(latencies), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--json", dest="json_path", default=None, help="Write the figures to this JSON file.")
    args = parser.parse_args()
    changes = slider_changes(args.changes) * 1e3
    p50, p95, worst = np.percentile(changes, 50), np.percentile(changes, 95), changes.max()
    print(f"slider change (sync + show, server-side), {args.changes} changes: median {p50:.1f} ms, "
          f"P95 {p95:.1f} ms, max {worst:.1f} ms (target < 300 ms)")
    latencies, wall = load_test(args.clients, args.requests)
    ms = latencies * 1e3
    l50, l90, l99 = np.percentile(ms, [50, 90, 99])
    rate = latencies.size / wall
    print(f"load test, {args.clients} concurrent clients x {args.requests} requests on 127.0.0.1: median {l50:.1f} ms, "
          f"P90 {l90:.1f} ms, P99 {l99:.1f} ms, {rate:.1f} requests/s")
    if args.json_path:
        report = {
            "machine": machine(),
            "slider_change_ms": {"p50": p50, "p95": p95, "max": worst, "n": int(changes.size)},
            "load_test_ms": {"p50": l50, "p90": l90, "p99": l99, "clients": args.clients,
                             "requests_per_client": args.requests, "requests_per_s": rate},
            "readme": [
                {"benchmark": "dashboard slider change, server-side",
                 "size": f"default scenario, {changes.size} changes",
                 "rate": f"median {p50:.0f} ms, P95 {p95:.0f} ms (target < 300 ms)"},
                {"benchmark": "dashboard load test on 127.0.0.1",
                 "size": f"{args.clients} clients x {args.requests} requests",
                 "rate": f"median {l50:.0f} ms, P90 {l90:.0f} ms, P99 {l99:.0f} ms; {rate:.0f} requests/s"},
            ],
        }
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
