"""The dashboard without a browser (issue 13): URL codec, validation with the CLI's messages, the scenario YAML
round trip through ``terawatt run``, the security limits (oversize requests, hostile strings, unknown parameters,
array sizes, concurrent heavy work, no file access, no debug mode), jobs with progress and cancel, the claims tab."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

import terawatt
from terawatt.dashboard import state as st
from terawatt.dashboard import views
from terawatt.dashboard.jobs import JobRunner
from terawatt.dashboard.limits import MAX_QUERY_CHARS, MAX_REQUEST_BYTES, MAX_SAMPLES, MAX_VALUE_CHARS


@pytest.fixture(scope="module")
def app():
    from terawatt.dashboard import create_app

    return create_app()


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def show(app, client, search: str) -> dict:
    """The show callback's response for the page at ``search``, as the browser gets it."""
    from terawatt.dashboard.payloads import show_payload

    response = client.post("/_dash-update-component", json=show_payload(app, search))
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def texts(node) -> list[str]:
    """Every text child in a serialised Dash component tree."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for n in node for t in texts(n)]
    if isinstance(node, dict):
        return texts(node.get("props", {}).get("children")) if "props" in node else [
            t for v in node.values() for t in texts(v)]
    return []


def by_id(node, wanted: str):
    """The component with id ``wanted`` in a serialised tree."""
    if isinstance(node, list):
        for n in node:
            found = by_id(n, wanted)
            if found is not None:
                return found
    elif isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == wanted:
            return node
        return by_id(props.get("children"), wanted)
    return None


# ------------------------------------------------------------------------------------------------ URL codec
def test_state_round_trips_through_the_url():
    state = st.State("breakeven", "musk-2026", {"launch.price_usd_per_kg": "250", "orbit.altitude_km": "800"},
                     {**st.OPTIONS, "year": "2031", "param2": "thermal.radiator_temp_k"})
    query = st.encode(state)
    assert query.startswith("?tab=breakeven&scenario=musk-2026&")
    back = st.decode(query)
    assert (back.tab, back.scenario, back.values, back.options, back.errors) == (
        state.tab, state.scenario, state.values, state.options, ())
    assert st.encode(st.State()) == "" and st.decode("").errors == ()


def test_link_problems_are_all_reported_and_nothing_is_read():
    state = st.decode("?foo=1&tab=%3Cscript%3E&scenario=/etc/passwd&orbit.altitude_km=500&orbit.altitude_km=600")
    paths = [e.path for e in state.errors]
    assert paths == ["foo", "tab", "scenario", "orbit.altitude_km"]
    assert "unknown parameter" in state.errors[0].message
    assert "not a shipped scenario" in state.errors[2].message and state.scenario == "default"
    assert "given twice" in state.errors[3].message
    scenario, errors = st.build_scenario(state)
    assert scenario is None and len(errors) == 4


def test_oversize_link_and_values_are_refused():
    assert st.decode("?" + "a" * (MAX_QUERY_CHARS + 1)).errors[0].path == "<link>"
    long = st.decode("?orbit.altitude_km=" + "9" * (MAX_VALUE_CHARS + 1))
    assert long.errors[0].path == "orbit.altitude_km" and "limit" in long.errors[0].message
    assert "orbit.altitude_km" not in long.values


def test_array_sizes_and_spans_are_bounded():
    errors = st.option_errors({**st.OPTIONS, "samples": str(MAX_SAMPLES + 1), "start": "2026", "end": "2100"})
    assert {e.path for e in errors} == {"samples", "end"}
    assert any("more than the limit" in e.message for e in errors)
    assert st.option_errors(dict(st.OPTIONS)) == []
    # A list where a number belongs is refused by the registry, not evaluated as samples.
    _, errs = st.build_scenario(st.decode("?orbit.altitude_km=%5B500,600,700%5D"))
    assert [e.path for e in errs] == ["orbit.altitude_km"]


def test_bad_value_gives_the_cli_message(run_cli):
    _, errors = st.build_scenario(st.decode("?orbit.altitude_km=90&finance.discount_rate=abc"))
    cli = run_cli("run", "--set", "orbit.altitude_km=90", "--set", "finance.discount_rate=abc")
    assert cli.returncode == 2
    assert {e.path for e in errors} == {"orbit.altitude_km", "finance.discount_rate"}
    for e in errors:
        assert f"{e.path}: {e.message}" in " ".join(cli.stderr.split())


# ---------------------------------------------------------------------------------------- YAML round trip
@pytest.mark.parametrize("query,year", [
    ("?launch.price_usd_per_kg=350&orbit.altitude_km=550", None),
    ("?scenario=musk-2026&launch.price_usd_per_kg=800&year=2030", 2030),  # musk-2026 moves this price over years
])
def test_scenario_yaml_reproduces_the_page_with_terawatt_run(tmp_path, run_cli, app, client, query, year):
    state = st.decode(query)
    path = tmp_path / "page.yaml"
    path.write_text(st.scenario_yaml(state), encoding="utf-8")
    args = ["run", str(path), "--json", "--flat"] + (["--year", str(year)] if year else [])
    cli = run_cli(*args)
    assert cli.returncode == 0, cli.stderr
    got = json.loads(cli.stdout)
    page = show(app, client, query)
    shown = float(texts(by_id(page["content"]["children"], "fact-orbit"))[0].replace(",", ""))
    assert shown == pytest.approx(got["orbital.cost_per_gpu_hour_usd"], rel=5e-4)
    # ... and both are what `terawatt run SCENARIO --set ...` gives.
    sets = [a for k, v in state.values.items() for a in ("--set", f"{k}={v}")]
    base = [] if state.scenario == "default" else [state.scenario]
    direct = run_cli("run", *base, *sets, "--json", "--flat", *(["--year", str(year)] if year else []))
    assert json.loads(direct.stdout)["orbital.cost_per_gpu_hour_usd"] == got["orbital.cost_per_gpu_hour_usd"]


# ------------------------------------------------------------------------------------------- derived inputs
SLIDERS = [k for k in st.INPUT_KEYS if k not in ("launch.vehicle", "workload.accelerator")]
DERIVED = ["launch.price_usd_per_kg", "thermal.radiator_temp_k"]


def _page_fields(scenario: str = st.DEFAULT_SCENARIO, **changed: str) -> list[str]:
    from terawatt.dashboard.layout import scenario_texts

    texts = {**scenario_texts(scenario), **st.OPTIONS, **changed}
    return [texts[k] for k in st.FIELDS]


def _sync(trigger, fields, sliders=None, search="", scenario=st.DEFAULT_SCENARIO):
    from terawatt.dashboard.callbacks import sync_state

    return sync_state(trigger, search, "compare", scenario, list(st.FIELDS), fields, SLIDERS,
                      sliders or [None] * len(SLIDERS), DERIVED)


def test_derived_inputs_are_the_ones_the_registry_says():
    from terawatt.dashboard.layout import derived_keys

    assert derived_keys() == DERIVED


@pytest.mark.parametrize("scenario", [st.DEFAULT_SCENARIO, "baseline-2026"])
def test_an_empty_derived_input_shows_the_derived_value_on_its_slider(scenario):
    """Got: launch price and radiator temperature left empty put their sliders at None (drawn at the minimum,
    8 USD/kg and 140 K); expected the model's values (evaluate(...).input_value) and a "derived" label."""
    import math

    from terawatt.dashboard.callbacks import KEEP

    r = terawatt.evaluate(terawatt.load_scenario(None if scenario == st.DEFAULT_SCENARIO else scenario))
    query, _, _, texts, positions, labels = _sync(None, _page_fields(scenario), search=(
        "" if scenario == st.DEFAULT_SCENARIO else f"?scenario={scenario}"), scenario=scenario)
    assert query is None  # nothing written to the link: no override
    assert texts is None or all(texts[st.FIELDS.index(k)] == "" for k in DERIVED)
    price = r.input_value("launch.price_usd_per_kg")
    assert price == r["orbital.launch_price_usd_per_kg"] and price > 100
    at = dict(zip(SLIDERS, positions, strict=True))
    assert at["launch.price_usd_per_kg"] is not KEEP
    assert math.isclose(10 ** at["launch.price_usd_per_kg"], price, rel_tol=1e-12)  # a logarithmic slider
    assert math.isclose(at["thermal.radiator_temp_k"], r["orbital.radiator_temp_k"], rel_tol=1e-12)
    assert labels[0] == f"derived: {views.number(price)} USD/kg"
    assert labels[1].startswith("derived: ") and labels[1].endswith(" K")


def test_moving_another_input_keeps_a_derived_one_derived():
    """The altitude slider moved: the launch price stays empty (not in the link) and its slider and label follow
    the model's value for the new altitude (heavier or lighter satellites, other launch counts)."""
    from terawatt.dashboard.callbacks import KEEP

    sliders = [None] * len(SLIDERS)
    sliders[SLIDERS.index("orbit.altitude_km")] = 1100.0
    query, _, _, texts, positions, labels = _sync({"type": "slider", "key": "orbit.altitude_km"}, _page_fields(),
                                                  sliders)
    assert query == "?orbit.altitude_km=1100" and texts[st.FIELDS.index("launch.price_usd_per_kg")] == ""
    r = terawatt.evaluate(terawatt.load_scenario(None, {"orbit.altitude_km": 1100}))
    at = dict(zip(SLIDERS, positions, strict=True))
    assert at["orbit.altitude_km"] is KEEP  # the user's own slider is left where they put it
    assert 10 ** at["launch.price_usd_per_kg"] == pytest.approx(r["orbital.launch_price_usd_per_kg"], rel=1e-12)
    assert labels[0] == f"derived: {views.number(r['orbital.launch_price_usd_per_kg'])} USD/kg"


def test_moving_a_derived_slider_makes_it_an_override():
    sliders = [None] * len(SLIDERS)
    sliders[SLIDERS.index("launch.price_usd_per_kg")] = 2.0  # log10: 100 USD/kg
    query, _, _, texts, positions, labels = _sync({"type": "slider", "key": "launch.price_usd_per_kg"},
                                                  _page_fields(), sliders)
    assert query == "?launch.price_usd_per_kg=100" and texts[st.FIELDS.index("launch.price_usd_per_kg")] == "100"
    assert labels[0] == "" and labels[1].startswith("derived: ")


def test_a_typed_value_ends_the_derived_label_and_clearing_it_brings_it_back():
    from terawatt.dashboard.callbacks import KEEP

    trigger = {"type": "field", "key": "thermal.radiator_temp_k"}
    query, _, _, _, positions, labels = _sync(trigger, _page_fields(**{"thermal.radiator_temp_k": "300"}))
    assert query == "?thermal.radiator_temp_k=300" and labels[1] == ""
    assert dict(zip(SLIDERS, positions, strict=True))["thermal.radiator_temp_k"] == 300.0
    query, _, _, _, positions, labels = _sync(trigger, _page_fields(), search="?thermal.radiator_temp_k=300")
    assert query == "" and labels[1].startswith("derived: ")
    assert dict(zip(SLIDERS, positions, strict=True))["thermal.radiator_temp_k"] is not KEEP


def test_derived_value_of_the_view_year_and_none_with_bad_fields():
    r = terawatt.evaluate(terawatt.load_scenario(None).at_year(2035))
    *_, positions, labels = _sync(None, _page_fields(year="2035"), search="?year=2035")
    assert labels[0] == f"derived in 2035: {views.number(r['orbital.launch_price_usd_per_kg'])} USD/kg"
    *_, positions, labels = _sync(None, _page_fields(**{"orbit.altitude_km": "-5"}), search="?orbit.altitude_km=-5")
    assert all("fields marked" in label for label in labels)


def test_the_sync_callback_sends_the_derived_labels(app, client):
    """Through the server as the browser calls it (a slider moved)."""
    from terawatt.dashboard.payloads import slider_payload

    response = client.post("/_dash-update-component", json=slider_payload(app, "orbit.altitude_km", 700.0))
    assert response.status_code == 200, response.data[:300]
    body = response.get_json()["response"]
    labels = {k: v["children"] for k, v in body.items() if '"type":"derived"' in k}
    assert set(labels) == {f'{{"key":"{k}","type":"derived"}}' for k in DERIVED}
    assert all(v.startswith("derived: ") for v in labels.values())


# ------------------------------------------------------------------------------------------------- server
def test_page_is_served_locally_with_a_strict_policy(app, client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert app.config.serve_locally and "<script src=\"/" in html
    import re

    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/"), src  # every asset from this server
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    assert client.get("/assets/style.css").status_code == 200


def test_no_debug_mode(app, client):
    assert app.server.debug is False
    assert app._dev_tools.ui is False and app._dev_tools.hot_reload is False
    assert client.get("/_reload-hash").status_code in (404, 405)


def test_oversize_requests_are_refused(client):
    assert client.post("/_dash-update-component", data="x" * (MAX_REQUEST_BYTES + 1),
                       content_type="application/json").status_code == 413
    assert client.get("/?" + "a" * (MAX_QUERY_CHARS + 1)).status_code == 414


def test_hostile_strings_are_returned_as_text_never_markup(app, client):
    hostile = "<script>alert(1)</script>"
    page = show(app, client, f"?orbit.altitude_km={hostile}&{hostile}=1")
    message = page['{"key":"orbit.altitude_km","type":"msg"}']["children"]
    assert hostile in message  # shown as the text it is (React escapes it), in the CLI's words
    assert "expected a number [km]" in message
    banner = json.dumps(page["banner"]["children"])
    assert "unknown parameter" in banner
    assert "dangerouslySetInnerHTML" not in json.dumps(page) and '"type": "Script"' not in json.dumps(page)
    assert texts(page["content"]["children"]) == ["Nothing computed."]


def test_a_page_answers_with_the_model_numbers(app, client):
    page = show(app, client, "?launch.price_usd_per_kg=300")
    r = terawatt.evaluate(terawatt.load_scenario(None, {"launch.price_usd_per_kg": 300}))
    shown = texts(by_id(page["content"]["children"], "fact-ratio"))[0]
    assert float(shown) == pytest.approx(float(r["comparison.cost_ratio"]), rel=5e-4)
    for tab in st.TABS:
        if tab in ("buildout",):
            continue
        content = show(app, client, f"?tab={tab}")["content"]["children"]
        assert by_id(content, "headline") is not None, tab


def test_unknown_parameter_of_the_map_is_refused_before_computing(app, client):
    page = show(app, client, "?tab=breakeven&param=launch.price_usd_per_kgg")
    assert "did you mean 'launch.price_usd_per_kg'" in page['{"key":"param","type":"msg"}']["children"]


def test_requests_cannot_reach_the_file_system(client):
    for path in ("/assets/../app.py", "/assets/%2e%2e/app.py", "/assets/..%2f..%2fpyproject.toml",
                 "/_dash-component-suites/dash/../../../../etc/passwd", "/assets//etc/passwd"):
        response = client.get(path)
        # Refused, or Dash's catch-all answers with the page itself: never the file.
        assert response.status_code in (400, 404) or b"react-entry-point" in response.data, path
        assert not any(m in response.data for m in (b"create_app", b"root:", b"[project]")), path


def test_busy_server_refuses_more_heavy_work(app, client, monkeypatch):
    monkeypatch.setattr(JobRunner, "submit", lambda self, key, work: None)
    page = show(app, client, "?tab=buildout")
    assert "Busy" in json.dumps(page["banner"]) and page["job"]["data"] is None


# --------------------------------------------------------------------------------------------------- jobs
def test_heavy_jobs_are_bounded_and_cancellable():
    runner = JobRunner(limit=1)
    release = threading.Event()
    first = runner.submit("a", lambda progress: release.wait(5) and "done")
    assert first is not None and runner.submit("b", lambda progress: 1) is None  # busy
    assert runner.submit("a", lambda progress: 1) is first  # the same view is the same job
    release.set()
    for _ in range(100):
        if first.status == "done":
            break
        time.sleep(0.02)
    assert first.status == "done" and first.result == "done"
    steps = []

    def work(progress):
        for i in range(200):
            progress(i, 200)
            steps.append(i)
            time.sleep(0.005)
        return "finished"

    job = runner.submit("c", work)
    time.sleep(0.05)
    job.cancel()
    time.sleep(0.1)
    assert job.status == "cancelled" and job.result is None and len(steps) < 200


def test_the_progress_poll_never_carries_the_result(app):
    """Dash drops an interval-driven answer that takes longer than the interval (plotly/dash#943), so a slow
    render sent by the poll would never show: the poll moves only the progress and hands the finished job's id to
    ``job-end``, whose callback (triggered once) renders the result."""
    by_input: dict[str, list[str]] = {}
    for outputs, spec in app.callback_map.items():
        for i in spec["inputs"]:
            by_input.setdefault(f"{i['id']}.{i['property']}", []).append(outputs)
    (poll,) = by_input["poll.n_intervals"]
    assert "content.children" not in poll and "job-end.data" in poll
    (end,) = by_input["job-end.data"]
    assert "content.children" in end


def test_a_held_runner_keeps_jobs_running_until_released_or_cancelled():
    """The test-only hold: a job waits at progress 0 before its work; a cancelled held job never computes; released,
    the others run; a runner nobody holds runs at once."""
    runner = JobRunner(limit=2)
    calls: list[str] = []
    runner.hold()
    held = runner.submit("held", lambda p: calls.append("held") or "x")
    cancelled = runner.submit("cancelled", lambda p: calls.append("cancelled") or "y")
    time.sleep(0.2)
    assert held.status == cancelled.status == "running" and held.progress == 0.0 and calls == []
    cancelled.cancel()
    runner.release()
    for _ in range(200):
        if held.status != "running" and runner.running() == 0:
            break
        time.sleep(0.02)
    assert held.status == "done" and held.result == "x"
    assert cancelled.status == "cancelled" and cancelled.result is None and calls == ["held"]
    free = runner.submit("free", lambda p: "z")
    for _ in range(200):
        if free.status == "done":
            break
        time.sleep(0.02)
    assert free.result == "z"


def test_monte_carlo_view_reports_progress_and_stops_when_cancelled():
    scenario = terawatt.load_scenario(None)
    seen = []
    view = views.over_time(scenario, 2026, 2030, samples=3000, progress=lambda d, n: seen.append((d, n)))
    assert seen[-1] == (3000, 3000) and len(seen) >= 3
    assert any(name == "uncertainty" for name, _, _ in view.tables)
    runner = JobRunner()
    # Cancelled from its own progress report after the first chunk (deterministic however fast the model is).
    holder: dict = {}
    ready = threading.Event()

    def work(p):
        ready.wait(5)

        def progress(done, n):
            if done >= 1000:
                holder["job"].cancel()
            p(done, n)

        return views.over_time(scenario, 2026, 2045, 20000, progress)

    job = runner.submit("mc", work)
    holder["job"] = job
    ready.set()
    for _ in range(200):
        if not any(t.name.endswith(job.id) for t in threading.enumerate()):
            break
        time.sleep(0.05)
    assert job.status == "cancelled" and job.progress < 1.0


def test_failed_job_shows_the_message():
    runner = JobRunner()
    job = runner.submit("bad", lambda p: terawatt.load_scenario(None, {"orbit.altitude_km": -1}))
    for _ in range(100):
        if job.status != "running":
            break
        time.sleep(0.02)
    assert job.status == "failed" and "orbit.altitude_km" in job.error


# ------------------------------------------------------------------------------------------------- claims
def test_claims_tab_is_the_claims_audit():
    """The tab shows what `terawatt claims` computes: every claim file, its verdict and number, in the same order."""
    from terawatt.report.claims_table import rows
    from terawatt.studies.claims import audit

    view = views.claims("default")
    frame = view.tables[0][2]
    expected = rows(audit(), width=views.CLAIM_WIDTH)
    assert list(frame.columns) == list(views.CLAIM_COLUMNS)
    assert len(frame) == len(expected) == 20
    assert frame["id"].tolist() == [r["id"] for r in expected]
    assert frame["verdict"].tolist() == [r["verdict"] for r in expected]
    assert frame["number"].tolist() == [r["number"] for r in expected]
    assert sum(int(n) for _, n, _ in view.facts) == 20
    assert view.headline.startswith("20 public claims")


def test_claims_tab_follows_the_page_scenario():
    from terawatt.studies.claims import audit

    view = views.claims("skeptic")
    assert "--scenario skeptic" in view.headline
    assert view.tables[0][2]["verdict"].tolist() == [v.verdict for v in audit(scenario="skeptic")]


# ---------------------------------------------------------------------------------------------------- CLI
def test_serve_command_is_registered_and_dash_is_imported_lazily(run_cli):
    out = run_cli("serve", "--help")
    assert out.returncode == 0 and "--host" in out.stdout and "--port" in out.stdout
    code = "import sys, terawatt.cli; print(any(m == 'dash' or m.startswith('dash.') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    bad = run_cli("serve", "--port", "70000")
    assert bad.returncode == 2 and "--port" in bad.stderr
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = run_cli("serve", "--port", str(taken.getsockname()[1]))
    assert busy.returncode == 2 and "cannot listen on 127.0.0.1" in busy.stderr
    unknown = run_cli("serve", "--host", "no-such-host.invalid")
    assert unknown.returncode == 2 and "--host" in unknown.stderr


def test_serve_answers_on_loopback_and_stops():
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "terawatt.cli", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = b""
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        assert b"react-entry-point" in body, proc.stderr.read() if proc.poll() is not None else "no answer"
    finally:
        proc.terminate()
        proc.wait(10)
    assert f"http://127.0.0.1:{port}/" in proc.stderr.read()
