"""The store's lists and counter reads (the desk's outboxes, review items, audit log, weekly counts), for the
memory store and a real Redis (slow)."""

from __future__ import annotations

import asyncio

import pytest

from botox_bot.store import MemoryStore
from botox_bot.store.redis import RedisStore
from tests.redis_server import STORE_KEY


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
async def store(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    server = request.getfixturevalue("redis_server")
    server.flush()
    shared = RedisStore(server.url, STORE_KEY)
    yield shared
    await shared.close()


async def test_a_list_keeps_its_last_items_in_order(store):
    for i in range(5):
        await store.append("desk:outbox:c-1", {"n": i, "text": f"reply {i}"}, max_items=3)
    assert [item["n"] for item in await store.items("desk:outbox:c-1")] == [2, 3, 4]
    assert await store.items("desk:outbox:other") == []


async def test_take_empties_the_list_for_one_caller(store):
    await store.append("q", {"a": 1}, max_items=10)
    await store.append("q", {"a": 2}, max_items=10)
    first, second = await asyncio.gather(store.take("q"), store.take("q"))
    assert sorted([first, second], key=len) == [[], [{"a": 1}, {"a": 2}]]
    assert await store.take("q") == []


async def test_remove_item_finds_an_item_by_its_value_whatever_the_key_order(store):
    await store.append("review", {"id": "x", "t": 1, "text": "a"}, max_items=10)
    await store.append("review", {"id": "y", "t": 2, "text": "b"}, max_items=10)
    await store.remove_item("review", {"text": "a", "t": 1, "id": "x"})
    assert await store.items("review") == [{"id": "y", "t": 2, "text": "b"}]


async def test_a_list_with_a_ttl_expires(store):
    await store.append("desk:outbox:c-2", {"a": 1}, max_items=10, ttl_seconds=1)
    assert await store.items("desk:outbox:c-2") == [{"a": 1}]
    await asyncio.sleep(1.2)
    assert await store.items("desk:outbox:c-2") == []


async def test_counts_reads_back_what_increment_added(store):
    for field in ("intent:duration", "intent:duration", "fallback"):
        await store.increment("desk:stats:2025-W10", field)
    assert await store.counts("desk:stats:2025-W10") == {"intent:duration": 2, "fallback": 1}
    assert await store.counts("desk:stats:never") == {}


async def test_a_string_that_is_not_valid_unicode_is_stored_with_a_replacement_character(store):
    """A JSON body may carry a lone surrogate as an escape; storing it must not fail the message that brought it."""
    await store.set_context("rest:s", {"slots": {"use": "a\ud800b"}, "choices": ["\udfff"]}, 60)
    assert await store.get_context("rest:s") == {"slots": {"use": "a\ufffdb"}, "choices": ["\ufffd"]}
    await store.append("review", {"text": "x\ud801"}, 10)
    assert await store.items("review") == [{"text": "x\ufffd"}]
