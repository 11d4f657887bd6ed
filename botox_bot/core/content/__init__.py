"""The clinic's content: what people say (``intents/``), what the bot says (``responses/``), per language.

``load_content`` reads and validates a content folder (see docs/content-format.md); the engine uses the
:class:`Content` it returns. Nothing per message re-reads content.
"""

from botox_bot.core.content.loader import ContentError, default_content_dir, load_content
from botox_bot.core.content.model import BUILT_IN_SLOTS, CORE_RESPONSES, Content, Example, topic_of
from botox_bot.core.content.schema import PLACEHOLDERS, Variation

__all__ = [
    "BUILT_IN_SLOTS",
    "CORE_RESPONSES",
    "PLACEHOLDERS",
    "Content",
    "ContentError",
    "Example",
    "Variation",
    "default_content_dir",
    "load_content",
    "topic_of",
]
