"""What the engine needs to know, and nothing else: no credentials, no server or platform settings.

``botox_bot.settings`` builds it from the settings (``Settings.engine_config()``) at the edge; the core never
imports the settings. A program that embeds the engine can build one by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EngineConfig:
    clinic_name: str | None
    """Written into answers ({clinic_name}), as are the four below; None: the content's "our clinic"."""
    clinic_phone: str
    booking_link: str
    emergency_number: str | None
    """None: the content's "your local emergency number" (never a silent 911)."""
    crisis_line: str | None
    confidence_threshold: float
    """Below this, the answer is out_of_scope."""
    emergency_threshold: float
    """The classifier alone (no red flag found by the screen) must be this sure to answer an emergency."""
    choice_margin: float
    """Top two topics closer than this: ask which."""
    context_ttl_seconds: int
    """How long a follow-up keeps its context."""
    seed: int | None
    """Fixes the choice among reply variations (tests, demos); None: random."""
    content_dir: Path | None
    """Folder with intents/ and responses/; None: the shipped content."""
    cache_dir: Path | None
    """Where the trained model is cached; None: not cached."""
    languages: tuple[str, ...] = ()
    """Languages the clinic serves; empty: every language of the content."""
    clinic_file: Path | None = None
    """The clinic's own answers (docs/clinic.md)."""
    selector_threshold: float = 0.3
    """Below this share of its topic, a specific answer gives way to the topic's general answer."""
