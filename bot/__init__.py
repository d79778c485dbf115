"""songbot: make songs with ACE-Step from chat.

`bot` is the platform-neutral core. It never imports a chat platform library: adapters
(in the top-level `adapters` package) translate platform events into the neutral values of
`bot.models` and receive `bot.models.JobEvent`s back through the `bot.ports.Notifier` protocol.
"""

__version__ = "0.1.0"
