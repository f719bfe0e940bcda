"""Property-based tests: on arbitrary input the parsers and NLP cores never crash and keep
their invariants (offsets inside the text, text at the offsets equal to what they report)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import Article, parse_article
from newsmon.nlp.enrich import Enricher

NEWSY = st.text(
    alphabet=st.sampled_from(list("abcdefghij KLMNOPQRST.,;:!?'\"“”‘’—-\n@#()0123456789")),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_parse_article_takes_any_bytes(raw: bytes) -> None:
    try:
        article = parse_article(raw)
    except InvalidArticleError as e:
        assert e.reason
    else:
        assert article.body.strip() and len(article.id) == 32


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["title", "body", "text", "url", "source", "id", "published_at", "authors", "language"]
        ),
        st.one_of(st.none(), st.integers(), st.text(max_size=40), st.lists(st.text(max_size=5), max_size=3)),
    )
)
def test_parse_article_takes_any_json_object(fields: dict[str, object]) -> None:
    try:
        parse_article(json.dumps(fields).encode())
    except InvalidArticleError as e:
        assert e.reason


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=NEWSY)
def test_enrichment_offsets_point_at_their_text(enricher: Enricher, body: str) -> None:
    if not body.strip():
        return
    article = Article(body=body)
    text = article.body
    enrichment = enricher.annotate(article, enricher.nlp(text))
    for entity in enrichment.entities:
        for mention in entity.mentions:
            assert 0 <= mention.start <= mention.end <= len(text)
            assert text[mention.start : mention.end] == mention.text
    for quote in enrichment.quotes:
        assert 0 <= quote.start <= quote.end <= len(text)
        assert text[quote.start : quote.end] == quote.text
        if quote.speaker_mention is not None:
            m = quote.speaker_mention
            assert text[m.start : m.end] == m.text
    for place in enrichment.places:
        assert text[place.start : place.end] == place.mention
