"""Direct quotes and speakers on PolNeAR (brat standoff), ours against textacy's baseline.

Gold: every attribution whose content holds text in quotation marks; the gold quote is
that quoted text, the gold speaker the attribution's Source span. A predicted quote
matches a gold one when they overlap by at least half of their union. A speaker is right
when the predicted speaker mention overlaps the gold Source span, or the predicted
canonical entity has a mention there (the entity that span refers to).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsmon.evaluation.scores import Counts, table
from newsmon.nlp.knowledge import fold

_QUOTED = re.compile(r"[“\"]([^“”\"\n]{2,}?)[”\"]")


@dataclass(frozen=True)
class GoldQuote:
    start: int
    end: int
    source: tuple[int, int] | None


@dataclass(frozen=True)
class PredictedQuote:
    start: int
    end: int
    speaker_spans: tuple[tuple[int, int], ...] = ()
    speaker_name: str | None = None


@dataclass
class Document:
    name: str
    text: str
    gold: list[GoldQuote] = field(default_factory=list)


def read_polnear(folder: Path) -> Iterator[Document]:
    """Documents of a PolNeAR split with their gold direct quotes (first annotator per text)."""
    annotations = sorted((folder / "attributions").glob("*.ann"))
    seen: set[str] = set()
    for ann in annotations:
        stem = ann.stem.rsplit("_", 1)[0]
        if stem in seen:
            continue
        text_path = folder / "text" / f"{stem}.txt"
        if not text_path.exists():
            continue
        seen.add(stem)
        text = text_path.read_text(encoding="utf-8")
        yield Document(stem, text, list(_gold_quotes(ann.read_text(encoding="utf-8"), text)))


def _gold_quotes(ann: str, text: str) -> Iterator[GoldQuote]:
    spans: dict[str, tuple[str, int, int]] = {}
    relations: list[dict[str, str]] = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, *offsets = parts[1].replace(";", " ").split()
            numbers = [int(o) for o in offsets]
            spans[parts[0]] = (label, min(numbers), max(numbers))
        elif line.startswith("E") and len(parts) >= 2:
            relations.append(dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg))
    for relation in relations:
        content = spans.get(relation.get("Content", ""))
        if content is None:
            continue
        _, c_start, c_end = content
        source = spans.get(relation.get("Source", ""))
        window_start = max(0, c_start - 1)
        window = text[window_start : min(len(text), c_end + 1)]
        for match in _QUOTED.finditer(window):
            yield GoldQuote(
                window_start + match.start(1),
                window_start + match.end(1),
                (source[1], source[2]) if source else None,
            )


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _matches(p: PredictedQuote, g: GoldQuote) -> bool:
    union = max(p.end, g.end) - min(p.start, g.start)
    return union > 0 and _overlap((p.start, p.end), (g.start, g.end)) / union >= 0.5


def _speaker_right(p: PredictedQuote, g: GoldQuote, text: str) -> bool:
    if g.source is None:
        return False
    if any(_overlap(span, g.source) > 0 for span in p.speaker_spans):
        return True
    return bool(p.speaker_name) and fold(p.speaker_name or "") in fold(text[g.source[0] : g.source[1]])


def score(
    documents: list[Document], predict: Callable[[Document], list[PredictedQuote]]
) -> tuple[Counts, Counts]:
    """Counts for quote spans and for quote + speaker."""
    spans, with_speaker = Counts(), Counts()
    for document in documents:
        predicted = predict(document)
        matched_gold: set[int] = set()
        for p in predicted:
            hit = next(
                (i for i, g in enumerate(document.gold) if i not in matched_gold and _matches(p, g)), None
            )
            if hit is None:
                spans.false_positives += 1
                with_speaker.false_positives += 1
                continue
            matched_gold.add(hit)
            spans.true_positives += 1
            if _speaker_right(p, document.gold[hit], document.text):
                with_speaker.true_positives += 1
            else:
                with_speaker.false_positives += 1
                with_speaker.false_negatives += 1
        missed = len(document.gold) - len(matched_gold)
        spans.false_negatives += missed
        with_speaker.false_negatives += missed
    return spans, with_speaker


def report(results: dict[str, tuple[Counts, Counts]], split: str = "dev") -> str:
    rows = []
    for name, (spans, speakers) in results.items():
        rows += [(f"{name} quote", spans), (f"{name} quote+speaker", speakers)]
    return table(f"Direct quotes on PolNeAR {split}", rows)
