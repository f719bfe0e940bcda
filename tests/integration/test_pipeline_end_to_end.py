"""The walking skeleton: real articles through real Kafka, the Beam pipeline, real search."""

from newsmon.connectors.kafka import consumer_lag
from newsmon.models.article import parse_article
from tests.helpers import real_article_lines, shared_file
from tests.integration.conftest import World

POISON = [
    b"{this is not json",
    b'{"title": "no body at all"}',
    b"\xff\xfe\xfa binary",
]


def test_n_articles_in_exactly_n_documents_out_and_poison_to_dead_letters(world: World) -> None:
    articles = real_article_lines(60)
    keys: list[bytes | None] = [parse_article(raw).id.encode() for raw in articles]
    world.produce(articles[:30], keys[:30])
    world.produce(POISON)
    world.produce(articles[30:], keys[30:])

    output = world.run_pipeline()

    assert world.count() == 60, output
    dead = world.read_topic(world.settings.kafka.dead_letter_topic, expected=3)
    assert sorted(m.value for m in dead) == sorted(POISON)  # type: ignore[attr-defined]
    for message in dead:
        headers = dict(message.headers)  # type: ignore[attr-defined]
        assert headers["newsmon.stage"] == b"parse"
        assert headers["newsmon.reason"]
        assert headers["newsmon.source.topic"] == world.settings.kafka.articles_topic.encode()
    assert consumer_lag(world.settings.kafka) == 0

    stored = world.engine.get(world.settings.search.articles_index, parse_article(articles[0]).id)
    assert stored is not None and stored["body"] == parse_article(articles[0]).body


def test_restart_resumes_from_committed_offsets_and_redelivery_does_not_duplicate(
    world: World,
) -> None:
    articles = real_article_lines(25)
    world.produce(articles)
    world.run_pipeline()
    assert world.count() == 25

    # Restart with nothing new: the committed offsets hold, nothing is read again.
    output = world.run_pipeline()
    assert "records_read=" not in output or "records_read=0" in output
    assert world.count() == 25

    # Re-delivery of the same articles (a producer retry, a replay): still 50 documents.
    world.produce(articles)
    output = world.run_pipeline()
    assert "records_read=25" in output
    assert world.count() == 25


def test_enriched_articles_are_queryable_by_entity_speaker_topic_and_region(world: World) -> None:
    import json

    seed = json.dumps(
        {
            "title": "Johnson and Putin discuss Ukraine",
            "body": shared_file("seed-article.txt").read_text(),
            "source": "seed",
        }
    ).encode()
    world.produce([seed, *real_article_lines(10)])
    world.run_pipeline()
    assert world.count() == 11
    index = world.settings.search.articles_index

    def ids(query: dict[str, object]) -> set[str]:
        response = world.engine.search(index, {"query": query, "size": 50, "_source": ["source"]})
        return {hit["_source"].get("source") for hit in response["hits"]["hits"]}

    assert "seed" in ids({"term": {"entity_names": "Vladimir Putin"}})
    assert "seed" in ids({"nested": {"path": "entities", "query": {"term": {"entities.canonical": "Kyiv"}}}})
    assert ids({"nested": {"path": "quotes", "query": {"term": {"quotes.speaker": "Kremlin"}}}}) == {"seed"}
    assert "seed" in ids({"term": {"topic_labels": "diplomacy"}})
    assert "seed" in ids(
        {
            "bool": {
                "filter": [
                    {"term": {"regions": "Eastern Europe"}},
                    {"term": {"topic_labels": "conflict_defence"}},
                ]
            }
        }
    )
    doc = world.engine.search(index, {"query": {"term": {"source": "seed"}}})["hits"]["hits"][0]["_source"]
    assert doc["language"] == "en" and "UA" in doc["countries"]
    assert any(q["speaker"] == "Boris Johnson" and q["cue"] == "warned" for q in doc["quotes"])
