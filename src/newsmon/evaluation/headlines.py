"""Headlines instead of page furniture, on real scraped and wire titles: how many titles
each corpus sets aside and why, and a sample of the decisions to read by hand."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from newsmon.nlp.headlines import headline

SAMPLE = 20


def _rows(path: Path, title: str, body: str, source: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get(body):
            rows.append((item.get(title) or "", item[body], item.get(source) or ""))
    return rows


def evaluate_headlines(data: Path, seed: int = 7) -> str:
    corpora = {
        "provenance (scraped pages)": _rows(
            data / "provenance" / "provenance_articles.jsonl", "title", "text", "outlet"
        ),
        "Reuters-21578 (wire)": _rows(
            data / "reuters21578" / "reuters21578.jsonl", "title", "text", "source"
        ),
        "BBC News dev": _rows(data / "bbc-news" / "bbc-news-dev.jsonl", "title", "body", "source"),
    }
    lines = [
        "| corpus | articles | title kept | " + " | ".join(REASONS) + " |",
        "| --- " * (3 + len(REASONS)) + "|",
    ]
    samples = []
    for name, rows in corpora.items():
        decided = [(title, headline(title, body, source)) for title, body, source in rows]
        reasons = Counter(h.reason for _, h in decided)
        lines.append(
            f"| {name} | {len(rows)} | {reasons[None]} | "
            + " | ".join(str(reasons[r]) for r in REASONS)
            + " |"
        )
        derived = [(t, h.text, h.reason) for t, h in decided if h.derived]
        for title, text, reason in random.Random(seed).sample(derived, min(SAMPLE, len(derived))):
            samples.append(f"- {name}: {title[:60]!r} ({reason}) -> {text[:90]!r}")
    return "\n".join(
        [*lines, "", f"A sample of {SAMPLE} derived headlines per corpus (seed {seed}):", *samples]
    )


REASONS = ("no title", "boilerplate", "a time or date", "the outlet's name", "not found in the text")
