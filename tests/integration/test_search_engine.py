from newsmon.connectors.search import IndexAction, detect_engine
from newsmon.connectors.search_sink import to_index_action
from newsmon.models.article import parse_article
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


def test_many_gets_and_searches_in_one_request_each(world: World) -> None:
    import pytest

    from newsmon.connectors.search import MultiSearchItemError

    index = world.settings.search.articles_index
    # Before the index exists: nothing found, no error.
    assert world.engine.get_many(index, ["a", "b"]) == {"a": None, "b": None}
    assert world.engine.search_many(index, [{"query": {"match_all": {}}}])[0]["hits"]["hits"] == []

    world.engine.index_document(index, "a", {"title": "Putin and Johnson speak", "body": "Kyiv"})
    found = world.engine.get_many(index, ["a", "missing"])
    assert found["a"] is not None and found["a"]["title"] == "Putin and Johnson speak"
    assert found["missing"] is None
    responses = world.engine.search_many(
        index, [{"query": {"match": {"title": "Putin"}}}, {"query": {"match": {"title": "Macron"}}}]
    )
    assert [len(r["hits"]["hits"]) for r in responses] == [1, 0]
    # One search failing on the shards (sorting on a text field) fails the call, by name.
    failing = {"query": {"match_all": {}}, "sort": [{"body": {"order": "asc"}}]}
    with pytest.raises(MultiSearchItemError, match="status 400"):
        world.engine.search_many(index, [{"query": {"match_all": {}}}, failing])
