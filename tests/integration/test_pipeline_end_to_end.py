"""The walking skeleton: real articles through real Kafka, the Beam pipeline, real search."""

from newsmon.article import parse_article
from newsmon.connectors.kafka import consumer_lag
from tests.helpers import real_article_lines
from tests.integration.conftest import World

POISON = [
    b"{this is not json",
    b'{"title": "no body at all"}',
    b"\xff\xfe\xfa binary",
]


def test_n_articles_in_exactly_n_documents_out_and_poison_to_dead_letters(world: World) -> None:
    articles = real_article_lines(120)
    keys = [parse_article(raw).id.encode() for raw in articles]
    world.produce(articles[:60], keys[:60])
    world.produce(POISON)
    world.produce(articles[60:], keys[60:])

    output = world.run_pipeline()

    assert world.count() == 120, output
    dead = world.read_topic(world.settings.kafka.dead_letter_topic, expected=3)
    assert sorted(m.value for m in dead) == sorted(POISON)  # type: ignore[attr-defined]
    for message in dead:
        headers = dict(message.headers)  # type: ignore[attr-defined]
        assert headers["newsmon.stage"] == b"parse"
        assert headers["newsmon.reason"]
        assert headers["newsmon.source.topic"] == world.settings.kafka.articles_topic.encode()
    assert consumer_lag(world.settings.kafka) == 0

    stored = world.engine.get(world.settings.search.articles_index, keys[0].decode())
    assert stored is not None and stored["body"] == parse_article(articles[0]).body


def test_restart_resumes_from_committed_offsets_and_redelivery_does_not_duplicate(
    world: World,
) -> None:
    articles = real_article_lines(50)
    world.produce(articles)
    world.run_pipeline()
    assert world.count() == 50

    # Restart with nothing new: the committed offsets hold, nothing is read again.
    output = world.run_pipeline()
    assert "records_read=" not in output or "records_read=0" in output
    assert world.count() == 50

    # Re-delivery of the same articles (a producer retry, a replay): still 50 documents.
    world.produce(articles)
    output = world.run_pipeline()
    assert "records_read=50" in output
    assert world.count() == 50
