"""The shared store: Redis (``REDIS_URL``), so that several instances behind one URL behave as one.

Keys are prefixed (``botox-bot:`` by default) and everything that should expire does: contexts, claims and the
rate-limit windows. Sets never expire (an SMS STOP holds until START); a set or a counter is the key of its
name (``botox-bot:opted-out``, ``botox-bot:feedback``, as before the store had primitives, so data kept by an
older release is still found).
Every call has a short timeout: a Redis that hangs must not hang the bot (see ``botox_bot.store.failover``).
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from botox_bot.store.ratelimit import MovingWindow

SOCKET_TIMEOUT_SECONDS = 0.5


def _canonical(item: dict[str, Any]) -> str:
    """One JSON spelling per object, so that ``LREM`` finds an item by its value."""
    return json.dumps(item, sort_keys=True, separators=(",", ":"))


class RedisStore:
    name = "redis"

    def __init__(self, url: str, prefix: str = "botox-bot:"):
        self.url = url
        self.prefix = prefix
        # after a Redis restart every pooled connection is dead: each one retries once on a fresh connection
        # (a connection error only: a hung Redis is not waited on twice)
        self.client = aioredis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            decode_responses=True,
        )
        self._window: MovingWindow | None = None

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def get_context(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.get(self._key("context", key))
        return json.loads(raw) if raw else None

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        key = self._key("context", key)
        if ttl_seconds <= 0:
            await self.client.delete(key)
        else:
            await self.client.set(key, json.dumps(context, separators=(",", ":")), ex=int(ttl_seconds))

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        return bool(await self.client.set(self._key("claim", key), "1", nx=True, ex=max(1, int(ttl_seconds))))

    async def add_member(self, name: str, member: str) -> None:
        await self.client.sadd(self._key(name), member)

    async def remove_member(self, name: str, member: str) -> None:
        await self.client.srem(self._key(name), member)

    async def has_member(self, name: str, member: str) -> bool:
        return bool(await self.client.sismember(self._key(name), member))

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        if self._window is None:
            from limits.aio.storage import RedisStorage

            scheme_url = "async+" + self.url if not self.url.startswith("async+") else self.url
            self._window = MovingWindow(
                RedisStorage(
                    scheme_url,
                    implementation="redispy",
                    key_prefix=self.prefix + "rate",
                    socket_timeout=SOCKET_TIMEOUT_SECONDS,
                    socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                )
            )
        return await self._window.retry_after(key, per_minute)

    async def increment(self, name: str, field: str) -> None:
        await self.client.hincrby(self._key(name), field, 1)

    async def append(self, name: str, item: dict[str, Any], max_items: int, ttl_seconds: int | None = None) -> None:
        key = self._key("list", name)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, _canonical(item))
            pipe.ltrim(key, -max_items, -1)
            if ttl_seconds is not None:
                pipe.expire(key, max(1, int(ttl_seconds)))
            await pipe.execute()

    async def items(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self.client.lrange(self._key("list", name), 0, -1)]

    async def take(self, name: str) -> list[dict[str, Any]]:
        key = self._key("list", name)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return [json.loads(item) for item in raw]

    async def remove_item(self, name: str, item: dict[str, Any]) -> None:
        await self.client.lrem(self._key("list", name), 0, _canonical(item))

    async def counts(self, name: str) -> dict[str, int]:
        found = await self.client.hgetall(self._key(name))  # decode_responses: str keys and values
        return {str(field): int(n) for field, n in found.items()}

    async def ping(self) -> None:
        await self.client.ping()

    async def reset_connections(self) -> None:
        """Drop pooled connections (after an outage they point at a server that is gone)."""
        await self.client.connection_pool.disconnect()

    async def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        await self.client.aclose()
