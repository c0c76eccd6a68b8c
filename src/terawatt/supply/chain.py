"""The chip and cell supply chains year by year: capacity that is started, built, ramped and fed by one EUV supply.

Links (each a stock of capacity built in cohorts, a cohort being one year's starts):

- leading-edge logic for AI (wafer starts per month): the AI share of today's leading-edge capacity, fabs under
  construction at the start, and fabs the market starts; needs EUV tools;
- DRAM for HBM (wafer starts per month): today's HBM (TSV) capacity, capacity under construction, new fabs; needs
  EUV tools;
- advanced packaging (CoWoS-class interposer wafers per month): no EUV;
- a Terafab programme: logic and DRAM wafer starts of its own, competing for the same EUV tools;
- space solar cells (GW/yr): today's space-grade output, space-grade lines the market starts, and a dedicated cell
  programme (terrestrial- or space-grade lines).

Decision rule (documented in docs/design.md, "Supply chains"): each year :math:`y`, for each market link :math:`k`,

.. math:: s_k(y) = \\min\\Big(\\big[N_k(y + T_b + T_r - 1 - \\ell) - P_k(y) - F_k(y)\\big]^+,\\; C_k(y)/c_k\\Big)

with :math:`N_k` the need the market sees (from the demand path), :math:`T_b, T_r` the construction and ramp
times (a cohort runs at full output from :math:`y + T_b + T_r - 1`), :math:`\\ell` the decision lag, :math:`P_k`
the nameplate capacity built or started so far, :math:`F_k` the capacity a Terafab (or, for cells, the cell
programme) will run in the target year in the same units, :math:`C_k` the investment cap (growing at a set rate)
and :math:`c_k` the capital per unit of capacity. The starts of the logic, DRAM and Terafab links then share the
EUV tools delivered that year (after other uses take their share); if they ask for more exposures than the tools
make, all are scaled down by the same factor. Tools are charged in the year a fab is started (orders lead construction).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from terawatt._arrays import ONES, ZEROS, plain, product_one_thread, sum_leading, sum_leading_products, weight_rows
from terawatt.supply.cells import blend, lines_affordable_gw_per_yr
from terawatt.supply.fabs import good_dies_per_wafer, maturity, under_construction, volume_ramp
from terawatt.supply.lithography import exposures_per_tool_yr, tools_delivered_per_yr
from terawatt.supply.memory import ddr_gb_per_wafer, hbm_gb_per_wafer

#: The three links an accelerator needs, by code (the least of them sets how many accelerators can be made).
CHIP_LINKS = ("logic dies", "HBM", "packaging")
#: Why a link's capacity is what it is in a year, by code: the starts planned for that year were cut by the
#: EUV tools or by the investment cap, or were made in full and the link lags because building takes time.
CAUSES = ("construction", "EUV tools", "capital")
#: Cohort slots before the first year (capacity under construction at the start is spread over them).
PRE_YEARS = 8
#: Years after the last simulated year over which the need is known (plans look ahead by build + ramp - lag).
HORIZON_YEARS = 12
#: Names of the per-year arrays :func:`simulate_supply` returns (units in docs/design.md, "Supply chains").
OUTPUTS = (
    "logic_wafer_starts_per_month", "dram_wafer_starts_per_month", "terafab_wafer_starts_per_month",
    "packaging_wafers_per_month", "logic_accelerator_equiv", "hbm_gb_supplied", "hbm_accelerator_equiv",
    "packaging_accelerator_equiv", "terafab_chips_per_yr", "terafab_accelerator_equiv", "cells_gw_per_yr",
    "cell_programme_gw_per_yr", "euv_tools_installed", "fabs_under_construction_wpm", "fabs_under_construction",
    "euv_tools_delivered", "euv_tools_ai", "euv_tools_terafab", "supply_capex_usd",
    "logic_cause", "hbm_cause", "packaging_cause", "cells_cause",
)
#: Samples per block when cohorts with per-sample build times are summed (bounds the (rows, slots, years) array).
CHUNK_ROWS = 2048


@dataclass(frozen=True)
class SupplyNeeds:
    """What the market sees it will need, per year from the first simulated year to ``HORIZON_YEARS`` after the last.

    Attributes
    ----------
    accelerators_per_yr : numpy.ndarray
        Accelerators needed per year [1/yr], shape (..., Y + HORIZON_YEARS).
    cells_gw_per_yr : numpy.ndarray
        Space solar cells needed per year [GW/yr], same shape.
    hbm_gb_per_accelerator : float
        HBM per accelerator [GB].
    """

    accelerators_per_yr: np.ndarray
    cells_gw_per_yr: np.ndarray
    hbm_gb_per_accelerator: float


def _convolve(starts: np.ndarray, kernel: np.ndarray, n_years: int) -> np.ndarray:
    """Capacity of cohorts by year, year-major (n_years, ...): sum over cohorts c of starts[c] x kernel[age],
    age = PRE_YEARS + j - c.

    ``starts`` is year-major (slots, ...). ``kernel`` is (A,) (shared by all samples: one matrix product of the
    sample-major starts) or (A, ...) (per sample, year-major: one multiply-add per cohort over all samples).
    """
    if kernel.ndim == 1:  # one matrix product: starts (..., slots) @ kernel by age (slots, years)
        age = PRE_YEARS + np.arange(n_years)[None, :] - np.arange(starts.shape[0])[:, None]
        by_year = product_one_thread(
            _sample_major(starts), np.where(age >= 0, kernel[np.clip(age, 0, kernel.shape[-1] - 1)], 0.0)
        )
        return np.ascontiguousarray(np.moveaxis(by_year, -1, 0))
    # Each cohort's multiply-add runs over all samples contiguously (the same operations on each element, in the
    # same order, as over a (..., years) layout: bitwise the same sums). The sums start at +0 and are never -0, so
    # a product of +-0 changes none: ages at which every sample's kernel is 0 are skipped for a cohort of finite
    # starts, and at ages of unit kernels the starts are added unmultiplied (x * 1 is x).
    batch = np.broadcast_shapes(starts.shape[1:], kernel.shape[1:])
    out = np.zeros((n_years, *batch))
    kinds = weight_rows(np.abs(kernel)).tolist()  # |kernel|: a kernel of -0 is as skippable as one of +0
    runs = [(kinds[a], a) for a in range(len(kinds)) if a == 0 or kinds[a] != kinds[a - 1]] + [(None, len(kinds))]
    for c in range(starts.shape[0]):
        first = max(c - PRE_YEARS, 0)  # first year in which the cohort exists
        if first >= n_years:
            break
        row = starts[c]
        if not row.any():  # a cohort of no starts adds +-0 to sums that start at +0: skipped, same sums
            continue
        finite = bool(np.isfinite(row).all())
        shift = c - PRE_YEARS  # year index = age + shift
        for (kind, lo), (_, hi) in zip(runs[:-1], runs[1:], strict=True):
            lo, hi = max(lo, first - shift), min(hi, n_years - shift)  # the ages this cohort has in the years run
            if lo >= hi or (kind == ZEROS and finite):
                continue
            out[lo + shift : hi + shift] += row if kind == ONES else row * kernel[lo:hi]
    return out


def _sample_major(x: np.ndarray) -> np.ndarray:
    """A year-major (K, ...) array as a C-contiguous (..., K) one (what a matrix product of the samples reads)."""
    return np.ascontiguousarray(np.moveaxis(x, 0, -1))


def _year_rows(x: np.ndarray) -> np.ndarray:
    """A (..., Y) array year-major, (Y, ...): a contiguous copy, or a view where every sample holds the same values
    (a year's row then costs nothing to read)."""
    rows = np.moveaxis(x, -1, 0)
    return rows if not any(rows.strides[1:]) else np.ascontiguousarray(rows)


def _shared(x: np.ndarray) -> np.ndarray:
    """``x`` as a scalar when every sample holds the same value (so a kernel of it is shared), else unchanged."""
    flat = np.asarray(x, float).reshape(-1)
    return np.asarray(flat[0]) if flat.size == 0 or np.all(flat == flat[0]) else np.asarray(x, float)


def _by_age(build_yr: np.ndarray, ramp_yr: np.ndarray, lookahead: np.ndarray, n_slots: int) -> np.ndarray:
    """The volume ramp of a rival's cohorts as a link's forecast sees them, by cohort age: row ``q`` is
    :func:`~terawatt.supply.fabs.volume_ramp` at age ``clip(n_slots - q + lookahead, 0, n_slots + HORIZON_YEARS)``,
    year-major: (n_slots,) where the build and ramp times and the lookahead are shared, else (n_slots, ...).

    In the year of cohort slot ``c`` the forecast looks ``lookahead`` years ahead, to slot ``c + lookahead``, where the
    cohort of slot ``c' < c`` is ``c + lookahead - c'`` years old: its ramp value is row ``n_slots - c + c'`` of
    this array, so the year's values are the last ``c`` rows, one slice (:func:`_online`). The values are those of
    the ramp tabulated by whole age (ages 0..n_slots + HORIZON_YEARS) and read at each cohort's age.
    """
    lookahead = np.asarray(lookahead)
    shape = np.broadcast_shapes(np.shape(build_yr), np.shape(ramp_yr), lookahead.shape)
    q = np.arange(n_slots).reshape((-1,) + (1,) * len(shape))
    age = np.clip(n_slots - q + lookahead, 0, n_slots + HORIZON_YEARS).astype(float)
    return volume_ramp(age, build_yr, ramp_yr)


def _online(starts: np.ndarray, by_age: np.ndarray, kinds: list[int] | None = None, plain: bool = False) -> np.ndarray:
    """What cohorts ``starts`` (slots 0..c-1, year-major (c, ...)) run in the year a forecast looks at: sum of starts
    x ramp by age (``by_age`` from :func:`_by_age`, its last ``c`` rows being the ramp of cohorts 0..c-1).

    The same numbers as the sample-major sum ``(starts * ramp).sum(-1)`` (:func:`terawatt._arrays.sum_leading`)
    or, for a ramp shared by all samples, the matrix product ``starts @ ramp`` of the sample-major starts. ``kinds``
    and ``plain`` (of cohorts 0..c-1, :func:`terawatt._arrays.sum_leading_products`) spare the cohorts that are
    mature in every sample their multiplication and those not started or not yet running their addition."""
    ramp = by_age[by_age.shape[0] - starts.shape[0]:]
    if ramp.ndim == 1:
        return product_one_thread(_sample_major(starts), ramp)
    if kinds is None:
        return sum_leading(starts * ramp)
    return sum_leading_products(starts, ramp, kinds, plain)


def _ahead(need: np.ndarray, lookahead: np.ndarray, n_years: int) -> np.ndarray:
    """``need[..., clip(j + lookahead, 0, last)]`` for the years ``j = 0..n_years-1``, year-major (n_years, ...): what
    the market plans for each year (``lookahead`` a scalar shared by all samples, or (...,))."""
    lookahead = np.asarray(lookahead)
    width = need.shape[-1]
    index = np.clip(np.arange(n_years).reshape((-1,) + (1,) * lookahead.ndim) + lookahead, 0, width - 1)
    if index.ndim == 1:
        return np.ascontiguousarray(np.moveaxis(need[..., index], -1, 0))
    flat = np.ascontiguousarray(np.broadcast_to(need, (*lookahead.shape, width))).reshape(-1)
    return flat[index + np.arange(0, flat.size, width).reshape(lookahead.shape)]  # one gather, years as rows


def simulate_supply(
    p: Mapping[str, np.ndarray],
    years: np.ndarray,
    needs: SupplyNeeds,
    outputs: Collection[str] | None = None,
    year_major: bool = False,
) -> dict[str, np.ndarray]:
    """Simulate the supply chains over ``years``.

    Parameters
    ----------
    p : mapping
        Registry values by dotted name (``supply.*``), each of shape (..., Y); time-invariant properties (build
        times, die sizes, capital per unit) are read in the first year, caps and tool deliveries every year.
    years : numpy.ndarray
        Calendar years (Y,).
    needs : SupplyNeeds
        The need the market plans for.
    outputs : collection of str, optional
        The names of the per-year arrays to return (default: all of :data:`OUTPUTS`); only the capacities they
        read are summed, each the same numbers as in a full run.
    year_major : bool, optional
        Return each array year-major, (Y, ...) instead of (..., Y) (the layout the simulation computes in; the
        build-out reads years as rows). The same numbers either way.

    Returns
    -------
    dict
        Per-year arrays (..., Y), or (Y, ...) with ``year_major``: accelerator equivalents of each chip link, HBM
        gigabytes, cell output, wafer starts, EUV tools, capacity under construction, capital spent, Terafab output,
        and the cause codes of each link.
    """
    unknown = set(outputs or ()) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"simulate_supply has no output {', '.join(sorted(unknown))} (outputs: {', '.join(OUTPUTS)})")
    chosen = OUTPUTS if outputs is None else tuple(outputs)
    n_years = len(years)
    n = needs.accelerators_per_yr.shape[:-1]
    n_slots = PRE_YEARS + n_years
    ages = np.arange(n_slots + 1, dtype=float)

    def first(key: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(p[key], float)[..., 0], n)

    def yearly(key: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(p[key], float), (*n, n_years))

    # -------------------------------------------------------------------------------- units of each link
    logic_area = first("supply.logic_die_area_mm2")
    defects = first("supply.logic_defect_density_per_cm2")
    dies_per_acc = first("supply.dies_per_accelerator")
    acc_per_logic_wafer = good_dies_per_wafer(logic_area, defects) / dies_per_acc
    hbm_per_wafer = hbm_gb_per_wafer(
        ddr_gb_per_wafer(
            first("supply.dram_bit_density_gbit_per_mm2"),
            first("supply.dram_usable_area_fraction"),
            first("supply.dram_die_yield"),
        ),
        first("supply.hbm_wafer_per_bit_vs_ddr"),
    )
    acc_per_dram_wafer = hbm_per_wafer / needs.hbm_gb_per_accelerator
    packages_per_wafer = first("supply.packages_per_cowos_wafer")
    tf_area = first("supply.terafab_die_area_mm2")
    tf_good_dies = good_dies_per_wafer(tf_area, defects)
    tf_acc_per_wafer = tf_good_dies * tf_area / (logic_area * dies_per_acc)  # accelerator equivalents by silicon area
    tf_dram = first("supply.terafab_dram_share")

    acc_need = needs.accelerators_per_yr
    need = {
        "logic": acc_need / (12.0 * acc_per_logic_wafer[..., None]),
        "dram": acc_need / (12.0 * acc_per_dram_wafer[..., None]),
        "packaging": acc_need / (12.0 * packages_per_wafer[..., None]),
        "cells": needs.cells_gw_per_yr,
    }
    existing = {
        "logic": first("supply.wafers_per_yr_advanced") / 12.0 * first("supply.advanced_wafer_share_ai"),
        "dram": first("supply.hbm_wafers_per_yr") / 12.0,
        "packaging": first("supply.cowos_wafers_per_yr") / 12.0,
        "cells": first("supply.space_solar_gw_per_yr_2026"),
    }
    building = {
        "logic": first("supply.logic_wafers_building_per_yr") / 12.0,
        "dram": first("supply.hbm_wafers_building_per_yr") / 12.0,
        "packaging": first("supply.cowos_wafers_building_per_yr") / 12.0,
        "cells": np.zeros(n),
    }
    fab_build, fab_ramp = first("supply.fab_construction_yr"), first("supply.fab_ramp_yr")
    first_yield = first("supply.fab_first_yield_fraction")
    timing = {  # construction, ramp, share of mature yield at first output
        "logic": (fab_build, fab_ramp, first_yield),
        "dram": (fab_build, fab_ramp, first_yield),
        "packaging": (first("supply.packaging_build_yr"), first("supply.packaging_ramp_yr"), np.ones(n)),
        "cells": (first("supply.cell_space_lead_yr"), first("supply.cell_ramp_yr"), np.ones(n)),
        "terafab": (fab_build, np.maximum(first("supply.terafab_ramp_yr") - fab_build, 1.0), first_yield),
    }
    prog_space = first("supply.cell_programme_space_grade_fraction")
    prog_capex = blend(
        prog_space, first("supply.cell_space_capex_usd_per_gw"), first("supply.cell_terrestrial_capex_usd_per_gw")
    )
    timing["programme"] = (
        blend(prog_space, first("supply.cell_space_lead_yr"), first("supply.cell_terrestrial_lead_yr")),
        first("supply.cell_ramp_yr"),
        np.ones(n),
    )
    capex = {
        "logic": first("supply.logic_capex_usd_per_wpm"),
        "dram": first("supply.dram_capex_usd_per_wpm"),
        "packaging": first("supply.packaging_capex_usd_per_wpm"),
        "cells": first("supply.cell_space_capex_usd_per_gw"),
    }
    caps = {
        "logic": yearly("supply.logic_capex_cap_usd_per_yr"),
        "dram": yearly("supply.dram_capex_cap_usd_per_yr"),
        "packaging": yearly("supply.packaging_capex_cap_usd_per_yr"),
        "cells": yearly("supply.cell_capex_cap_usd_per_yr"),
    }
    cap_growth = yearly("supply.capex_cap_growth_per_yr")
    lag = first("supply.fab_decision_lag_yr")
    # a cohort started in year y runs at full output from y + T_b + T_r - 1 (fabs.volume_ramp): plan for that year
    lookahead = {k: np.round(_shared(timing[k][0] + timing[k][1] - 1.0 - lag)).astype(int) for k in need}
    market = tuple(need)

    # -------------------------------------------------------------------------------- EUV supply
    t_all = years.astype(float) - 2026.0
    growth = yearly("supply.euv_growth_per_yr")
    low = tools_delivered_per_yr(
        t_all, yearly("supply.euv_low_na_per_yr_2026"), yearly("supply.euv_low_na_capacity_per_yr"), growth
    )
    high = tools_delivered_per_yr(
        t_all, yearly("supply.euv_high_na_per_yr_2026"), yearly("supply.euv_high_na_capacity_per_yr"), growth
    )
    productivity = yearly("supply.euv_productivity")
    exposures = low * exposures_per_tool_yr(yearly("supply.euv_low_na_wafers_per_hour"), productivity) + high * (
        exposures_per_tool_yr(yearly("supply.euv_high_na_wafers_per_hour"), productivity)
    )
    tools_made = low + high
    other = yearly("supply.euv_share_other_uses")
    exposures_ai = exposures * (1.0 - other)
    per_tool = exposures / np.maximum(tools_made, 1e-12)
    layers_logic, layers_dram = first("supply.logic_euv_layers"), first("supply.dram_euv_layers")
    layers_tf = (1.0 - tf_dram) * layers_logic + tf_dram * layers_dram

    # -------------------------------------------------------------------------------- state
    # cohort slots year-major (slot, ...): a year's starts are one contiguous row
    starts = {k: np.zeros((n_slots, *n)) for k in (*market, "terafab", "programme")}
    slot_age = np.arange(PRE_YEARS, 0, -1, dtype=float).reshape((-1,) + (1,) * len(n))  # age of slots 0..PRE_YEARS-1
    for k in market:  # capacity under construction at the start: started evenly over the last build years
        b = np.maximum(np.round(timing[k][0]), 1.0)
        starts[k][:PRE_YEARS] = np.where(slot_age <= b, building[k] / b, 0.0)
    cum = {k: sum_leading(starts[k]) for k in starts}
    tool_cut = {k: np.zeros((n_slots, *n), bool) for k in ("logic", "dram")}
    capital_cut = {k: np.zeros((n_slots, *n), bool) for k in market}
    # the per-year flows recorded in the loop, only those an output reads
    flows = {"euv_tools_delivered", "euv_tools_ai", "euv_tools_terafab", "supply_capex_usd"}
    out = {name: np.zeros((n_years, *n)) for name in sorted(flows & {*chosen, *(
        ("euv_tools_delivered",) if "euv_tools_installed" in chosen else ())})}
    # the per-year inputs the loop reads, year-major (row j is year j)
    caps_by_year = {k: _year_rows(v) for k, v in caps.items()}
    cap_growth, exposures_ai, per_tool = (_year_rows(x) for x in (cap_growth, exposures_ai, per_tool))
    other, tools_made = _year_rows(other), _year_rows(tools_made)
    tf_cap = _year_rows(yearly("supply.terafab_capex_cap_usd_per_yr"))
    prog_cap = _year_rows(yearly("supply.cell_programme_capex_cap_usd_per_yr"))
    tf_target = first("supply.terafab_wafer_starts_per_month")
    tf_start = first("supply.terafab_start_year")
    tf_mix_capex = (1.0 - tf_dram) * capex["logic"] + tf_dram * capex["dram"]
    prog_target = first("supply.solar_target_gw_per_yr")
    # build and ramp times of the Terafab's and the cell programme's cohorts (shared or per sample)
    rival_timing = {rival: tuple(_shared(x) for x in timing[rival][:2]) for rival in ("terafab", "programme")}
    started = dict.fromkeys(rival_timing, False)
    prog_start = first("supply.cell_programme_start_year")

    # the Terafab (or the cell programme) is seen as the capacity it will run in the target year, in the link's
    # units (logic wafers by silicon area, DRAM wafers by bits, packages by its logic output)
    rivals = {k: "programme" if k == "cells" else "terafab" for k in market}
    in_units = {
        "logic": (1.0 - tf_dram) * tf_acc_per_wafer / acc_per_logic_wafer,
        "dram": tf_dram,
        "packaging": (1.0 - tf_dram) * tf_acc_per_wafer / packages_per_wafer,
        "cells": 1.0,
    }
    # links that plan for the same year as an earlier one (logic and DRAM share the fab timing) share its forecast
    same_plan = {}
    for k in market:
        same_plan[k] = next((m for m in same_plan if rivals[m] == rivals[k] and lookahead[m].shape == lookahead[k].shape
                             and np.array_equal(lookahead[m], lookahead[k])), k)

    # the ramps each link's forecast reads, by cohort age, and the need it plans for, per year
    by_age = {k: _by_age(*rival_timing[rivals[k]], lookahead[k], n_slots) for k in market if same_plan[k] == k}
    # which rows of each ramp are all ones or all +0, whether each ramp and each rival's starts are plain (finite,
    # no sign bit), and which of the rival's cohorts have no starts: what the forecast's sum can skip
    ramp_kinds = {k: weight_rows(v).tolist() if v.ndim > 1 else None for k, v in by_age.items()}
    ramp_plain = {k: plain(v) for k, v in by_age.items()}
    rival_plain = dict.fromkeys(rival_timing, True)
    no_starts = {rival: [True] * n_slots for rival in rival_timing}
    planned_by_year = {k: _ahead(need[k], lookahead[k], n_years) for k in market}

    for j, year in enumerate(years):
        c = PRE_YEARS + j
        t = float(year - 2026)
        grow = (1.0 + cap_growth[j]) ** t
        s = {}
        forecast: dict[str, Any] = {}
        for k in market:
            planned = planned_by_year[k][j]
            rival = rivals[k]
            if same_plan[k] in forecast:
                online = forecast[same_plan[k]]
            else:
                kinds = ramp_kinds[k]
                if kinds is not None:
                    kinds = [ZEROS if empty else kind
                             for empty, kind in zip(no_starts[rival][:c], kinds[n_slots - c:], strict=True)]
                online = (_online(starts[rival][:c], by_age[k], kinds, rival_plain[rival] and ramp_plain[k])
                          if started[rival] else 0.0)
                forecast[k] = online
            competing = online * in_units[k]
            want = np.maximum(planned - existing[k] - cum[k] - competing, 0.0)
            affordable = caps_by_year[k][j] * grow / capex[k]
            s[k] = np.minimum(want, affordable)
            capital_cut[k][c] = want > affordable
        building_tf = year >= tf_start
        s["terafab"] = np.where(
            building_tf,
            np.minimum(
                np.maximum(tf_target - cum["terafab"], 0.0),
                tf_cap[j] / tf_mix_capex,
            ),
            0.0,
        )
        s["programme"] = np.where(
            year >= prog_start,
            np.minimum(
                np.maximum(prog_target - cum["programme"], 0.0),
                lines_affordable_gw_per_yr(prog_cap[j], prog_capex),
            ),
            0.0,
        )
        # one EUV supply for market logic, market DRAM and the Terafab, shared pro rata
        asked = 12.0 * (s["logic"] * layers_logic + s["dram"] * layers_dram + s["terafab"] * layers_tf)
        scale = np.where(asked > exposures_ai[j], exposures_ai[j] / np.maximum(asked, 1e-30), 1.0)
        for k in ("logic", "dram", "terafab"):
            if k != "terafab":
                tool_cut[k][c] = (scale < 1.0) & (s[k] > 0)
            s[k] = s[k] * scale
        for k, value in s.items():
            starts[k][c] = value
            cum[k] = cum[k] + value
        for rival in rival_timing:
            started[rival] = started[rival] or bool(np.any(s[rival] > 0))
            row_plain = plain(s[rival])
            rival_plain[rival] = rival_plain[rival] and row_plain
            no_starts[rival][c] = row_plain and not np.any(s[rival])
        if "euv_tools_ai" in out or "euv_tools_delivered" in out:
            tools_ai = asked * scale / np.maximum(per_tool[j], 1e-30)
            if "euv_tools_ai" in out:
                out["euv_tools_ai"][j] = tools_ai
            if "euv_tools_delivered" in out:
                out["euv_tools_delivered"][j] = other[j] * tools_made[j] + tools_ai
        if "euv_tools_terafab" in out:
            out["euv_tools_terafab"][j] = 12.0 * s["terafab"] * layers_tf / np.maximum(per_tool[j], 1e-30)
        if "supply_capex_usd" in out:
            out["supply_capex_usd"][j] = (
                sum(s[k] * capex[k] for k in market) + s["terafab"] * tf_mix_capex + s["programme"] * prog_capex
            )

    # -------------------------------------------------------------------------------- capacity by year
    def kernel(k: str, kind: str) -> np.ndarray:
        """A link's share of nameplate by cohort age: (A,) shared by all samples, else year-major (A, ...)."""
        return _kernel("logic" if k == "dram" else k, kind)  # logic and DRAM fabs share their timing

    @cache
    def _kernel(k: str, kind: str) -> np.ndarray:
        b, r, y0 = (_shared(x) for x in timing[k])
        age = ages
        if max(b.ndim, r.ndim, y0.ndim) > 0:
            b, r, y0 = (np.broadcast_to(x, n) for x in (b, r, y0))
            age = ages.reshape((-1,) + (1,) * len(n))
        if kind == "building":
            return under_construction(age, b)
        return maturity(age, b, r, y0) if kind == "good" else volume_ramp(age, b, r)

    @cache
    def run(k: str) -> np.ndarray:
        """Wafer starts (or GW) link k runs, by year."""
        return _convolve(starts[k], kernel(k, "run"), n_years)

    @cache
    def good(k: str) -> np.ndarray:
        """Good output of link k's fabs in wafer starts at mature yield, by year."""
        return _convolve(starts[k], kernel(k, "good"), n_years)

    @cache
    def construction() -> np.ndarray:
        """Wafer starts of the fabs under construction (logic, DRAM and Terafab share the construction time)."""
        return _convolve(starts["logic"] + starts["dram"] + starts["terafab"], kernel("logic", "building"), n_years)

    @cache
    def tf_logic() -> np.ndarray:
        return good("terafab") * (1.0 - tf_dram)

    @cache
    def hbm_gb() -> np.ndarray:
        return 12.0 * hbm_per_wafer * (existing["dram"] + good("dram") + good("terafab") * tf_dram)

    # -------------------------------------------------------------------------------- causes
    def cause(k: str) -> np.ndarray:
        """Code of why link k has the capacity it has in each year: the flags of the cohort planned for it."""
        ahead = lookahead[k]
        slot = PRE_YEARS + np.arange(n_years).reshape((-1,) + (1,) * ahead.ndim) - ahead  # (Y,) or (Y, ...)
        valid = slot >= PRE_YEARS
        idx = np.clip(slot, 0, n_slots - 1)
        if idx.ndim == 1:
            valid = valid.reshape((-1,) + (1,) * len(n))

        def pick(flags: np.ndarray) -> np.ndarray:
            return flags[idx] if idx.ndim == 1 else np.take_along_axis(flags, idx, 0)

        by_tools = pick(tool_cut[k]) if k in tool_cut else np.zeros_like(valid)
        by_capital = pick(capital_cut[k])
        return np.where(valid & by_tools, 1, np.where(valid & by_capital, 2, 0))

    compute = {
        "logic_wafer_starts_per_month": lambda: existing["logic"] + run("logic"),
        "dram_wafer_starts_per_month": lambda: existing["dram"] + run("dram"),
        "terafab_wafer_starts_per_month": lambda: run("terafab"),
        "packaging_wafers_per_month": lambda: existing["packaging"] + run("packaging"),
        "logic_accelerator_equiv": lambda: 12.0 * (
            existing["logic"] * acc_per_logic_wafer
            + good("logic") * acc_per_logic_wafer
            + tf_logic() * tf_acc_per_wafer
        ),
        "hbm_gb_supplied": hbm_gb,
        "hbm_accelerator_equiv": lambda: hbm_gb() / needs.hbm_gb_per_accelerator,
        # the Terafab packages what it makes (claim: logic, memory, packaging)
        "packaging_accelerator_equiv": lambda: 12.0 * (
            packages_per_wafer * (existing["packaging"] + run("packaging"))
            + tf_logic() * tf_acc_per_wafer
        ),
        "terafab_chips_per_yr": lambda: 12.0 * tf_logic() * tf_good_dies,
        "terafab_accelerator_equiv": lambda: 12.0 * np.minimum(
            tf_logic() * tf_acc_per_wafer,
            good("terafab") * tf_dram * acc_per_dram_wafer,
        ),
        "cells_gw_per_yr": lambda: existing["cells"] + run("cells") + run("programme"),
        "cell_programme_gw_per_yr": lambda: run("programme"),
        "euv_tools_installed": lambda: first("supply.euv_installed_2025")
        + np.cumsum(out["euv_tools_delivered"], axis=0),
        "fabs_under_construction_wpm": construction,
        "fabs_under_construction": lambda: construction() / first("supply.fab_module_wafers_per_month"),
        **{name: (lambda name=name: out[name]) for name in flows},
        "logic_cause": lambda: cause("logic"),
        "hbm_cause": lambda: cause("dram"),
        "packaging_cause": lambda: cause("packaging"),
        "cells_cause": lambda: cause("cells"),
    }
    values = {name: compute[name]() for name in chosen}
    return values if year_major else {name: _sample_major(value) for name, value in values.items()}

