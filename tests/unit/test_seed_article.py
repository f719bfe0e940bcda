"""The acceptance example: what a desk must get out of the seed article."""

from __future__ import annotations

import pytest

from newsmon.models.article import Article
from newsmon.models.enrichment import Enrichment, Quote
from newsmon.nlp.enrich import Enricher
from tests.helpers import shared_file


@pytest.fixture(scope="module")
def seed(enricher: Enricher) -> tuple[Article, Enrichment]:
    body = shared_file("seed-article.txt").read_text(encoding="utf-8")
    article = Article(title="Boris Johnson speaks to Putin about Ukraine", body=body, source="seed")
    return article, enricher.enrich(article).enrichment


def test_canonical_entities(seed: tuple[Article, Enrichment]) -> None:
    _, enrichment = seed
    by_name = {e.canonical: e for e in enrichment.entities}
    for expected in (
        "Boris Johnson",
        "Vladimir Putin",
        "Volodymyr Zelensky",
        "NATO",
        "Kremlin",
        "Ukraine",
        "Russia",
        "Kyiv",
        "Donbas",
    ):
        assert expected in by_name, expected
    putin = by_name["Vladimir Putin"]
    assert {"Putin", "Vladimir Putin"} <= set(putin.aliases)
    assert putin.count >= 6 and putin.wikidata_id == "Q7747"
    assert {"NATO", "North Atlantic Treaty Organization"} <= set(by_name["NATO"].aliases)
    # "The Prime Minister" inside the statement is Johnson, introduced with that title.
    assert any(m.text == "The Prime Minister" for m in by_name["Boris Johnson"].mentions)
    assert by_name["Kyiv"].type == "GPE"
    for entity in enrichment.entities:
        assert not entity.canonical.startswith("@")


def test_mentions_point_into_the_body(seed: tuple[Article, Enrichment]) -> None:
    article, enrichment = seed
    for entity in enrichment.entities:
        for mention in entity.mentions:
            assert article.body[mention.start : mention.end] == mention.text
    for quote in enrichment.quotes:
        assert article.body[quote.start : quote.end] == quote.text
        if quote.speaker_mention:
            m = quote.speaker_mention
            assert article.body[m.start : m.end] == m.text


def test_quotes_and_speakers(seed: tuple[Article, Enrichment]) -> None:
    _, enrichment = seed

    def by_start(prefix: str) -> Quote:
        return next(q for q in enrichment.quotes if q.text.startswith(prefix))

    he_said = by_start("the job of the UK is to le")
    assert (
        he_said.speaker == "Boris Johnson"
        and he_said.speaker_mention
        and he_said.speaker_mention.text == "He"
    )
    nato = by_start("NATO’s unwillingness to ade")
    assert nato.speaker == "Kremlin" and nato.cue == "stated"
    assert nato.speaker_mention and nato.speaker_mention.text == "the press release"
    partial = by_start("clear and present")
    assert partial.speaker == "Boris Johnson" and partial.cue == "warned" and partial.kind == "partial"
    assert by_start("chronic sabotage of the Min").speaker == "Vladimir Putin"
    posts = [q for q in enrichment.quotes if q.kind == "post"]
    assert [(q.speaker, q.text[:12]) for q in posts] == [
        ("Boris Johnson", "I spoke to P"),
        ("Pippa Crerar", "☎️That phone"),
    ]


def test_topics_and_regions(seed: tuple[Article, Enrichment]) -> None:
    _, enrichment = seed
    labels = [t.label for t in enrichment.topics]
    assert {"diplomacy", "conflict_defence"} <= set(labels)
    assert all(t.evidence for t in enrichment.topics)
    assert "Eastern Europe" in enrichment.regions and "Europe" in enrichment.regions
    kyiv = next(p for p in enrichment.places if p.mention == "Kyiv")
    assert (kyiv.country_code, kyiv.region_path) == ("UA", ["Europe", "Eastern Europe"])
    assert set(enrichment.primary_countries) >= {"UA", "RU"}
    assert enrichment.language == "en"
