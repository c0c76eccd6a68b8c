"""Charts: every axis says its unit, titles state the scenario, years and switches, the break-even colour bar is in
ratio units, and no two labels overlap (checked on the matplotlib objects, not on pixels)."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest

import terawatt
from terawatt.report import plots
from terawatt.studies.breakeven import ratio_map
from terawatt.studies.buildout import buildout
from terawatt.studies.timeline import timeline

matplotlib.use("Agg")
PRICE, MASS = "launch.price_usd_per_kg", "satellite.mass_kg"


@pytest.fixture(scope="module")
def radiation_off():
    return terawatt.load_scenario("musk-2026", {"radiation.enabled": False})


@pytest.fixture(scope="module")
def ratio_fig(radiation_off):
    # Dear grid power (400 USD/MWh) so that the map spans parity and both sides of the colour bar are labelled.
    dear_ground = terawatt.load_scenario(
        "musk-2026",
        {
            "radiation.enabled": False,
            "terrestrial.power_source": "grid",
            "terrestrial.electricity_price_usd_per_mwh": 400.0,
        },
    )
    m = ratio_map(dear_ground, PRICE, MASS, 2030, points=12)
    # Two scenarios at one point (as musk-2026 and musk-terawatt are) and one close by, one outside the map.
    markers = {"a": (100.0, 1320.0), "b": (100.0, 1320.0), "c": (105.0, 1330.0), "far": (1e9, 1.0), "d": (500.0, 740.0)}
    fig = plots.ratio_map_figure(m, markers, scenario=radiation_off)
    yield fig
    matplotlib.pyplot.close(fig)


@pytest.fixture(scope="module")
def timeline_fig():
    fig = plots.timeline_figure(timeline(terawatt.load_scenario("suncatcher"), 2026, 2032))
    yield fig
    matplotlib.pyplot.close(fig)


@pytest.fixture(scope="module")
def buildout_fig(radiation_off):
    fig = plots.buildout_figure(buildout(radiation_off, 2026, 2034), scenario=radiation_off)
    yield fig
    matplotlib.pyplot.close(fig)


def _texts_overlap(texts, renderer) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text().strip()]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def _assert_no_overlaps(fig) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            assert not _texts_overlap(labels, renderer), (ax.get_title(), [t.get_text() for t in labels])
        annotations = [c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation)]
        assert not _texts_overlap(annotations, renderer), ax.get_title()


def _unit(label: str) -> bool:
    return label.rstrip().endswith("]") and "[" in label


# ------------------------------------------------------------------------------------------------ titles
def test_switches_text():
    assert plots.switches_text(terawatt.load_scenario("suncatcher").values) == ""
    assert plots.switches_text({"radiation.enabled": False}) == "radiation effects off"
    both = plots.switches_text({"radiation.enabled": False, "debris.enabled": False, "edge.enabled": True})
    assert set(both.split(", ")) == {"debris avoidance off", "edge inference on", "radiation effects off"}


def test_param_label_has_the_registry_unit():
    assert plots.param_label(PRICE) == "launch.price_usd_per_kg [USD/kg]"
    assert plots.param_label("thermal.emissivity") == "thermal.emissivity [-]"


def test_ratio_map_title_states_scenario_year_and_switches(ratio_fig):
    title = ratio_fig.axes[0].get_title()
    assert "musk-2026" in title and "2030" in title and "radiation effects off" in title


def test_timeline_title_states_years(timeline_fig):
    title = timeline_fig.axes[0].get_title()
    assert "suncatcher" in title and "2026-2032" in title and "crossover" in title
    assert "radiation" not in title  # defaults: no switch to state


def test_buildout_title_states_switches(buildout_fig):
    title = buildout_fig._suptitle.get_text()
    assert "2026-2034" in title and "radiation effects off" in title


# ------------------------------------------------------------------------------------------------ units
@pytest.mark.parametrize("name", ["ratio_fig", "timeline_fig", "buildout_fig"])
def test_every_axis_has_a_unit(name, request):
    fig = request.getfixturevalue(name)
    plotted = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert plotted
    for ax in plotted:
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
        assert _unit(ax.get_ylabel()), ax.get_ylabel()
        assert ax.get_xlabel().startswith("year") or _unit(ax.get_xlabel()), ax.get_xlabel()


def test_ratio_colour_bar_is_labelled_in_ratio_units(ratio_fig):
    bar = next(ax for ax in ratio_fig.axes if ax.get_label() == "<colorbar>")
    ratio_fig.canvas.draw()
    labels = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    values = [float(t) for t in labels]
    assert all(v > 0 for v in values) and len(values) >= 3
    lo, hi = (10 ** v for v in sorted(bar.get_ylim()))
    assert lo < 1 < hi  # the fixture's map spans parity (dear ground power), so parity must be labelled
    assert "1" in labels
    positions = bar.get_yticks()[: len(values)]
    np.testing.assert_allclose(10 ** np.asarray(positions), values, rtol=1e-6)  # log scale, ratio labels
    assert "ratio" in bar.get_ylabel() and "log10" not in bar.get_ylabel()
    assert any(v < 1 for v in values), "the cheaper-orbit side of the bar is labelled too"


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [(0.5, 100, [0.5, 1, 2, 5, 10, 20, 50, 100]), (0.01, 1000, [0.01, 0.1, 1, 10, 100, 1000]), (2.5, 3.5, None)],
)
def test_ratio_ticks(lo, hi, expected):
    ticks = plots.ratio_ticks(lo, hi)
    if expected is not None:
        assert ticks == expected
    else:
        assert len(ticks) == 5 and ticks[0] == pytest.approx(lo, rel=0.05) and ticks[-1] == pytest.approx(hi, rel=0.05)


# ----------------------------------------------------------------------------------------------- overlaps
def test_markers_at_one_place_share_one_label(ratio_fig):
    ax = ratio_fig.axes[0]
    labels = sorted(c.get_text() for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation))
    assert labels == ["a, b, c", "d"]  # "far" lies outside the map


@pytest.mark.parametrize("name", ["ratio_fig", "timeline_fig", "buildout_fig"])
def test_no_overlapping_labels(name, request):
    _assert_no_overlaps(request.getfixturevalue(name))


def test_png_and_html_files(tmp_path, radiation_off):
    m = ratio_map(radiation_off, PRICE, MASS, 2030, points=6)
    png = plots.plot_ratio_map(m, tmp_path / "m.png", {}, scenario=radiation_off)
    html = plots.plot_ratio_map(m, tmp_path / "m.html", {}, scenario=radiation_off)
    assert png.read_bytes().startswith(b"\x89PNG") and b"Software" not in png.read_bytes()[:200]
    page = html.read_text(encoding="utf-8")
    assert "radiation effects off" in page and "launch.price_usd_per_kg [USD" in page  # plotly escapes the "/"


def test_sampled_timeline_title_gives_the_share_that_crosses():
    sc = terawatt.load_scenario(
        "musk-2026",
        {"radiation.enabled": False, "solar.array_specific_power_w_per_kg": np.array([100.0, 150.0, 200.0])},
    )
    tl = timeline(sc, 2026, 2035)
    fig = plots.timeline_figure(tl)
    share = np.mean(np.isfinite(tl.crossover_year))
    title = fig.axes[0].get_title()
    matplotlib.pyplot.close(fig)
    assert (f"crossover in {share:.0%} of samples" in title) if share else ("no crossover" in title)
    assert "radiation effects off" in title


@pytest.mark.parametrize(("ratios", "blue", "red"), [([3.0, 4.0], False, True), ([0.5, 4.0], True, True)])
def test_map_colours_are_blue_only_where_orbit_is_cheaper(ratios, blue, red):
    levels, colours = plots._map_levels(np.log10(np.array([ratios])), 0.0)
    assert len(colours) == len(levels) - 1
    mids = 10 ** ((levels[:-1] + levels[1:]) / 2)
    for mid, (r, _, b, _) in zip(mids, colours, strict=True):
        assert (b > r) == (mid < 1), (mid, r, b)
    assert any(b > r for r, _, b, _ in colours) == blue and any(r > b for r, _, b, _ in colours) == red
