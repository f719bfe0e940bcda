"""Business against politics: trade, oil and shipping news full of ministers, bills and
unions is economy first; the word model (configs/topic_words.json) decides where the
taxonomy's terms of both topics fire. Real items of Reuters-21578 (1987 wire, a corpus the
model was not fitted on) and of PolNeAR (US political news)."""

from __future__ import annotations

import json

import pytest

from newsmon.nlp.topic_words import WordModel, reweigh
from newsmon.nlp.topics import Taxonomy, score_topics
from tests.helpers import shared_file

FIVE = ("economy", "entertainment", "politics", "sport", "technology")


def _leading(title: str, body: str, taxonomy: Taxonomy) -> str:
    scores = {t.label: t.score for t in score_topics(title, body, taxonomy, keep_all=True)}
    return max(FIVE, key=lambda label: scores.get(label, 0.0))


@pytest.fixture(scope="module")
def reuters() -> dict[str, dict[str, str]]:
    items = {}
    with shared_file("reuters21578/reuters21578.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            items[item["title"]] = item
    return items


@pytest.mark.parametrize(
    "title",
    [
        "U.S. ASKS JAPAN END AGRICULTURE IMPORT CONTROLS",
        "ROSTENKOWSKI OPPOSES PROTECTIONIST TRADE BILL",
        "KUWAIT MINISTER SAYS NO EMERGENCY OPEC TALKS SET",
        "ROTTERDAM PORT UNION AND EMPLOYERS TO MEET",
    ],
)
def test_trade_and_industry_news_with_politicians_in_it_is_economy_first(
    title: str, reuters: dict[str, dict[str, str]]
) -> None:
    item = reuters[title]
    taxonomy = Taxonomy.load()
    assert taxonomy.word_model is not None
    assert _leading(item["title"], item["text"], taxonomy.without_word_model()) != "economy"
    assert _leading(item["title"], item["text"], taxonomy) == "economy"


def test_us_campaign_news_is_politics_at_least_as_often_as_by_the_terms_alone() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(shared_file("polnear/dev/text").glob("*.txt"))]
    taxonomy = Taxonomy.load()
    with_words = [_leading("", text, taxonomy) for text in texts].count("politics")
    terms_alone = [_leading("", text, taxonomy.without_word_model()) for text in texts].count("politics")
    assert with_words >= terms_alone
    assert with_words >= 0.75 * len(texts)


def test_the_words_reweigh_only_topics_the_terms_found() -> None:
    model = WordModel.fit(
        [
            ("Shares fall", "The shares and the market fell", "economy"),
            ("Vote today", "The vote and the party won", "politics"),
        ],
        min_articles=1,
    )
    p = model.probabilities("Market news", "shares fell on the market")
    assert p["economy"] > 0.9 > p["politics"]
    assert reweigh({"economy": 0.0, "politics": 0.6, "crime": 0.5}, p) == {
        "economy": 0.0,
        "politics": pytest.approx(0.6 * (0.5 + p["politics"]), abs=1e-4),
        "crime": 0.5,
    }
