"""Control characters in text from datasets or the writer: which characters count, and how they
are shown. They cannot appear in XML (DOCX, XLSX) and are invisible in print, so every output
shows each as U+FFFD, and validation warns where they were found."""

from __future__ import annotations

import re

# C0 controls other than tab, line feed and carriage return; DEL; the noncharacters U+FFFE/U+FFFF
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SHOWN_AS = "\ufffd"


def visible(text: str) -> str:
    """`text` with every control character replaced by U+FFFD."""
    return CONTROL.sub(SHOWN_AS, text)
