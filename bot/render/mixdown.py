"""`SongPlan` → stereo float32 samples: stems, reverb, stereo width, fades and mastering."""

from __future__ import annotations

import numpy as np

from bot.render.plan import Note, SongPlan
from bot.render.synth import Audio, NoteCache, drum_kit

_TAIL_SECONDS = 2.5
_PEAK = 0.95
_DRUM_SEND = 0.12
# (gain, pan -1..1, reverb send) per part; pan is applied with a constant-power law.
_PARTS = {
    "chords": (0.3, 0.0, 0.45),
    "bass": (0.3, 0.0, 0.0),
    "arp": (0.3, 0.3, 0.5),
    "lead": (0.7, 0.0, 0.35),
    "hook": (0.45, -0.15, 0.4),
}
_DRUM_GAIN = {
    "kick": (0.75, 0.0),
    "snare": (0.55, 0.05),
    "clap": (0.5, -0.05),
    "hat": (0.5, 0.25),
    "open": (0.4, 0.25),
    "ride": (0.45, -0.25),
    "crash": (0.4, -0.2),
    "tom": (0.5, 0.15),
}


def mix(plan: SongPlan, sample_rate: int) -> Audio:
    """Render every part of `plan` and master it to exactly `duration * sample_rate` frames."""
    frames = round(plan.duration * sample_rate)
    length = frames + int(_TAIL_SECONDS * sample_rate)
    cache = NoteCache(sample_rate)
    left = np.zeros(length, dtype=np.float32)
    right = np.zeros(length, dtype=np.float32)
    send = np.zeros(length, dtype=np.float32)

    for part, (gain, pan, wet) in _PARTS.items():
        stem = _render_notes(plan.part(part), cache, sample_rate, length, gain)
        if part in ("chords", "bass") and plan.style.pump:
            stem *= _pump(length, sample_rate, plan.tempo)
        if part == "chords":
            _add_wide(left, right, stem, int(0.011 * sample_rate))
        else:
            _add_panned(left, right, stem, pan)
        if wet:
            send += stem * np.float32(wet)

    _add_drums(plan, sample_rate, (left, right, send))
    wet_left, wet_right = _reverb(send, sample_rate, plan.style.reverb)
    left, right = left[:frames] + wet_left[:frames], right[:frames] + wet_right[:frames]
    if plan.style.lofi:
        _lofi(left, right, sample_rate)
    return _master(np.stack([left, right], axis=1), sample_rate)


def _render_notes(
    notes: tuple[Note, ...], cache: NoteCache, sr: int, length: int, gain: float
) -> Audio:
    stem = np.zeros(length, dtype=np.float32)
    for note in notes:
        start = round(note.start * sr)
        n = min(round((note.length + 0.05) * sr), length - start)
        if n <= 0:
            continue
        wave = cache.note(note.instrument, note.midi, n, note.vowel)
        stem[start : start + n] += wave * np.float32(note.velocity * gain)
    return stem


def _add_drums(plan: SongPlan, sr: int, buses: tuple[Audio, Audio, Audio]) -> None:
    """Add every drum hit straight into the left, right and reverb-send buses."""
    if not plan.hits:
        return
    kit = drum_kit(sr, kick_tune=1.15 if plan.style.drums in ("four_floor", "techno") else 1.0)
    length = len(buses[0])
    for hit in plan.hits:
        shot = kit[hit.drum]
        gain, pan = _DRUM_GAIN[hit.drum]
        start = round(hit.start * sr)
        n = min(len(shot), length - start)
        scaled = shot[:n] * np.float32(hit.velocity * gain)
        for bus, share in zip(buses, (*_pan_gains(pan), _DRUM_SEND), strict=True):
            bus[start : start + n] += scaled * np.float32(share)


def _pump(length: int, sr: int, tempo: float) -> Audio:
    """Side-chain ducking: the gain dips on every beat and recovers within it."""
    beat = 60.0 / tempo
    t = (np.arange(length, dtype=np.float64) / sr) % beat
    return (1.0 - 0.55 * np.exp(-t / (beat * 0.22))).astype(np.float32)


def _pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law, unity in the centre... almost: 0.85 leaves headroom."""
    angle = (pan + 1.0) * np.pi / 4.0
    return float(np.cos(angle) * np.sqrt(2.0) * 0.85), float(np.sin(angle) * np.sqrt(2.0) * 0.85)


def _add_panned(left: Audio, right: Audio, mono: Audio, pan: float) -> None:
    gain_left, gain_right = _pan_gains(pan)
    left += mono * np.float32(gain_left)
    right += mono * np.float32(gain_right)


def _add_wide(left: Audio, right: Audio, mono: Audio, delay: int) -> None:
    """Haas widening: the right channel hears the part a few milliseconds later."""
    left += mono
    right[delay:] += mono[:-delay]


def _reverb(send: Audio, sr: int, amount: float) -> tuple[Audio, Audio]:
    """Convolve the send with two decaying noise bursts (a stereo room).

    Overlap-add FFT convolution in float32: one forward transform per block feeds both
    channels.
    """
    seconds = 0.6 + 2.2 * amount
    n = int(seconds * sr)
    rng = np.random.default_rng(0xEC0)
    ramp = np.arange(n)
    decay = np.exp(-ramp / (0.22 * seconds * sr)) * np.minimum(ramp / (0.012 * sr), 1.0)
    size = 1 << int(np.ceil(np.log2(4 * n)))
    block = size - n + 1
    spectra = []
    for _ in range(2):
        ir = np.convolve(rng.standard_normal(n) * decay, np.ones(3) / 3.0, mode="same")
        ir *= amount * 2.2 / np.sqrt(np.sum(ir**2))
        spectra.append(np.fft.rfft(ir.astype(np.float32), size))
    outputs = [np.zeros(len(send) + size, dtype=np.float32) for _ in spectra]
    for start in range(0, len(send), block):
        chunk = np.fft.rfft(send[start : start + block], size)
        for out, spectrum in zip(outputs, spectra, strict=True):
            out[start : start + size] += np.fft.irfft(chunk * spectrum, size)
    return outputs[0][: len(send)], outputs[1][: len(send)]


def _moving_average(x: Audio, width: int) -> Audio:
    """A cheap low-pass: the mean of `width` neighbouring samples."""
    out = x.copy()
    for shift in range(1, width):
        out[shift:] += x[:-shift]
    return out * np.float32(1.0 / width)


def _lofi(left: Audio, right: Audio, sr: int) -> None:
    """Dull the top end and add a little vinyl crackle and tape hiss, in place."""
    frames = len(left)
    rng = np.random.default_rng(0x71F1)
    crackle = np.zeros(frames, dtype=np.float32)
    count = int(frames / sr * 6)
    crackle[rng.integers(0, frames, count)] = rng.uniform(-1.0, 1.0, count).astype(np.float32)
    crackle = _moving_average(crackle, 3)
    hiss = np.resize(rng.standard_normal(3 * sr + 17).astype(np.float32), frames)
    level = max(float(np.abs(left).max()), float(np.abs(right).max()), 1e-6)
    noise = (crackle * np.float32(0.09) + hiss * np.float32(0.004)) * np.float32(level)
    for channel in (left, right):
        channel[:] = _moving_average(channel, 5) + noise


def _master(stereo: Audio, sr: int) -> Audio:
    """Remove DC, fade in and out, gently saturate and normalise to a peak of 0.95."""
    stereo -= stereo.mean(axis=0, dtype=np.float64).astype(np.float32)
    frames = len(stereo)
    fade_in = min(int(0.5 * sr), frames // 10)
    fade_out = min(int(4.0 * sr), frames // 6)
    if fade_in:
        stereo[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)[:, None] ** 2
    if fade_out:
        curve = np.linspace(1.0, 0.0, fade_out, dtype=np.float32)
        stereo[frames - fade_out :] *= (curve * curve * (3 - 2 * curve))[:, None]
    peak = float(np.abs(stereo).max())
    if peak <= 0.0:
        return stereo
    drive = np.float32(1.6)
    stereo = np.tanh(stereo * (drive / np.float32(peak))) / np.tanh(drive)
    return (stereo * np.float32(_PEAK)).astype(np.float32)
