"""The shared store: Redis (``REDIS_URL``), so that several workers or instances behind one URL behave as one.

Keys are prefixed (``botox-bot:`` by default) and everything that should expire does: contexts, claims and the
rate-limit windows. Sets never expire (an SMS STOP holds until START); a set or a counter is the key of its
name (``botox-bot:opted-out``, ``botox-bot:feedback``, as before the store had primitives, so data kept by an
older release is still found).

**Nothing here names a patient.** Redis is persisted to disk (RDB, AOF) and copied into backups, so what the
callers pass as a key (``sms:+15551234567``, ``web-<id>``, ``slack:thread:...``) and every set member (the
phone numbers of ``opted-out``) is stored as a keyed hash (``KeyedHash``: HMAC-SHA256 with
``BOTOX_BOT_STORE_KEY``), here, in one place, so every caller, present and future, gets it without asking.
Lookups only ever need equality, which the hash keeps; without the key nobody can test a phone number against
the data. Counter names and fields (``feedback``, ``duration:yes``) are aggregate counts that people read, and
list names are the desk's own (``desk:audit``, ``desk:outbox:c-<keyed id>``): both kept as they are, never a
sender id. Context values hold what the engine remembers of a conversation (topic, slots, triage concepts),
not message text or ids. Opt-outs written in plain by older releases are hashed the first time their set is
used.

A message costs one round trip before it is answered (``gather``: a Lua script that takes the claim, counts the
rate limit and reads the context) and one write after (``set_context``). The client sends every command of one
event-loop turn in one write on one connection (``botox_bot.store.resp``: redis-py cost about 0.16 ms of CPU a
request against 0.035 ms, measured by ``bench/bench_store.py``), so concurrent requests share their round trips.
Every call has a short timeout: a Redis that hangs must not hang the bot (``botox_bot.store.failover``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import orjson

from botox_bot.store.protocol import Gathered, canonical, dumps
from botox_bot.store.resp import RedisReplyError, RespClient

SOCKET_TIMEOUT_SECONDS = 0.5
WINDOW_MS = 60_000
_HASHED = re.compile(r"^[0-9a-f]{64}$")

# KEYS: context, rate window, claim, second rate window. ARGV: messages a minute (0: no limit), claim ttl in
# seconds (0: no claim), the second window's messages a minute (0: none). A window is a list of the last N allowed
# times (ms, newest first), as the memory store keeps it; Redis's own clock, so instances whose clocks differ
# still count one window. Each window counts a message it allows; the wait is the longer of the two.
GATHER = """
local claim_ttl = tonumber(ARGV[2])
if claim_ttl > 0 and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', claim_ttl) then
  return {false, -1, 0}
end
local now = nil
local function hit(key, limit)
  if limit <= 0 then return -1 end
  if not now then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  local oldest = redis.call('LINDEX', key, limit - 1)
  if oldest and now - tonumber(oldest) < WINDOW then
    return math.max(1, math.ceil((tonumber(oldest) + WINDOW - now) / 1000))
  end
  redis.call('LPUSH', key, now)
  redis.call('LTRIM', key, 0, limit - 1)
  redis.call('PEXPIRE', key, WINDOW)
  return -1
end
local wait = math.max(hit(KEYS[2], tonumber(ARGV[1])), hit(KEYS[4], tonumber(ARGV[3])))
return {redis.call('GET', KEYS[1]), wait, 1}
""".replace("WINDOW", str(WINDOW_MS))

# KEYS: the list. ARGV: the item, the most items kept, seconds to keep the list (0: for ever).
APPEND = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
"""

# KEYS: the list. Its items, and the list gone: one atomic step, so two instances never take the same item.
TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return items
"""
_SCRIPTS = {name: (text, hashlib.sha1(text.encode()).hexdigest()) for name, text in
            {"gather": GATHER, "append": APPEND, "take": TAKE}.items()}  # fmt: skip


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
        self.client = RespClient(url, timeout=timeout)
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
        second_limit: tuple[str, int] | None = None,
    ) -> Gathered:
        limit = per_minute if rate_key is not None and per_minute > 0 else 0
        ttl = max(1, int(claim_ttl)) if claim_key is not None else 0
        keys = [
            self._private("context", context_key),
            self._private("rate", rate_key) if limit and rate_key is not None else self._none,
            self._private("claim", claim_key) if claim_key is not None else self._none,
            self._private("rate", second_limit[0]) if second_limit and second_limit[1] > 0 else self._none,
        ]
        second = second_limit[1] if second_limit and second_limit[1] > 0 else 0
        raw, wait, claimed = await self._script("gather", keys, limit, ttl, second)
        if not claimed:
            return Gathered(None, None, claimed=False)
        return Gathered(orjson.loads(raw) if raw else None, None if int(wait) < 0 else int(wait))

    async def _script(self, name: str, keys: list[str], *args: Any) -> Any:
        """Run a script by its hash; Redis forgets scripts on a restart or SCRIPT FLUSH: then send it once more."""
        text, sha = _SCRIPTS[name]
        try:
            return await self.client.execute("EVALSHA", sha, len(keys), *keys, *args)
        except RedisReplyError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
            return await self.client.execute("EVAL", text, len(keys), *keys, *args)  # loads it for next time

    async def get_context(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.execute("GET", self._private("context", key))
        return orjson.loads(raw) if raw else None

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        key = self._private("context", key)
        if ttl_seconds <= 0:
            await self.client.execute("DEL", key)
        else:
            await self.client.execute("SET", key, dumps(context), "EX", int(ttl_seconds))

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        reply = await self.client.execute("SET", self._private("claim", key), "1", "NX", "EX", max(1, int(ttl_seconds)))
        return reply is not None

    async def add_member(self, name: str, member: str) -> None:
        await self._migrate(name)
        await self.client.execute("SADD", self._key(name), self.hashed(member))

    async def remove_member(self, name: str, member: str) -> None:
        await self._migrate(name)
        await self.client.execute("SREM", self._key(name), self.hashed(member))

    async def has_member(self, name: str, member: str) -> bool:
        await self._migrate(name)
        return bool(await self.client.execute("SISMEMBER", self._key(name), self.hashed(member)))

    async def _migrate(self, name: str) -> None:
        """Once per set and process: members an older release wrote in plain (phone numbers) become hashes."""
        if name in self._migrated:
            return
        key, cursor, plain = self._key(name), b"0", []
        while True:
            cursor, found = await self.client.execute("SSCAN", key, cursor, "COUNT", 500)
            plain += [m.decode() for m in found if not _HASHED.match(m.decode())]
            if cursor in (b"0", 0):
                break
        if plain:  # the hashes first: a crash in between leaves a member twice, never none
            await self.client.execute("SADD", key, *(self.hashed(m) for m in plain))
            await self.client.execute("SREM", key, *plain)
        self._migrated.add(name)

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        return (await self.gather("", key, per_minute)).retry_after

    async def increment(self, name: str, field: str) -> None:
        await self.client.execute("HINCRBY", self._key(name), field, 1)

    async def append(self, name: str, item: dict[str, Any], max_items: int, ttl_seconds: int | None = None) -> None:
        ttl = max(1, int(ttl_seconds)) if ttl_seconds is not None else 0
        await self._script("append", [self._key("list", name)], canonical(item), max_items, ttl)

    async def items(self, name: str) -> list[dict[str, Any]]:
        return [orjson.loads(raw) for raw in await self.client.execute("LRANGE", self._key("list", name), 0, -1)]

    async def take(self, name: str) -> list[dict[str, Any]]:
        return [orjson.loads(raw) for raw in await self._script("take", [self._key("list", name)])]

    async def remove_item(self, name: str, item: dict[str, Any]) -> None:
        await self.client.execute("LREM", self._key("list", name), 0, canonical(item))

    async def counts(self, name: str) -> dict[str, int]:
        flat = await self.client.execute("HGETALL", self._key(name))  # field, count, field, count, ...
        return {flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    async def ping(self) -> None:
        await self.client.execute("PING")

    async def reset_connections(self) -> None:
        """Drop the connection (after an outage it points at a server that is gone)."""
        await self.client.disconnect()

    async def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        await self.client.aclose()
