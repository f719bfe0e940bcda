"""Headlines a desk can read: a scraped title that is page furniture (a share button, a
weather box, a time stamp, the outlet's name, another story's headline) gives way to one
from the article's lead, marked as derived; a real title stays. Real articles of the
provenance corpus."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from newsmon.models.article import Article
from newsmon.models.enrichment import EnrichedArticle, Enrichment
from newsmon.nlp.enrich import with_headline
from newsmon.nlp.headlines import furniture_reason, headline
from tests.helpers import shared_file


@cache
def _rows() -> dict[str, dict[str, Any]]:
    path = shared_file("provenance/provenance_articles.jsonl")
    return {row["id"]: row for row in map(json.loads, path.read_text().splitlines())}


def _headline(article_id: str) -> tuple[str, str | None, str]:
    row = _rows()[article_id]
    found = headline(row["title"] or "", row["text"], row["outlet"])
    return row["title"] or "", found.reason, found.text


@pytest.mark.parametrize(
    ("article_id", "reason", "derived"),
    [
        ("prov:helsinki:965", "boilerplate", "People hold placards and banners"),  # "share"
        ("prov:helsinki:77", "boilerplate", "Trump-Putin summit opens without talk of election meddling"),
        ("prov:helsinki:35", "boilerplate", "Summit fever: Trump reaches for big moment with Putin"),
        ("prov:helsinki:1619", "boilerplate", "Melanie Trump walks to the car"),  # "powered by Ask"
        ("prov:helsinki:2867", "a time or date", "On Monday, President Donald Trump begins a summit"),
        ("prov:helsinki:2546", "the outlet's name", "What Donald Trump is up against"),  # "CBS News"
        ("prov:helsinki:1841", "no title", "President Donald Trump says"),  # "(68102)"
        ("prov:helsinki:1693", "not found in the text", "Ahead of Putin summit, Trump faults"),  # "Politics"
    ],
)
def test_page_furniture_gives_way_to_the_lead(article_id: str, reason: str, derived: str) -> None:
    title, found_reason, text = _headline(article_id)
    assert found_reason == reason, title
    assert text.startswith(derived)
    assert len(text) <= 121 and "more_vert" not in text


def test_a_real_headline_stays() -> None:
    title, reason, text = _headline("prov:helsinki:6")
    assert reason is None and text == title


def test_the_lead_skips_bylines_datelines_and_stops_at_the_sentence_not_an_abbreviation() -> None:
    body = (
        "By Reuters\n\nJuly 15, 2018\n\n"
        "HELSINKI (Reuters) — Sen. Mark Warner said on Sunday the U.S. should not trust Russia. "
        "He spoke on television.\n"
    )
    found = headline("share", body)
    assert found.derived
    assert found.text == "Sen. Mark Warner said on Sunday the U.S. should not trust Russia"


def test_a_title_in_other_words_of_the_text_stands() -> None:
    body = "Finland's president welcomed the two leaders to the summits in the capital on Monday."
    assert furniture_reason("Finnish president welcomes leaders to summit", body) is None


def test_the_enriched_article_keeps_the_given_title_beside_the_headline() -> None:
    row = _rows()["prov:helsinki:77"]
    article = Article(title=row["title"], body=row["text"], source=row["outlet"])
    item = with_headline(EnrichedArticle(article=article, enrichment=Enrichment()))
    document = item.to_document()
    assert document["title"] == "Enter City and State or Zip Code"
    assert document["headline"].startswith("Trump-Putin summit opens")
    assert document["headline_derived"] is True and document["title_problem"] == "boilerplate"


def test_a_title_given_to_three_stories_by_one_source_is_shared() -> None:
    from newsmon.api.headlines import shared_titles

    def title(key: str, stories: int) -> dict[str, object]:
        return {"key": key, "doc_count": stories, "stories": {"value": stories}}

    response = {
        "aggregations": {
            "sources": {
                "buckets": [
                    {
                        "key": "paper.example",
                        "titles": {"buckets": [title("Top news", 3), title("Wire copy", 2)]},
                    },
                ]
            }
        }
    }
    assert shared_titles(response) == {("paper.example", "Top news")}
