"""Per-word caches bounded in bytes, for work done once per distinct word (n-gram lookups, typo corrections).

Patients reuse a small vocabulary, so caching each word's result pays; but anyone can send words nobody has
sent before, each up to a message's length. A cache bounded only in entries grew by 300 MB on 50,000 unique
2,000-letter words. These are bounded in bytes (the words and their results, as Python counts them), start
afresh when full (the common words are back within a few messages), and never keep a word longer than
``max_word_chars``: no real word is, and its result is cheap to compute again, if it is ever seen again.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from functools import wraps
from typing import Any, Generic, TypeVar

V = TypeVar("V")
ENTRY_OVERHEAD = 100  # bytes a dict slot and its bookkeeping cost beyond the key and the value
MAX_WORD_CHARS = 40  # longer than any word in the content's languages ("hypersensitivity": 16)


def size_of(value: Any) -> int:
    """What ``value`` costs in memory: the object, and the items of a tuple or frozenset of small objects."""
    size = sys.getsizeof(value)
    if isinstance(value, tuple | frozenset):
        size += sum(sys.getsizeof(item) for item in value)
    return size


class WordCache(Generic[V]):
    def __init__(self, max_bytes: int, max_word_chars: int = MAX_WORD_CHARS):
        self.max_bytes = max_bytes
        self.max_word_chars = max_word_chars
        self.bytes = 0
        self._items: dict[str, V] = {}

    def get(self, word: str) -> V | None:
        return self._items.get(word)

    def put(self, word: str, value: V) -> None:
        if len(word) > self.max_word_chars or word in self._items:
            return
        cost = size_of(word) + size_of(value) + ENTRY_OVERHEAD
        if self.bytes + cost > self.max_bytes:
            self.clear()
        self._items[word] = value
        self.bytes += cost

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def word_cache(
    max_bytes: int, max_word_chars: int = MAX_WORD_CHARS
) -> Callable[[Callable[[str], V]], Callable[[str], V]]:
    """``functools.lru_cache`` for a function of one word, bounded in bytes (its cache: ``.cache``)."""

    def decorate(func: Callable[[str], V]) -> Callable[[str], V]:
        cache: WordCache[V] = WordCache(max_bytes, max_word_chars)
        missing = object()

        @wraps(func)
        def cached(word: str) -> V:
            found = cache._items.get(word, missing)
            if found is not missing:
                return found  # type: ignore[return-value]
            value = func(word)
            cache.put(word, value)
            return value

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return decorate


class Recent(Generic[V]):
    """A map that keeps the ``size`` entries used most recently (what the engine understood of a text, the reply
    to a first message): bounded in entries, for values of about the same size."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._items)
