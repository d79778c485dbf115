"""Benchmark of the offline preview renderer: render + MP3 encode time per song length.

Run on demand (never from tests): `.venv/bin/python bench/bench_render.py [--quick]`.
Prints a table; the first row is a cold start (caches empty), as the bot's first job is.
"""

from __future__ import annotations

import argparse
import time

from bot.audio import encode_mp3
from bot.backends.base import GenerationSpec
from bot.render import describe, plan_song, render_song

RATE = 44100
LYRICS = "[verse]\nwalking down the empty street\ncity lights beneath my feet\n" * 4 + (
    "[chorus]\nsing it loud tonight\neverything will be alright\n" * 2
)
CASES = [
    ("lofi, chill", 240),
    ("drum and bass, epic", 240),
    ("jazz", 240),
    ("house", 240),
    ("ambient, sad", 240),
    ("rock", 120),
    ("techno", 60),
    ("trap", 30),
]


def run(tags: str, duration: int) -> tuple[float, float, float, str]:
    spec = GenerationSpec(tags=tags, lyrics=LYRICS, duration=duration, seed=1)
    start = time.perf_counter()
    plan = plan_song(spec)
    planned = time.perf_counter()
    samples = render_song(spec, RATE)
    rendered = time.perf_counter()
    encode_mp3(samples, RATE)
    encoded = time.perf_counter()
    return planned - start, rendered - planned, encoded - rendered, describe(plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the first two cases")
    args = parser.parse_args()
    cases = CASES[:2] if args.quick else CASES
    print(f"{'tags':<22} {'sec':>4} {'plan':>6} {'render':>7} {'encode':>7} {'total':>7}  plan")
    for tags, duration in cases:
        plan_s, render_s, encode_s, summary = run(tags, duration)
        total = plan_s + render_s + encode_s
        print(
            f"{tags:<22} {duration:>4} {plan_s:>6.2f} {render_s:>7.2f} {encode_s:>7.2f} "
            f"{total:>7.2f}  {summary}"
        )


if __name__ == "__main__":
    main()
