"""The Slack adapter: slash command, modal, buttons and MP3 delivery through slack-bolt.

`SlackAdapter` (adapter.py) is the only entry point; the other modules are small pieces it
wires together: `mrkdwn` (safe text), `blocks` and `modals` (pure payload builders),
`channels` (reaching a user), `status` (the edited status message), `songs` (starting a
song), `delivery` (the job notices and the upload), `admins` (who may `/song admin`) and
`handlers` (Bolt listeners). `manifest.yml` is the Slack app manifest (docs/slack.md).
"""

from adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
