"""Near-duplicate detection measured on the provenance corpus (wire stories reprinted by
many outlets, with small edits, other headlines, early short versions).

The labelled set, built from the corpus' own text (no labels ship with it):

- the articles are split in two halves by a hash of their id: ``dev`` (for tuning) and
  ``test`` (measured once); pairs are formed within a half;
- a pair is a **copy** when at least half of the sentences of the shorter article (of at
  least 6 words, normalised as the fingerprints normalise text) appear word for word in
  the longer, and the shorter has at least 3 such sentences: the same wire text, edited or
  cut; every other pair is **not a copy**.

Sentence containment is an independent, exact and slow criterion; the detector sees
word-shingle MinHash signatures only. The detector runs as in the pipeline: articles in
order of publication through :func:`check_duplicate`, each linked to the first copy; the
predicted copy pairs are the pairs within one first copy's group.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmon.dedup.check import check_duplicate
from newsmon.dedup.fingerprint import fingerprint, normalise
from newsmon.dedup.store import MemoryFingerprintStore
from newsmon.evaluation.scores import Counts, table

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
Pair = frozenset[str]


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    published_at: datetime


def read_provenance(path: Path, split: str) -> list[Item]:
    """The articles of one half (``dev`` or ``test``), in order of publication."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if not row.get("text"):
                continue
            half = "dev" if hashlib.sha256(str(row["id"]).encode()).digest()[0] % 2 == 0 else "test"
            if half != split:
                continue
            published = row.get("published_at") or "2018-07-16T00:00:00+00:00"
            when = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
            items.append(Item(str(row["id"]), row["text"], when if when.tzinfo else when.replace(tzinfo=UTC)))
    return sorted(items, key=lambda i: (i.published_at, i.id))


def _sentences(text: str) -> set[str]:
    found = (normalise(s) for s in _SENTENCE_BREAK.split(text))
    return {s for s in found if len(s.split()) >= 6}


def gold_pairs(items: list[Item]) -> set[Pair]:
    """Copy pairs by sentence containment (see the module docstring)."""
    sentences = {i.id: _sentences(i.text) for i in items}
    pairs = set()
    for a, b in itertools.combinations(items, 2):
        sa, sb = sentences[a.id], sentences[b.id]
        shorter = min(len(sa), len(sb))
        if shorter >= 3 and len(sa & sb) / shorter >= 0.5:
            pairs.add(frozenset((a.id, b.id)))
    return pairs


@dataclass
class Detection:
    """What the detector said: each article's first copy (itself when none), and its cost."""

    first_copy: dict[str, str]
    cost_ms: float

    @property
    def pairs(self) -> set[Pair]:
        groups: dict[str, list[str]] = defaultdict(list)
        for article, first in self.first_copy.items():
            groups[first].append(article)
        return {frozenset(p) for members in groups.values() for p in itertools.combinations(members, 2)}


def detect(items: list[Item], threshold: float) -> Detection:
    """Run the detector over the articles in order, as the pipeline would."""
    store = MemoryFingerprintStore()
    first_copy = {}
    started = time.perf_counter()
    for item in items:
        fp = fingerprint(item.id, item.published_at, item.text)
        duplicate = check_duplicate(fp, store, timedelta(days=7), threshold)
        first_copy[item.id] = duplicate.of if duplicate else item.id
    cost_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
    return Detection(first_copy, cost_ms)


def article_scores(items: list[Item], gold: set[Pair], detection: Detection) -> Counts:
    """Per article: "is a copy of an earlier article" (gold: a copy pair with an earlier one)."""
    counts = Counts()
    seen: list[str] = []
    for item in items:
        has_earlier_copy = any(frozenset((item.id, earlier)) in gold for earlier in seen)
        flagged = detection.first_copy[item.id] != item.id
        counts.true_positives += flagged and has_earlier_copy
        counts.false_positives += flagged and not has_earlier_copy
        counts.false_negatives += has_earlier_copy and not flagged
        seen.append(item.id)
    return counts


def score(gold: set[Pair], predicted: set[Pair]) -> Counts:
    return Counts(
        true_positives=len(gold & predicted),
        false_positives=len(predicted - gold),
        false_negatives=len(gold - predicted),
    )


def report(path: Path, split: str, thresholds: list[float]) -> str:
    items = read_provenance(path, split)
    gold = gold_pairs(items)
    rows, costs = [], []
    for threshold in thresholds:
        detection = detect(items, threshold)
        rows.append((f"pairs, containment >= {threshold:.2f}", score(gold, detection.pairs)))
        rows.append((f"articles, containment >= {threshold:.2f}", article_scores(items, gold, detection)))
        costs.append(detection.cost_ms)
    header = f"provenance {split}: {len(items)} articles, {len(gold)} copy pairs (sentence containment)"
    cost = f"cost: {min(costs):.2f} ms per article (fingerprint + check, in-memory store)"
    return table(header, rows) + "\n" + cost
