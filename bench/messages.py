"""Real-looking messages for benchmarks, generated from patterns (no real patient's words)."""

from __future__ import annotations

import random

BRANDS = ["botox", "Botox", "dysport", "xeomin", "tox", "Jeuveau", "daxxify", "bottox"]
AREAS = ["forehead", "crows feet", "11s", "frown lines", "masseter", "underarms", "lip flip", "neck bands"]
CONDITIONS = [
    "migraines",
    "sweating",
    "cervical dystonia",
    "spasticity",
    "overactive bladder",
    "TMJ",
    "eye twitching",
    "drooling",
]
PATTERNS = [
    "how long does {b} last in my {a}?",
    "when will i see results from {b}",
    "how often can i get {b} for {c}",
    "is {b} safe if im breastfeeding",
    "what are the side effects of {b} in the {a}",
    "can {b} help {c}",
    "how does {b} actually work",
    "my {a} {b} wore off after 6 weeks, is that normal??",
    "I had {b} 3 days ago and now i have double vision",
    "cant breathe well since my {b} yesterday",
    "how much is {b} for {a}",
    "can i work out after {b}",
    "hi",
    "thanks!",
    "can i talk to a nurse",
    "does insurance cover {b} for {c}",
    "will i look frozen after {b} in my {a}",
    "what happens if i stop getting {b} for my {a}",
    "is {b} approved for {c}",
    "hey so i got {b} in my {a} two weeks ago and one eyebrow is higher than the other, will it settle?",
    "trouble swalowing after {b} for {c}",
    "wat is {b} made of",
    "{c}",
    "{b} {a} how long",
]


def messages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = rng.choice(PATTERNS).format(b=rng.choice(BRANDS), a=rng.choice(AREAS), c=rng.choice(CONDITIONS))
        if rng.random() < 0.3:
            text = text.lower()
        out.append(text)
    return out


FILLERS = [
    "please",
    "really",
    "quick",
    "question",
    "hey",
    "so",
    "um",
    "ok",
    "also",
    "anyway",
    "today",
    "honestly",
    "sorry",
    "hello",
    "btw",
    "just",
    "wondering",
]


def unique_messages(n: int, seed: int = 7) -> list[str]:
    """Like ``messages`` but (almost) never the same text twice, so no cache of understood texts can help."""
    rng = random.Random(seed + 1)
    return [f"{' '.join(rng.sample(FILLERS, 3))} {m}" for m in messages(n, seed)]
