"""The shared store: Redis (``REDIS_URL``), so that several workers or instances behind one URL behave as one.

Keys are prefixed (``botox-bot:`` by default) and everything that should expire does: contexts, claims and the
rate-limit windows. Sets never expire (an SMS STOP holds until START); a set or a counter is the key of its
name (``botox-bot:opted-out``, ``botox-bot:feedback``, as before the store had primitives, so data kept by an
older release is still found).

A message costs one round trip before it is answered (``gather``: a script that takes the claim, counts the rate
limit and reads the context) and one write after (``set_context``), and the client sends every command of one
event-loop turn in one write on one connection (``botox_bot.store.resp``), so concurrent requests share their
round trips. Every call has a short timeout: a Redis that hangs must not hang the bot (``botox_bot.store.failover``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from botox_bot.store.protocol import Gathered
from botox_bot.store.resp import RedisReplyError, RespClient

SOCKET_TIMEOUT_SECONDS = 0.5
WINDOW_MS = 60_000

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
GATHER_SHA = hashlib.sha1(GATHER.encode()).hexdigest()


class RedisStore:
    name = "redis"

    def __init__(self, url: str, prefix: str = "botox-bot:", timeout: float = SOCKET_TIMEOUT_SECONDS):
        self.url = url
        self.prefix = prefix
        self.client = RespClient(url, timeout=timeout)
        self._no_claim = prefix + "claim:"  # a key the script is handed and never touches when no claim is asked

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

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
        keys = (
            self._key("context", context_key),
            self._key("rate", rate_key) if limit and rate_key is not None else self._no_claim,
            self._key("claim", claim_key) if claim_key is not None else self._no_claim,
        )
        raw, wait, claimed = await self._script(keys, limit, ttl)
        if not claimed:
            return Gathered(None, None, claimed=False)
        return Gathered(orjson.loads(raw) if raw else None, None if wait < 0 else int(wait))

    async def _script(self, keys: tuple[str, str, str], *args: int) -> Any:
        try:
            return await self.client.execute("EVALSHA", GATHER_SHA, len(keys), *keys, *args)
        except RedisReplyError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
            return await self.client.execute("EVAL", GATHER, len(keys), *keys, *args)  # loads it for next time

    async def get_context(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.execute("GET", self._key("context", key))
        return orjson.loads(raw) if raw else None

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        key = self._key("context", key)
        if ttl_seconds <= 0:
            await self.client.execute("DEL", key)
        else:
            await self.client.execute("SET", key, orjson.dumps(context), "EX", int(ttl_seconds))

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        reply = await self.client.execute("SET", self._key("claim", key), "1", "NX", "EX", max(1, int(ttl_seconds)))
        return reply is not None

    async def add_member(self, name: str, member: str) -> None:
        await self.client.execute("SADD", self._key(name), member)

    async def remove_member(self, name: str, member: str) -> None:
        await self.client.execute("SREM", self._key(name), member)

    async def has_member(self, name: str, member: str) -> bool:
        return bool(await self.client.execute("SISMEMBER", self._key(name), member))

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        return (await self.gather("", key, per_minute)).retry_after

    async def increment(self, name: str, field: str) -> None:
        await self.client.execute("HINCRBY", self._key(name), field, 1)

    async def ping(self) -> None:
        await self.client.execute("PING")

    async def reset_connections(self) -> None:
        """Drop the connection (after an outage it points at a server that is gone)."""
        await self.client.disconnect()

    async def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        await self.client.aclose()
