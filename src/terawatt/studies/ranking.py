"""Rank the uncertain inputs of a Monte Carlo by their Spearman rank correlation with an outcome.

A first-order, model-free screen (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, sec. 1.2.3):
|rho| near 1 means the outcome moves monotonically with that input over the sampled ranges. Variance-based
indices (Sobol) belong to the sensitivity study; this ranking reuses the samples a Monte Carlo already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from terawatt.studies.montecarlo import MonteCarlo


@dataclass(frozen=True)
class Rank:
    """One input's rank correlation with the outcome [-] (in [-1, 1]) over the finite samples."""

    name: str
    rho: float
    samples: int


def rank_correlations(mc: MonteCarlo, output: str = "comparison.cost_ratio") -> list[Rank]:
    """Spearman's rho of each sampled input with ``output`` (the first year of a run over years), largest |rho|
    first; samples where the outcome is not finite (infeasible designs) are left out.

    Raises
    ------
    KeyError
        ``output`` is not among the Monte Carlo's columns.
    """
    from scipy.stats import spearmanr

    column = output if mc.years is None else f"{output}@{int(mc.years[0])}"
    y = np.asarray(mc.columns[column], float)
    finite = np.isfinite(y)
    ranks = []
    for name, x in mc.inputs.items():
        x = np.asarray(x, float)
        ok = finite & np.isfinite(x)
        if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            continue
        rho = float(spearmanr(x[ok], y[ok]).statistic)
        ranks.append(Rank(name, rho, int(ok.sum())))
    return sorted(ranks, key=lambda r: -abs(r.rho))


def noise_level(samples: int) -> float:
    """|rho| that independent inputs exceed in about 5 % of runs of ``samples`` samples: 1.96 / sqrt(n - 1)
    (the large-sample null distribution of Spearman's rho, standard deviation 1 / sqrt(n - 1)) [-]."""
    return 1.96 / np.sqrt(max(samples - 1, 1))
