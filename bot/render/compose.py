"""Spec → `SongPlan`: style, tempo, key, sections and every note, with no audio involved.

All random choices come from generators seeded by a stable hash of the spec's seed and tags
(each part has its own stream), so the same spec always gives the same plan, a different seed
gives different chords, melody and patterns, and adding lyrics only changes what lyrics touch.
"""

from __future__ import annotations

import math

import numpy as np

from bot.backends.base import GenerationSpec
from bot.render.harmony import progressions_for
from bot.render.lyrics import LyricSection, parse_lyrics
from bot.render.parts import (
    Context,
    arp_notes,
    bass_notes,
    chord_notes,
    drum_hits,
    hook_notes,
    lead_notes,
    make_motif,
)
from bot.render.patterns import DRUM_PATTERNS
from bot.render.plan import Grid, Hit, Note, Section, SongPlan
from bot.render.styles import Style, resolve_style, split_tags, stable_hash

ENERGY = {
    "intro": 0.35,
    "verse": 0.65,
    "prechorus": 0.75,
    "chorus": 1.0,
    "bridge": 0.5,
    "outro": 0.45,
}
_INSTRUMENTAL_CYCLE = ("verse", "chorus", "verse", "chorus", "bridge", "chorus")
_ARP_ORDERS = ("up", "down", "updown", "skip")
_PHRASE_SECONDS = 4.0


def plan_song(spec: GenerationSpec) -> SongPlan:
    style, names = resolve_style(spec.tags)
    key = (spec.seed, tuple(split_tags(spec.tags)))
    rng = np.random.default_rng(stable_hash(*key, "song"))
    tempo = float(rng.integers(style.tempo[0], style.tempo[1] + 1))
    mode = str(rng.choice(style.modes))
    tonic = int(rng.integers(0, 12))
    options = progressions_for(mode, jazz=style.drums == "jazz")
    pick = int(rng.integers(0, len(options)))
    progression, alternative = options[pick], options[(pick + 1) % len(options)]
    ctx = Context(
        style=style,
        grid=Grid(tempo, style.swing, eighth_swing=style.drums == "jazz"),
        tonic=tonic,
        mode=mode,
        drum_variant=int(rng.integers(0, len(DRUM_PATTERNS[style.drums]))),
        comp_variant=int(rng.integers(0, 6)),
        bass_variant=int(rng.integers(0, 6)),
        arp_order=str(rng.choice(_ARP_ORDERS)),
    )
    phrase_bars = min((1, 2, 4), key=lambda b: abs(b * ctx.grid.bar_seconds - _PHRASE_SECONDS))
    total_bars = math.ceil(spec.duration / ctx.grid.bar_seconds)
    blocks = _layout(total_bars, ctx.grid.bar_seconds, parse_lyrics(spec.lyrics), phrase_bars)
    sections = _sections(blocks, progression, alternative)

    motif = make_motif(np.random.default_rng(stable_hash(*key, "hook")))
    notes: list[Note] = []
    hits: list[Hit] = []
    voicing: tuple[int, ...] | None = None
    for index, section in enumerate(sections):
        part_rng = np.random.default_rng(stable_hash(*key, "parts", index, section.kind))
        chords, voicing = chord_notes(ctx, section, part_rng, voicing)
        notes += chords
        notes += bass_notes(ctx, section, part_rng)
        notes += arp_notes(ctx, section, part_rng)
        notes += hook_notes(ctx, section, motif)
        if section.lyrics is not None:
            line_rngs = [
                np.random.default_rng(stable_hash(*key, "lead", section.kind, line.text))
                for line in section.lyrics.lines
            ]
            notes += lead_notes(ctx, section, phrase_bars, line_rngs)
        following = sections[index + 1].kind if index + 1 < len(sections) else ""
        hits += drum_hits(ctx, section, part_rng, before_chorus=following == "chorus")

    end = float(spec.duration)
    return SongPlan(
        style=style,
        matched_tags=tuple(names),
        tempo=tempo,
        tonic=tonic,
        mode=mode,
        progression=progression,
        drum_variant=ctx.drum_variant,
        duration=end,
        sections=tuple(sections),
        notes=tuple(n for n in notes if n.start < end),
        hits=tuple(h for h in hits if h.start < end),
    )


Block = tuple[str, int, LyricSection | None]


def _layout(
    total_bars: int, bar_seconds: float, lyrics: list[LyricSection], phrase_bars: int
) -> list[Block]:
    """Section kinds and lengths in bars: intro, the lyric (or a stock) order, outro."""
    edge = 0 if total_bars < 8 else (2 if total_bars < 32 else 4)
    remaining = total_bars - 2 * edge
    blocks: list[Block] = [("intro", edge, None)] if edge else []
    body: list[Block] = []
    for section in lyrics:
        bars = 4 * math.ceil(len(section.lines) * phrase_bars / 4)
        kind = section.kind if section.kind not in ("intro", "outro") else "verse"
        body.append((kind, bars, section))
    length = 8 if bar_seconds < 2.5 else 4
    if not lyrics and total_bars < 8:
        body.append(("chorus", remaining, None))
    cycle = 0
    while sum(b for _, b, _ in body) < remaining:
        body.append((_INSTRUMENTAL_CYCLE[cycle % len(_INSTRUMENTAL_CYCLE)], length, None))
        cycle += 1
    used = 0
    for kind, bars, lyric in body:
        take = min(bars, remaining - used)
        if take <= 0:
            break
        blocks.append((kind, take, lyric))
        used += take
    if edge:
        blocks.append(("outro", edge, None))
    return blocks


def _sections(
    blocks: list[Block], progression: tuple[int, ...], alternative: tuple[int, ...]
) -> list[Section]:
    sections: list[Section] = []
    bar = 0
    for kind, bars, lyrics in blocks:
        prog = alternative if kind in ("bridge", "prechorus") else progression
        chords = [prog[i % len(prog)] for i in range(bars)]
        if kind == "outro":
            chords[-1] = 0
        sections.append(Section(kind, bar, bars, ENERGY[kind], tuple(chords), lyrics))
        bar += bars
    return sections


def describe(plan: SongPlan) -> str:
    """A one-line summary, handy in logs and the benchmark."""
    style: Style = plan.style
    form = " ".join(f"{s.kind}:{s.bars}" for s in plan.sections)
    return f"{style.name} {plan.tempo:.0f} BPM {plan.key_name} [{form}]"
