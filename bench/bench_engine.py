"""Speed of the answering core, measured on this machine (``python bench/bench_engine.py``).

Prints, in one run:
- the engine's per-message latency (``await engine.answer``), p50 and p99 over N messages, in process;
- ``botox-bot classify`` throughput over N lines: in process (the loop alone, timed), and as a whole command
  (median of 3 runs); start-up excluded only from paired runs (N lines, then none, alternating), and only when
  the work stands clear of the start-up's noise: one full run minus one empty run once printed -117,826 lines/s;
- beside them, a plain scikit-learn pipeline (TfidfVectorizer + LogisticRegression, same features and data)
  calling ``predict_proba`` on one message at a time;
- start-up to the first answer of ``botox-bot ask``, with a warm model cache and with none.
Targets: p99 < 1 ms; classify >= 5x the plain pipeline; ``ask`` start-up < 1.5 s.

The generated messages repeat (about 1,000 distinct texts in 20,000), as questions to an FAQ bot do, and the
engine caches what it understood of recent texts. ``--unique`` makes every text different, so the cache never
hits: the worst case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from messages import messages, unique_messages  # noqa: E402

from botox_bot import Message  # noqa: E402
from botox_bot.core.engine import Engine  # noqa: E402
from botox_bot.settings import Settings  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def engine_latency(engine: Engine, texts: list[str]) -> dict[str, float]:
    async def run() -> list[float]:
        times = []
        for i, text in enumerate(texts):
            msg = Message(text=text, sender_id=f"s{i % 500}", channel="rest")
            start = time.perf_counter()
            await engine.answer(msg)
            times.append(time.perf_counter() - start)
        return times

    asyncio.run(run())  # warm up caches (typo corrections, numpy)
    times = asyncio.run(run())
    return {"p50_ms": pct(times, 0.5) * 1e3, "p99_ms": pct(times, 0.99) * 1e3, "mean_ms": statistics.fmean(times) * 1e3}


def sklearn_pipeline(engine: Engine, texts: list[str]) -> dict[str, float]:
    from botox_bot.core.classifier import sklearn_pipeline

    x, y = engine.content.training_data()
    pipe = sklearn_pipeline().fit(x, y)
    times = []
    start_all = time.perf_counter()
    for text in texts:
        start = time.perf_counter()
        pipe.predict_proba([text])
        times.append(time.perf_counter() - start)
    total = time.perf_counter() - start_all
    return {"per_second": len(texts) / total, "p50_ms": pct(times, 0.5) * 1e3, "p99_ms": pct(times, 0.99) * 1e3}


def cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "botox_bot", *args],
        input=stdin,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def classify_in_process(engine: Engine, texts: list[str]) -> float:
    """Lines a second through ``engine.classify`` (what ``botox-bot classify`` does a line), the loop alone."""
    start = time.perf_counter()
    for text in texts:
        engine.classify(text)
    return len(texts) / (time.perf_counter() - start)


def classify_command(env: dict[str, str], texts: list[str], runs: int = 3) -> dict[str, float | None]:
    """Whole ``botox-bot classify`` runs, N lines and none, alternating; medians, and the difference pair by pair."""
    stdin = "\n".join(texts) + "\n"
    full, empty = [], []
    for _ in range(runs):
        full.append(cli(["classify"], env, stdin))
        empty.append(cli(["classify"], env, ""))
    work = statistics.median(f - e for f, e in zip(full, empty))
    noise = max(empty) - min(empty)
    return {
        "whole_command_s": statistics.median(full),
        "startup_s": statistics.median(empty),
        "lines_per_second_whole_command": len(texts) / statistics.median(full),
        # None: the start-up's own spread is as large as the work, so a difference would mean nothing
        "lines_per_second_excluding_startup": len(texts) / work if work > 3 * noise and work > 0 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20_000, help="messages (default 20000)")
    parser.add_argument("--unique", action="store_true", help="every message a different text (no cache hits)")
    args = parser.parse_args()
    texts = (unique_messages if args.unique else messages)(args.n)
    print(f"{len(set(texts)):,} distinct texts in {len(texts):,} messages", file=sys.stderr)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "BOTOX_BOT_CACHE_DIR": cache}
        cold = [cli(["ask", "how long does botox last"], {**env, "BOTOX_BOT_CACHE_DIR": ""}) for _ in range(3)]
        cli(["ask", "hi"], env)  # fills the cache
        warm = [cli(["ask", "how long does botox last"], env) for _ in range(5)]
        command = classify_command(env, texts)
        engine = Engine.from_config(Settings(cache_dir=Path(cache)).engine_config())
        in_process = statistics.median(classify_in_process(engine, texts) for _ in range(3))
        latency = engine_latency(engine, texts)
        plain = sklearn_pipeline(engine, texts)
    result = {
        "messages": args.n,
        "distinct_texts": len(set(texts)),
        "engine_answer": latency,
        "classify": {"lines_per_second_in_process": in_process, **command},
        "plain_sklearn_predict_proba": plain,
        "classify_vs_plain": in_process / plain["per_second"],
        "ask_startup_s": {"warm_cache_median": statistics.median(warm), "no_cache_median": statistics.median(cold)},
    }
    print(json.dumps(result, indent=2))
    print(f"\nengine p50 {latency['p50_ms']:.3f} ms, p99 {latency['p99_ms']:.3f} ms (target p99 < 1 ms)")
    print(
        f"classify {in_process:,.0f} lines/s in process vs plain pipeline {plain['per_second']:,.0f}/s: "
        f"{result['classify_vs_plain']:.1f}x (target >= 5x); whole command {command['whole_command_s']:.2f} s "
        f"for {args.n:,} lines, start-up {command['startup_s']:.2f} s"
    )
    print(
        f"ask start-up {statistics.median(warm):.2f} s warm, {statistics.median(cold):.2f} s with no cache "
        "(training; an installed wheel ships its model: bench/bench_startup.py)"
    )


if __name__ == "__main__":
    main()
