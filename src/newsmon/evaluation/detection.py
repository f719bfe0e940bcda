"""Language detection on corpora whose language is known: how many items keep it.

Reuters-21578 (1987 wire copy, with its results tables and one-line items), BBC News and
the provenance articles are English; gnad10k is German. An English item detected as
another language loses every English stage, so the English share is the figure a desk
cares about; the German one shows that other languages are still found.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from newsmon.nlp.language import detect_language


def _corpora(data: Path) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(name, its language, [(title, body)])."""
    reuters = data / "reuters21578" / "reuters21578.jsonl"
    rows = [json.loads(line) for line in reuters.read_text(encoding="utf-8").splitlines()]
    yield (
        "Reuters-21578 (1987 wire)",
        "en",
        [(r.get("title") or "", r["text"]) for r in rows if r.get("text")],
    )
    bbc = data / "bbc-news" / "bbc-news-dev.jsonl"
    rows = [json.loads(line) for line in bbc.read_text(encoding="utf-8").splitlines()]
    yield "BBC News dev", "en", [(r["title"], r["body"]) for r in rows]
    provenance = data / "provenance" / "provenance_articles.jsonl"
    rows = [json.loads(line) for line in provenance.read_text(encoding="utf-8").splitlines()]
    yield "provenance (2018 summit coverage)", "en", [(r.get("title") or "", r["text"]) for r in rows]
    with (data / "gnad10k" / "test.csv").open(encoding="utf-8", newline="") as f:
        yield (
            "gnad10k (DER STANDARD)",
            "de",
            [("", text) for _, text in csv.reader(f, delimiter=";", quotechar="'")],
        )


def report(data: Path) -> str:
    lines = ["Language detection on corpora of known language (no language declared)"]
    lines.append(f"{'corpus':40} {'items':>7} {'kept':>8}  detected otherwise")
    for name, language, items in _corpora(data):
        found = Counter(detect_language(title, body) for title, body in items)
        kept = found.pop(language, 0)
        others = ", ".join(f"{code or 'none'} {n}" for code, n in found.most_common(5)) or "-"
        lines.append(f"{name:40} {len(items):7} {kept / len(items):8.4f}  {others}")
    return "\n".join(lines)
