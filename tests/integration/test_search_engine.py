from newsmon.article import parse_article
from newsmon.connectors.search import IndexAction, detect_engine
from newsmon.connectors.search_sink import to_index_action
from tests.helpers import real_article_lines
from tests.integration.conftest import World


def test_engine_is_detected_and_answers(world: World) -> None:
    info = world.engine.info()
    assert detect_engine(world.settings.search) == info.distribution
    assert info.version[0].isdigit()


def test_bulk_index_is_idempotent_and_searchable(world: World) -> None:
    from datetime import UTC, datetime

    articles = [parse_article(raw) for raw in real_article_lines(25)]
    index = world.settings.search.articles_index
    now = datetime.now(UTC)
    first = world.engine.bulk_index(index, (to_index_action(a, now) for a in articles))
    again = world.engine.bulk_index(index, (to_index_action(a, now) for a in articles))
    assert len(first.indexed) == len(again.indexed) == 25 and not first.failed
    assert world.count() == 25

    stored = world.engine.get(index, articles[0].id)
    assert stored is not None and stored["title"] == articles[0].title
    assert world.engine.get(index, "no-such-id") is None

    hits = world.engine.search(index, {"query": {"match": {"body": "Helsinki"}}, "size": 0})
    total = hits["hits"]["total"]
    assert (total["value"] if isinstance(total, dict) else total) > 0


def test_template_mapping_applies_to_the_index(world: World) -> None:
    index = world.settings.search.articles_index
    world.engine.bulk_index(index, [IndexAction("a", {"id": "a", "source": "Reuters.COM", "body": "x"})])
    world.engine.refresh(index)
    # `source` is a keyword with a folding normalizer: an exact filter ignores case.
    found = world.engine.search(index, {"query": {"term": {"source": "reuters.com"}}})
    assert [hit["_id"] for hit in found["hits"]["hits"]] == ["a"]


def test_refused_documents_are_reported_per_item(world: World) -> None:
    index = world.settings.search.articles_index
    report = world.engine.bulk_index(
        index,
        [
            IndexAction("good", {"id": "good", "body": "x", "published_at": "2022-02-01T00:00:00Z"}),
            IndexAction("bad", {"id": "bad", "body": "x", "published_at": "not a date"}),
        ],
    )
    assert report.indexed == ["good"]
    assert [(f.doc_id, f.status) for f in report.failed] == [("bad", 400)]
    assert report.failed[0].error and "published_at" in report.failed[0].error
