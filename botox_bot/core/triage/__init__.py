"""Triage of patient and staff messages: red flags in any wording (English and Spanish), the right urgency, a crisis
path, and a one-line safety preface for general questions and resolved history.

Pure and synchronous: no I/O, no settings, no YAML. The rules are reviewed clinical content kept in code, so no
content edit can switch them off. The caller keeps the returned memory per sender (about 30 minutes) and passes it
back with the sender's next message.

    triage, memory = screen("is it normal to see double?", memory=stored, now=time.time())
    if triage.alarm: ...            # call_now / urgent / crisis
    elif triage.outcome == "preface": ...  # lead the normal answer with "If this is happening now: ..."
"""

from botox_bot.core.triage.concepts import compile_all
from botox_bot.core.triage.outcome import Audience, Level, Outcome, Triage
from botox_bot.core.triage.screen import screen

__all__ = ["Audience", "Level", "Outcome", "Triage", "compile_all", "screen"]
