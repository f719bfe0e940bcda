"""Writing to the search engine from Beam: bulk batches, flushed before the bundle ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from newsmon.connectors.failures import dependency_down, isolated
from newsmon.connectors.metrics import DOCUMENTS_INDEXED, ENGINE_RETRIES, STAGE_SECONDS
from newsmon.connectors.search import BulkReport, IndexAction, SearchEngine, connect_search_engine
from newsmon.models.messages import DeadLetter
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

    def process(self, article: Indexable) -> Iterator[TaggedOutput]:
        self._buffer.append(article)
        if len(self._buffer) >= self._settings.bulk_max_docs:
            for letter in self._flush():
                yield TaggedOutput(REJECTED, letter)

    def finish_bundle(self) -> Iterator[TaggedOutput]:
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
        actions: list[tuple[Indexable, IndexAction]] = []
        letters: list[DeadLetter] = []
        for article in articles:
            action = isolated(STAGE, article, article.id, partial(to_index_action, article, now))
            if isinstance(action, DeadLetter):
                letters.append(action)
            else:
                actions.append((article, action))
        report = self._index_all(actions, letters)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        self._latency.update(elapsed_ms)
        self._indexed.inc(len(report.indexed))
        self._retries.inc(report.retries)
        DOCUMENTS_INDEXED.labels(self._index).inc(len(report.indexed))
        ENGINE_RETRIES.labels(self._index).inc(report.retries)
        STAGE_SECONDS.labels(f"{STAGE}:{self._index}").observe(elapsed_ms / 1000)
        _LOG.info(
            "bulk_flush index=%s docs=%d indexed=%d rejected=%d retries=%d ms=%d",
            self._index,
            len(articles),
            len(report.indexed),
            len(report.failed) + len(letters),
            report.retries,
            elapsed_ms,
        )
        by_id = {a.id: a for a in articles}
        letters += [
            DeadLetter.of_model(
                STAGE,
                f"search engine refused the document (status {item.status}): {item.error}",
                by_id[item.doc_id],
                item.doc_id,
            )
            for item in report.failed
            if item.doc_id in by_id
        ]
        self._rejected.inc(len(letters))
        return letters

    def _index_all(
        self, actions: list[tuple[Indexable, IndexAction]], letters: list[DeadLetter]
    ) -> BulkReport:
        """Bulk-index ``actions``. Raises after the retry budget when the engine is down
        (the bundle fails, offsets stay uncommitted, the records are read again); a request
        the engine refuses for what it holds is sent again document by document, and a
        document refused alone joins ``letters``."""
        try:
            return self._engine.bulk_index(self._index, (action for _, action in actions))
        except Exception as e:
            if dependency_down(e, self._engine):
                raise
            if len(actions) == 1:
                article = actions[0][0]
                reason = f"search engine refused the request: {e}"[:1000]
                letters.append(DeadLetter.of_model(STAGE, reason, article, article.id))
                return BulkReport()
            _LOG.warning("bulk request refused index=%s (%s): document by document", self._index, e)
        report = BulkReport()
        for pair in actions:
            report.merge(self._index_all([pair], letters))
        return report

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
