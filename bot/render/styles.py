"""The tag → style table of the offline preview renderer.

A song's tags are matched case-insensitively and tolerantly ("Drum & Bass", "dnb",
"drum-and-bass" are one genre). Genre tags pick the base `Style` (tempo range, mode, drum
pattern, instruments); mood tags then adjust it (`Mood`). Tags nobody knows still give music:
when no genre matches, a style is picked from the table by a hash of the tags, so different
unknown tags sound different but the same tags always sound the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
}


@dataclass(frozen=True)
class Style:
    name: str
    tempo: tuple[int, int]
    """BPM range; the seed picks a tempo inside it."""
    modes: tuple[str, ...]
    drums: str
    """A key of `compose.DRUM_PATTERNS` ("none" for no drums)."""
    bass: str
    chords: str
    """The harmony instrument (a key of `synth.INSTRUMENTS`)."""
    arp: str | None = None
    """An extra instrument playing broken chords in louder sections, or None."""
    lead: str = "voice"
    swing: float = 0.0
    """0 = straight 16ths, 0.33 ≈ triplet swing."""
    sevenths: bool = False
    drum_level: float = 1.0
    reverb: float = 0.25
    lofi: bool = False
    """Muffled top end and vinyl crackle."""
    pump: bool = False
    """Side-chain style ducking of the harmony on every beat."""
    tempo_follows_mood: bool = True
    """False for genres defined by their tempo (drum and bass stays near 174 BPM)."""


@dataclass(frozen=True)
class Mood:
    tempo_factor: float = 1.0
    modes: tuple[str, ...] | None = None
    reverb: float = 0.0
    drum_level: float = 1.0
    add_arp: str | None = None
    chords: str | None = None


STYLES: dict[str, Style] = {
    "pop": Style("pop", (100, 124), ("major",), "pop", "root_eighths", "piano", arp="pluck"),
    "lofi": Style(
        "lofi",
        (70, 88),
        ("dorian", "minor", "major"),
        "boom_bap",
        "round",
        "epiano",
        swing=0.22,
        sevenths=True,
        drum_level=0.8,
        reverb=0.3,
        lofi=True,
    ),
    "hiphop": Style(
        "hiphop",
        (84, 98),
        ("minor", "dorian"),
        "boom_bap",
        "round",
        "epiano",
        arp="pluck",
        swing=0.12,
        sevenths=True,
    ),
    "trap": Style(
        "trap",
        (130, 150),
        ("minor", "phrygian"),
        "trap",
        "808",
        "pad",
        arp="bell",
        reverb=0.3,
    ),
    "dnb": Style(
        "dnb",
        (170, 176),
        ("minor",),
        "dnb",
        "reese",
        "pad",
        arp="pluck",
        reverb=0.3,
        tempo_follows_mood=False,
    ),
    "house": Style(
        "house",
        (120, 126),
        ("minor", "dorian", "major"),
        "four_floor",
        "offbeat",
        "stab",
        arp="pluck",
        sevenths=True,
        pump=True,
    ),
    "techno": Style(
        "techno",
        (126, 134),
        ("minor", "phrygian"),
        "techno",
        "offbeat",
        "pad",
        arp="acid",
        pump=True,
        reverb=0.3,
    ),
    "rock": Style(
        "rock",
        (110, 140),
        ("major", "mixolydian", "minor"),
        "rock",
        "root_eighths",
        "guitar",
        reverb=0.18,
    ),
    "metal": Style(
        "metal",
        (140, 180),
        ("phrygian", "minor"),
        "metal",
        "root_eighths",
        "guitar",
        reverb=0.15,
    ),
    "jazz": Style(
        "jazz",
        (96, 140),
        ("major", "dorian"),
        "jazz",
        "walking",
        "epiano",
        swing=0.33,
        sevenths=True,
        drum_level=0.9,
        reverb=0.25,
    ),
    "ambient": Style(
        "ambient",
        (60, 76),
        ("major", "dorian", "minor"),
        "none",
        "sub",
        "pad",
        arp="bell",
        sevenths=True,
        reverb=0.55,
    ),
    "piano": Style(
        "piano",
        (68, 92),
        ("major", "minor"),
        "none",
        "sub",
        "piano",
        arp="piano",
        sevenths=True,
        reverb=0.35,
    ),
    "funk": Style(
        "funk",
        (100, 116),
        ("dorian", "mixolydian"),
        "funk",
        "syncopated",
        "epiano",
        arp="pluck",
        swing=0.1,
        sevenths=True,
    ),
    "synthwave": Style(
        "synthwave",
        (96, 118),
        ("minor",),
        "pop",
        "root_eighths",
        "pad",
        arp="pluck",
        reverb=0.35,
    ),
    "reggae": Style(
        "reggae",
        (70, 84),
        ("major", "minor"),
        "reggae",
        "round",
        "stab",
        swing=0.1,
    ),
}

MOODS: dict[str, Mood] = {
    "chill": Mood(tempo_factor=0.88, reverb=0.1, drum_level=0.75, chords="epiano"),
    "sad": Mood(tempo_factor=0.85, modes=("minor",), reverb=0.12, drum_level=0.8),
    "happy": Mood(tempo_factor=1.08, modes=("major", "mixolydian")),
    "epic": Mood(
        tempo_factor=1.0, modes=("minor",), reverb=0.15, add_arp="strings", chords="strings"
    ),
    "dark": Mood(modes=("phrygian", "minor")),
    "dreamy": Mood(tempo_factor=0.9, reverb=0.2, add_arp="bell"),
    "energetic": Mood(tempo_factor=1.12, drum_level=1.1),
    "romantic": Mood(tempo_factor=0.9, modes=("major",), chords="piano"),
}

DEFAULT_STYLE = STYLES["pop"]

_ALIASES: dict[str, str] = {
    "lo fi": "lofi",
    "lofi hip hop": "lofi",
    "lo fi hip hop": "lofi",
    "hip hop": "hiphop",
    "rap": "hiphop",
    "boom bap": "hiphop",
    "drum and bass": "dnb",
    "drum n bass": "dnb",
    "drumandbass": "dnb",
    "drum bass": "dnb",
    "d b": "dnb",
    "d and b": "dnb",
    "jungle": "dnb",
    "liquid": "dnb",
    "deep house": "house",
    "edm": "house",
    "dance": "house",
    "disco": "house",
    "electronic": "techno",
    "minimal": "techno",
    "trance": "techno",
    "rock and roll": "rock",
    "punk": "rock",
    "indie": "rock",
    "alternative": "rock",
    "guitar": "rock",
    "grunge": "rock",
    "heavy metal": "metal",
    "hard rock": "metal",
    "jazzy": "jazz",
    "swing": "jazz",
    "blues": "jazz",
    "bossa nova": "jazz",
    "soul": "funk",
    "r b": "funk",
    "rnb": "funk",
    "drill": "trap",
    "808": "trap",
    "ambience": "ambient",
    "atmospheric": "ambient",
    "cinematic": "ambient",
    "classical": "piano",
    "acoustic": "piano",
    "ballad": "piano",
    "retrowave": "synthwave",
    "80s": "synthwave",
    "synth pop": "synthwave",
    "k pop": "pop",
    "j pop": "pop",
    "dance pop": "pop",
    "relaxing": "chill",
    "calm": "chill",
    "chillout": "chill",
    "chill out": "chill",
    "mellow": "chill",
    "peaceful": "chill",
    "melancholic": "sad",
    "melancholy": "sad",
    "emotional": "sad",
    "uplifting": "happy",
    "upbeat": "happy",
    "cheerful": "happy",
    "joyful": "happy",
    "fun": "happy",
    "bright": "happy",
    "orchestral": "epic",
    "heroic": "epic",
    "powerful": "epic",
    "moody": "dark",
    "aggressive": "dark",
    "ominous": "dark",
    "fast": "energetic",
    "energy": "energetic",
    "intense": "energetic",
    "dream": "dreamy",
    "ethereal": "dreamy",
    "love": "romantic",
}


def normalize_tag(tag: str) -> str:
    """Lower-case, "&"/"n" → "and", punctuation and dashes → single spaces."""
    text = tag.lower().replace("&", " and ").replace("'n'", " and ").replace("-", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def split_tags(tags: str) -> list[str]:
    return [t for t in (normalize_tag(part) for part in tags.split(",")) if t]


def _lookup(phrase: str) -> str | None:
    for candidate in (phrase, phrase.replace(" ", "")):
        name = _ALIASES.get(candidate, candidate)
        if name in STYLES or name in MOODS:
            return name
    return None


def _names_in_tag(tag: str) -> list[str]:
    """Canonical names a normalized tag holds: the whole tag, else its word n-grams."""
    whole = _lookup(tag)
    if whole is not None:
        return [whole]
    words = tag.split(" ")
    found: list[str] = []
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            name = _lookup(" ".join(words[i : i + size]))
            if name is not None:
                found.append(name)
                i += size
                break
        else:
            i += 1
    return found


def matched_names(tags: str) -> list[str]:
    """Canonical genre/mood names found in `tags`, in order, without duplicates."""
    names: list[str] = []
    for tag in split_tags(tags):
        for name in _names_in_tag(tag):
            if name not in names:
                names.append(name)
    return names


def stable_hash(*parts: object) -> int:
    """A 64-bit hash that is the same in every process (unlike `hash()`)."""
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def resolve_style(tags: str) -> tuple[Style, list[str]]:
    """The style for `tags` (first genre wins, moods adjust it) and the matched names."""
    names = matched_names(tags)
    genres = [n for n in names if n in STYLES]
    if genres:
        style = STYLES[genres[0]]
    elif split_tags(tags):
        keys = sorted(STYLES)
        style = STYLES[keys[stable_hash(*split_tags(tags)) % len(keys)]]
    else:
        style = DEFAULT_STYLE
    for name in names:
        if name in MOODS:
            style = _apply_mood(style, MOODS[name])
    return style, names


def _apply_mood(style: Style, mood: Mood) -> Style:
    low, high = style.tempo
    factor = mood.tempo_factor if style.tempo_follows_mood else 1.0
    tempo = (round(low * factor), round(high * factor))
    chords = style.chords
    if mood.chords is not None and style.chords not in ("guitar", "stab"):
        chords = mood.chords
    return replace(
        style,
        tempo=tempo,
        modes=mood.modes or style.modes,
        reverb=min(0.7, style.reverb + mood.reverb),
        drum_level=style.drum_level * mood.drum_level,
        arp=mood.add_arp or style.arp,
        chords=chords,
    )
