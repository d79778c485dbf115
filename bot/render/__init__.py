"""The offline preview renderer: procedural music from tags, lyrics and a seed, with numpy.

This is *not* ACE-Step. It makes a pleasant, deterministic stand-in song (chords, bass,
drums, an arpeggio, a vowel-singing lead that follows the lyrics' syllables) so the bot can
run, be demoed and be tested with no GPU, network or account.

    plan_song(spec)  -> SongPlan     what will play (style, tempo, key, sections, notes)
    render_song(spec) -> ndarray     float32 stereo samples, exactly duration * rate frames
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.backends.base import GenerationSpec
from bot.render.compose import describe, plan_song
from bot.render.mixdown import mix
from bot.render.plan import SongPlan

__all__ = ["SongPlan", "describe", "plan_song", "render_plan", "render_song"]


def render_plan(plan: SongPlan, sample_rate: int = 44100) -> npt.NDArray[np.float32]:
    return mix(plan, sample_rate)


def render_song(spec: GenerationSpec, sample_rate: int = 44100) -> npt.NDArray[np.float32]:
    """Stereo float32 samples of shape (duration * sample_rate, 2), peak below 1.0."""
    return mix(plan_song(spec), sample_rate)
