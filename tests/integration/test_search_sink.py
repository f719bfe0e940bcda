"""The index stage's writer, called as Beam calls it, against the real search engine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue

from newsmon.connectors.search_sink import _WriteToSearchIndexFn
from newsmon.models.article import parse_article
from newsmon.services.process import wait_until
from tests.helpers import real_article_lines
from tests.integration.conftest import World


@dataclass
class _Unindexable:
    """A document the engine refuses: its date field holds no date."""

    id: str

    def to_document(self) -> dict[str, Any]:
        return {"id": self.id, "body": "x", "published_at": "not a date"}

    def model_dump_json(self) -> str:
        return json.dumps({"id": self.id})


def test_batches_are_sent_while_the_bundle_goes_on_and_all_acknowledged_at_its_end(world: World) -> None:
    search = world.settings.search.model_copy(update={"bulk_max_docs": 5, "bulk_flush_seconds": 600.0})
    writer = _WriteToSearchIndexFn(search, search.articles_index)
    writer.setup()
    try:
        writer.start_bundle()
        articles = [parse_article(raw) for raw in real_article_lines(12)]
        outputs: list[Any] = []
        for article in articles[:10]:
            outputs += writer.process(article)
        # Two batches of five went out before the bundle ended.
        assert wait_until(lambda: world.count() == 10, 30.0), "no batch was sent during the bundle"
        outputs += writer.process(_Unindexable("refused"))
        for article in articles[10:]:
            outputs += writer.process(article)
        outputs += writer.finish_bundle()
    finally:
        writer.teardown()
    assert world.count() == 12
    letters = [o.value for o in outputs if isinstance(o, TaggedOutput)]
    assert len(letters) == 1 and isinstance(letters[0], WindowedValue)
    letter = letters[0].value
    assert letter.key == b"refused" and "published_at" in letter.reason


def test_a_batch_older_than_its_flush_interval_is_sent_before_it_is_full(world: World) -> None:
    search = world.settings.search.model_copy(update={"bulk_max_docs": 500, "bulk_flush_seconds": 1e-6})
    writer = _WriteToSearchIndexFn(search, search.articles_index)
    writer.setup()
    try:
        writer.start_bundle()
        for raw in real_article_lines(3):
            list(writer.process(parse_article(raw)))
        assert wait_until(lambda: world.count() >= 2, 30.0), "the batch waited for the bundle's end"
        assert not list(writer.finish_bundle())
        assert world.count() == 3
    finally:
        writer.teardown()
