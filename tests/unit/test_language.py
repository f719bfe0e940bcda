"""Language detection never takes English away without strong evidence: results tables,
short items and English sources stay English; other languages are still found (real
texts of the shared data)."""

from __future__ import annotations

import csv
import json
from functools import cache

import pytest

from newsmon.nlp.language import detect_language
from tests.helpers import shared_file


@cache
def _reuters(title: str) -> str:
    for line in shared_file("reuters21578/reuters21578.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row.get("title") == title:
            return str(row["text"])
    raise AssertionError(title)


@pytest.mark.parametrize(
    "title",
    [
        "BROWN-FORMAN INC <BFD> 4TH QTR NET",  # a results table: "Shr one dlr vs 73 cts ..."
        "<CINRAM LTD> 4TH QTR NET",  # the detector's "no language"
        "TONKA CORP <TKA> RAISES DIVIDEND",  # a three-line item
    ],
)
def test_results_tables_and_short_wire_items_stay_english(title: str) -> None:
    assert detect_language(title, _reuters(title)) == "en"


def test_every_reuters_item_is_english() -> None:
    rows = [
        json.loads(line) for line in shared_file("reuters21578/reuters21578.jsonl").read_text().splitlines()
    ]
    found = {detect_language(r.get("title") or "", r["text"]) for r in rows[:3000] if r.get("text")}
    assert found == {"en"}


def test_other_languages_are_still_found() -> None:
    with shared_file("gnad10k/test.csv").open(encoding="utf-8", newline="") as f:
        german = [text for _, text in csv.reader(f, delimiter=";", quotechar="'")][:200]
    assert sum(detect_language("", text) == "de" for text in german) >= 199
    pages = [
        json.loads(line) for line in shared_file("fundus/fundus_articles.jsonl").read_text().splitlines()
    ]
    figaro = next(p for p in pages if "LeFigaro_2024_11_22" in p["html_file"])
    assert detect_language(figaro["title"], figaro["text"]) == "fr"


def test_what_the_source_declares_counts_first() -> None:
    short_german = "Gemeindeergebnisse, Mandate und mögliche Koalitionen im Überblick."
    assert detect_language("", short_german) == "en"  # too few words to overrule English
    assert detect_language("", short_german, declared="de-AT") == "de"
    # A source declaring English keeps it for a German quote inside a short item...
    item = "Merkel said: Wir schaffen das. Die Bundesregierung wird weiter helfen."
    assert detect_language("", item, declared="en") == "en"
    # ... and loses it only to a long, unmistakably other text.
    with shared_file("gnad10k/test.csv").open(encoding="utf-8", newline="") as f:
        long_german = next(
            text for _, text in csv.reader(f, delimiter=";", quotechar="'") if len(text) > 2000
        )
    assert detect_language("", long_german, declared="en") == "de"
