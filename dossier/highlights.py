"""Key results in sentences, generated from the statistics (for the SAKIGAKE efficacy criterion).

Each sentence is built from a glossary template and numbers formatted by dossier.formatting, so
it always agrees with the tables. Change from baseline: the last analysed visit (mean change with
its CI per arm, LS mean difference vs reference, responders against the MCID); time to event: the
hazard ratio of each arm vs the reference; adverse events: subjects with any and with serious TEAEs.
"""

from __future__ import annotations

from typing import Any

from dossier.formatting import Formatter, fixed, percent, pvalue
from dossier.model import AnalysisResult


def _p(fmt: Formatter, p: float | None) -> str:
    """"= 0.233", "< 0.001", "> 0.999": a p-value to follow the letter p in a sentence."""
    text = pvalue(p, fmt.ne)
    return f"{text[0]} {text[1:]}" if text[0] in "<>" else f"= {text}"


def _ci(fmt: Formatter, pair: Any, decimals: int) -> str:
    low, high = (pair or [None, None])[:2]
    return f"{fixed(low, decimals, fmt.ne)}, {fixed(high, decimals, fmt.ne)}"


def key_results(result: AnalysisResult, fmt: Formatter, confidence: int) -> list[str]:
    ev = result.evidence
    if result.type == "change_from_baseline" and ev.get("visits"):
        return _change(ev, fmt, confidence)
    if result.type == "time_to_event":
        return [fmt.term("kr_hazard", arm=c["group"], reference=c["reference"],
                         hr=fixed(c.get("hazard_ratio"), 2, fmt.ne), level=confidence,
                         ci=_ci(fmt, c.get("hr_ci"), 2), p=_p(fmt, c.get("logrank_p")))
                for c in ev.get("comparisons", [])]
    if result.type == "adverse_events":
        n_by_arm = ev.get("N", {})
        overview = ev.get("overview", {})
        lines = []
        for arm, n in n_by_arm.items():
            if arm == "Total":
                continue
            any_n = overview.get("any", {}).get(arm, 0)
            serious = overview.get("serious", {}).get(arm)
            lines.append(fmt.term("kr_teae", arm=arm, n=any_n, pct=percent(any_n, n), N=n,
                                  serious=fmt.ne if serious is None else serious,
                                  serious_pct=fmt.ne if serious is None else percent(serious, n)))
        return lines
    return []


def _change(ev: dict[str, Any], fmt: Formatter, confidence: int) -> list[str]:
    visit = list(ev["visits"])[-1]
    at = ev["visits"][visit]
    lines = []
    for arm, g in at.get("groups", {}).items():
        lines.append(fmt.term("kr_change", visit=visit, arm=arm, n=g.get("n", 0),
                              mean=fixed(g.get("mean_change"), 1, fmt.ne), level=confidence,
                              ci=_ci(fmt, g.get("change_ci"), 1)))
    for c in at.get("comparisons", []):
        lines.append(fmt.term("kr_difference", visit=visit, arm=c["group"], reference=c["reference"],
                              difference=fixed(c.get("difference"), 1, fmt.ne), level=confidence,
                              ci=_ci(fmt, c.get("ci"), 1), p=_p(fmt, c.get("p"))))
    for arm, r in (ev.get("responders") or {}).get(visit, {}).items():
        lines.append(fmt.term("kr_responders", visit=visit, arm=arm, n=r.get("n", 0), N=r.get("N", 0),
                              pct=percent(r.get("n", 0), r.get("N", 0)), mcid=fixed(ev.get("mcid"), 2).rstrip("0")
                              .rstrip("."), level=confidence, ci=_ci(fmt, [100 * x if x is not None else None
                                                                          for x in r.get("ci") or [None, None]], 1)))
    return lines
