"""The review loop (opt-in): questions the bot could not answer well, kept scrubbed, labelled by a person, and
exported as Rasa NLU examples for ``intents/``, so the next ``botox-bot train`` learns them.

What falls through: an answer out of scope (below the confidence threshold, or a question about something
else), a choice offered because two topics were too close, and an answer a patient marked "not helpful". Each is
kept as a ``ReviewItem``: the question scrubbed of names, numbers, emails, dates and addresses *before* it is
stored (``scrub.py``), what the bot guessed, and why it was kept; never the sender. Items older than the
retention setting are removed whenever the list is read or written. Labelled items wait for export in a second
list, under the same retention.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from botox_bot.desk.ledger import Ledger, Record
from botox_bot.desk.scrub import Scrubber

REASONS = ("fallback", "choice", "not_helpful")
DISCARD = "discard"
_PLACEHOLDER = re.compile(r"\[(?:PHONE|EMAIL|URL|NUMBER|DATE|ADDRESS|NAME)\]")
_STOPWORDS = set(
    "a an the and or but if of to in on at for with about is are was were be been do does did i you my me it this "
    "that can could would should will how what when why who which there their they we our your have has had not no "
    "get got am so just any some from as by botox tox el la los las de que y en un una mi me es por para con se "
    "lo le del al como qué cómo cuánto puedo puede tengo".split()
)


@dataclass(frozen=True)
class ReviewItem:
    id: str
    t: float
    text: str  # scrubbed
    guess: str  # the intent the bot answered with (out_of_scope for a fall-through)
    answer_key: str
    confidence: float
    reason: str  # fallback, choice, not_helpful
    language: str
    channel: str
    conversation: str
    label: str | None = None  # an intent, once a person labelled it

    @classmethod
    def from_record(cls, record: Record) -> ReviewItem:
        fields = {name: record.get(name) for name in cls.__dataclass_fields__}
        return cls(**fields)  # type: ignore[arg-type]


class ReviewQueue:
    def __init__(
        self, pending: Ledger, labelled: Ledger, scrubber: Scrubber, retention_seconds: float, clock=time.time
    ):
        self.pending_ledger, self.labelled_ledger = pending, labelled
        self.scrubber = scrubber
        self.retention = retention_seconds
        self._clock = clock

    async def keep(
        self,
        text: str,
        *,
        guess: str,
        answer_key: str,
        confidence: float,
        reason: str,
        language: str,
        channel: str,
        conversation: str,
    ) -> ReviewItem:
        """Scrub, then store: the raw text never reaches the store."""
        item = ReviewItem(
            id=uuid.uuid4().hex[:10],
            t=round(self._clock(), 3),
            text=self.scrubber.scrub(text)[:500],
            guess=guess,
            answer_key=answer_key,
            confidence=round(confidence, 4),
            reason=reason,
            language=language,
            channel=channel,
            conversation=conversation,
        )
        await self.pending_ledger.append(asdict(item))
        return item

    async def pending(self) -> list[ReviewItem]:
        await self.prune()
        return [ReviewItem.from_record(r) for r in await self.pending_ledger.records()]

    async def labelled(self) -> list[ReviewItem]:
        await self.prune()
        return [ReviewItem.from_record(r) for r in await self.labelled_ledger.records()]

    async def label(self, item_id: str, intent: str) -> ReviewItem | None:
        """Label an item with an intent (or ``discard`` it): it leaves the pending list either way."""
        found = [r for r in await self.pending_ledger.records() if r.get("id") == item_id]
        if not found:
            return None
        item = ReviewItem.from_record(found[0])
        await self.pending_ledger.remove_where(lambda r: r.get("id") == item_id)
        if intent == DISCARD:
            return item
        labelled = ReviewItem(**{**asdict(item), "label": intent})
        await self.labelled_ledger.append(asdict(labelled))
        return labelled

    async def forget(self, conversation: str) -> int:
        """A patient's "forget me": their items go from both lists."""
        drop = lambda r: r.get("conversation") == conversation  # noqa: E731
        return await self.pending_ledger.remove_where(drop) + await self.labelled_ledger.remove_where(drop)

    async def prune(self) -> int:
        cutoff = self._clock() - self.retention
        old = lambda r: float(r.get("t", 0)) < cutoff  # noqa: E731
        return await self.pending_ledger.remove_where(old) + await self.labelled_ledger.remove_where(old)

    async def export(self, intents_dir: Path, file_name: str = "reviewed.yml") -> dict[str, int]:
        """Write the labelled items into ``intents/<language>/<file_name>`` (merged with what is there), then take
        them off the list. Returns how many examples each language file gained."""
        items = await self.labelled()
        by_language: dict[str, list[ReviewItem]] = defaultdict(list)
        for item in items:
            by_language[item.language].append(item)
        gained: dict[str, int] = {}
        for language, group in sorted(by_language.items()):
            path = intents_dir / language / file_name
            known = _examples_in(intents_dir / language, besides=path)
            fresh = [(i.label or "", example_text(i.text)) for i in group]
            gained[language] = write_nlu(path, [(label, ex) for label, ex in fresh if _plain(ex) not in known])
        exported = {i.id for i in items}
        await self.labelled_ledger.remove_where(lambda r: r.get("id") in exported)
        return gained


def example_text(scrubbed: str) -> str:
    """A scrubbed question as a training example: the placeholders out (a model should not learn "[NAME]")."""
    text = " ".join(_PLACEHOLDER.sub(" ", scrubbed).split())
    return re.sub(r"\s+([,.;:!?])", r"\1", text).strip(" ,.;:")


def write_nlu(path: Path, examples: Iterable[tuple[str, str]]) -> int:
    """Merge ``(intent, example)`` pairs into a Rasa NLU file (version 3.1), one ``- intent:`` block each.

    An example already in the file is not added twice. Returns how many were added.
    """
    existing: dict[str, list[str]] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            lines = str(block.get("examples") or "").splitlines()
            existing[block["intent"]] = [line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")]
    added = 0
    for intent, example in examples:
        if not intent or not example:
            continue
        known = existing.setdefault(intent, [])
        if example.lower() not in {e.lower() for e in known}:
            known.append(example)
            added += 1
    lines = [
        'version: "3.1"',
        "# Questions patients asked that the bot could not answer well, labelled in `botox-bot review`.",
        "nlu:",
    ]
    for intent in sorted(existing):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in existing[intent]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return added


def _plain(example: str) -> str:
    """How ``botox-bot check`` compares examples: case and accents aside."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", example.lower())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def _examples_in(folder: Path, besides: Path) -> set[str]:
    """Every example already in the content's files of one language (an export must not repeat one)."""
    found: set[str] = set()
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        if path == besides:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.add(_plain(line.strip()[2:]))
    return found


def grouped(items: Iterable[ReviewItem]) -> dict[str, list[ReviewItem]]:
    """Items by what the bot guessed, the biggest group first."""
    groups: dict[str, list[ReviewItem]] = defaultdict(list)
    for item in items:
        groups[item.guess].append(item)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def themes(items: Iterable[ReviewItem], top: int = 5) -> list[tuple[str, int]]:
    """The words unanswered questions share most (each counted once a question), stop words and placeholders out."""
    counts: Counter[str] = Counter()
    for item in items:
        words = {w for w in re.findall(r"[a-záéíóúñü]{4,}", _PLACEHOLDER.sub(" ", item.text).lower())}
        counts.update(w for w in words if w not in _STOPWORDS)
    return [(word, n) for word, n in counts.most_common(top) if n > 1] or counts.most_common(min(top, 3))
