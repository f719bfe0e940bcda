"""Stage: Articles -> EnrichedArticles (language, entities, quotes, places, topics).

One spaCy pass per article feeds all the NLP cores (:mod:`newsmon.nlp`): parsing is the
expensive part, and a spaCy ``Doc`` is costly to serialise between Beam stages, so the
cores run together here over batches (``BatchElements`` -> ``nlp.pipe``). Each core is a
plain function that tests call without Beam. An article that makes a core raise goes to
the dead-letter output with the stage name and error; the others go on.

The batches are enriched on a thread of the stage, one batch ahead of the stages around
it: while spaCy parses (most of its time without Python's global lock), the same worker
reads Kafka, looks articles up and indexes those already enriched. Every batch of a
bundle is enriched and passed on before the bundle ends, so the offsets it commits cover
only finished work.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput
from apache_beam.utils.timestamp import Timestamp
from apache_beam.utils.windowed_value import WindowedValue

from newsmon.connectors.failures import isolated
from newsmon.connectors.metrics import ARTICLES, ENRICH_SECONDS, gathered
from newsmon.models.article import Article
from newsmon.models.enrichment import EnrichedArticle
from newsmon.models.messages import DeadLetter
from newsmon.nlp.enrich import Enricher
from newsmon.settings import NlpSettings

STAGE = "enrich"
DEAD_LETTERS = "dead_letters"
# Batches handed to the enriching thread and not yet passed on: one in its hands, one
# waiting, so that it never waits for the stages around it.
_BATCHES_AHEAD = 2


def enrich_batch(
    enricher: Enricher, batch: list[Article], batch_size: int
) -> Iterator[EnrichedArticle | DeadLetter]:
    """The batch enriched in one ``nlp.pipe``; if that raises, article by article, and an
    article that raises alone becomes its dead letter."""
    started = time.perf_counter()
    try:
        results: list[EnrichedArticle | DeadLetter] = list(enricher.enrich_many(batch, batch_size))
    except Exception:
        results = [isolated(STAGE, a, a.id, partial(enricher.enrich, a)) for a in batch]
    per_article = (time.perf_counter() - started) / max(1, len(batch))
    for _ in batch:
        ENRICH_SECONDS.observe(per_article)
    yield from results


@dataclass(frozen=True)
class _Pending:
    """A batch in the enriching thread's hands, with where its outputs belong."""

    results: Future[list[EnrichedArticle | DeadLetter]]
    timestamp: Timestamp
    windows: tuple[Any, ...]


class _EnrichBatchFn(beam.DoFn):
    def __init__(self, settings: NlpSettings) -> None:
        self._settings = settings
        self._enriched = Metrics.counter("newsmon.enrich", "articles_enriched")
        self._skipped = Metrics.counter("newsmon.enrich", "articles_not_english")
        self._failed = Metrics.counter("newsmon.enrich", "articles_dead_lettered")
        self._quotes = Metrics.counter("newsmon.enrich", "quotes_found")

    def setup(self) -> None:
        self._enricher = Enricher.load(self._settings)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-enrich")

    def start_bundle(self) -> None:
        self._pending: deque[_Pending] = deque()

    def process(
        self,
        batch: list[Article],
        timestamp: Any = beam.DoFn.TimestampParam,
        window: Any = beam.DoFn.WindowParam,
    ) -> Iterator[WindowedValue | TaggedOutput]:
        outputs = enrich_batch(self._enricher, batch, self._settings.batch_size)  # runs when iterated
        self._pending.append(_Pending(self._thread.submit(gathered, STAGE, outputs), timestamp, (window,)))
        while self._pending and (len(self._pending) > _BATCHES_AHEAD or self._pending[0].results.done()):
            yield from self._passed_on(self._pending.popleft())

    def finish_bundle(self) -> Iterator[WindowedValue | TaggedOutput]:
        while self._pending:
            yield from self._passed_on(self._pending.popleft())

    def teardown(self) -> None:
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.shutdown(wait=True)

    def _passed_on(self, pending: _Pending) -> Iterator[WindowedValue | TaggedOutput]:
        """A batch's outputs, in its window (counted here: Beam's counters belong to the
        bundle's thread)."""
        for result in pending.results.result():
            value = WindowedValue(result, pending.timestamp, pending.windows)
            if isinstance(result, DeadLetter):
                self._failed.inc()
                yield TaggedOutput(DEAD_LETTERS, value)
                continue
            self._enriched.inc()
            ARTICLES.labels(STAGE).inc()
            self._quotes.inc(len(result.enrichment.quotes))
            if result.enrichment.nlp == "other_language":
                self._skipped.inc()
            yield value


class EnrichArticles(beam.PTransform[PCollection[Article], DoOutputsTuple]):
    """Adds language, canonical entities, quotes with speakers, places and topics.

    Args:
      settings: model name and configuration files (``nlp`` section of the settings).

    Returns ``result.enriched`` (:class:`EnrichedArticle`) and ``result.dead_letters``.
    """

    def __init__(self, settings: NlpSettings) -> None:
        super().__init__()
        self._settings = settings

    def expand(self, articles: PCollection[Article]) -> DoOutputsTuple:
        outputs: DoOutputsTuple = (
            articles
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._settings.batch_size)
            | "Enrich"
            >> beam.ParDo(_EnrichBatchFn(self._settings)).with_outputs(DEAD_LETTERS, main="enriched")
        )
        return outputs
