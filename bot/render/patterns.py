"""Drum patterns of the preview renderer: one bar of 16 steps per drum.

In a pattern string `x` is a hit, `o` a soft (ghost) hit, `r` a two-hit roll inside the
step and `.` silence. Each pattern has a few variants; the seed picks one per song.
"""

from __future__ import annotations

Pattern = dict[str, str]

DRUM_PATTERNS: dict[str, tuple[Pattern, ...]] = {
    "none": ({},),
    "pop": (
        {"kick": "x.....x.x.......", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.......x.x.....", "clap": "....x.......x...", "hat": "x.xox.xox.xox.xo"},
        {"kick": "x..x....x.......", "snare": "....x.......x..o", "hat": "x.x.x.x.x.x.x.x."},
    ),
    "boom_bap": (
        {"kick": "x.........x.....", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x......x..x.....", "snare": "....x.......x...", "hat": "x.x.x.xox.x.x.xo"},
        {"kick": "x.x.......x..x..", "snare": "....x..o....x...", "hat": "x.x.x.x.x.x.x.x."},
    ),
    "trap": (
        {
            "kick": "x.....x...x.....",
            "snare": "........x.......",
            "hat": "x.x.x.x.x.xrx.x.",
            "open": "..............x.",
        },
        {"kick": "x......x..x..x..", "clap": "........x.......", "hat": "x.xxx.x.x.x.rrrr"},
        {"kick": "x.x.......x.....", "snare": "........x.......", "hat": "xxx.x.xrx.x.x.xr"},
    ),
    "dnb": (
        {"kick": "x.........x.....", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.........x..x..", "snare": "....x..o....x...", "hat": "x.xxx.x.x.xxx.x."},
        {"kick": "x.x.......x.....", "snare": "....x.......x.o.", "ride": "x.x.x.x.x.x.x.x."},
    ),
    "four_floor": (
        {"kick": "x...x...x...x...", "clap": "....x.......x...", "open": "..x...x...x...x."},
        {
            "kick": "x...x...x...x...",
            "clap": "....x.......x...",
            "hat": "x.o.x.o.x.o.x.o.",
            "open": "..x...x...x...x.",
        },
    ),
    "techno": (
        {"kick": "x...x...x...x...", "hat": "oxoxoxoxoxoxoxox", "open": "..x...x...x...x."},
        {"kick": "x...x...x...x...", "clap": "....x.......x...", "hat": "xoxoxoxoxoxoxoxo"},
    ),
    "rock": (
        {"kick": "x.....x.x.......", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.x.....x.x.....", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.......x.x..x..", "snare": "....x.......x...", "ride": "x.x.x.x.x.x.x.x."},
    ),
    "metal": (
        {"kick": "xoxoxoxoxoxoxoxo", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.oox.oox.oox.oo", "snare": "....x.......x...", "ride": "x...x...x...x..."},
    ),
    "jazz": (
        {"ride": "x...x.x.x...x.x.", "hat": "....x.......x...", "kick": "x.........o....."},
        {"ride": "x...x.x.x...x.x.", "hat": "....x.......x...", "snare": "......o.......o."},
    ),
    "funk": (
        {"kick": "x.x....x..x.....", "snare": "....x..o.o..x..o", "hat": "xxxxxxxxxxxxxxxx"},
        {"kick": "x..x..x...x.....", "snare": "....x.......x.o.", "hat": "x.xxx.xxx.xxx.xx"},
    ),
    "reggae": (
        {"kick": "........x.......", "snare": "........x.......", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.......x.......", "snare": "........x.......", "hat": "..x...x...x...x."},
    ),
}

FILL = {"snare": "........x.x.xxxx", "tom": "............x.x."}


def hit_steps(row: str) -> list[tuple[float, float]]:
    """(step, velocity) pairs for one pattern row; rolls become two hits in a step."""
    hits: list[tuple[float, float]] = []
    for step, mark in enumerate(row):
        if mark == "x":
            hits.append((step, 1.0))
        elif mark == "o":
            hits.append((step, 0.45))
        elif mark == "r":
            hits.extend(((step, 0.8), (step + 0.5, 0.6)))
    return hits
