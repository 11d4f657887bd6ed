"""The weekly digest: counts by intent, the fall-through rate, the "not helpful" rate, emergencies, and the top
unanswered themes, for the week (ISO week, clinic time) that just ended.

Counted in the store (``desk:stats:<year>-W<week>``, shared by every instance) while the review loop is on;
posted to the staff channel on Monday morning by one instance, and printed by ``botox-bot report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from botox_bot.core.models import Reply
from botox_bot.desk.review import ReviewItem, themes
from botox_bot.store import Store


def week_of(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(when: datetime) -> str:
    return week_of(when - timedelta(days=7))


def week_bounds(week: str, tz: tzinfo) -> tuple[float, float]:
    """The Unix times a week (``2025-W10``) starts and ends, in time zone ``tz``."""
    start = datetime.strptime(week + "-1", "%G-W%V-%u").replace(tzinfo=tz)
    return start.timestamp(), (start + timedelta(days=7)).timestamp()


class Stats:
    def __init__(self, store: Store):
        self.store = store

    @staticmethod
    def name(week: str) -> str:
        return f"desk:stats:{week}"

    async def count(self, reply: Reply, week: str) -> None:
        """One patient message answered: by intent, and whether it fell through, raised an alarm, asked for a person."""
        name = self.name(week)
        await self.store.increment(name, "total")
        await self.store.increment(name, f"intent:{reply.intent}")
        if reply.fallback or reply.choices:
            await self.store.increment(name, "fell_through")
        if reply.emergency or reply.urgency == "crisis":
            await self.store.increment(name, "emergency" if reply.emergency else "crisis")
        if reply.handoff:
            await self.store.increment(name, "handoff")

    async def feedback(self, helpful: bool, week: str) -> None:
        await self.store.increment(self.name(week), "helpful" if helpful else "not_helpful")


@dataclass
class Digest:
    week: str
    total: int = 0
    by_intent: dict[str, int] = field(default_factory=dict)
    fell_through: int = 0
    helpful: int = 0
    not_helpful: int = 0
    emergencies: int = 0
    crises: int = 0
    handoffs: int = 0
    themes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def fall_through_rate(self) -> float:
        return self.fell_through / self.total if self.total else 0.0

    @property
    def not_helpful_rate(self) -> float:
        votes = self.helpful + self.not_helpful
        return self.not_helpful / votes if votes else 0.0


async def build(store: Store, week: str, unanswered: list[ReviewItem]) -> Digest:
    counts = await store.counts(Stats.name(week))
    return Digest(
        week=week,
        total=counts.get("total", 0),
        by_intent={k.removeprefix("intent:"): v for k, v in counts.items() if k.startswith("intent:")},
        fell_through=counts.get("fell_through", 0),
        helpful=counts.get("helpful", 0),
        not_helpful=counts.get("not_helpful", 0),
        emergencies=counts.get("emergency", 0),
        crises=counts.get("crisis", 0),
        handoffs=counts.get("handoff", 0),
        themes=themes(unanswered),
    )


def render(digest: Digest) -> str:
    """Plain text that reads the same in a terminal and in Slack or Teams."""
    lines = [f"Weekly digest, {digest.week}: {digest.total} patient messages answered"]
    if digest.total:
        lines.append(
            f"Fell through (out of scope or a choice offered): {digest.fell_through} ({digest.fall_through_rate:.0%})"
        )
        votes = digest.helpful + digest.not_helpful
        lines.append(
            f"Marked not helpful: {digest.not_helpful} of {votes} votes ({digest.not_helpful_rate:.0%})"
            if votes
            else "Marked not helpful: no votes"
        )
        lines.append(
            f"Emergencies: {digest.emergencies}; crises: {digest.crises}; requests for a person: {digest.handoffs}"
        )
        top = sorted(digest.by_intent.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        lines.append("By intent: " + ", ".join(f"{intent} {n}" for intent, n in top))
    if digest.themes:
        lines.append("Top unanswered themes: " + ", ".join(f"{word} ({n})" for word, n in digest.themes))
    lines.append("Label what fell through with `botox-bot review`.")
    return "\n".join(lines)
