"""The shared store: Redis (``REDIS_URL``), so that several workers or instances behind one URL behave as one.

Keys are prefixed (``botox-bot:`` by default) and everything that should expire does: contexts, claims and the
rate-limit windows. Sets never expire (an SMS STOP holds until START); a set or a counter is the key of its
name (``botox-bot:opted-out``, ``botox-bot:feedback``, as before the store had primitives, so data kept by an
older release is still found).

**Nothing here names a patient.** Redis is persisted to disk (RDB, AOF) and copied into backups, so what the
callers pass as a key (``sms:+15551234567``, ``web-<id>``, ``slack:thread:...``), every list name and every set
member (the phone numbers of ``opted-out``) is stored as a keyed hash (``KeyedHash``: HMAC-SHA256 with
``BOTOX_BOT_STORE_KEY``), here, in one place, so every caller, present and future, gets it without asking.
Lookups only ever need equality, which the hash keeps; without the key nobody can test a phone number against
the data. Counter names and fields (``feedback``, ``duration:yes``) are aggregate counts that people read, kept
as they are: never a sender id. Context values hold what the engine remembers of a conversation (topic, slots,
triage concepts), not message text or ids. Opt-outs written in plain by older releases are hashed the first
time their set is used.

A message costs one round trip before it is answered (``gather``: a Lua script that takes the claim, counts the
rate limit and reads the context) and one write after (``set_context``). The client is redis-py (with hiredis
parsing replies). Every call has a short timeout: a Redis that hangs must not hang the bot
(``botox_bot.store.failover``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from botox_bot.store.protocol import Gathered

SOCKET_TIMEOUT_SECONDS = 0.5
WINDOW_MS = 60_000
_HASHED = re.compile(r"^[0-9a-f]{64}$")

# KEYS: context, rate window, claim. ARGV: messages a minute (0: no limit), claim ttl in seconds (0: no claim).
# The window is a list of the last N allowed times (ms, newest first), as the memory store keeps it; Redis's own
# clock, so instances whose clocks differ still count one window.
GATHER = """
local limit = tonumber(ARGV[1])
local claim_ttl = tonumber(ARGV[2])
if claim_ttl > 0 and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', claim_ttl) then
  return {false, -1, 0}
end
local wait = -1
if limit > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local oldest = redis.call('LINDEX', KEYS[2], limit - 1)
  if oldest and now - tonumber(oldest) < WINDOW then
    wait = math.max(1, math.ceil((tonumber(oldest) + WINDOW - now) / 1000))
  else
    redis.call('LPUSH', KEYS[2], now)
    redis.call('LTRIM', KEYS[2], 0, limit - 1)
    redis.call('PEXPIRE', KEYS[2], WINDOW)
  end
end
return {redis.call('GET', KEYS[1]), wait, 1}
""".replace("WINDOW", str(WINDOW_MS))


def _canonical(item: dict[str, Any]) -> str:
    """One JSON spelling per object, so that ``LREM`` finds an item by its value."""
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode()


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

    def __init__(self, url: str, key: str, prefix: str = "botox-bot:", timeout: float = SOCKET_TIMEOUT_SECONDS):
        self.url = url
        self.prefix = prefix
        self.hashed = KeyedHash(key)
        self._migrated: set[str] = set()  # sets whose plain members (older releases) have been hashed
        self.client = aioredis.Redis(connection_pool=_pool(url, timeout))
        self._gather = self.client.register_script(GATHER)  # EVALSHA, loading it again after a SCRIPT FLUSH
        self._none = prefix + "none"  # a key the script is handed and never touches when no limit or claim is asked

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _private(self, kind: str, key: str) -> str:
        """The Redis key for a caller's key that may name someone: its keyed hash under the kind's prefix."""
        return self._key(kind, self.hashed(key))

    async def gather(
        self,
        context_key: str,
        rate_key: str | None = None,
        per_minute: int = 0,
        claim_key: str | None = None,
        claim_ttl: float = 0,
    ) -> Gathered:
        limit = per_minute if rate_key is not None and per_minute > 0 else 0
        ttl = max(1, int(claim_ttl)) if claim_key is not None else 0
        keys = [
            self._private("context", context_key),
            self._private("rate", rate_key) if limit and rate_key is not None else self._none,
            self._private("claim", claim_key) if claim_key is not None else self._none,
        ]
        raw, wait, claimed = await self._gather(keys=keys, args=[limit, ttl])
        if not claimed:
            return Gathered(None, None, claimed=False)
        return Gathered(orjson.loads(raw) if raw else None, None if int(wait) < 0 else int(wait))

    async def get_context(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.get(self._private("context", key))
        return orjson.loads(raw) if raw else None

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        key = self._private("context", key)
        if ttl_seconds <= 0:
            await self.client.delete(key)
        else:
            await self.client.set(key, orjson.dumps(context), ex=int(ttl_seconds))

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
        return (await self.gather("", key, per_minute)).retry_after

    async def increment(self, name: str, field: str) -> None:
        await self.client.hincrby(self._key(name), field, 1)

    async def append(self, name: str, item: dict[str, Any], max_items: int, ttl_seconds: int | None = None) -> None:
        key = self._private("list", name)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, _canonical(item))
            pipe.ltrim(key, -max_items, -1)
            if ttl_seconds is not None:
                pipe.expire(key, max(1, int(ttl_seconds)))
            await pipe.execute()

    async def items(self, name: str) -> list[dict[str, Any]]:
        return [orjson.loads(raw) for raw in await self.client.lrange(self._private("list", name), 0, -1)]

    async def take(self, name: str) -> list[dict[str, Any]]:
        key = self._private("list", name)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return [orjson.loads(item) for item in raw]

    async def remove_item(self, name: str, item: dict[str, Any]) -> None:
        await self.client.lrem(self._private("list", name), 0, _canonical(item))

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
        await self.client.connection_pool.disconnect()


def _pool(url: str, timeout: float) -> aioredis.ConnectionPool:
    """Short timeouts; after a Redis restart every pooled connection is dead, so each one retries once on a fresh
    connection (a connection error only: a hung Redis is not waited on twice)."""
    return aioredis.ConnectionPool.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        decode_responses=True,
    )
