"""A place that is only a person's first name ("Russian President Vladimir ..." in scraped
copy cut short) is that person, not the Russian city of Vladimir among the regions."""

from __future__ import annotations

import json

from newsmon.models.article import Article
from newsmon.nlp.enrich import Enricher
from tests.helpers import shared_file


def test_a_first_name_alone_is_the_persons_not_a_city(enricher: Enricher) -> None:
    rows = [
        json.loads(line)
        for line in shared_file("provenance/provenance_articles.jsonl").read_text().splitlines()
    ]
    row = next(r for r in rows if r["id"] == "prov:helsinki:231")
    assert "Russian President Vladimir ..." in row["text"]
    enrichment = enricher.enrich(Article(title=row["title"] or "", body=row["text"])).enrichment
    assert "Vladimir" not in enrichment.regions
    assert not [e for e in enrichment.entities if e.type == "GPE" and e.canonical == "Vladimir"]
    putin = next(e for e in enrichment.entities if e.canonical == "Vladimir Putin")
    assert "Vladimir" in putin.aliases
