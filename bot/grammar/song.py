"""The `/song` argument grammar: `key: value` pairs in any order, and its inverse.

A key is a word followed by `:` at the start of a token (`seed:` or `seed: 42`, not
`https://`). Values run up to the next key. Text before the first key counts as tags.

Which `word:` tokens count as keys:
- the known keys (`KEYS`, any case) always do;
- any other `word:` does too (and is reported as unknown) when followed by a space, a letter
  or digit, or the end — except inside lyrics, where only known keys end the value, so lines
  like `Chorus: la la` stay lyrics.
A backslash before the colon (`seed\\:`) makes it plain text; the backslash is removed.
`format_command` uses that escape, so any valid request survives a round trip.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.grammar.commands import ParseError
from bot.grammar.fields import check_fields
from bot.grammar.usage import SONG_USAGE
from bot.models import SongRequest

KEYS = ("tags", "duration", "seed", "private", "lyrics")
LEADING = ""
"""Field name of the text before the first key (it counts as tags)."""

_KEY_TOKEN = re.compile(r"(?<!\S)([A-Za-z][A-Za-z0-9_-]*)(\\*):")
_KEY_LIST = ", ".join(f"`{key}:`" for key in KEYS)
_SHOWN_UNKNOWN = 5
_ALIASES = {
    "tag": "tags",
    "genre": "tags",
    "genres": "tags",
    "style": "tags",
    "styles": "tags",
    "length": "duration",
    "len": "duration",
    "time": "duration",
    "dur": "duration",
    "lyric": "lyrics",
    "text": "lyrics",
    "words": "lyrics",
    "public": "private",
}


@dataclass(frozen=True)
class Field:
    name: str
    """Lower-case key, or `LEADING` for the text before the first key."""
    value: str


def split_fields(text: str) -> list[Field]:
    """Cut argument text into fields at each key token (see the module docstring)."""
    fields: list[Field] = []
    name, start, escapes = LEADING, 0, []
    for match in _KEY_TOKEN.finditer(text):
        if match.group(2):
            escapes.append(match.start(2))
        elif _is_key(match, name, text):
            fields.append(Field(name, _unescape(text, start, match.start(), escapes)))
            name, start, escapes = match.group(1).lower(), match.end(), []
    fields.append(Field(name, _unescape(text, start, len(text), escapes)))
    return fields


def _is_key(match: re.Match[str], current: str, text: str) -> bool:
    if match.group(1).lower() in KEYS:
        return True
    if current == "lyrics":
        return False
    follow = text[match.end() : match.end() + 1]
    return not follow or follow.isspace() or follow.isalnum()


def _unescape(text: str, start: int, end: int, escapes: list[int]) -> str:
    """`text[start:end]` without the first backslash of each escaped key token."""
    pieces, cursor = [], start
    for position in escapes:
        pieces.append(text[cursor:position])
        cursor = position + 1
    pieces.append(text[cursor:end])
    return "".join(pieces).strip()


def parse_song(text: str, *, lyrics: str | None = None) -> SongRequest | ParseError:
    """Parse the text after `/song`; `lyrics`, when given, replaces any `lyrics:` in it."""
    fields = split_fields(text)
    given: dict[str, list[str]] = {}
    for field in fields:
        if field.name != LEADING or field.value:
            given.setdefault(field.name or "tags", []).append(field.value)
    if lyrics is not None:
        given["lyrics"] = [lyrics]
    problems = _unknown_key_problems(given) + _repeat_problems(given, bool(fields[0].value))
    result = check_fields(
        tags=_first(given, "tags"),
        duration=_first(given, "duration"),
        seed=_first(given, "seed"),
        lyrics=_first(given, "lyrics"),
        private=_first(given, "private"),
    )
    if isinstance(result, SongRequest) and not problems:
        return result
    field_problems = [] if isinstance(result, SongRequest) else list(result.values())
    return ParseError(problems=tuple(problems + field_problems), hint=SONG_USAGE)


def _first(given: dict[str, list[str]], key: str) -> str | None:
    values = given.get(key)
    return values[0] if values else None


def _unknown_key_problems(given: dict[str, list[str]]) -> list[str]:
    unknown = [name for name in given if name not in KEYS]
    if not unknown:
        return []
    shown = ", ".join(f"`{name[:30]}:`" for name in unknown[:_SHOWN_UNKNOWN])
    if len(unknown) > _SHOWN_UNKNOWN:
        shown += f" and {len(unknown) - _SHOWN_UNKNOWN} more"
    noun = "key" if len(unknown) == 1 else "keys"
    message = f"I don't know the {noun} {shown}. The keys are {_KEY_LIST}."
    pairs = [(name[:30], _suggestion(name)) for name in unknown[:_SHOWN_UNKNOWN]]
    hints = [f"`{key}:` for `{name}:`" for name, key in pairs if key]
    return [message + (f" Did you mean {', '.join(hints)}?" if hints else "")]


def _suggestion(name: str) -> str:
    if name in _ALIASES:
        return _ALIASES[name]
    close = difflib.get_close_matches(name[:30], KEYS, n=1, cutoff=0.7)
    return close[0] if close else ""


def _repeat_problems(given: dict[str, list[str]], leading_tags: bool) -> list[str]:
    problems = []
    for key in KEYS:
        count = len(given.get(key, []))
        if count > 1:
            leading = key == "tags" and leading_tags
            note = " (text before the first key counts as tags)" if leading else ""
            problems.append(f"**{key}** is given {count} times{note}; give each key once.")
    return problems


def _escape(value: str) -> str:
    """Add a backslash to every key token so it reads back as plain text."""
    return _KEY_TOKEN.sub(lambda m: f"{m.group(1)}\\{m.group(2)}:", value)


def format_command(request: SongRequest) -> str:
    """The `/song` text that parses back to `request` (shown by the "Same seed" button)."""
    parts = ["/song", f"tags: {_escape(request.tags_text)}", f"duration: {request.duration}"]
    if request.seed is not None:
        parts.append(f"seed: {request.seed}")
    if request.private:
        parts.append("private: yes")
    if request.lyrics:
        parts.append(f"lyrics: {_escape(request.lyrics)}")
    return " ".join(parts)
