"""Lyrics → sections of lines with syllable counts, for the preview's lead melody.

The syllable counter is a deliberately simple heuristic (vowel groups per word, a silent
final "e", one syllable per CJK/kana character); it only has to make the melody's rhythm
follow the words roughly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.models import INSTRUMENTAL_MARKERS

_TAG = re.compile(r"^\s*\[([^\]]*)\]\s*$")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_VOWEL_GROUP = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ]+")
SECTION_KINDS = ("intro", "verse", "prechorus", "chorus", "bridge", "outro")
_KIND_ALIASES = {"hook": "chorus", "refrain": "chorus", "pre": "prechorus", "break": "bridge"}


@dataclass(frozen=True)
class LyricLine:
    text: str
    syllables: tuple[str, ...]
    """One entry per syllable: the syllable's vowel letter(s) (drives the lead's vowel)."""


@dataclass(frozen=True)
class LyricSection:
    kind: str
    lines: tuple[LyricLine, ...]


def is_instrumental(lyrics: str) -> bool:
    text = lyrics.strip().lower()
    return text == "" or text in INSTRUMENTAL_MARKERS


def word_syllables(word: str) -> list[str]:
    """The vowel nucleus of each syllable of one word (at least one for any word)."""
    lower = word.lower()
    if any(_is_cjk(ch) for ch in lower):
        return ["a" for ch in lower if ch.isalpha()]
    groups = _VOWEL_GROUP.findall(lower)
    consonant_le = lower.endswith("le") and len(lower) > 2 and lower[-3] not in "aeiouy"
    if len(groups) > 1 and groups[-1] == "e" and lower.endswith("e") and not consonant_le:
        groups.pop()
    return groups or ["a"]


def line_syllables(line: str) -> tuple[str, ...]:
    return tuple(s for word in _WORD.findall(line) for s in word_syllables(word))


def count_syllables(line: str) -> int:
    return len(line_syllables(line))


def parse_lyrics(lyrics: str) -> list[LyricSection]:
    """Split lyrics into sections by `[verse]`/`[chorus]`/… tags (untagged text is a verse).

    Blank lines inside an untagged text start a new verse. Empty or instrumental lyrics
    give no sections.
    """
    if is_instrumental(lyrics):
        return []
    sections: list[LyricSection] = []
    kind = "verse"
    lines: list[LyricLine] = []

    def close() -> None:
        if lines:
            sections.append(LyricSection(kind, tuple(lines)))
            lines.clear()

    for raw in lyrics.splitlines():
        tag = _TAG.match(raw)
        if tag:
            close()
            kind = _section_kind(tag.group(1))
            continue
        if not raw.strip():
            close()
            continue
        syllables = line_syllables(raw)
        if syllables:
            lines.append(LyricLine(raw.strip(), syllables))
    close()
    return sections


def _section_kind(label: str) -> str:
    words = re.sub(r"[^a-z]+", " ", label.lower()).split()
    if not words:
        return "verse"
    head = "prechorus" if words[:2] == ["pre", "chorus"] else words[0].replace("-", "")
    head = _KIND_ALIASES.get(head, head)
    return head if head in SECTION_KINDS else "verse"


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF
