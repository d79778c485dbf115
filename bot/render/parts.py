"""Note and hit generators for each part of a section: chords, bass, arpeggio, lead, drums."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.render.harmony import chord_degrees, chord_pitch_classes, degree_pitch, voice_chord
from bot.render.lyrics import LyricLine
from bot.render.patterns import DRUM_PATTERNS, FILL, hit_steps
from bot.render.plan import STEPS_PER_BAR, Grid, Hit, Note, Section
from bot.render.styles import Style

Rng = np.random.Generator
Rhythm = tuple[tuple[float, float], ...]
"""(start step, length in steps) pairs inside one bar."""

BASS_INSTRUMENT = {
    "root_eighths": "picked",
    "offbeat": "round",
    "round": "round",
    "syncopated": "round",
    "808": "808",
    "reese": "reese",
    "walking": "upright",
    "sub": "sub",
}
_EIGHTHS: Rhythm = tuple((float(s), 2.0) for s in range(0, 16, 2))
_OFFBEATS: Rhythm = ((2, 1.5), (6, 1.5), (10, 1.5), (14, 1.5))
_ROUND_BASS: tuple[Rhythm, ...] = (
    ((0, 6), (7, 2), (10, 4)),
    ((0, 3), (3, 3), (10, 2), (14, 2)),
    ((0, 8), (10, 2), (12, 4)),
)
_FUNK_BASS: Rhythm = ((0, 1.5), (3, 1), (6, 1), (7, 1), (10, 1.5), (13, 1), (14, 1))
_COMPING: tuple[Rhythm, ...] = (((0, 14),), ((0, 10), (10, 6)), ((0, 3), (3, 11)))
_VOWELS = {"y": "i", "w": "u"}


@dataclass(frozen=True)
class Context:
    style: Style
    grid: Grid
    tonic: int
    mode: str
    drum_variant: int
    comp_variant: int
    bass_variant: int
    arp_order: str

    @property
    def chord_size(self) -> int:
        return 4 if self.style.sevenths else 3

    def note(
        self,
        bar: int,
        step: float,
        steps: float,
        *,
        midi: int,
        velocity: float,
        instrument: str,
        part: str,
        vowel: str = "",
    ) -> Note:
        """A note from a bar/step position, swing applied to both its ends."""
        start = self.grid.time(bar, step)
        end = self.grid.time(bar, step + steps) if step + steps < STEPS_PER_BAR else None
        length = (end if end is not None else start + steps * self.grid.step_seconds) - start
        return Note(start, length, midi, velocity, instrument, part, vowel)


def chord_notes(
    ctx: Context, section: Section, rng: Rng, previous: tuple[int, ...] | None
) -> tuple[list[Note], tuple[int, ...] | None]:
    notes: list[Note] = []
    instrument = ctx.style.chords
    velocity = 0.45 + 0.35 * section.energy
    for i, degree in enumerate(section.chords):
        bar = section.start_bar + i
        pcs = chord_pitch_classes(degree, ctx.chord_size, ctx.mode)
        voicing = voice_chord(pcs, ctx.tonic, previous)
        previous = voicing
        pitches: tuple[int, ...] = voicing
        rhythm = _chord_rhythm(ctx, section, rng)
        if instrument == "guitar" and section.energy >= 0.6:
            root = _nearest(ctx.tonic + degree_pitch(degree, ctx.mode), 52)
            pitches = (root, root + 7, root + 12)
        for start, steps in rhythm:
            accent = 1.0 if start % 4 == 0 else 0.85
            for midi in pitches:
                notes.append(
                    ctx.note(
                        bar,
                        start,
                        steps,
                        midi=midi,
                        velocity=velocity * accent,
                        instrument=instrument,
                        part="chords",
                    )
                )
    return notes, previous


def _chord_rhythm(ctx: Context, section: Section, rng: Rng) -> Rhythm:
    instrument = ctx.style.chords
    if instrument == "stab":
        if ctx.style.drums == "reggae":
            return ((4, 1.5), (12, 1.5))
        return _OFFBEATS if ctx.comp_variant % 2 == 0 else ((2, 1.5), (5, 1.5), (10, 1.5), (13, 2))
    if section.energy < 0.5 or instrument in ("pad", "strings"):
        return ((0, 16),)
    if instrument == "guitar":
        return _EIGHTHS if section.energy >= 0.6 else ((0, 16),)
    if instrument == "epiano" and ctx.style.drums == "jazz":
        onsets = sorted(rng.choice([0, 3, 6, 7, 10, 12, 14], size=3, replace=False).tolist())
        return tuple((float(s), 2.5) for s in onsets)
    if instrument == "piano":
        return ((0, 8), (8, 8))
    return _COMPING[ctx.comp_variant % len(_COMPING)]


def _nearest(pitch: int, center: int) -> int:
    """`pitch`'s pitch class in the octave nearest `center`."""
    return center + ((pitch - center + 6) % 12) - 6


def bass_notes(ctx: Context, section: Section, rng: Rng) -> list[Note]:
    if section.energy < 0.4 and section.kind == "intro":
        return []
    pattern = ctx.style.bass
    instrument = BASS_INSTRUMENT[pattern]
    notes: list[Note] = []
    velocity = 0.7 + 0.3 * section.energy
    for i, degree in enumerate(section.chords):
        bar = section.start_bar + i
        root = 31 + (ctx.tonic + degree_pitch(degree, ctx.mode) - 31) % 12
        next_degree = section.chords[(i + 1) % len(section.chords)]
        next_root = 31 + (ctx.tonic + degree_pitch(next_degree, ctx.mode) - 31) % 12
        fifth = root + 7
        if section.kind == "outro" or (section.energy < 0.5 and pattern != "walking"):
            rhythm: Rhythm = ((0, 16),)
            pitches = [root]
        elif pattern == "walking":
            rhythm = ((0, 4), (4, 4), (8, 4), (12, 4))
            third = root + degree_pitch(degree + 2, ctx.mode) - degree_pitch(degree, ctx.mode)
            approach = next_root + (1 if rng.random() < 0.5 else -1)
            pitches = [root, third, fifth, approach]
        elif pattern == "808":
            rhythm = _kick_rhythm(ctx)
            pitches = [root] * len(rhythm)
            if len(pitches) > 2 and rng.random() < 0.4:
                pitches[-1] = root + 12
        else:
            rhythm = _bass_rhythm(ctx, pattern)
            pitches = [_bass_pitch(j, root, rng) for j in range(len(rhythm))]
        for (start, steps), midi in zip(rhythm, pitches, strict=False):
            notes.append(
                ctx.note(
                    bar,
                    start,
                    steps,
                    midi=midi,
                    velocity=velocity,
                    instrument=instrument,
                    part="bass",
                )
            )
    return notes


def _bass_rhythm(ctx: Context, pattern: str) -> Rhythm:
    if pattern == "root_eighths":
        return _EIGHTHS
    if pattern == "offbeat":
        return _OFFBEATS
    if pattern == "syncopated":
        return _FUNK_BASS
    if pattern == "reese":
        return ((0, 10), (10, 6))
    if pattern == "sub":
        return ((0, 16),)
    return _ROUND_BASS[ctx.bass_variant % len(_ROUND_BASS)]


def _bass_pitch(index: int, root: int, rng: Rng) -> int:
    if index == 0:
        return root
    roll = rng.random()
    if roll < 0.18:
        return root + 12
    if roll < 0.3:
        return root + 7
    return root


def _kick_rhythm(ctx: Context) -> Rhythm:
    pattern = DRUM_PATTERNS[ctx.style.drums][ctx.drum_variant]
    steps = [s for s, _ in hit_steps(pattern.get("kick", "x..............."))] or [0.0]
    ends = [*steps[1:], 16.0]
    return tuple((s, e - s) for s, e in zip(steps, ends, strict=True))


def arp_notes(ctx: Context, section: Section, rng: Rng) -> list[Note]:
    instrument = ctx.style.arp
    piano_like = instrument == "piano"
    if instrument is None or section.energy < (0.3 if piano_like else 0.9):
        return []
    notes: list[Note] = []
    fast = ctx.grid.tempo < 128 and instrument in ("pluck", "acid")
    step_len = 1.0 if fast else 2.0
    if instrument == "bell":
        step_len = 4.0
    for i, degree in enumerate(section.chords):
        bar = section.start_bar + i
        pcs = chord_pitch_classes(degree, ctx.chord_size, ctx.mode)
        voicing = voice_chord(pcs, ctx.tonic, None, center=74 if not piano_like else 62)
        if instrument == "strings":
            top = max(voicing) + 12
            for midi in (top, top - 12):
                notes.append(
                    ctx.note(bar, 0, 16, midi=midi, velocity=0.5, instrument=instrument, part="arp")
                )
            continue
        tones = _arp_order(list(voicing), ctx.arp_order)
        for j, start in enumerate(np.arange(0.0, 16.0, step_len).tolist()):
            if instrument == "acid" and rng.random() < 0.2:
                continue
            midi = tones[j % len(tones)]
            if instrument == "acid" and rng.random() < 0.25:
                midi += 12
            accent = 1.0 if start % 4 == 0 else 0.75
            notes.append(
                ctx.note(
                    bar,
                    start,
                    step_len * (1.5 if instrument == "bell" else 0.9),
                    midi=midi,
                    velocity=0.55 * accent,
                    instrument=instrument,
                    part="arp",
                )
            )
    return notes


def _arp_order(tones: list[int], order: str) -> list[int]:
    if order == "down":
        return tones[::-1]
    if order == "updown":
        return tones + tones[-2:0:-1]
    if order == "skip":
        return tones[::2] + tones[1::2]
    return tones


def lead_notes(
    ctx: Context, section: Section, phrase_bars: int, line_rngs: list[Rng]
) -> list[Note]:
    """The sung melody: one note per syllable, one phrase of `phrase_bars` bars per line."""
    if section.lyrics is None:
        return []
    notes: list[Note] = []
    chorus = section.kind == "chorus"
    base = 3 if chorus else (2 if section.kind in ("bridge", "prechorus") else 0)
    velocity = 0.95 if chorus else 0.75
    center = 60 + ctx.tonic if ctx.tonic < 7 else 48 + ctx.tonic
    for index, (line, rng) in enumerate(zip(section.lyrics.lines, line_rngs, strict=True)):
        first_bar = index * phrase_bars
        if first_bar >= section.bars:
            break
        bars = min(phrase_bars, section.bars - first_bar)
        onsets, lengths = _syllable_rhythm(len(line.syllables), bars, rng)
        degree = base + int(rng.integers(0, 3))
        for k, (onset, length) in enumerate(zip(onsets, lengths, strict=True)):
            bar = section.start_bar + first_bar + int(onset // STEPS_PER_BAR)
            step = onset % STEPS_PER_BAR
            chord = section.chords[(bar - section.start_bar) % len(section.chords)]
            degree = _next_degree(degree, base, k, len(onsets), step, chord, ctx, rng)
            midi = center + degree_pitch(degree, ctx.mode)
            notes.append(
                ctx.note(
                    bar,
                    step,
                    length,
                    midi=midi,
                    velocity=velocity * (1.0 if step % 4 == 0 else 0.88),
                    instrument="voice",
                    part="lead",
                    vowel=_vowel(line, k),
                )
            )
    return notes


def _syllable_rhythm(count: int, bars: int, rng: Rng) -> tuple[list[float], list[float]]:
    """Onset steps (from the phrase start) and lengths for `count` syllables.

    Syllables follow each other on an 8th (or, for long lines, 16th) grid; some seeded ones
    are held longer, the last one longest, and the phrase ends with a breath.
    """
    total = bars * STEPS_PER_BAR
    usable = total * 0.8
    grid = 2.0 if count * 2 <= usable * 0.9 else 1.0
    if count * grid > usable:
        grid = usable / count
    units = [1] * count
    spare = int((usable / grid - count) * 0.6)
    if spare > 0:
        weights = np.array([1.0 + (k % 3 == 2) + 2.0 * (k == count - 1) for k in range(count)])
        for k in rng.choice(count, size=spare, p=weights / weights.sum()):
            units[int(k)] += 1
    pickup = grid if rng.random() < 0.3 and sum(units) * grid + grid <= usable else 0.0
    onsets = (pickup + grid * np.concatenate([[0], np.cumsum(units)[:-1]])).tolist()
    lengths = [max(0.75, u * grid - 0.25) for u in units]
    lengths[-1] = max(lengths[-1], min(total - 2.0 - onsets[-1], 6.0))
    return onsets, lengths


def _next_degree(
    degree: int, base: int, k: int, count: int, step: float, chord: int, ctx: Context, rng: Rng
) -> int:
    """The next melody degree: an arch of mostly stepwise moves, chord tones on the beat."""
    previous = degree
    up = 0.62 if k < count * 0.5 else 0.38
    if k > 0:
        size = int(rng.choice((0, 1, 2), p=(0.1, 0.6, 0.3)))
        degree += size if rng.random() < up else -size
    if step % 4 == 0 or k == count - 1:
        tones = sorted(t + 7 * o for t in chord_degrees(chord, 3) for o in (-1, 0, 1, 2))
        degree = min(tones, key=lambda c: (abs(c - degree), c))
        if k > 0 and degree == previous and k < count - 1:
            higher = [t for t in tones if t > degree]
            lower = [t for t in tones if t < degree]
            degree = higher[0] if rng.random() < up and higher else (lower or higher)[-1]
    return max(base - 3, min(base + 6, degree))


def _vowel(line: LyricLine, index: int) -> str:
    nucleus = line.syllables[index % len(line.syllables)]
    for ch in nucleus:
        if ch in "aeiou":
            return ch
        if ch in _VOWELS:
            return _VOWELS[ch]
    return "a"


Motif = tuple[tuple[float, float, int], ...]
"""(start step, length in steps, scale-degree offset) over two bars."""
_MOTIF_RHYTHMS: tuple[Rhythm, ...] = (
    ((0, 3), (3, 3), (6, 2), (8, 4), (12, 4), (16, 6), (22, 2), (24, 8)),
    ((0, 2), (2, 2), (4, 4), (10, 2), (12, 4), (16, 4), (20, 4), (24, 6)),
    ((0, 6), (6, 2), (8, 2), (10, 6), (16, 3), (19, 3), (22, 2), (24, 8)),
    ((2, 2), (4, 2), (6, 4), (12, 2), (14, 2), (16, 8), (26, 2), (28, 4)),
)
HOOK_INSTRUMENT = {
    "guitar": "guitar",
    "epiano": "bell",
    "piano": "piano",
    "pad": "pluck",
    "strings": "strings",
    "stab": "pluck",
}


def make_motif(rng: Rng) -> Motif:
    """A two-bar instrumental hook: a stock rhythm with a seeded, mostly stepwise contour."""
    rhythm = _MOTIF_RHYTHMS[int(rng.integers(0, len(_MOTIF_RHYTHMS)))]
    degree = int(rng.integers(0, 5))
    notes = []
    for start, steps in rhythm:
        notes.append((start, steps, degree))
        degree += int(rng.choice((-2, -1, 1, 2, 3), p=(0.15, 0.35, 0.3, 0.15, 0.05)))
        degree = max(-2, min(7, degree))
    return tuple(notes)


def hook_notes(ctx: Context, section: Section, motif: Motif) -> list[Note]:
    """The motif over an instrumental chorus: question phrase, then an answer on the tonic."""
    if section.kind != "chorus" or section.lyrics is not None:
        return []
    instrument = ctx.style.arp if ctx.style.arp in ("acid", "bell") else None
    instrument = instrument or HOOK_INSTRUMENT.get(ctx.style.chords, "pluck")
    center = (60 if ctx.tonic < 7 else 48) + ctx.tonic + (0 if instrument == "guitar" else 12)
    notes: list[Note] = []
    for block in range(0, section.bars, 2):
        answer = (block // 2) % 2 == 1
        for k, (start, steps, offset) in enumerate(motif):
            bar_index = block + int(start // STEPS_PER_BAR)
            if bar_index >= section.bars:
                break
            step = start % STEPS_PER_BAR
            degree = 0 if answer and k == len(motif) - 1 else offset
            if step % 4 == 0 and not (answer and k == len(motif) - 1):
                tones = chord_degrees(section.chords[bar_index], 3)
                options = [t + 7 * o for t in tones for o in (-1, 0, 1)]
                degree = min(options, key=lambda c: (abs(c - degree), c))
            notes.append(
                ctx.note(
                    section.start_bar + bar_index,
                    step,
                    steps,
                    midi=center + degree_pitch(degree, ctx.mode),
                    velocity=0.8,
                    instrument=instrument,
                    part="hook",
                )
            )
    return notes


def drum_hits(ctx: Context, section: Section, rng: Rng, before_chorus: bool) -> list[Hit]:
    pattern = DRUM_PATTERNS[ctx.style.drums][ctx.drum_variant]
    if not pattern:
        return []
    hits: list[Hit] = []
    level = ctx.style.drum_level
    for i in range(section.bars):
        bar = section.start_bar + i
        rows = _rows_for(pattern, section, i)
        if before_chorus and i == section.bars - 1:
            rows = {k: v[:8] + FILL.get(k, "........")[8:] for k, v in rows.items()}
            rows.update({k: "." * 8 + v[8:] for k, v in FILL.items() if k not in rows})
        for drum, row in rows.items():
            for step, velocity in hit_steps(row):
                human = 1.0 - 0.15 * rng.random() if drum in ("hat", "ride", "open") else 1.0
                hits.append(Hit(ctx.grid.time(bar, step), drum, velocity * human * level))
    if section.kind in ("chorus", "verse") and section.start_bar > 0:
        hits.append(Hit(ctx.grid.time(section.start_bar, 0), "crash", 0.8 * level))
    return hits


def _rows_for(pattern: dict[str, str], section: Section, bar_index: int) -> dict[str, str]:
    timekeepers = {k: v for k, v in pattern.items() if k in ("hat", "ride", "open")}
    if section.kind == "intro":
        return timekeepers if bar_index >= section.bars // 2 else {}
    if section.kind == "outro":
        return dict(pattern) if bar_index < section.bars // 2 else {}
    if section.energy < 0.6:
        half = {k: v for k, v in pattern.items() if k not in ("kick",)}
        half["kick"] = "x......." + "." * 8
        return half
    return dict(pattern)
