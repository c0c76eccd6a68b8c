"""The claims table as text: one row per verdict (id, claim, verdict, number with its P5-P95, condition, source),
shared by ``terawatt claims``, the report and the README block. Formatting only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terawatt.studies.claims import Verdict

COLUMNS = ("id", "claim", "verdict", "number", "P5-P95", "P(true)", "condition or reason", "source")


#: Units shown with an SI prefix when large (W/yr -> GW/yr, t/yr -> Mt/yr).
PREFIXED = ("W", "W/yr", "t", "t/yr")
PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def number(value: Any, unit: str = "") -> str:
    """A number with 3 significant figures and thousands separators, large watts and tonnes with an SI prefix
    (text passes through; n/a if missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, str):
        return value
    v = float(value)
    if unit in PREFIXED:
        factor, prefix = next(((f, p) for f, p in PREFIXES if abs(v) >= f), (1.0, ""))
        v, unit = v / factor, prefix + unit
    a = abs(v)
    if a >= 1e6:
        text = f"{v:.3g}".replace("e+0", "e").replace("e+", "e")
    elif a >= 100 or v == int(v):
        text = f"{v:,.0f}"
    elif a >= 1:
        text = f"{v:#.3g}"
    else:
        text = f"{v:.3g}"
    u = "" if unit in ("", "-") else f" {unit}"
    return text + u


def spread(p05: float | None, p95: float | None, unit: str = "") -> str:
    """``P5-P95`` as ``a-b unit``, or an em dash where nothing was sampled or the spread is nil."""
    if p05 is None or p95 is None:
        return "-"
    if math.isclose(p05, p95, rel_tol=1e-9, abs_tol=1e-12):
        return "none (fixed inputs)"
    if unit in PREFIXED:  # both ends with the prefix of the upper one
        factor, prefix = next(((f, p) for f, p in PREFIXES if abs(p95) >= f), (1.0, ""))
        return f"{number(p05 / factor)}-{number(p95 / factor, prefix + unit)}"
    return f"{number(p05)}-{number(p95, unit)}"


def probability(p: float | None) -> str:
    return "-" if p is None else f"{p:.0%}"


def rows(verdicts: Sequence[Verdict], width: int | None = None, reason_width: int | None = None
         ) -> list[dict[str, str]]:
    """One dict per claim keyed by :data:`COLUMNS`; ``width`` cuts the quote and ``reason_width`` the condition or
    reason to that many characters (None = full text)."""

    def cut(text: str, n: int | None = width) -> str:
        text = " ".join(text.split())
        return text if n is None or len(text) <= n else text[: n - 1].rstrip() + "…"

    out = []
    for v in verdicts:
        p = v.primary
        out.append({
            "id": v.claim.id,
            "claim": cut(v.claim.quote),
            "verdict": v.verdict,
            "number": number(p.value, p.unit),
            "P5-P95": spread(p.p05, p.p95, p.unit),
            "P(true)": probability(v.p_true),
            "condition or reason": cut(v.why, reason_width),
            "source": f"{v.claim.speaker}, {v.claim.date}; seed {', '.join(s[:3] for s in v.claim.seed)}",
            "number_label": p.label,
        })
    return out
