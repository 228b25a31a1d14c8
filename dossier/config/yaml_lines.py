"""Where a key of dossier.yaml is written: its line, for messages that point the user at it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path


def key_line(path: Path, keys: Sequence[str | int]) -> int | None:
    """The 1-based line of the key path `keys` (`("analyses", 4, "population")`, list positions from 0)
    in the yaml file at `path`, or None when the file cannot be read or the key is not written there."""
    import yaml

    try:
        node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if match is None:
                return None
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return None
    return line


def closest_first(word: str, choices: Iterable[str], n: int = 3) -> tuple[list[str], list[str]]:
    """(the up to `n` choices most like `word`, best first; every choice with those first)."""
    values = sorted(dict.fromkeys(str(c) for c in choices))
    close = difflib.get_close_matches(word, values, n=n, cutoff=0.5)
    if not close:  # a prefix or a case difference still counts (ITT -> ITTFL)
        upper = word.upper()
        close = [v for v in values if v.upper().startswith(upper) or upper.startswith(v.upper())][:n]
    return close, close + [v for v in values if v not in close]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """"; did you mean 'X'? (values: ...)" with the closest values first."""
    close, ordered = closest_first(word, choices)
    shown = ", ".join(repr(v) for v in ordered[:12]) + (", ..." if len(ordered) > 12 else "")
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"{hint} (values: {shown})"
