"""The values a song plan is made of: the arrangement, before any audio exists.

Tests and the renderer both read a `SongPlan`: it says which style the tags chose, the tempo,
key and mode, the sections, and every note and drum hit (times in seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.render.lyrics import LyricSection
from bot.render.styles import Style

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
STEPS_PER_BAR = 16


@dataclass(frozen=True)
class Grid:
    """Maps (bar, 16th step) to seconds, with swing on the off-beats."""

    tempo: float
    swing: float = 0.0
    eighth_swing: bool = False
    """Swing the off-beat 8ths (jazz) instead of the off-beat 16ths."""

    @property
    def step_seconds(self) -> float:
        return 15.0 / self.tempo

    @property
    def bar_seconds(self) -> float:
        return STEPS_PER_BAR * self.step_seconds

    def time(self, bar: int, step: float) -> float:
        whole = int(step)
        offset = 0.0
        if self.swing and step == whole:
            if self.eighth_swing and whole % 4 == 2:
                offset = 2.0 * self.swing * self.step_seconds
            elif not self.eighth_swing and whole % 2 == 1:
                offset = self.swing * self.step_seconds
        return bar * self.bar_seconds + step * self.step_seconds + offset


@dataclass(frozen=True)
class Note:
    start: float
    length: float
    midi: int
    velocity: float
    instrument: str
    part: str
    """"chords", "bass", "arp", "hook" (instrumental melody) or "lead" (the sung line)."""
    vowel: str = ""


@dataclass(frozen=True)
class Hit:
    start: float
    drum: str
    velocity: float


@dataclass(frozen=True)
class Section:
    kind: str
    """intro, verse, prechorus, chorus, bridge or outro."""
    start_bar: int
    bars: int
    energy: float
    chords: tuple[int, ...]
    """The chord's root scale degree for each bar."""
    lyrics: LyricSection | None = None


@dataclass(frozen=True)
class SongPlan:
    style: Style
    matched_tags: tuple[str, ...]
    tempo: float
    tonic: int
    """Pitch class of the key's tonic, 0 = C."""
    mode: str
    progression: tuple[int, ...]
    drum_variant: int
    duration: float
    sections: tuple[Section, ...]
    notes: tuple[Note, ...]
    hits: tuple[Hit, ...]

    @property
    def key_name(self) -> str:
        return f"{NOTE_NAMES[self.tonic]} {self.mode}"

    def part(self, name: str) -> tuple[Note, ...]:
        return tuple(note for note in self.notes if note.part == name)

    @property
    def lead(self) -> tuple[Note, ...]:
        return self.part("lead")

    @property
    def instruments(self) -> frozenset[str]:
        return frozenset(note.instrument for note in self.notes) | frozenset(
            hit.drum for hit in self.hits
        )
