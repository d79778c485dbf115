"""Input hygiene shared by every field: newlines, control characters, unicode form.

Chat text can carry anything: NUL bytes, C1 controls, lone surrogates (which would crash a
later UTF-8 encode), bidi overrides (which can make a reply display misleadingly). Every value
passes through `clean_text` (multi-line) or `clean_line` (single line) before it is read.
"""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT_CHARS = 20_000
"""Longer command text is refused before parsing: no valid request comes close."""

_NEWLINES = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_UNWANTED = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0/C1 controls except tab and newline
    r"\u202a-\u202e\u2066-\u2069\ufeff"  # bidi embeddings/overrides/isolates, BOM
    r"\ud800-\udfff]"  # lone surrogates
)
_SPACES = re.compile(r"\s+")
_QUOTE_LIMIT = 40


def clean_text(text: str) -> str:
    """Multi-line text: newlines unified to `\\n`, tabs kept, other controls dropped, NFC."""
    text = _UNWANTED.sub("", _NEWLINES.sub("\n", text))
    return unicodedata.normalize("NFC", text)


def clean_line(text: str) -> str:
    """Single-line text: like `clean_text`, with every whitespace run collapsed to one space."""
    return _SPACES.sub(" ", clean_text(text)).strip()


def quote(value: str) -> str:
    """Echo user input inside a message: one line, no backticks, short, in `code`."""
    text = clean_line(value).replace("`", "'")
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return f"`{text}`" if text else "nothing"
