"""botox-bot: answers questions about Botox (botulinum toxin) for medical clinics.

The public surface is small on purpose: build an :class:`Engine` from content and settings, then
``await engine.answer(Message(...))`` to get a :class:`Reply`. Channels (CLI, web, Slack, Teams, SMS) only
turn their platform's requests into a ``Message`` and format the ``Reply``.
"""

from botox_bot.core.engine import Engine
from botox_bot.core.models import Choice, IntentScore, Message, Reply

__all__ = ["Choice", "Engine", "IntentScore", "Message", "Reply"]
__version__ = "0.1.0"
