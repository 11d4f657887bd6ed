"""What the store costs a message (``python bench/bench_store.py``): the rate limiter, and a request's two calls.

- the moving-window limiter in memory: microseconds a call (a new sender each call, and one sender again and
  again), and bytes a sender (tracemalloc), with its bound of 20,000 senders;
- a request's store calls, as the runtime and the engine make them (``gather`` with a rate limit, then
  ``set_context``), 32 requests in flight: the memory store, and Redis (a redis-server this bench starts, on TCP
  and on a Unix socket) through the store's own pipelined client: CPU microseconds a request in this process.
Medians of 5 runs.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from botox_bot.store import MemoryStore  # noqa: E402
from botox_bot.store.ratelimit import MovingWindow  # noqa: E402
from botox_bot.store.redis import RedisStore  # noqa: E402

CONTEXT = {"t": 1.0, "topic": "duration", "answer_key": "duration/general", "slots": {"brand": "botox"}, "choices": []}


def limiter_us(n: int, new_senders: bool) -> float:
    window = MovingWindow()
    keys = [f"rest:patient-{i}" for i in range(n)] if new_senders else ["rest:flooder"] * n
    start = time.process_time()
    for key in keys:
        window.retry_after(key, 20)
    return (time.process_time() - start) / n * 1e6


def limiter_bytes_per_sender(n: int = 20_000) -> float:
    keys = [f"rest:patient-{i}" for i in range(n)]
    tracemalloc.start()
    window = MovingWindow(max_keys=n)
    before = tracemalloc.get_traced_memory()[0]
    for key in keys:
        window.retry_after(key, 20)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return (used - sum(sys.getsizeof(k) for k in keys)) / n  # the keys are the senders' own strings


async def requests_us(store, n: int = 20_000, concurrency: int = 32) -> float:
    async def one(i: int) -> None:
        key = f"rest:p{i}"
        await store.gather(key, key, 20)
        await store.set_context(key, CONTEXT, 1800)

    semaphore = asyncio.Semaphore(concurrency)

    async def limited(i: int) -> None:
        async with semaphore:
            await one(i)

    await asyncio.gather(*(limited(i) for i in range(500)))  # connect, load the script
    start = time.process_time()
    await asyncio.gather(*(limited(i) for i in range(n)))
    return (time.process_time() - start) / n * 1e6


def start_redis(folder: Path) -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sock = folder / "redis.sock"
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--unixsocket", str(sock), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    time.sleep(0.2)
    return proc, f"redis://127.0.0.1:{port}/0", f"unix://{sock}"


def main() -> None:
    print(f"limiter, new sender each call: {statistics.median(limiter_us(100_000, True) for _ in range(5)):.2f} µs")
    print(f"limiter, the same sender:       {statistics.median(limiter_us(100_000, False) for _ in range(5)):.2f} µs")
    print(f"limiter memory: {limiter_bytes_per_sender():.0f} bytes a sender (bounded: 20,000 senders)")
    memory = statistics.median(asyncio.run(requests_us(MemoryStore())) for _ in range(5))
    print(f"memory store, gather + set_context: {memory:.1f} µs CPU a request")
    if not shutil.which("redis-server"):
        print("redis-server not installed: Redis figures skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        proc, tcp, unix = start_redis(Path(tmp))
        try:
            for label, url in (("TCP", tcp), ("Unix socket", unix)):

                async def run(url: str = url) -> float:
                    store = RedisStore(url, "bench-store-key-for-the-keyed-hashes-0123456789")
                    try:
                        return await requests_us(store)
                    finally:
                        await store.close()

                runs = [asyncio.run(run()) for _ in range(5)]
                print(f"redis ({label}), gather + set_context: {statistics.median(runs):.1f} µs CPU a request")
        finally:
            proc.terminate()
            proc.wait(5)


if __name__ == "__main__":
    main()
