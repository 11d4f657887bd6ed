"""Which rules could match a message at all, decided from its words before any big regex runs.

Why: most messages a clinic bot sees are FAQ questions with no symptom in them, and running every concept rule over
them was most of the screen's time. The prefilter is *sound*, not a guess: for each compiled rule it derives, from
the regex itself (Python's own regex parser), literal pieces such that every possible match contains at least one
of them. A rule whose pieces appear in none of the message's tokens cannot match, so skipping it changes nothing.
A rule for which no such guarantee can be derived always runs.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from botox_bot.core.wordcache import word_cache

# Python 3.11+ keeps the regex parser in private modules; it is only used at import time, and a future Python
# without them means no prefilter (every rule runs), never a wrong one.
try:
    _C: ModuleType | None = importlib.import_module("re._constants")
    _sre_parse: ModuleType | None = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _C = _sre_parse = None

_Pieces = frozenset[str]


def required_pieces(pattern: str) -> _Pieces | None:
    """Space-free literal pieces, one of which every match of ``pattern`` contains; ``None`` if none is certain."""
    if _sre_parse is None:
        return None
    try:
        literals = _required(list(_sre_parse.parse(pattern)))
    except Exception:  # noqa: BLE001 - an unparsable rule simply gets no prefilter
        return None
    if literals is None:
        return None
    pieces = set()
    for literal in literals:
        parts = [p for p in literal.split(" ") if p]
        if not parts:
            return None
        pieces.add(max(parts, key=len))  # "go down" in the text means a token contains "down"
    return frozenset(pieces)


def _required(items: list[Any]) -> _Pieces | None:
    """Candidates from each mandatory element of a sequence; the most selective one is returned."""
    candidates: list[_Pieces] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    assert _C is not None  # required_pieces() returns before parsing when the parser modules are missing
    for op, av in items:
        if op is _C.LITERAL:
            run.append(chr(av))
            continue
        flush()
        found: _Pieces | None = None
        if op is _C.SUBPATTERN:
            found = _required(list(av[3]))
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            found = _required(list(av))
        elif op is _C.BRANCH:
            branches = [_required(list(b)) for b in av[1]]
            found = None if any(b is None for b in branches) else frozenset().union(*(b for b in branches if b))
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            found = _required(list(av[2]))
        if found is not None:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=_selectivity)


def _selectivity(candidate: _Pieces) -> float:
    """Higher is better: the pieces of this candidate are rarely inside the tokens of ordinary messages."""
    return -sum(_commonness(max(lit.split(" "), key=len)) for lit in candidate)


@cache
def _commonness(piece: str) -> float:
    """How often a piece occurs inside tokens, roughly: its own word frequency, or a guess from its length
    (a two-letter fragment such as "ee" is inside many words). Only affects speed, never what matches."""
    if not piece:
        return 1e9
    from wordfreq import zipf_frequency

    as_word = max(zipf_frequency(piece, "en"), zipf_frequency(piece, "es"))
    return 10 ** max(as_word, 8 - 1.5 * len(piece))


def derive(rules: Iterable[tuple[str, str]]) -> dict[str, frozenset[str] | None]:
    """Pieces per rule name (``None``: the rule must always run). Slow (pure-Python regex parsing): build time."""
    pieces: dict[str, frozenset[str] | None] = {}
    for name, pattern in rules:
        found = required_pieces(pattern)
        if found is None or pieces.get(name, frozenset()) is None:
            pieces[name] = None
        else:
            pieces[name] = found | (pieces.get(name) or frozenset())
    return pieces


def fingerprint(rules: Iterable[tuple[str, str]]) -> str:
    """A hash of the rule sources: the stored pieces are only used when it matches."""
    digest = hashlib.sha256()
    for name, pattern in rules:
        digest.update(name.encode() + b"\0" + pattern.encode() + b"\0")
    return digest.hexdigest()


def load(group: str, rules: list[tuple[str, str]]) -> dict[str, frozenset[str] | None]:
    """The stored pieces when they were derived from exactly these rules, else derive them now (never stale)."""
    from botox_bot.core.triage import _pieces

    stored = getattr(_pieces, "GROUPS", {}).get(group)
    if stored is not None and stored["fingerprint"] == fingerprint(rules):
        return {name: (None if p is None else frozenset(p)) for name, p in stored["pieces"].items()}
    return derive(rules)


def write(groups: dict[str, list[tuple[str, str]]], path: Path) -> None:
    """Regenerate ``_pieces.py`` (run ``python -m botox_bot.core.triage.prefilter`` after editing a lexicon)."""
    lines = [
        '"""Generated by ``python -m botox_bot.core.triage.prefilter`` from the lexicons: do not edit.',
        "",
        "Literal pieces that every match of each rule contains (see prefilter.py), per group of rules. A group is",
        "used only while its fingerprint matches the rules; otherwise it is derived again at import, so it can never",
        "be stale.",
        '"""',
        "",
        "from typing import Any\n\nGROUPS: dict[str, dict[str, Any]] = {",
    ]
    for group, rules in groups.items():
        lines += [
            f"    {json.dumps(group)}: {{",
            f'        "fingerprint": "{fingerprint(rules)}",',
            '        "pieces": {',
        ]
        for name, found in derive(rules).items():
            if found is None:
                lines.append(f"            {json.dumps(name)}: None,")
            elif len(found) == 1:
                lines.append(f"            {json.dumps(name)}: ({json.dumps(next(iter(found)))},),")
            else:
                lines.append(f"            {json.dumps(name)}: (")
                lines += [f"                {json.dumps(p)}," for p in sorted(found)]
                lines.append("            ),")
        lines += ["        },", "    },"]
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


_MAX_SHARED = 10_000  # distinct name sets shared between words (far more than real words make)


class Prefilter:
    """Maps a message's tokens to the names whose rules could match (per-token results are cached)."""

    def __init__(self, pieces: Mapping[str, frozenset[str] | None]) -> None:
        self.always = frozenset(name for name, p in pieces.items() if p is None)
        self.pieces = {name: p for name, p in pieces.items() if p is not None}
        index: dict[str, set[str]] = {}
        for name, found in self.pieces.items():
            for piece in found:
                index.setdefault(piece, set()).add(name)
        self._index = {piece: frozenset(names) for piece, names in index.items()}
        self._longest = max((len(p) for p in self._index), default=0)
        self._shared: dict[frozenset[str], frozenset[str]] = {}
        self.names_for = word_cache(8 << 20)(self._names_for)  # bounded in bytes (botox_bot.core.wordcache)

    def _names_for(self, token: str) -> frozenset[str]:
        """Names with a piece inside this token: every substring is looked up (tokens are short)."""
        found: set[str] = set()
        index, n = self._index, len(token)
        for i in range(n):
            for j in range(i + 1, min(n, i + self._longest) + 1):
                names = index.get(token[i:j])
                if names:
                    found |= names
        names = frozenset(found)
        if len(self._shared) >= _MAX_SHARED:
            return self._shared.get(names, names)
        return self._shared.setdefault(names, names)  # a few hundred distinct sets for thousands of words

    def active(self, tokens: Iterable[str]) -> set[str]:
        """Names whose rules could match a text made of these tokens."""
        out = set(self.always)
        for tok in set(tokens):
            out |= self.names_for(tok)
        return out


if __name__ == "__main__":
    from botox_bot.core.triage import concepts, crisis, scene

    target = Path(__file__).with_name("_pieces.py")
    write({"rules": concepts.RULE_SOURCES, "markers": scene.MARKER_SOURCES, "crisis": crisis.SOURCES}, target)
    print(f"wrote {target}", file=sys.stderr)
