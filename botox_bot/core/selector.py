"""From the classifier's scores over specific answers to a topic and an answer: Rasa's intent plus response
selector, in one model.

The classifier is trained on the most specific labels the content has (``safety/pregnancy``, ``greet``). A
topic's confidence is the sum of its answers' probabilities, so a question that clearly belongs to "safety" but
sits between two safety answers is still confidently about safety. Within the topic, the best answer is used
when it holds at least ``min_share`` of the topic's probability; otherwise the topic's general answer is safer
than a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from botox_bot.core.content import topic_of


@dataclass(frozen=True)
class Selection:
    topic: str
    confidence: float
    """The topic's probability."""
    answer_key: str
    """The specific answer (``safety/pregnancy``), or the topic itself for its general answer."""
    answer_share: float
    """The answer's share of its topic's probability."""
    ranking: list[tuple[str, float]]
    """Topics, best first."""


class ResponseSelector:
    def __init__(self, labels: Sequence[str], min_share: float = 0.3):
        self.labels = list(labels)
        self.topics = sorted({topic_of(label) for label in self.labels})
        index = {topic: i for i, topic in enumerate(self.topics)}
        self._topic_index = np.array([index[topic_of(label)] for label in self.labels], dtype=np.intp)
        self.min_share = min_share

    def topic_scores(self, probs: np.ndarray) -> np.ndarray:
        return np.bincount(self._topic_index, weights=probs, minlength=len(self.topics))

    def select(self, probs: np.ndarray, exclude: frozenset[str] = frozenset()) -> Selection:
        """The best topic (leaving out ``exclude``) and its best answer."""
        topic_probs = self.topic_scores(probs)
        order = [int(i) for i in np.argsort(-topic_probs) if self.topics[int(i)] not in exclude]
        ranking = [(self.topics[i], float(topic_probs[i])) for i in order]
        best = order[0]
        members = np.flatnonzero(self._topic_index == best)
        leaf = int(members[np.argmax(probs[members])])
        total = float(topic_probs[best]) or 1.0
        share = float(probs[leaf]) / total
        label = self.labels[leaf]
        answer = label if share >= self.min_share or label == self.topics[best] else self.topics[best]
        return Selection(self.topics[best], float(topic_probs[best]), answer, share, ranking)
