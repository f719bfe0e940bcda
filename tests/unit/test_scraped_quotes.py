"""Scraped copy without a space after a closing quotation mark (“...,”the top US official
wrote): the words on both sides are words of their own, so the speaker is found and no
name swallows the punctuation. A real provenance page (prov:helsinki:8601)."""

from __future__ import annotations

import json

from newsmon.models.article import Article
from newsmon.nlp.enrich import Enricher
from tests.helpers import shared_file


def test_a_closing_mark_glued_to_the_next_word_still_ends_the_quote(enricher: Enricher) -> None:
    rows = shared_file("provenance/provenance_articles.jsonl").read_text(encoding="utf-8").splitlines()
    row = next(json.loads(line) for line in rows if '"prov:helsinki:8601"' in line)
    assert "court,”the top US official wrote" in row["text"]
    assert "relations,”Peskov" in row["text"]
    enrichment = enricher.enrich(Article(title=row["title"] or "", body=row["text"])).enrichment
    quote = next(q for q in enrichment.quotes if q.text.startswith("A better relationship with the Russian"))
    # "US Secretary of State Mike Pompeo said ..." then "“...,”the top US official wrote".
    assert quote.speaker == "Mike Pompeo"
    assert not [e for e in enrichment.entities if "”" in e.canonical or any("”" in a for a in e.aliases)]
    assert "Dmitry Peskov" in {e.canonical for e in enrichment.entities if e.type == "PERSON"}
