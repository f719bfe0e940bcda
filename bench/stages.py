"""Throughput of each enrichment stage beside bare spaCy ``nlp.pipe`` on the same texts.

    .venv/bin/python -m bench.stages [--articles 200] [--corpus PATH]

Prints articles/s of: bare spaCy (the floor of our cost: same model, same texts), the same
without the two components the pipeline replaces, spaCy as the pipeline runs it (with
newsmon's components), each NLP core on already-parsed docs, and the whole enricher;
per-article latency p50/p99 of the whole enricher; then the whole enricher on the
non-English pages of Fundus's test set by language (the language-independent stages of
configs/languages.yaml, their name index built first); peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import spacy

from bench.harness import valid_articles
from newsmon.models.article import Article, parse_article
from newsmon.models.enrichment import Entity
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.entities import extract_entities
from newsmon.nlp.headlines import headline
from newsmon.nlp.language import detect_language
from newsmon.nlp.places import resolve_places
from newsmon.nlp.quotes import extract_quotes
from newsmon.nlp.topics import score_topics
from newsmon.nlp.verbs import REPLACED_COMPONENTS
from newsmon.settings import NlpSettings

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared/data"
DEFAULT_CORPUS = SHARED_DATA / "provenance/provenance_articles.jsonl"
FUNDUS = SHARED_DATA / "fundus/fundus_articles.jsonl"


def _timed(label: str, count: int, work: Callable[[], object]) -> tuple[str, float, float]:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    return label, count / elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()

    articles: list[Article] = [parse_article(line) for line in valid_articles(args.corpus, args.articles)]
    settings = NlpSettings()
    # The same texts the enricher parses (it cuts bodies at nlp.max_characters).
    texts = [a.body[: settings.max_characters] for a in articles]
    words = sum(len(t.split()) for t in texts)
    enricher = Enricher.load(settings)
    bare = spacy.load(settings.model)
    # The model's components the pipeline runs (it replaces these two: newsmon.nlp.verbs).
    same = spacy.load(settings.model, disable=list(REPLACED_COMPONENTS))
    # Warm the pipelines up so that first-call costs do not count.
    for nlp in (bare, same, enricher.nlp):
        list(nlp.pipe(texts[:5]))

    batch = settings.batch_size
    rows = [
        _timed(
            f"bare spaCy nlp.pipe (batch {batch})",
            len(texts),
            lambda: list(bare.pipe(texts, batch_size=batch)),
        ),
        _timed("bare spaCy nlp.pipe (default batch)", len(texts), lambda: list(bare.pipe(texts))),
        _timed(
            f"  without {' and '.join(REPLACED_COMPONENTS)}",
            len(texts),
            lambda: list(same.pipe(texts, batch_size=batch)),
        ),
    ]
    docs: list[spacy.tokens.Doc] = []
    rows.append(
        _timed(
            "spaCy as the pipeline runs it (+ newsmon components)",
            len(texts),
            lambda: docs.extend(enricher.nlp.pipe(texts, batch_size=batch)),
        )
    )
    entities: list[list[Entity]] = []
    rows.append(
        _timed(
            "  entities (on parsed docs)",
            len(docs),
            lambda: entities.extend(
                extract_entities(d, enricher.kb, enricher.gazetteer, a.title)
                for d, a in zip(docs, articles, strict=True)
            ),
        )
    )
    pairs = list(zip(docs, entities, strict=True))
    rows.append(_timed("  quotes", len(docs), lambda: [extract_quotes(d, e) for d, e in pairs]))
    rows.append(
        _timed("  places", len(docs), lambda: [resolve_places(e, enricher.gazetteer) for e in entities])
    )
    rows.append(
        _timed(
            "  topics",
            len(docs),
            lambda: [score_topics(a.title, a.body, enricher.taxonomy) for a in articles],
        )
    )
    rows.append(_timed("  language", len(docs), lambda: [detect_language(a.title, a.body) for a in articles]))
    rows.append(
        _timed("  headline", len(docs), lambda: [headline(a.title, a.body, a.source) for a in articles])
    )
    latencies: list[float] = []

    def one_by_one() -> None:
        for article in articles:
            started = time.perf_counter()
            enricher.enrich(article)
            latencies.append(time.perf_counter() - started)

    rows.append(
        _timed(
            "whole enricher, batched",
            len(texts),
            lambda: list(enricher.enrich_many(articles, settings.batch_size)),
        )
    )
    rows.append(_timed("whole enricher, one by one", len(texts), one_by_one))

    floor = rows[0][1]
    print(f"{len(texts)} articles, {words} words, from {args.corpus.name}; model {settings.model}")
    print(f"{'stage':52} {'articles/s':>11} {'seconds':>8} {'vs bare spaCy':>14}")
    for label, rate, elapsed in rows:
        print(f"{label:52} {rate:11.1f} {elapsed:8.2f} {rate / floor:13.2f}x")
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    p50 = statistics.median(ordered)
    print(f"whole enricher latency per article: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    if FUNDUS.exists():
        _other_languages(enricher)
    print(json.dumps({"articles": len(texts), "bare_spacy_articles_per_s": round(floor, 1)}))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def _other_languages(enricher: Enricher) -> None:
    """The whole enricher on Fundus's pages in each language of configs/languages.yaml: with
    the language's spaCy model where it has one, else the language-independent stages."""
    by_language: dict[str, list[Article]] = {}
    for line in FUNDUS.read_text().splitlines():
        row = json.loads(line)
        if not row.get("text"):
            continue
        article = Article(title=row["title"] or "", body=row["text"], source=row["publisher"])
        language = detect_language(article.title, article.body)
        if enricher.multilingual.covers(language):
            assert language is not None
            by_language.setdefault(language, []).append(article)
    header = f"{'articles':>8} {'words':>7} {'articles/s':>11} {'ms/article':>11}"
    print(f"\n{'other languages (Fundus pages)':52} {header}")
    for language, group in sorted(by_language.items(), key=lambda item: -len(item[1])):
        enricher.multilingual.annotator(language)  # the name index, built once per language
        words = sum(len(a.body.split()) for a in group)
        _, rate, elapsed = _timed(language, len(group), partial(_enrich_all, enricher, group))
        per_article = 1000 * elapsed / len(group)
        path = "spaCy model" if enricher.multilingual.has_model(language) else "names, no model"
        label = f"{language} ({path})"
        print(f"  {label:50} {len(group):8} {words:7} {rate:11.1f} {per_article:11.1f}")


def _enrich_all(enricher: Enricher, articles: list[Article]) -> None:
    list(enricher.enrich_many(articles))


if __name__ == "__main__":
    main()
