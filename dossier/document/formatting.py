"""The only place numbers become text.

Rules (stated in the documents' methods): values are rounded half away from zero (as SAS
ROUND does), never shown as "-0.0"; percentages have one decimal; p-values three decimals,
"<0.001" below and ">0.999" above; not-estimable values show the glossary's "NE"; digits are
ASCII in every language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from dossier.analyses.model import (
    Cell,
    Count,
    Estimate,
    Fraction,
    Label,
    MeanSD,
    Number,
    PValue,
    Range,
    Term,
    Text,
)
from dossier.config.spec_types import Localised
from dossier.errors import RenderError

# The grammar of the cells this module writes ("-0.5", "-11, 16", "-0.5 (-2.1, 1.1)", "3/10 (30.0%)"): the
# HTML keeps such a cell together (render.html.keep_together); a spreadsheet reads it as text or a number
# only, never as a formula (outputs.write_csv / write_xlsx).
FORMATTED_NUMBERS = re.compile(r"[-+]?\d[\d.]*%?(?:(?:, | \(|/)[-+]?(?:\d[\d.]*|NE)%?\)?)*\)?")


# A power of ten the user wrote in a text (yaml, arm name, data value): "1e13", "1E13", "1.5e12", "2e-3",
# "1x10^13" or "1×10^13", as a whole token only. The mantissa has at most three integer digits and the
# exponent at most three digits, and no letter, digit, "_", ".", "-", "/" or "#" may touch the token, so an
# identifier ("E2E13", "SITE-1E13", "0x1e13"), a version or a hash (8 or 64 hex digits) never matches.
# Only ASCII letters and digits count as touching: Japanese text may run straight into "1e13".
POWER_OF_TEN = re.compile(
    r"(?<![0-9A-Za-z_.\-/#])(\d{1,3}(?:\.\d+)?)(?:[eE]([+-]?\d{1,3})|[x×]10\^([+-]?\d{1,3}))"
    r"(?![0-9A-Za-z_]|\.\d)")
MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_parts(match: re.Match) -> tuple[str, str]:
    """(mantissa, exponent) of a POWER_OF_TEN match: "+13" and "013" are "13", "-3" is "−3" (a minus sign)."""
    exponent = match.group(2) if match.group(2) is not None else match.group(3)
    sign = "-" if exponent.startswith("-") else ""
    return match.group(1), sign + (exponent.lstrip("+-").lstrip("0") or "0")


def powers_split(text: str) -> list[tuple[str, bool]]:
    """`text` as (piece, superscript) pairs with each power of ten as "1×10" then its exponent ("13", "−3") as a
    superscript: what the document HTML writes as 1×10<sup>13</sup> (dossier.render.html.typeset_powers)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in POWER_OF_TEN.finditer(text):
        mantissa, exponent = _power_parts(match)
        pieces += [(text[at:match.start()] + f"{mantissa}×10", False), (exponent.replace("-", MINUS), True)]
        at = match.end()
    if at < len(text) or not pieces:
        pieces.append((text[at:], False))
    return pieces


def powers_unicode(text: str) -> str:
    """Plain text (a figure's words, a page header) with each power of ten as 1×10¹³."""
    def superscript(match: re.Match) -> str:
        mantissa, exponent = _power_parts(match)
        return f"{mantissa}×10{exponent.translate(_SUPERSCRIPTS)}"
    return POWER_OF_TEN.sub(superscript, text)


def powers_caret(text: str) -> str:
    """Text with each power of ten as 1×10^13: the one form a Markdown text and its DOCX (where the
    exponent is a superscript run) are compared in (dossier.word.docx_markdown)."""
    def caret(match: re.Match) -> str:
        mantissa, exponent = _power_parts(match)
        return f"{mantissa}×10^{exponent}"
    return POWER_OF_TEN.sub(caret, text)


def fixed(value: float | None, decimals: int, missing: str = "NE") -> str:
    """`value` rounded half away from zero to `decimals` places."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return missing
    quantum = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
    # precision for every digit of any double (up to 309 before the point) and MAX_DECIMALS after it
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP, context=Context(prec=400))
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:f}"


def grouped(value: float | None, decimals: int = 0, missing: str = "NE") -> str:
    """`value` as `fixed` gives it, its integer digits grouped by thousands with commas (12,345.6)."""
    text = fixed(value, decimals, missing)
    if text == missing:
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = digits.partition(".")
    return sign + f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def decimals_of(value: float, most: int = 6) -> int:
    """How many decimals `value` is written with (as the shortest repr of the double gives it), at most `most`."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    fraction = text.split(".")[1].rstrip("0")
    return min(len(fraction), most)


def percent(n: int, denominator: int | None) -> str:
    if not denominator:
        return "NE"
    pct = 100.0 * n / denominator
    return "100" if n == denominator else fixed(pct, 1)


def pvalue(p: float | None, missing: str = "NE") -> str:
    if p is None or not math.isfinite(p):
        return missing
    if p < 0.001:
        return "<0.001"
    if p > 0.999:
        return ">0.999"
    return fixed(p, 3)


class Formatter:
    """Formats labels and cells for one document language using its glossary."""

    def __init__(self, glossary: Mapping[str, str], lang: str, terms: Any = None) -> None:
        """`terms`: a dossier.document.labels.Terms that shows data values and variable labels in `lang` (None: as
        they are in the data)."""
        self.glossary = glossary
        self.lang = lang
        self.ne = glossary.get("not_estimable", "NE")
        self.terms = terms

    def term(self, key: str, /, **params: Any) -> str:
        return self.label(Term(key, tuple(params.items())))

    def label(self, label: Label | str | None) -> str:
        if label is None:
            return ""
        if isinstance(label, Localised):  # a yaml text of a --lang both build's shared analyses
            return label.pick(self.lang)
        if isinstance(label, str):
            return label
        if isinstance(label, Text):
            value = label.value.pick(self.lang) if isinstance(label.value, Localised) else label.value
            if self.terms is None:
                return value
            if label.role == "label" and label.variable:
                return self.terms.label(label.variable, value)
            shown = self.terms.value(value, label.variable)
            if label.role != "code":
                return shown
            # a code: its label with the code in brackets, or the code alone when the label only respells it
            return value if shown.casefold() == value.casefold() else self.term("coded_value", label=shown, code=value)
        try:
            template = self.glossary[label.key]
        except KeyError:
            raise RenderError(f"glossary key {label.key!r} is missing for language {self.lang!r}",
                              where=f"templates/glossary/{self.lang}.yaml") from None
        values = {name: self._param(value) for name, value in label.params}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise RenderError(f"glossary entry {label.key!r} cannot be filled: {exc}",
                              where=f"templates/glossary/{self.lang}.yaml") from None

    def _param(self, value: Any) -> str:
        if isinstance(value, (Term, Text, Localised)):
            return self.label(value)
        if isinstance(value, tuple):  # a list of values (arm names ...), joined as the glossary's language does
            return self.glossary.get("list_separator", ", ").join(self._param(v) for v in value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return fixed(value, 0) if value.is_integer() else repr(value)
        if isinstance(value, str) and self.terms is not None and value in self.terms.arms:
            return self.terms.value(value, None)  # an arm named in a sentence (key results)
        return str(value)

    def cell(self, cell: Cell) -> str:
        ne = self.ne
        if cell is None:
            return ""
        if isinstance(cell, (Term, Text)):
            return self.label(cell)
        if isinstance(cell, Count):
            if cell.denominator is None:
                return str(cell.n)
            return f"{cell.n} ({percent(cell.n, cell.denominator)}%)" if cell.denominator else str(cell.n)
        if isinstance(cell, Number):
            return fixed(cell.value, cell.decimals, ne)
        if isinstance(cell, MeanSD):
            if cell.mean is None:
                return ne
            return f"{fixed(cell.mean, cell.decimals, ne)} ({fixed(cell.sd, cell.decimals + 1, ne)})"
        if isinstance(cell, Range):
            if cell.low is None and cell.high is None:
                return ne
            return f"{fixed(cell.low, cell.decimals, ne)}, {fixed(cell.high, cell.decimals, ne)}"
        if isinstance(cell, Estimate):
            if cell.value is None:
                return ne
            return (f"{fixed(cell.value, cell.decimals, ne)} "
                    f"({fixed(cell.low, cell.decimals, ne)}, {fixed(cell.high, cell.decimals, ne)})")
        if isinstance(cell, PValue):
            return pvalue(cell.p, ne)
        if isinstance(cell, Fraction):
            return f"{cell.n}/{cell.denominator} ({percent(cell.n, cell.denominator)}%)"
        raise RenderError(f"cannot format a {type(cell).__name__} cell")

    def interval(self, low: float | None, high: float | None, decimals: int, *, thousands: bool = False) -> str:
        """A confidence interval in a sentence (a writer's live reference): the glossary's `interval_in_text`,
        "(0.52, 0.91)" in English, "（0.52, 0.91）" in Japanese (tables keep "0.68 (0.52, 0.91)": `cell`)."""
        limit = grouped if thousands else fixed
        return self.glossary.get("interval_in_text", "({low}, {high})").format(
            low=limit(low, decimals, self.ne), high=limit(high, decimals, self.ne))

    def date(self, value) -> str:
        """A document date: 21 November 2026 / 2026年11月21日."""
        if value is None:
            return ""
        if self.lang == "ja":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {value.strftime('%B')} {value.year}"
