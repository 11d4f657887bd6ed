"""Speed of the triage screen (``python bench/bench_triage.py``): per-message latency, p50 and p99, in process.

Target (issue 11): well under 0.2 ms for a typical message. Three mixes are timed:
- faq: the generated FAQ-like messages of bench/messages.py (most messages a clinic bot sees, no red flag);
- red flags: messages that describe symptoms, in English and Spanish (the screen does all its context work);
- unique: every text different (``--unique``), so the per-token typo cache rarely helps: the worst case.
Import time (rules compiled once) and the first call (loading the word-frequency lists) are reported apart.

Each message is timed twice over: wall clock, and this thread's CPU time. On a shared machine the wall-clock p99
mostly measures the scheduler (a plain 70 us loop shows a p99 of several ms here), so the CPU-time percentiles are
the screen's own cost; the "noise floor" line times a fixed busy loop the same way, for comparison.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from messages import messages, unique_messages  # noqa: E402

RED_FLAGS = [
    "cant breathe well since my botox yesterday",
    "my mom had botox and now she cant hold her head up, is that normal??",
    "trubble swalowing since the injections",
    "pt called, slurred speech 3 days post tox",
    "no puedo tragar bien desde ayer, es normal?",
    "veo doble desde que me puse el botox",
    "can botox cause trouble swallowing?",
    "no trouble breathing, just a bruise on my forehead",
    "last year i had double vision after botox, it went away",
    "would botox help my arm weakness after my stroke",
    "hives all over and i feel dizzy",
    "my smile is crooked and my arm feels weak",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(texts: list[str], screen) -> dict[str, float]:
    gc.collect()
    wall, cpu = [], []
    memory = None
    for text in texts:
        start, start_cpu = time.perf_counter(), time.thread_time()
        _, memory = screen(text, memory, now=1_700_000_000.0)
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return {
        "p50_us": pct(wall, 0.5) * 1e6,
        "p99_us": pct(wall, 0.99) * 1e6,
        "cpu_p50_us": pct(cpu, 0.5) * 1e6,
        "cpu_p99_us": pct(cpu, 0.99) * 1e6,
        "mean_us": statistics.fmean(wall) * 1e6,
    }


def busy(_text: str, memory, now: float):
    total = 0
    for i in range(2_000):
        total += i
    return total, memory


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20_000)
    args = parser.parse_args()

    import botox_bot  # noqa: F401 - the package itself (settings, engine) is not the screen's import time

    start = time.perf_counter()
    from botox_bot.core.triage import screen

    imported = time.perf_counter() - start
    start = time.perf_counter()
    screen("trubble swalowing", None, now=0.0)  # loads the word-frequency lists
    first = time.perf_counter() - start
    print(f"import (rules compiled): {imported * 1e3:.0f} ms; first call (word lists): {first * 1e3:.0f} ms")

    mixes = {
        "faq": messages(args.n),
        "red flags": (RED_FLAGS * (args.n // len(RED_FLAGS) + 1))[: args.n],
        "unique": unique_messages(args.n),
    }
    for name, texts in mixes.items():
        timed(texts, screen)  # warm the per-token caches, as a running server would be
        r = timed(texts, screen)
        print(
            f"{name:11} n={len(texts)}  cpu p50 {r['cpu_p50_us']:6.1f} us  p99 {r['cpu_p99_us']:6.1f} us   "
            f"wall p50 {r['p50_us']:6.1f} us  p99 {r['p99_us']:7.1f} us  mean {r['mean_us']:6.1f} us"
        )
    r = timed(mixes["faq"], busy)
    print(
        f"{'noise floor':11} (a fixed busy loop)  cpu p50 {r['cpu_p50_us']:6.1f} us  p99 {r['cpu_p99_us']:6.1f} us   "
        f"wall p50 {r['p50_us']:6.1f} us  p99 {r['p99_us']:7.1f} us"
    )


if __name__ == "__main__":
    main()
