"""Oscillators, envelopes, instruments and drum one-shots of the offline preview renderer.

Everything is vectorised: a note is one band-limited wavetable lookup (or a two-operator FM
formula) times an envelope array, computed once per (instrument, pitch, length) by
`NoteCache` and then added at every place it is played. Drums are pre-synthesised one-shots.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import numpy.typing as npt

Audio = npt.NDArray[np.float32]
_TABLE_SIZE = 4096
_NOISE_SEED = 0x50B0
VOWEL_FORMANTS: dict[str, tuple[tuple[float, float], ...]] = {
    # (frequency Hz, gain) of the first three formants of a sung vowel, roughly.
    "a": ((800.0, 1.0), (1200.0, 0.6), (2600.0, 0.25)),
    "e": ((480.0, 1.0), (1900.0, 0.5), (2600.0, 0.25)),
    "i": ((300.0, 1.0), (2300.0, 0.45), (3000.0, 0.3)),
    "o": ((500.0, 1.0), (850.0, 0.7), (2500.0, 0.15)),
    "u": ((330.0, 1.0), (900.0, 0.4), (2300.0, 0.1)),
}


def _f32(x: object) -> Audio:
    return np.asarray(x, dtype=np.float32)


def midi_hz(midi: float) -> float:
    return float(440.0 * 2.0 ** ((midi - 69.0) / 12.0))


@lru_cache(maxsize=256)
def wavetable(harmonics: tuple[float, ...]) -> Audio:
    """One cycle with the given harmonic amplitudes (1st, 2nd, ...), peak-normalised."""
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE * 2.0 * np.pi
    cycle = np.zeros(_TABLE_SIZE)
    for k, amp in enumerate(harmonics, start=1):
        if amp:
            cycle += amp * np.sin(k * phase)
    cycle /= max(float(np.abs(cycle).max()), 1e-9)
    table = cycle.astype(np.float32)
    table.flags.writeable = False
    return table


def harmonic_series(freq: float, sr: int, tilt: float, limit: int = 40) -> tuple[float, ...]:
    """Amplitudes 1/k**tilt, cut below Nyquist so the table never aliases at `freq`."""
    count = max(1, min(limit, int(sr * 0.45 / freq)))
    return tuple(round(1.0 / k**tilt, 4) for k in range(1, count + 1))


def phase_of(
    freq: float, n: int, sr: int, vibrato: float = 0.0, rate: float = 5.5
) -> npt.NDArray[np.float64]:
    """Phase in cycles for `n` samples; `vibrato` is a depth in semitones, fading in."""
    t = np.arange(n) / sr
    if not vibrato:
        return freq * t
    depth = vibrato * np.minimum(t / 0.35, 1.0)
    inst = freq * 2.0 ** (depth * np.sin(2.0 * np.pi * rate * t) / 12.0)
    return np.cumsum(inst) / sr


def lookup(table: Audio, phase: npt.NDArray[np.float64]) -> Audio:
    index = (phase * _TABLE_SIZE).astype(np.int64) & (_TABLE_SIZE - 1)
    return _f32(table[index])


def envelope(n: int, sr: int, attack: float, decay: float, sustain: float, release: float) -> Audio:
    """ADSR over `n` samples; the last `release` seconds fade to zero."""
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    env = np.minimum(t / np.float32(max(attack, 1e-4)), np.float32(1.0))
    if decay > 0:
        after = np.maximum(t - np.float32(attack), np.float32(0.0))
        env *= np.float32(sustain) + np.float32(1.0 - sustain) * np.exp(-after / np.float32(decay))
    tail = min(n, max(1, int(release * sr)))
    env[n - tail :] *= np.linspace(1.0, 0.0, tail, dtype=np.float32)
    return _f32(env)


def _crossfade_tables(
    freq: float, n: int, sr: int, bright: float, dark: float, fade: float
) -> Audio:
    """A tone that starts with tilt `bright` and darkens to tilt `dark` (a filter sweep)."""
    phase = phase_of(freq, n, sr)
    a = lookup(wavetable(harmonic_series(freq, sr, bright)), phase)
    b = lookup(wavetable(harmonic_series(freq, sr, dark)), phase)
    mix = np.exp(-np.arange(n, dtype=np.float32) / np.float32(fade * sr))
    return _f32(b + (a - b) * mix)


def _detuned(freq: float, n: int, sr: int, tilt: float, cents: float, limit: int = 24) -> Audio:
    out = np.zeros(n, dtype=np.float32)
    for shift in (-cents, cents):
        f = freq * 2.0 ** (shift / 1200.0)
        out += lookup(wavetable(harmonic_series(f, sr, tilt, limit)), phase_of(f, n, sr))
    return out * np.float32(0.5)


def _fm(freq: float, n: int, sr: int, ratio: float, index: float, index_decay: float) -> Audio:
    t = np.arange(n) / sr
    mod = index * np.exp(-t / index_decay) * np.sin(2.0 * np.pi * freq * ratio * t)
    return np.sin(2.0 * np.pi * freq * t + mod).astype(np.float32)


# --- pitched instruments: (freq, n, sr) -> mono samples in [-1, 1] -------------------------


def piano(freq: float, n: int, sr: int) -> Audio:
    tone = _crossfade_tables(freq, n, sr, bright=1.3, dark=2.6, fade=0.25)
    decay = 1.8 * (261.0 / freq) ** 0.4
    return tone * envelope(n, sr, 0.004, decay, 0.0, 0.12)


def epiano(freq: float, n: int, sr: int) -> Audio:
    tone = _fm(freq, n, sr, ratio=1.0, index=1.6, index_decay=0.35)
    bell = _fm(freq * 4.0, n, sr, ratio=3.5, index=0.6, index_decay=0.1)
    bell *= np.exp(-np.arange(n, dtype=np.float32) / np.float32(0.08 * sr))
    return (tone + np.float32(0.15) * bell) * envelope(n, sr, 0.005, 1.6, 0.25, 0.15)


def pad(freq: float, n: int, sr: int) -> Audio:
    tone = _detuned(freq, n, sr, tilt=1.7, cents=7.0, limit=16)
    return tone * envelope(n, sr, 0.35, 0.0, 1.0, 0.45)


def strings(freq: float, n: int, sr: int) -> Audio:
    phase = phase_of(freq, n, sr, vibrato=0.12, rate=5.0)
    tone = lookup(wavetable(harmonic_series(freq, sr, 1.4, 20)), phase)
    return tone * envelope(n, sr, 0.18, 0.0, 1.0, 0.35)


def organ_stab(freq: float, n: int, sr: int) -> Audio:
    drawbars = (1.0, 0.7, 0.5, 0.45, 0.0, 0.3, 0.0, 0.2)
    count = max(1, min(len(drawbars), int(sr * 0.45 / freq)))
    tone = lookup(wavetable(drawbars[:count]), phase_of(freq, n, sr))
    return tone * envelope(n, sr, 0.003, 0.12, 0.25, 0.05)


def guitar(freq: float, n: int, sr: int) -> Audio:
    tone = _detuned(freq, n, sr, tilt=1.1, cents=5.0, limit=30)
    driven = np.tanh(np.float32(3.0) * tone) * np.float32(0.6)
    return _f32(driven * envelope(n, sr, 0.004, 0.9, 0.45, 0.06))


def pluck(freq: float, n: int, sr: int) -> Audio:
    tone = _crossfade_tables(freq, n, sr, bright=1.0, dark=2.8, fade=0.06)
    return tone * envelope(n, sr, 0.002, 0.22, 0.0, 0.05)


def bell(freq: float, n: int, sr: int) -> Audio:
    tone = _fm(freq, n, sr, ratio=3.5, index=2.0, index_decay=0.6)
    return tone * envelope(n, sr, 0.003, 1.1, 0.0, 0.2)


def acid(freq: float, n: int, sr: int) -> Audio:
    tone = _crossfade_tables(freq, n, sr, bright=0.9, dark=2.2, fade=0.07)
    return _f32(np.tanh(np.float32(1.8) * tone) * envelope(n, sr, 0.002, 0.18, 0.2, 0.03))


def bass_round(freq: float, n: int, sr: int) -> Audio:
    tone = lookup(wavetable((1.0, 0.35, 0.12)), phase_of(freq, n, sr))
    return tone * envelope(n, sr, 0.006, 0.5, 0.55, 0.05)


def bass_sub(freq: float, n: int, sr: int) -> Audio:
    tone = lookup(wavetable((1.0, 0.2)), phase_of(freq, n, sr))
    return tone * envelope(n, sr, 0.08, 0.0, 1.0, 0.3)


def bass_picked(freq: float, n: int, sr: int) -> Audio:
    tone = _crossfade_tables(freq, n, sr, bright=1.2, dark=2.4, fade=0.08)
    return tone * envelope(n, sr, 0.003, 0.35, 0.5, 0.03)


def bass_upright(freq: float, n: int, sr: int) -> Audio:
    tone = _crossfade_tables(freq, n, sr, bright=1.8, dark=3.2, fade=0.05)
    return tone * envelope(n, sr, 0.005, 0.45, 0.2, 0.06)


def bass_808(freq: float, n: int, sr: int) -> Audio:
    t = np.arange(n) / sr
    glide = freq * (1.0 + 0.6 * np.exp(-t / 0.03))
    tone = np.sin(2.0 * np.pi * np.cumsum(glide) / sr).astype(np.float32)
    return _f32(np.tanh(np.float32(1.6) * tone) * envelope(n, sr, 0.003, 0.9, 0.35, 0.08))


def bass_reese(freq: float, n: int, sr: int) -> Audio:
    tone = _detuned(freq, n, sr, tilt=1.6, cents=14.0, limit=12)
    sub = np.sin(2.0 * np.pi * freq * np.arange(n) / sr).astype(np.float32)
    return (np.float32(0.6) * tone + sub) * envelope(n, sr, 0.01, 0.0, 1.0, 0.08)


def voice(freq: float, n: int, sr: int, vowel: str = "a") -> Audio:
    """The lead "singer": a vowel-shaped harmonic spectrum with delayed vibrato."""
    formants = VOWEL_FORMANTS.get(vowel, VOWEL_FORMANTS["a"])
    count = max(1, min(30, int(5000.0 / freq)))
    amps = []
    for k in range(1, count + 1):
        h = k * freq
        peak = sum(g * np.exp(-(((h - f) / 160.0) ** 2)) for f, g in formants)
        amps.append(round(float(0.25 / k + peak), 3))
    tone = lookup(wavetable(tuple(amps)), phase_of(freq, n, sr, vibrato=0.25))
    return tone * envelope(n, sr, 0.035, 0.3, 0.8, 0.08)


Instrument = Callable[[float, int, int], Audio]
INSTRUMENTS: dict[str, Instrument] = {
    "piano": piano,
    "epiano": epiano,
    "pad": pad,
    "strings": strings,
    "stab": organ_stab,
    "guitar": guitar,
    "pluck": pluck,
    "bell": bell,
    "acid": acid,
    "round": bass_round,
    "sub": bass_sub,
    "picked": bass_picked,
    "upright": bass_upright,
    "808": bass_808,
    "reese": bass_reese,
}


class NoteCache:
    """Renders each distinct (instrument, pitch, length, vowel) once per song."""

    def __init__(self, sr: int) -> None:
        self.sr = sr
        self._notes: dict[tuple[str, int, int, str], Audio] = {}

    def note(self, instrument: str, midi: int, n: int, vowel: str = "") -> Audio:
        key = (instrument, midi, n, vowel)
        cached = self._notes.get(key)
        if cached is None:
            freq = midi_hz(midi)
            if instrument == "voice":
                cached = voice(freq, n, self.sr, vowel or "a")
            else:
                cached = INSTRUMENTS[instrument](freq, n, self.sr)
            cached.flags.writeable = False
            self._notes[key] = cached
        return cached


# --- drums -----------------------------------------------------------------------------------


def _noise(n: int, salt: int) -> Audio:
    return np.random.default_rng(_NOISE_SEED + salt).uniform(-1.0, 1.0, n).astype(np.float32)


def _highpass(x: Audio, times: int = 1) -> Audio:
    for _ in range(times):
        x = np.diff(x, prepend=np.float32(0.0))
    return x / np.float32(max(float(np.abs(x).max()), 1e-9))


def _smooth(x: Audio, width: int) -> Audio:
    return np.convolve(x, np.full(width, 1.0 / width, dtype=np.float32), mode="same").astype(
        np.float32
    )


def _decay(n: int, sr: int, tau: float) -> Audio:
    return _f32(np.exp(-np.arange(n, dtype=np.float32) / np.float32(tau * sr)))


def kick(sr: int, tune: float = 1.0, length: float = 0.45) -> Audio:
    n = int(length * sr)
    t = np.arange(n) / sr
    freq = tune * (48.0 + 110.0 * np.exp(-t / 0.035))
    body = np.sin(2.0 * np.pi * np.cumsum(freq) / sr).astype(np.float32) * _decay(n, sr, 0.16)
    click = _highpass(_noise(n, 1)) * _decay(n, sr, 0.002) * np.float32(0.35)
    return np.tanh(np.float32(1.4) * (body + click))


def snare(sr: int, length: float = 0.35) -> Audio:
    n = int(length * sr)
    t = np.arange(n) / sr
    tone = np.sin(2.0 * np.pi * 190.0 * t).astype(np.float32) * _decay(n, sr, 0.05)
    rattle = _smooth(_highpass(_noise(n, 2)), 2) * _decay(n, sr, 0.09)
    return np.float32(0.55) * tone + np.float32(0.8) * rattle


def clap(sr: int, length: float = 0.35) -> Audio:
    n = int(length * sr)
    t = np.arange(n) / sr
    bursts = sum(np.exp(-np.clip(t - d, 0.0, None) / 0.004) * (t >= d) for d in (0.0, 0.011, 0.022))
    env = (0.6 * bursts + np.exp(-t / 0.1)).astype(np.float32) * np.float32(0.6)
    return _smooth(_highpass(_noise(n, 3)), 3) * env


def hat(sr: int, open_: bool = False) -> Audio:
    n = int((0.45 if open_ else 0.09) * sr)
    metal = _highpass(_noise(n, 4 if open_ else 5), times=2)
    return metal * _decay(n, sr, 0.16 if open_ else 0.022) * np.float32(0.45)


def ride(sr: int) -> Audio:
    n = int(1.2 * sr)
    t = np.arange(n) / sr
    ratios = (1.0, 1.342, 1.791, 2.402, 3.117, 4.153)
    tone = _f32(np.sum([np.sign(np.sin(2.0 * np.pi * 340.0 * r * t)) for r in ratios], axis=0))
    shimmer = _highpass(tone, 2) * np.float32(0.5) + _highpass(_noise(n, 6), 2) * np.float32(0.3)
    return shimmer * _decay(n, sr, 0.45) * np.float32(0.35)


def crash(sr: int) -> Audio:
    n = int(2.2 * sr)
    return _highpass(_noise(n, 7), 2) * _decay(n, sr, 0.7) * np.float32(0.4)


def tom(sr: int) -> Audio:
    n = int(0.4 * sr)
    t = np.arange(n) / sr
    freq = 95.0 + 70.0 * np.exp(-t / 0.05)
    return np.sin(2.0 * np.pi * np.cumsum(freq) / sr).astype(np.float32) * _decay(n, sr, 0.14)


def drum_kit(sr: int, kick_tune: float = 1.0) -> dict[str, Audio]:
    return {
        "kick": kick(sr, kick_tune),
        "snare": snare(sr),
        "clap": clap(sr),
        "hat": hat(sr),
        "open": hat(sr, open_=True),
        "ride": ride(sr),
        "crash": crash(sr),
        "tom": tom(sr),
    }
