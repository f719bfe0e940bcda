"""Writing to the search engine from Beam: bulk batches, flushed before the bundle ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from newsmon.connectors.search import IndexAction, SearchEngine, connect_search_engine
from newsmon.messages import DeadLetter
from newsmon.settings import SearchSettings

_LOG = logging.getLogger(__name__)
STAGE = "index"
REJECTED = "rejected"


class Indexable(Protocol):
    """What the sink indexes: an Article or an EnrichedArticle."""

    @property
    def id(self) -> str: ...

    def to_document(self) -> dict[str, Any]: ...

    def model_dump_json(self) -> str: ...


def to_index_action(article: Indexable, indexed_at: datetime) -> IndexAction:
    """The bulk action for one article: its derived id makes the write idempotent."""
    document = article.to_document()
    document["indexed_at"] = indexed_at.isoformat()
    return IndexAction(article.id, document)


class _WriteToSearchIndexFn(beam.DoFn):
    def __init__(self, settings: SearchSettings, index: str) -> None:
        self._settings = settings
        self._index = index
        self._indexed = Metrics.counter("newsmon.index", "documents_indexed")
        self._rejected = Metrics.counter("newsmon.index", "documents_rejected")
        self._retries = Metrics.counter("newsmon.index", "bulk_retries")
        self._latency = Metrics.distribution("newsmon.index", "bulk_ms")

    def setup(self) -> None:
        self._engine: SearchEngine = connect_search_engine(self._settings)
        info = self._engine.info()
        _LOG.info(
            "indexing into %s %s at %s index=%s",
            info.distribution,
            info.version,
            self._settings.url,
            self._index,
        )

    def start_bundle(self) -> None:
        self._buffer: list[Indexable] = []

    def process(self, article: Indexable) -> Iterator[TaggedOutput[str, DeadLetter]]:
        self._buffer.append(article)
        if len(self._buffer) >= self._settings.bulk_max_docs:
            for letter in self._flush():
                yield TaggedOutput(REJECTED, letter)

    def finish_bundle(self) -> Iterator[TaggedOutput[str, WindowedValue]]:
        for letter in self._flush():
            yield TaggedOutput(
                REJECTED, WindowedValue(letter, GlobalWindow().max_timestamp(), (GlobalWindow(),))
            )

    def _flush(self) -> list[DeadLetter]:
        if not self._buffer:
            return []
        articles, self._buffer = self._buffer, []
        started = time.monotonic()
        now = datetime.now(UTC)
        # Raises after the retry budget: the bundle fails, offsets stay uncommitted,
        # and the records are read again: nothing is lost.
        report = self._engine.bulk_index(self._index, (to_index_action(a, now) for a in articles))
        elapsed_ms = int((time.monotonic() - started) * 1000)
        self._latency.update(elapsed_ms)
        self._indexed.inc(len(report.indexed))
        self._retries.inc(report.retries)
        _LOG.info(
            "bulk_flush index=%s docs=%d indexed=%d rejected=%d retries=%d ms=%d",
            self._index,
            len(articles),
            len(report.indexed),
            len(report.failed),
            report.retries,
            elapsed_ms,
        )
        if not report.failed:
            return []
        self._rejected.inc(len(report.failed))
        by_id = {a.id: a for a in articles}
        return [
            DeadLetter(
                stage=STAGE,
                reason=f"search engine refused the document (status {item.status}): {item.error}",
                payload=by_id[item.doc_id].model_dump_json().encode("utf-8"),
                key=item.doc_id.encode("ascii"),
            )
            for item in report.failed
            if item.doc_id in by_id
        ]

    def teardown(self) -> None:
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.close()


class WriteToSearchIndex(beam.PTransform[PCollection[Indexable], DoOutputsTuple]):
    """Indexes articles (plain or enriched) in bulk with idempotent ids.

    Batches hold at most ``search.bulk_max_docs`` documents and are flushed at the end
    of each bundle, so the bundle's Kafka offsets are committed only after the engine
    acknowledged them. Documents the engine refuses for good come out as
    :class:`DeadLetter` elements (``result.rejected``).
    """

    def __init__(self, settings: SearchSettings, index: str | None = None) -> None:
        super().__init__()
        self._settings = settings
        self._index = index or settings.articles_index

    def expand(self, articles: PCollection[Indexable]) -> DoOutputsTuple:
        outputs: DoOutputsTuple = articles | "BulkIndex" >> beam.ParDo(
            _WriteToSearchIndexFn(self._settings, self._index)
        ).with_outputs(REJECTED, main="indexed")
        return outputs
