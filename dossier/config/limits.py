"""Every size limit of a trial folder's inputs, in one place (the README's limits table lists them).

An input beyond a limit is refused where it enters, with one line naming the file and what is too
large, instead of a build that runs for minutes or exhausts the machine's memory. The limits are far
above what a clinical trial needs (SAS v5 transport allows 200 characters per value and 9,999 variables).
"""

from __future__ import annotations

import re

MAX_DATASET_BYTES = 4 * 1024**3  # one dataset file
MAX_COLUMNS = 5_000  # variables per dataset (checked from the header or metadata before the data is read)
# absolute value of a number in a dataset variable the analyses read: its sums of squares over millions of
# records stay far from overflow (1e308 is finite, but would make means and models infinite)
MAX_MAGNITUDE = 1e15
MAX_VALUE_CHARS = 1_000  # characters in one text value of a dataset variable the analyses read
MAX_ARMS = 20  # treatment arms in one analysis's population
MAX_AE_TERMS = 5_000  # distinct AEDECOD (and AEBODSYS) values among the analysed adverse events
MAX_YAML_BYTES = 2_000_000  # dossier.yaml
MAX_YAML_DEPTH = 40  # nesting of mappings and lists in dossier.yaml
MAX_ANALYSES = 200  # analyses in dossier.yaml
MAX_ITEMS = 100  # items of one analysis's list: variables, visits, covariates, landmarks
MAX_TEXT_BYTES = 500_000  # one writer's-text Markdown file (text/*.md); characters of one text in dossier.yaml
MAX_TOKEN_CHARS = 200  # characters of one word of the writer's text: a run without a line-break opportunity
MAX_DECIMALS = 15  # decimals of a live number's `|format`

# A run of characters with no line-break opportunity: no white space, no CJK character (Japanese text
# breaks between any two of its characters) and no hyphen or slash after which a line may break.
_UNBREAKABLE = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef/\-\u2010-\u2014]"
                          + f"{{{MAX_TOKEN_CHARS + 1},}}")


def long_token(text: str) -> re.Match | None:
    """The first run of more than MAX_TOKEN_CHARS characters without a line-break opportunity, or None."""
    return _UNBREAKABLE.search(text)
