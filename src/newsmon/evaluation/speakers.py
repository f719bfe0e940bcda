"""Quote + canonical speaker on PolNeAR dev articles, against a hand-built gold
(``speakers_gold.yaml``: who said each direct quote, by canonical name).

PolNeAR marks the speaker's mention ("he", "the mayor", "Rep. Jim Clyburn (D-S.C.)"); a
desk's "X quoted" rule needs the person: the canonical name the enricher gives the quote
must be the gold name (case, accents and a leading "the" aside; a knowledge-base entity by
its canonical name: "UN Security Council"). A predicted quote matches a gold one as in
``newsmon eval quotes`` (half their union overlapping); a quote given to someone where the
gold names nobody, or to the wrong person, is a false attribution. Beside it, on the same
articles, PolNeAR's mention-level quote + speaker score.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from newsmon.evaluation.quotes import Document, GoldQuote, PredictedQuote, _matches, read_polnear, score
from newsmon.evaluation.scores import Counts, table
from newsmon.models.article import Article
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.knowledge import fold


@dataclass(frozen=True)
class SpeakerGold:
    start_words: str
    speaker: str | None


def load_gold() -> dict[str, list[SpeakerGold]]:
    text = (resources.files("newsmon.evaluation") / "speakers_gold.yaml").read_text("utf-8")
    data: Any = yaml.safe_load(text)
    return {
        str(name): [SpeakerGold(str(q["text"]), q.get("speaker")) for q in quotes or ()]
        for name, quotes in data["articles"].items()
    }


def _aligned(document: Document, gold: list[SpeakerGold]) -> list[tuple[GoldQuote, str | None]]:
    """The document's gold quotes in text order with their canonical speakers."""
    quotes = sorted(document.gold, key=lambda g: g.start)
    if len(quotes) != len(gold):
        raise ValueError(f"{document.name}: {len(quotes)} PolNeAR quotes, {len(gold)} in speakers_gold.yaml")
    for quote, wanted in zip(quotes, gold, strict=True):
        words = " ".join(document.text[quote.start : quote.end].split()[:5])
        if fold(words) != fold(wanted.start_words):
            raise ValueError(f"{document.name}: quote {words!r} is {wanted.start_words!r} in the gold")
    return [(q, g.speaker) for q, g in zip(quotes, gold, strict=True)]


def evaluate_speakers(enricher: Enricher, data: Path) -> tuple[Counts, Counts, Counts, int]:
    """(quote spans, PolNeAR mention-level quote + speaker, quote + canonical speaker, articles)."""
    gold = load_gold()
    documents = [d for d in read_polnear(data / "polnear" / "dev") if d.name in gold]
    predictions: dict[str, list[PredictedQuote]] = {}

    def predict(document: Document) -> list[PredictedQuote]:
        article = Article(body=document.text, title="")
        enrichment = enricher.annotate(article, enricher.nlp(document.text))
        entities = {e.key: e for e in enrichment.entities}
        predicted = []
        for q in enrichment.quotes:
            spans = [(q.speaker_mention.start, q.speaker_mention.end)] if q.speaker_mention else []
            if q.speaker_key in entities:
                spans += [(m.start, m.end) for m in entities[q.speaker_key].mentions]
            predicted.append(PredictedQuote(q.start, q.end, tuple(spans), q.speaker))
        predictions[document.name] = predicted
        return predicted

    spans, mentions = score(documents, predict)
    canonical = Counts()
    for document in documents:
        wanted = _aligned(document, gold[document.name])
        matched: set[int] = set()
        for p in predictions[document.name]:
            hit = next((i for i, (g, _) in enumerate(wanted) if i not in matched and _matches(p, g)), None)
            if hit is None:
                canonical.false_positives += p.speaker_name is not None
                continue
            matched.add(hit)
            name = wanted[hit][1]
            if name is not None and p.speaker_name is not None and _same(p.speaker_name, name):
                canonical.true_positives += 1
                continue
            canonical.false_positives += p.speaker_name is not None
            canonical.false_negatives += name is not None
        canonical.false_negatives += sum(1 for i, (_, name) in enumerate(wanted) if i not in matched and name)
    return spans, mentions, canonical, len(documents)


def _same(predicted: str, wanted: str) -> bool:
    """The same name, case, accents and a leading "the" aside ("Times", "The Times")."""

    def bare(name: str) -> str:
        folded = fold(name)
        return folded[4:] if folded.startswith("the ") else folded

    return bare(predicted) == bare(wanted)


def report(spans: Counts, mentions: Counts, canonical: Counts, articles: int) -> str:
    return table(
        f"Speakers on {articles} PolNeAR dev articles (speakers_gold.yaml)",
        [
            ("quote spans", spans),
            ("quote + speaker mention", mentions),
            ("quote + canonical speaker", canonical),
        ],
    )
