"""The Discord adapter (discord.py over the gateway). See docs/discord.md."""

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
