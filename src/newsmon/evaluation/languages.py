"""Entities, places and quotes of non-English articles against a hand-built gold set
(``languages_gold.yaml``): real pages of many publishers (Fundus's test pages, their
expected text), read by hand.

For each article the gold lists the watched people, organisations and places it names,
by their canonical names (the knowledge base's people and bodies; countries, M49 regions,
sub-national regions and cities of 300,000 or more, named as the gazetteer names them;
adjectives such as "russische" do not count), and its direct quotes of three words or
more, each by its first words and its speaker's canonical name (null: a speaker the
knowledge base does not hold). Only names and those few words are kept, not article text.

Scores, per language: entities and places, precision and recall over (article, name)
pairs; quotes found (a predicted quote that holds a gold quote's first words); and quote +
speaker over the quotes of known speakers: right when the predicted speaker is the gold
one, and a quote of an unknown speaker given to someone is a false attribution.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from newsmon.evaluation.scores import Counts, table
from newsmon.models.article import Article
from newsmon.models.enrichment import Enrichment
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.knowledge import fold


@dataclass(frozen=True)
class GoldQuote:
    start_words: str
    speaker: str | None  # canonical name


@dataclass
class GoldArticle:
    article_id: str
    language: str
    entities: set[str]
    quotes: list[GoldQuote] = field(default_factory=list)


def load_gold() -> list[GoldArticle]:
    text = (resources.files("newsmon.evaluation") / "languages_gold.yaml").read_text("utf-8")
    data: Any = yaml.safe_load(text)
    gold = []
    for article_id, entry in data["articles"].items():
        quotes = [GoldQuote(str(q["text"]), q.get("speaker")) for q in entry.get("quotes") or ()]
        gold.append(
            GoldArticle(str(article_id), str(entry["language"]), set(entry.get("entities") or ()), quotes)
        )
    return gold


def load_articles(data: Path, ids: set[str]) -> dict[str, Article]:
    """The gold's articles (``fundus:<page>``) from Fundus's expected texts."""
    articles: dict[str, Article] = {}
    fundus = data / "fundus" / "fundus_articles.jsonl"
    for line in fundus.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        article_id = "fundus:" + Path(row["html_file"]).name.removesuffix(".html.gz")
        if article_id in ids:
            articles[article_id] = Article(
                title=row["title"] or "", body=row["text"], source=row["publisher"]
            )
    missing = ids - set(articles)
    if missing:
        raise ValueError(f"gold articles not found in {data}: {sorted(missing)[:5]}")
    return articles


@dataclass
class LanguageScores:
    entities: Counts = field(default_factory=Counts)
    quotes: Counts = field(default_factory=Counts)
    quote_speakers: Counts = field(default_factory=Counts)
    articles: int = 0


def score(gold: GoldArticle, enrichment: Enrichment, scores: LanguageScores) -> None:
    """Add one article's counts to ``scores``."""
    scores.articles += 1
    predicted = {fold(e.canonical) for e in enrichment.entities if e.type in ("PERSON", "ORG", "GPE", "LOC")}
    wanted_names = {fold(name) for name in gold.entities}
    scores.entities.add(
        Counts(
            len(predicted & wanted_names),
            len(predicted - wanted_names),
            len(wanted_names - predicted),
        )
    )
    quotes = [(fold(q.text), fold(q.speaker) if q.speaker else None) for q in enrichment.quotes]
    matched: set[int] = set()
    for wanted in gold.quotes:
        words = fold(wanted.start_words)
        speaker = fold(wanted.speaker) if wanted.speaker else None
        at = next((i for i, (text, _) in enumerate(quotes) if i not in matched and words in text), None)
        if at is None:
            scores.quotes.false_negatives += 1
            scores.quote_speakers.false_negatives += speaker is not None
            continue
        matched.add(at)
        scores.quotes.true_positives += 1
        given = quotes[at][1]
        if speaker is not None and given == speaker:
            scores.quote_speakers.true_positives += 1
            continue
        scores.quote_speakers.false_negatives += speaker is not None
        scores.quote_speakers.false_positives += given is not None
    for i, (_, given) in enumerate(quotes):
        if i not in matched:
            scores.quotes.false_positives += 1
            scores.quote_speakers.false_positives += given is not None


def evaluate_languages(enricher: Enricher, data: Path) -> dict[str, LanguageScores]:
    gold = load_gold()
    articles = load_articles(data, {g.article_id for g in gold})
    by_language: dict[str, LanguageScores] = {}
    for entry in gold:
        enrichment = enricher.enrich(articles[entry.article_id]).enrichment
        score(entry, enrichment, by_language.setdefault(entry.language, LanguageScores()))
    return by_language


def report(by_language: dict[str, LanguageScores]) -> str:
    articles = sum(s.articles for s in by_language.values())
    lines = [f"Languages: {articles} hand-annotated articles (languages_gold.yaml)"]
    order = sorted(by_language, key=lambda code: -by_language[code].articles)
    for kind, pick in (
        ("canonical entities and places", lambda s: s.entities),
        ("quotes found", lambda s: s.quotes),
        ("quote + speaker (known speakers)", lambda s: s.quote_speakers),
    ):
        rows = [
            (f"{code} ({by_language[code].articles} articles)", pick(by_language[code])) for code in order
        ]
        lines.append(table(kind, rows))
    return "\n\n".join(lines)
