"""What the desk itself says to patients (a handoff's changes, business hours, "forget me"), in English and Spanish.

Fixed sentences, like a channel's own (the phone line's greeting): not answers about Botox, so not content. A
language without its own sentences gets the English ones. ``{clinic}`` is the clinic's name in that language.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "asked": "I've asked {clinic}'s team to join this chat. Someone will reply here shortly.",
        "after_hours": (
            "{clinic}'s desk is closed now; it opens {opening}. If you would like a call back, send your phone "
            "number here and the team will get it first thing."
        ),
        "callback": "Thank you: the team will call you back when the desk opens.",
        "taken": "You are now chatting with {clinic}'s staff. A person will answer you here.",
        "returned": "You are back with {clinic}'s automated assistant. Ask me anything about Botox.",
        "timed_out": (
            "The staff member has stepped away, so you are back with {clinic}'s automated assistant. Ask me anything "
            "about Botox, or ask for a person again."
        ),
        "forgotten": (
            "Done: I have deleted what this chat keeps about you (our conversation, your language, any handoff to "
            "staff and any saved question). Records the clinic must keep, such as a safety alert already sent to "
            "staff, are kept as the law requires."
        ),
        "forget_incomplete": (
            "I have deleted what I could reach, but part of our system is unavailable right now, so some of it may "
            "remain. Please ask again in a few minutes, or ask {clinic} to delete it for you."
        ),
    },
    "es": {
        "asked": "He pedido al equipo de {clinic} que se una a este chat. Alguien le responderá aquí en breve.",
        "after_hours": (
            "La recepción de {clinic} está cerrada ahora; abre {opening}. Si quiere que le llamemos, envíe aquí su "
            "número de teléfono y el equipo lo recibirá a primera hora."
        ),
        "callback": "Gracias: el equipo le llamará cuando abra la recepción.",
        "taken": "Ahora está hablando con el personal de {clinic}. Una persona le responderá aquí.",
        "returned": "Vuelve a hablar con el asistente automático de {clinic}. Pregúnteme lo que quiera sobre el bótox.",
        "timed_out": (
            "La persona del equipo ya no está disponible, así que vuelve a hablar con el asistente automático de "
            "{clinic}. Pregúnteme lo que quiera sobre el bótox, o pida hablar con una persona de nuevo."
        ),
        "forgotten": (
            "Hecho: he borrado lo que este chat guarda sobre usted (nuestra conversación, su idioma, cualquier paso "
            "a una persona del equipo y cualquier pregunta guardada). Los registros que la clínica debe conservar, "
            "como un aviso de seguridad ya enviado al equipo, se conservan como exige la ley."
        ),
        "forget_incomplete": (
            "He borrado lo que he podido, pero una parte de nuestro sistema no está disponible ahora y puede quedar "
            "algo. Vuelva a pedirlo en unos minutos, o pida a {clinic} que lo borre por usted."
        ),
    },
}


def say(key: str, language: str, **values: str) -> str:
    """The sentence ``key`` in ``language`` (English when the desk has none in it), with its values filled in."""
    table = TEXTS.get(language) or TEXTS["en"]
    return table[key].format(**values)
