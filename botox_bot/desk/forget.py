"""'forget me' / 'borra mis datos': a patient asking the bot to delete what it keeps about them.

Recognised here, by a few reviewed rules, before the classifier sees the message, and not by the classifier: a
data-rights request must work the same whatever the model learnt, must not be outvoted by a topic ("delete my
data about botox") and must never be taken for a question. The rules want a deletion verb and an object that is
the person's data or the conversation, so "forget about it", "I forgot my appointment" and "delete the app" are
not requests. A red flag in the same message still comes first (the runtime screens before it asks here).
"""

from __future__ import annotations

import re

from botox_bot.core.wordcache import word_cache

_RULES = [
    # English: "forget me", "delete my data / my info / this conversation / everything you have on me"
    re.compile(r"^\W*(?:please\s+)?forget\s+(?:about\s+)?me\b", re.I),
    re.compile(
        r"\b(?:delete|erase|remove|wipe|forget|clear|purge)\s+(?:all\s+(?:of\s+)?)?"
        r"(?:my\s+(?:personal\s+)?(?:data|info(?:rmation)?|details|messages|history|chats?|conversations?|records)|"
        r"(?:this|our|the)\s+(?:chat|conversation|chat\s+history)|everything\s+(?:you\s+(?:have|know|keep)\s+"
        r"(?:on|about)\s+me|about\s+me)|what\s+you\s+(?:have|know|keep)\s+(?:on|about)\s+me)",
        re.I,
    ),
    re.compile(r"\bright\s+to\s+(?:be\s+forgotten|erasure)\b", re.I),
    # Spanish: "borra mis datos", "olvídame", "elimina esta conversación", "borrar mi información"
    re.compile(r"^\W*(?:por\s+favor\s*,?\s*)?olv[ií]d(?:a|e)(?:me|nme)\b", re.I),
    re.compile(
        r"\b(?:borr|elimin|suprim|quit)(?:a|e|ar|en|ad|en)(?:\s+(?:todos?|toda)\s*)?\s+"
        r"(?:mis\s+(?:datos(?:\s+personales)?|mensajes|conversaciones)|mi\s+(?:informaci[oó]n|historial|conversaci[oó]n)|"
        r"(?:esta|la|nuestra)\s+conversaci[oó]n|todo\s+lo\s+que\s+(?:tiene|tienes|sabe|sabes|guarda|guardas)"
        r"\s+(?:de|sobre)\s+m[ií])",
        re.I,
    ),
    re.compile(r"\bderecho\s+(?:al\s+olvido|de\s+supresi[oó]n)\b", re.I),
]
_SPANISH = re.compile(r"olv[ií]d|borr|elimin|suprim|quit|derecho|mis\s+datos", re.I)


@word_cache(256 << 10, max_word_chars=300)  # asked of every patient message; patients repeat their questions
def forget_request(text: str) -> str | None:
    """The language of a "forget me" request (``en`` or ``es``), or None when ``text`` is not one."""
    if len(text) > 300:  # a request is a sentence; a long message mentioning it is something else
        return None
    for rule in _RULES:
        if rule.search(text):
            return "es" if _SPANISH.search(text) else "en"
    return None
