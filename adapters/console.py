"""The console adapter: type commands, get songs saved to disk.

Interactive on a terminal (a prompt with line editing) and scriptable: with stdin piped it
reads commands until EOF, waits for pending jobs, and returns. Each finished song prints a
line `saved <path>`.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from typing import TextIO

from bot.core import SongBot
from bot.messages import progress_text
from bot.models import Cancelled, Delivered, Failed, Job, JobEvent, JobState, Origin, Progress

LYRICS_FENCE = '"""'
PROMPT = "songbot> "
LYRICS_PROMPT = "lyrics… "


def plain(text: str) -> str:
    """Render the core's markdown subset for a terminal."""
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text, flags=re.DOTALL)


class ConsoleAdapter:
    platform = "console"

    def __init__(
        self,
        core: SongBot,
        *,
        user: str,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.core = core
        self.origin = Origin(platform="console", user_id=user, user_name=user)
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._wanted = threading.Event()
        """Set when the command loop asks for a line: the prompt shows only after each reply."""
        self._prompt = PROMPT

    # -- Notifier ----------------------------------------------------------------------

    async def notify(self, job: Job, event: JobEvent) -> None:
        match event:
            case Progress(state=JobState.DELIVERING):
                self.say(f"[{job.id}] saving")
            case Progress(state=state, position=position, elapsed_seconds=elapsed):
                self.say(f"[{job.id}] {progress_text(state, position, elapsed)}")
            case Delivered(song=song):
                self.say(
                    f"[{job.id}] done: {song.title} · {job.request.duration} s · seed {job.seed}"
                )
                self.say(f"saved {song.path}")
            case Failed(message=message):
                self.say(f"[{job.id}] failed: {plain(message)}")
            case Cancelled():
                self.say(f"[{job.id}] cancelled")

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        reader = threading.Thread(target=self._read_lines, args=(loop,), daemon=True)
        reader.start()

    async def stop(self) -> None:
        return None

    async def wait_failed(self) -> BaseException:
        """Never: the console ends by end of input, not by failing."""
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    # -- input -------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _read_lines(self, loop: asyncio.AbstractEventLoop) -> None:
        """Runs in a daemon thread (a blocked read never holds up shutdown)."""
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                if self.interactive:
                    line: str | None = input(self._prompt)
                else:
                    raw = self.stdin.readline()
                    line = raw.rstrip("\r\n") if raw else None
            except (EOFError, KeyboardInterrupt, OSError, ValueError):
                line = None
            loop.call_soon_threadsafe(self._lines.put_nowait, line)
            if line is None:
                return

    async def _next_line(self, prompt: str = PROMPT) -> str | None:
        self._prompt = prompt
        self._wanted.set()
        return await self._lines.get()

    async def _read_lyrics(self, first: str) -> str | None:
        """Collect lines until a closing fence; `first` is text after the opening fence."""
        lines = [first] if first.strip() else []
        while True:
            line = await self._next_line(LYRICS_PROMPT)
            if line is None:
                return None
            if line.strip() == LYRICS_FENCE:
                return "\n".join(lines)
            lines.append(line)

    async def handle_line(self, line: str) -> bool:
        """Run one command line. Returns False at end of input inside unterminated lyrics."""
        lyrics: str | None = None
        head, fence, tail = line.partition(LYRICS_FENCE)
        if fence:
            lyrics = await self._read_lyrics(tail)
            if lyrics is None:
                self.say('Lyrics were not closed with a line of """; nothing was sent.')
                return False
            line = re.sub(r"lyrics\s*:\s*$", "", head.rstrip(), flags=re.IGNORECASE)
        reply = await self.core.handle_text(self.origin, line, is_admin=True, lyrics=lyrics)
        self.say(plain(reply.text) if reply.ok else f"⚠ {plain(reply.text)}")
        return True

    async def run(self) -> int:
        """Read and run commands until end of input; then wait for pending songs."""
        if self.interactive:
            self.say("songbot console — type /help for commands, Ctrl-D to quit.")
        while True:
            line = await self._next_line()
            if line is None:
                break
            if not line.strip():
                continue
            if not await self.handle_line(line):
                break
        await self.core.wait_idle()
        return 0
