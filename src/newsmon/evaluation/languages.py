"""Entities, places and quotes of non-English articles against a hand-built gold set
(``languages_gold.yaml``): real pages of many publishers (Fundus's test pages, their
expected text; DER STANDARD's articles of gnad10k), read by hand.

For each article the gold lists the watched people, organisations and places it names,
by their canonical names (the knowledge base's people and bodies; countries, M49 regions,
sub-national regions and cities of 300,000 or more, named as the gazetteer names them;
adjectives such as "russische" do not count), and its direct quotes of three words or
more, each by its first words and its speaker's canonical name (null: a speaker the
knowledge base does not hold); in the languages of ``named_speakers``, a quote whose
speaker the knowledge base does not hold names who said it (``said_by``: the person's full
name, or the organisation's name, as the article gives it; none where the article names
nobody: "ein Familienvater", an unnamed ministry). Only names and those few words are
kept, not article text.

Scores, per language: watched entities and places (the knowledge base's, the gazetteer's:
other names an article holds are not in the gold), precision and recall over (article,
name) pairs; quotes found (a predicted quote that holds a gold quote's first words); quote +
speaker over the quotes of known speakers (right when the predicted speaker is the gold
one; a quote given to a known speaker who did not say it is a false attribution); and
quote + speaker over every named speaker (right when the predicted speaker is the gold
name, or has its surname).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from newsmon.evaluation.scores import Counts, table
from newsmon.models.article import Article
from newsmon.models.enrichment import Enrichment, Quote
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.knowledge import fold


@dataclass(frozen=True)
class GoldQuote:
    start_words: str
    speaker: str | None  # canonical name
    said_by: str | None = None  # a speaker the knowledge base does not hold

    @property
    def named(self) -> str | None:
        return self.speaker or self.said_by


@dataclass
class GoldArticle:
    article_id: str
    language: str
    entities: set[str]
    quotes: list[GoldQuote] = field(default_factory=list)
    speakers_named: bool = False  # whether its quotes name every speaker (said_by)


def load_gold() -> list[GoldArticle]:
    text = (resources.files("newsmon.evaluation") / "languages_gold.yaml").read_text("utf-8")
    data: Any = yaml.safe_load(text)
    named = set(data.get("named_speakers") or ())
    gold = []
    for article_id, entry in data["articles"].items():
        quotes = [
            GoldQuote(str(q["text"]), q.get("speaker"), q.get("said_by")) for q in entry.get("quotes") or ()
        ]
        language = str(entry["language"])
        gold.append(
            GoldArticle(
                str(article_id), language, set(entry.get("entities") or ()), quotes, language in named
            )
        )
    return gold


def load_articles(data: Path, ids: set[str]) -> dict[str, Article]:
    """The gold's articles: ``fundus:<page>`` from Fundus's expected texts, ``gnad10k:<row>``
    from the rows of gnad10k's ``test.csv``."""
    articles: dict[str, Article] = {}
    fundus = data / "fundus" / "fundus_articles.jsonl"
    for line in fundus.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        article_id = "fundus:" + Path(row["html_file"]).name.removesuffix(".html.gz")
        if article_id in ids:
            articles[article_id] = Article(
                title=row["title"] or "", body=row["text"], source=row["publisher"]
            )
    if any(i.startswith("gnad10k:") for i in ids):
        with (data / "gnad10k" / "test.csv").open(encoding="utf-8", newline="") as f:
            for number, (_, text) in enumerate(csv.reader(f, delimiter=";", quotechar="'")):
                if f"gnad10k:{number}" in ids:
                    articles[f"gnad10k:{number}"] = Article(title="", body=text, source="derstandard.at")
    missing = ids - set(articles)
    if missing:
        raise ValueError(f"gold articles not found in {data}: {sorted(missing)[:5]}")
    return articles


@dataclass
class LanguageScores:
    entities: Counts = field(default_factory=Counts)
    quotes: Counts = field(default_factory=Counts)
    quote_speakers: Counts = field(default_factory=Counts)
    named_speakers: Counts = field(default_factory=Counts)
    articles: int = 0
    named_articles: int = 0


def score(gold: GoldArticle, enrichment: Enrichment, scores: LanguageScores, known: frozenset[str]) -> None:
    """Add one article's counts to ``scores``; ``known`` holds the knowledge base's keys."""
    scores.articles += 1
    scores.named_articles += gold.speakers_named
    predicted = {
        fold(e.canonical)
        for e in enrichment.entities
        if e.type in ("PERSON", "ORG", "GPE", "LOC") and (e.key in known or e.key.startswith("place:"))
    }
    wanted_names = {fold(name) for name in gold.entities}
    scores.entities.add(
        Counts(
            len(predicted & wanted_names),
            len(predicted - wanted_names),
            len(wanted_names - predicted),
        )
    )
    quotes = list(enrichment.quotes)
    matched: set[int] = set()
    for wanted in gold.quotes:
        words = fold(wanted.start_words)
        at = next((i for i, q in enumerate(quotes) if i not in matched and words in fold(q.text)), None)
        if at is not None:
            matched.add(at)
        scores.quotes.add(Counts(1, 0, 0) if at is not None else Counts(0, 0, 1))
        given = quotes[at] if at is not None else None
        scores.quote_speakers.add(_known_speaker(wanted, given, known))
        if gold.speakers_named:
            scores.named_speakers.add(_named_speaker(wanted.named, given.speaker if given else None))
    for i, quote in enumerate(quotes):
        if i not in matched:
            scores.quotes.false_positives += 1
            scores.quote_speakers.false_positives += quote.speaker_key in known
            if gold.speakers_named:
                scores.named_speakers.false_positives += quote.speaker is not None


def _known_speaker(wanted: GoldQuote, given: Quote | None, known: frozenset[str]) -> Counts:
    speaker = fold(wanted.speaker) if wanted.speaker else None
    guessed = fold(given.speaker) if given and given.speaker and given.speaker_key in known else None
    if speaker is not None and guessed == speaker:
        return Counts(1, 0, 0)
    return Counts(0, int(guessed is not None), int(speaker is not None))


def _named_speaker(wanted: str | None, given: str | None) -> Counts:
    """Right when ``given`` is the gold name or has its surname ("Prüß" for "Harald Prüß")."""
    if wanted is not None and given is not None and _same_person(wanted, given):
        return Counts(1, 0, 0)
    return Counts(0, int(given is not None), int(wanted is not None))


def _same_person(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a == b or a.split()[-1] == b.split()[-1]


def evaluate_languages(enricher: Enricher, data: Path) -> dict[str, LanguageScores]:
    gold = load_gold()
    articles = load_articles(data, {g.article_id for g in gold})
    known = frozenset(e.key for e in enricher.kb.entities)
    by_language: dict[str, LanguageScores] = {}
    for entry in gold:
        enrichment = enricher.enrich(articles[entry.article_id]).enrichment
        score(entry, enrichment, by_language.setdefault(entry.language, LanguageScores()), known)
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
    named = [code for code in order if by_language[code].named_articles]
    rows = [
        (f"{code} ({by_language[code].named_articles} articles)", by_language[code].named_speakers)
        for code in named
    ]
    lines.append(table("quote + speaker (every named speaker)", rows))
    return "\n\n".join(lines)
