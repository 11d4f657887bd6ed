"""The shared store: Redis (``REDIS_URL``), so that several instances behind one URL behave as one.

Keys are prefixed (``botox-bot:`` by default) and everything that should expire does: contexts, claims and the
rate-limit windows. Sets never expire (an SMS STOP holds until START); a set or a counter is the key of its
name (``botox-bot:opted-out``, ``botox-bot:feedback``, as before the store had primitives, so data kept by an
older release is still found).

**Nothing here names a patient.** Redis is persisted to disk (RDB, AOF) and copied into backups, so what the
callers pass as a key (``sms:+15551234567``, ``web-<id>``, ``slack:thread:...``) and every set member (the phone
numbers of ``opted-out``) is stored as a keyed hash (``KeyedHash``: HMAC-SHA256 with ``BOTOX_BOT_STORE_KEY``),
here, in one place, so every caller, present and future, gets it without asking. Lookups only ever need
equality, which the hash keeps; without the key nobody can test a phone number against the data. Counter names
and fields (``feedback``, ``duration:yes``) are aggregate counts that people read, kept as they are: never a
sender id. Context values hold what the engine remembers of a conversation (topic, slots, triage concepts), not
message text or ids. Opt-outs written in plain by older releases are hashed the first time their set is used.

Every call has a short timeout: a Redis that hangs must not hang the bot (see ``botox_bot.store.failover``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from botox_bot.store.ratelimit import MovingWindow

SOCKET_TIMEOUT_SECONDS = 0.5
_HASHED = re.compile(r"^[0-9a-f]{64}$")


class KeyedHash:
    """HMAC-SHA256 under the store key: the same input always gives the same name, which nobody can reverse or
    recompute without the key (a plain hash of a phone number is reversed by trying every number)."""

    def __init__(self, key: str):
        if len(key) < 32:
            raise ValueError("the store key must have at least 32 characters")
        self._key = key.encode("utf-8")

    def __call__(self, value: str) -> str:
        data = b"botox-bot/1:" + value.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()


class RedisStore:
    name = "redis"

    def __init__(self, url: str, key: str, prefix: str = "botox-bot:"):
        self.url = url
        self.prefix = prefix
        self.hashed = KeyedHash(key)
        self._migrated: set[str] = set()  # sets whose plain members (older releases) have been hashed
        self.client = aioredis.Redis(connection_pool=_pool(url, decode_responses=True))
        # the rate limiter's own pool (``limits`` wants raw replies), ours so that recovery can reset it too
        self._rate_pool = _pool(url)
        self._window: MovingWindow | None = None

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _private(self, kind: str, key: str) -> str:
        """The Redis key for a caller's key that may name someone: its keyed hash under the kind's prefix."""
        return self._key(kind, self.hashed(key))

    async def get_context(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.get(self._private("context", key))
        return json.loads(raw) if raw else None

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        key = self._private("context", key)
        if ttl_seconds <= 0:
            await self.client.delete(key)
        else:
            await self.client.set(key, json.dumps(context, separators=(",", ":")), ex=int(ttl_seconds))

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        return bool(await self.client.set(self._private("claim", key), "1", nx=True, ex=max(1, int(ttl_seconds))))

    async def add_member(self, name: str, member: str) -> None:
        await self._migrate(name)
        await self.client.sadd(self._key(name), self.hashed(member))

    async def remove_member(self, name: str, member: str) -> None:
        await self._migrate(name)
        await self.client.srem(self._key(name), self.hashed(member))

    async def has_member(self, name: str, member: str) -> bool:
        await self._migrate(name)
        return bool(await self.client.sismember(self._key(name), self.hashed(member)))

    async def _migrate(self, name: str) -> None:
        """Once per set and process: members an older release wrote in plain (phone numbers) become hashes."""
        if name in self._migrated:
            return
        key = self._key(name)
        plain = [m async for m in self.client.sscan_iter(key, count=500) if not _HASHED.match(m)]
        if plain:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.sadd(key, *(self.hashed(m) for m in plain))
                pipe.srem(key, *plain)
                await pipe.execute()
        self._migrated.add(name)

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        if self._window is None:
            from limits.aio.storage import RedisStorage

            scheme_url = "async+" + self.url if not self.url.startswith("async+") else self.url
            self._window = MovingWindow(
                RedisStorage(
                    scheme_url,
                    implementation="redispy",
                    key_prefix=self.prefix + "rate",
                    connection_pool=self._rate_pool,
                )
            )
        return await self._window.retry_after(self.hashed(key), per_minute)

    async def increment(self, name: str, field: str) -> None:
        await self.client.hincrby(self._key(name), field, 1)

    async def ping(self) -> None:
        await self.client.ping()

    async def reset_connections(self) -> None:
        """Drop pooled connections (after an outage they point at a server that is gone), the rate limiter's too:
        one dead connection left there would flip the store back to degraded on the first limited message."""
        await self.client.connection_pool.disconnect()
        await self._rate_pool.disconnect()

    async def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        await self.client.aclose()
        await self.client.connection_pool.disconnect()
        await self._rate_pool.disconnect()


def _pool(url: str, **options: Any) -> aioredis.ConnectionPool:
    """Short timeouts; after a Redis restart every pooled connection is dead, so each one retries once on a fresh
    connection (a connection error only: a hung Redis is not waited on twice)."""
    return aioredis.ConnectionPool.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        **options,
    )
