"""What a reader sees of the Markdown a page wrote (AppTest gives the Markdown source)."""

from __future__ import annotations

import re


def texte_lu(markdown: str) -> str:
    """Backslash escapes and word joiners of `formats.texte_md` removed, as a browser shows it."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")
