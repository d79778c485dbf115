"""User-facing usage text, shown by `/help` and under parse errors."""

from __future__ import annotations

from bot.models import MAX_DURATION, MAX_LYRICS_CHARS, MAX_SEED, MAX_TAGS_CHARS, MIN_DURATION

DURATION_FORMS = (
    f"Use seconds (`90`, `90s`), minutes (`2m`, `1.5m`) or both (`1:30`, `1m30s`), "
    f"from {MIN_DURATION} to {MAX_DURATION} seconds ({MAX_DURATION // 60} minutes)."
)

SEED_FORMS = (
    f"Use a whole number from 0 to {MAX_SEED} to repeat a song, "
    "or `-1` (or leave it out) for a random seed."
)

SONG_USAGE = (
    "**Usage:** `/song <tags> [duration: 60] [seed: 42] [private: yes] [lyrics: …]` — "
    f"**tags** are comma-separated styles (required, up to {MAX_TAGS_CHARS} characters), "
    "e.g. `lofi, chill, piano`; "
    f"**duration** is {MIN_DURATION}–{MAX_DURATION} seconds "
    "(`90`, `90s`, `1:30`, `2m`, `1m30s`; default 60); "
    f"**seed** is 0–{MAX_SEED} to repeat a song (leave it out or use -1 for random); "
    "**private: yes** keeps the reply to you where the platform allows (default no); "
    f"**lyrics** are up to {MAX_LYRICS_CHARS} characters, with `[verse]`, `[chorus]` "
    "section tags, or `[inst]` / nothing for an instrumental. "
    "Keys can come in any order and text before the first key counts as tags: "
    "`/song lofi, chill duration: 30`."
)

COMMANDS = ("song", "help", "cancel", "history", "quota")
"""Public commands (`/admin` exists too, but is not advertised)."""

COMMANDS_HELP = (
    "**Commands:** `/song <tags> …` makes a song · `/help` shows this · "
    "`/cancel <job id>` cancels one of your songs · `/history` lists your recent songs · "
    "`/quota` shows how many songs you can still make."
)

HELP_TEXT = f"{COMMANDS_HELP}\n\n{SONG_USAGE}"
