"""Answering inside Discord's 3-second window when the core is slow.

The core is usually fast, but every call can wait on the database (another writer, a busy
transaction). An interaction not answered within 3 s is dead, and an autocomplete that is
late or raises leaves the user with "loading options failed". So slow calls are raced
against a budget: commands defer (ephemerality decided now, as Discord requires) and answer
later; autocomplete, which cannot defer, gives up and answers without the slow part.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

log = logging.getLogger(__name__)

T = TypeVar("T")


async def in_window(
    interaction: discord.Interaction[Any],
    call: Awaitable[T],
    *,
    budget: float,
    ephemeral: bool,
) -> tuple[T, bool]:
    """`call`'s result, deferring the interaction first if it takes longer than `budget`.

    Returns (result, deferred)."""
    pending = asyncio.ensure_future(call)
    done, _ = await asyncio.wait({pending}, timeout=budget)
    if done:
        return pending.result(), False
    log.warning("core slow to answer interaction %s: deferring it", interaction.id)
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return await pending, True


async def or_default(call: Awaitable[T], default: T, *, budget: float) -> T:
    """`call`'s result within `budget`, else `default`; never raises (for autocomplete)."""
    try:
        return await asyncio.wait_for(call, budget)
    except Exception:
        log.warning("autocomplete went without the core's answer", exc_info=True)
        return default
