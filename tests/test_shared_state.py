"""What a message needs from the store before it is answered, in one call (``gather``); the moving-window rate
limit and its memory bound; the Redis client's URLs and timeout. (Against a real Redis: tests/test_redis.py.)"""

from __future__ import annotations

import asyncio

import pytest

from botox_bot.app import RUNTIME
from botox_bot.store import MemoryStore
from botox_bot.store.ratelimit import MovingWindow
from botox_bot.store.resp import RedisTimeoutError, RespClient, parse_url


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_allows_n_in_any_minute_and_says_how_long_to_wait():
    clock = Clock()
    window = MovingWindow(clock=clock)
    assert [window.retry_after("a", 3) for _ in range(3)] == [None, None, None]
    clock.now += 20
    assert window.retry_after("a", 3) == 40  # the first of the three leaves the window 40 s from now
    assert window.retry_after("b", 3) is None  # senders are counted apart
    clock.now += 40
    assert [window.retry_after("a", 3) for _ in range(4)][:3] == [None, None, None]  # the first three left it
    assert window.retry_after("a", 3) is not None
    assert window.retry_after("a", 0) is None  # 0: no limit


def test_the_window_is_moving_not_fixed():
    clock = Clock()
    window = MovingWindow(clock=clock)
    for _ in range(2):
        assert window.retry_after("a", 2) is None
        clock.now += 45  # a fixed minute would reset between these; a moving one remembers the last 60 s
    assert window.retry_after("a", 2) is None  # the first hit is now 90 s old
    assert window.retry_after("a", 2) is not None


def test_the_window_keeps_at_most_max_keys_senders_and_forgets_the_least_recent():
    window = MovingWindow(max_keys=100, clock=Clock())
    for i in range(10_000):
        window.retry_after(f"sender-{i}", 20)
    assert len(window) == 100
    window.retry_after("flooder", 1)
    for i in range(99):
        window.retry_after(f"other-{i}", 1)
        assert window.retry_after("flooder", 1) is not None  # still limited: the most recent key is never forgotten


async def test_gather_claims_counts_and_reads_together():
    store = MemoryStore()
    await store.set_context("rest:p", {"topic": "duration"}, 60)
    first = await store.gather("rest:p", "rest:p", 1, claim_key="signature:abc", claim_ttl=60)
    assert first.claimed and first.retry_after is None and first.context == {"topic": "duration"}
    replay = await store.gather("rest:p", "rest:p", 1, claim_key="signature:abc", claim_ttl=60)
    assert not replay.claimed and replay.context is None  # a replay: nothing counted, nothing read
    over = await store.gather("rest:p", "rest:p", 1)
    assert over.claimed and over.retry_after is not None and over.context == {"topic": "duration"}
    unlimited = await store.gather("rest:q")
    assert unlimited.retry_after is None and unlimited.context is None


async def test_the_webhook_reads_the_store_once_before_answering(serve):
    """Claim (signed requests), rate limit and context: one ``gather``; then the engine's one context write."""
    client = await serve(rate_limit=20)
    store = client.server.app[RUNTIME].store
    calls: list[str] = []
    for name in ("gather", "get_context", "set_context", "claim", "rate_limit"):
        method = getattr(store, name)

        def spy(*args, _name=name, _method=method, **kwargs):
            calls.append(_name)
            return _method(*args, **kwargs)

        setattr(store, name, spy)
    response = await client.post("/webhooks/rest/webhook", json={"sender": "once", "message": "how long does it last"})
    assert response.status == 200
    assert calls == ["gather", "set_context"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://localhost", ("localhost", 6379, None, None, None, 0, False)),
        ("redis://:s3cret@redis.internal:6380/2", ("redis.internal", 6380, None, None, "s3cret", 2, False)),
        ("rediss://bot:pw@cache.example:6379/0", ("cache.example", 6379, None, "bot", "pw", 0, True)),
        ("unix:///run/redis/redis.sock?db=3", (None, 6379, "/run/redis/redis.sock", None, None, 3, False)),
    ],
)
def test_redis_urls(url, expected):
    a = parse_url(url)
    assert (a.host, a.port, a.path, a.username, a.password, a.db, a.tls) == expected


def test_a_url_that_is_not_redis_is_refused():
    with pytest.raises(ValueError, match="redis://"):
        parse_url("http://localhost:6379")


async def test_a_redis_that_accepts_and_never_answers_fails_the_call_instead_of_hanging():
    connections = []

    async def silent(reader, writer):
        connections.append(writer)
        await reader.read(1 << 16)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = RespClient(f"redis://127.0.0.1:{port}", timeout=0.2)
    try:
        with pytest.raises(RedisTimeoutError):
            await asyncio.wait_for(client.execute("PING"), 5)  # the outer bound only guards the test itself
    finally:
        await client.aclose()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("per_minute", [1, 2, 20])
def test_the_moving_window_keeps_at_most_its_limit_of_times_and_frees_after_a_minute(per_minute):
    from botox_bot.store.ratelimit import MovingWindow

    now = [1000.0]
    window = MovingWindow(clock=lambda: now[0])
    answers = []
    for _ in range(per_minute + 3):
        now[0] += 1
        answers.append(window.retry_after("sender", per_minute))
        assert len(window._hits["sender"]) <= per_minute
    assert answers[:per_minute] == [None] * per_minute
    assert all(wait is not None and 1 <= wait <= 60 for wait in answers[per_minute:])
    now[0] += 61
    assert window.retry_after("sender", per_minute) is None
