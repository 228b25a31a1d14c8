"""Key results in sentences, generated from the statistics (for the SAKIGAKE efficacy criterion).

Each analysis type writes its own sentences (its `key_results`, dossier.analyses.registry) from its evidence,
with a glossary template and numbers formatted by dossier.document.formatting, so they always agree with the tables;
a type that declares none has no key results. The helpers below are the sentences' shared pieces.
"""

from __future__ import annotations

from typing import Any

from dossier.analyses.model import AnalysisResult
from dossier.document.formatting import Formatter, fixed, pvalue


def p_text(fmt: Formatter, p: float | None) -> str:
    """"= 0.233", "< 0.001", "> 0.999": a p-value to follow the letter p in a sentence."""
    text = pvalue(p, fmt.ne)
    return f"{text[0]} {text[1:]}" if text[0] in "<>" else f"= {text}"


def ci_text(fmt: Formatter, pair: Any, decimals: int) -> str:
    """"1.2, 3.4": a confidence interval's limits in a sentence (NE for a missing limit)."""
    low, high = (pair or [None, None])[:2]
    return f"{fixed(low, decimals, fmt.ne)}, {fixed(high, decimals, fmt.ne)}"


def key_results(result: AnalysisResult, fmt: Formatter, confidence: int) -> list[str]:
    """The sentences of `result`'s type (none when the type declares no key results)."""
    from dossier.analyses.registry import get

    write = get(result.type).key_results
    return write(result.evidence, fmt, confidence) if write is not None else []
