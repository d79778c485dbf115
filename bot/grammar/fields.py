"""Validation of the song fields, shared by text commands and structured inputs.

Each `check_*` takes the raw value (None = not given) and returns the clean value or an
`Invalid` carrying one friendly sentence. `validate_fields` runs them all, so every problem
is reported at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from bot.grammar.commands import ParseError
from bot.grammar.text import clean_line, clean_text, quote
from bot.grammar.usage import DURATION_FORMS, SEED_FORMS
from bot.models import (
    DEFAULT_DURATION,
    INSTRUMENTAL_MARKERS,
    MAX_DURATION,
    MAX_LYRICS_CHARS,
    MAX_SEED,
    MAX_TAGS_CHARS,
    MIN_DURATION,
    SongRequest,
)


@dataclass(frozen=True)
class Invalid:
    message: str


_MAX_DIGITS = 12
"""Longer numbers are out of range anyway; refusing them early keeps `int()` cheap and safe."""

# ---------------------------------------------------------------- tags

_TAG_SEPARATORS = re.compile(r"[,，、،]")
_TAG_EDGES = ' "“”'


def normalise_tags(text: str) -> tuple[str, ...]:
    """Split on commas; trim spaces and stray double quotes; drop empties and repeats."""
    seen: set[str] = set()
    tags: list[str] = []
    for item in _TAG_SEPARATORS.split(clean_line(text)):
        tag = item.strip(_TAG_EDGES)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tuple(tags)


def check_tags(value: str | None) -> tuple[str, ...] | Invalid:
    tags = normalise_tags(value or "")
    if not tags:
        return Invalid(
            "**tags** are missing: describe the song with comma-separated styles, "
            "e.g. `lofi, chill, piano`."
        )
    length = len(", ".join(tags))
    if length > MAX_TAGS_CHARS:
        return Invalid(
            f"**tags** are {length} characters long; keep them to {MAX_TAGS_CHARS} or fewer."
        )
    return tags


# ---------------------------------------------------------------- duration

_SEC = r"(?:s|secs?|seconds?)"
_MIN = r"(?:m|mins?|minutes?)"
_NUM = r"\d+(?:\.\d+)?|\.\d+"
_DURATION_FORMS = (
    re.compile(rf"(?P<sign>[+-]?)\s*(?P<s>{_NUM})\s*{_SEC}?", re.ASCII),
    re.compile(rf"(?P<sign>[+-]?)\s*(?P<m>{_NUM})\s*{_MIN}", re.ASCII),
    re.compile(rf"(?P<sign>[+-]?)\s*(?P<m>\d+)\s*{_MIN}\s*(?P<s>{_NUM})\s*{_SEC}?", re.ASCII),
    re.compile(r"(?P<sign>[+-]?)\s*(?P<m>\d+):(?P<s>[0-5]\d)", re.ASCII),
)


def _simplify_number_text(value: str) -> str:
    """Fold full-width digits and the unicode minus sign; lower-case; drop wrapping quotes."""
    text = unicodedata.normalize("NFKC", clean_line(value)).replace("−", "-")
    return text.strip("\"'“” ").lower()


def _seconds(text: str) -> Fraction | None:
    """Seconds in a duration text, or None if no form matches. Huge numbers -> a huge value."""
    for form in _DURATION_FORMS:
        match = form.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        minutes, seconds = parts.get("m") or "0", parts.get("s") or "0"
        if max(len(minutes), len(seconds)) > _MAX_DIGITS:
            return Fraction(10**_MAX_DIGITS)
        total = Fraction(minutes) * 60 + Fraction(seconds)
        return -total if parts["sign"] == "-" else total
    return None


def check_duration(value: str | int | None) -> int | Invalid:
    if value is None:
        return DEFAULT_DURATION
    if isinstance(value, bool):
        return Invalid(f"**duration** must be a number of seconds. {DURATION_FORMS}")
    if isinstance(value, int):
        return _duration_in_range(Fraction(value), str(value))
    text = _simplify_number_text(value)
    if not text:
        return Invalid(f"**duration** is empty. {DURATION_FORMS}")
    seconds = _seconds(text)
    if seconds is None:
        return Invalid(f"**duration** {quote(value)} isn't a length I understand. {DURATION_FORMS}")
    return _duration_in_range(seconds, value)


def _duration_in_range(seconds: Fraction, shown: str) -> int | Invalid:
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        return Invalid(
            f"**duration** {quote(shown)} is out of range: songs are {MIN_DURATION} to "
            f"{MAX_DURATION} seconds ({MAX_DURATION // 60} minutes) long."
        )
    if seconds.denominator != 1:
        return Invalid(
            f"**duration** {quote(shown)} is {float(seconds):g} seconds; "
            "use a whole number of seconds."
        )
    return int(seconds)


def parse_duration(text: str) -> int | str:
    """Seconds for a duration text (`90`, `90s`, `1:30`, `2m`, `1m30s`, `1.5m`), or an error."""
    result = check_duration(text)
    return result.message if isinstance(result, Invalid) else result


# ---------------------------------------------------------------- seed

_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_RANDOM_SEED_WORDS = ("random", "any")


def check_seed(value: str | int | None) -> int | Invalid | None:
    """The seed, or None for "pick one at random" (absent, `-1`, `random`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Invalid(f"**seed** must be a whole number. {SEED_FORMS}")
    if isinstance(value, int):
        return _seed_in_range(value, str(value))
    text = _simplify_number_text(value)
    if not text:
        return Invalid(f"**seed** is empty. {SEED_FORMS}")
    if text in _RANDOM_SEED_WORDS:
        return None
    if not _INTEGER.fullmatch(text):
        return Invalid(f"**seed** {quote(value)} isn't a whole number. {SEED_FORMS}")
    if len(text.lstrip("+-")) > _MAX_DIGITS:
        return _seed_in_range(MAX_SEED + 1, value)
    return _seed_in_range(int(text), value)


def _seed_in_range(seed: int, shown: str) -> int | Invalid | None:
    if seed == -1:
        return None
    if not 0 <= seed <= MAX_SEED:
        return Invalid(f"**seed** {quote(shown)} is out of range. {SEED_FORMS}")
    return seed


# ---------------------------------------------------------------- lyrics, private


def check_lyrics(value: str | None) -> str | Invalid:
    """Lyrics with newlines kept; instrumental (absent, empty, `[inst]`) becomes ""."""
    lyrics = clean_text(value or "").strip()
    if lyrics.lower() in INSTRUMENTAL_MARKERS:
        return ""
    if len(lyrics) > MAX_LYRICS_CHARS:
        return Invalid(
            f"**lyrics** are {len(lyrics)} characters long; "
            f"keep them to {MAX_LYRICS_CHARS} or fewer."
        )
    return lyrics


_YES = ("yes", "y", "true", "on", "1")
_NO = ("no", "n", "false", "off", "0")


def check_private(value: bool | str | None) -> bool | Invalid:
    if value is None or isinstance(value, bool):
        return bool(value)
    word = _simplify_number_text(value)
    if word in _YES or word in _NO:
        return word in _YES
    return Invalid(f"**private** {quote(value)} should be `yes` or `no`.")


# ---------------------------------------------------------------- all fields


def check_fields(
    *,
    tags: str | None,
    duration: str | int | None,
    seed: str | int | None,
    lyrics: str | None,
    private: bool | str | None,
) -> SongRequest | dict[str, str]:
    """Check every field; None means "not given". Problems come back keyed by field name."""
    checked = {
        "tags": check_tags(tags),
        "duration": check_duration(duration),
        "seed": check_seed(seed),
        "private": check_private(private),
        "lyrics": check_lyrics(lyrics),
    }
    problems = {name: v.message for name, v in checked.items() if isinstance(v, Invalid)}
    if problems:
        return problems
    return SongRequest.model_validate(checked)


def _given(value: str | int | None) -> str | int | None:
    """Structured inputs: an empty field means "not given" (use the default)."""
    return None if isinstance(value, str) and not clean_line(value) else value


def validate_fields(
    *,
    tags: str | None,
    duration: str | int | None = None,
    seed: str | int | None = None,
    lyrics: str | None = None,
    private: bool | str = False,
) -> SongRequest | dict[str, str]:
    """For forms (e.g. a Slack modal): the request, or field name -> friendly message.

    Blank fields take their defaults (duration 60, random seed, instrumental, not private).
    """
    blank_private = isinstance(private, str) and not clean_line(private)
    return check_fields(
        tags=tags,
        duration=_given(duration),
        seed=_given(seed),
        lyrics=lyrics,
        private=None if blank_private else private,
    )


def build_request(
    *,
    tags: str | None,
    duration: str | int | None = None,
    seed: str | int | None = None,
    lyrics: str | None = None,
    private: bool = False,
) -> SongRequest | ParseError:
    """For structured inputs (Discord options, modal fields): same checks as `/song` text."""
    result = validate_fields(
        tags=tags, duration=duration, seed=seed, lyrics=lyrics, private=private
    )
    if isinstance(result, SongRequest):
        return result
    return ParseError(problems=tuple(result.values()))
