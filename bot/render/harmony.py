"""Scales, chord progressions and voice-led chord voicings."""

from __future__ import annotations

from bot.render.styles import MODES

# Scale degrees (0 = tonic) of four-chord progressions that sound good in each mode.
PROGRESSIONS: dict[str, tuple[tuple[int, ...], ...]] = {
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (3, 0, 4, 5), (5, 3, 0, 4), (0, 3, 5, 4)),
    "minor": ((0, 5, 2, 6), (0, 6, 5, 6), (0, 5, 3, 4), (0, 3, 6, 2), (5, 6, 0, 0)),
    "dorian": ((0, 3, 0, 3), (0, 6, 3, 0), (1, 4, 0, 0), (0, 2, 3, 6)),
    "mixolydian": ((0, 6, 3, 0), (0, 3, 6, 3), (0, 4, 6, 3)),
    "phrygian": ((0, 1, 0, 6), (0, 1, 5, 1), (0, 6, 5, 1)),
}
JAZZ_PROGRESSIONS: dict[str, tuple[tuple[int, ...], ...]] = {
    "major": ((1, 4, 0, 5), (0, 5, 1, 4), (2, 5, 1, 4)),
    "dorian": ((0, 3, 0, 3), (1, 4, 0, 0), (0, 6, 3, 4)),
}


def progressions_for(mode: str, jazz: bool) -> tuple[tuple[int, ...], ...]:
    if jazz and mode in JAZZ_PROGRESSIONS:
        return JAZZ_PROGRESSIONS[mode]
    return PROGRESSIONS[mode]


def degree_pitch(degree: int, mode: str) -> int:
    """Semitones above the tonic of a (possibly negative or > 7) scale degree."""
    scale = MODES[mode]
    octave, step = divmod(degree, len(scale))
    return scale[step] + 12 * octave


def chord_degrees(root_degree: int, size: int) -> tuple[int, ...]:
    """Stacked thirds on `root_degree`: a triad (3) or a seventh chord (4)."""
    return tuple(root_degree + 2 * i for i in range(size))


def chord_pitch_classes(root_degree: int, size: int, mode: str) -> tuple[int, ...]:
    return tuple(degree_pitch(d, mode) % 12 for d in chord_degrees(root_degree, size))


def voice_chord(
    pitch_classes: tuple[int, ...],
    tonic: int,
    previous: tuple[int, ...] | None,
    center: int = 62,
) -> tuple[int, ...]:
    """MIDI notes of a close-position voicing near `center`, moving little from `previous`."""
    best: tuple[int, ...] = ()
    best_cost = float("inf")
    pcs = [(tonic + pc) % 12 for pc in pitch_classes]
    for inversion in range(len(pcs)):
        order = pcs[inversion:] + pcs[:inversion]
        for base in range(center - 14, center + 2):
            if base % 12 != order[0]:
                continue
            notes = [base]
            for pc in order[1:]:
                nxt = notes[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                notes.append(nxt)
            voicing = tuple(notes)
            cost = abs(sum(voicing) / len(voicing) - center) * 0.6
            if previous is not None and len(previous) == len(voicing):
                cost += sum(abs(a - b) for a, b in zip(voicing, previous, strict=True))
            if cost < best_cost:
                best, best_cost = voicing, cost
    return best
