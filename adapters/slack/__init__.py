"""The Slack adapter: slash command, modal, buttons and MP3 delivery through slack-bolt.

`SlackAdapter` (adapter.py) is the only entry point; the other modules are small pieces it
wires together: `mrkdwn` (safe text), `blocks` and `modals` (pure payload builders),
`channels` (reaching a user), `songs` (starting a song), `delivery` (the job notices) and
`handlers` (Bolt listeners).
"""

from adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
