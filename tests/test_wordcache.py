"""Per-word caches bounded in bytes (L1): text nobody sent before, however much of it, cannot grow the process
beyond the caches' budgets, and absurdly long "words" are never kept."""

from __future__ import annotations

import random
import string

from botox_bot.core.triage import concepts, crisis, normalise, scene
from botox_bot.core.wordcache import MAX_WORD_CHARS, WordCache, word_cache


def test_a_word_cache_stays_within_its_bytes_and_keeps_no_long_word():
    cache: WordCache[tuple[int, ...]] = WordCache(max_bytes=50_000)
    for n in range(5_000):
        cache.put(f"word{n}", (n, n + 1))
        assert cache.bytes <= 50_000
    assert 0 < len(cache) < 5_000
    cache.put("x" * (MAX_WORD_CHARS + 1), (1,))
    assert cache.get("x" * (MAX_WORD_CHARS + 1)) is None
    cache.put("botox", (7,))
    assert cache.get("botox") == (7,)


def test_the_decorator_computes_once_per_kept_word():
    calls: list[str] = []

    @word_cache(max_bytes=10_000)
    def shout(word: str) -> str:
        calls.append(word)
        return word.upper()

    assert [shout("hi"), shout("hi"), shout("y" * 100), shout("y" * 100)] == ["HI", "HI", "Y" * 100, "Y" * 100]
    assert calls == ["hi", "y" * 100, "y" * 100]  # the long one is computed each time, never kept


def _words(rng: random.Random, count: int, length: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=length)) for _ in range(count)]


def test_unique_words_from_strangers_cannot_outgrow_the_engines_caches(fresh_engine):
    """The review's input: messages of never-seen words, long and short, through the whole understanding."""
    rng = random.Random(7)
    for text in [" ".join(_words(rng, 3, 2000)) for _ in range(30)] + [
        " ".join(_words(rng, 40, 12)) for _ in range(150)
    ]:
        fresh_engine.understand(text)
        fresh_engine.is_red_flag(text)
    caches = {
        "classifier": fresh_engine.classifier._word_ids,
        "correct": normalise.correct.cache,
        "zipf": normalise._zipf.cache,
        **{f"prefilter.{m.__name__}": m.PREFILTER.names_for.cache for m in (concepts, crisis, scene)},
    }
    for name, cache in caches.items():
        assert cache.bytes <= cache.max_bytes, name
        assert not any(len(word) > MAX_WORD_CHARS for word in cache._items), name
    assert len(normalise.correct.cache) > 0  # the short words were kept
