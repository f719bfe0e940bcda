"""Stage: Articles -> EnrichedArticles (language, entities, quotes, places, topics).

One spaCy pass per article feeds all the NLP cores (:mod:`newsmon.nlp`): parsing is the
expensive part, and a spaCy ``Doc`` is costly to serialise between Beam stages, so the
cores run together here over batches (``BatchElements`` -> ``nlp.pipe``). Each core is a
plain function that tests call without Beam. An article that makes a core raise goes to
the dead-letter output with the stage name and error; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput

from newsmon.connectors.failures import isolated
from newsmon.connectors.metrics import ARTICLES, ENRICH_SECONDS, gathered
from newsmon.models.article import Article
from newsmon.models.enrichment import EnrichedArticle
from newsmon.models.messages import DeadLetter
from newsmon.nlp.enrich import Enricher
from newsmon.settings import NlpSettings

STAGE = "enrich"
DEAD_LETTERS = "dead_letters"


class _EnrichBatchFn(beam.DoFn):
    def __init__(self, settings: NlpSettings) -> None:
        self._settings = settings
        self._enriched = Metrics.counter("newsmon.enrich", "articles_enriched")
        self._skipped = Metrics.counter("newsmon.enrich", "articles_not_english")
        self._failed = Metrics.counter("newsmon.enrich", "articles_dead_lettered")
        self._quotes = Metrics.counter("newsmon.enrich", "quotes_found")

    def setup(self) -> None:
        self._enricher = Enricher.load(self._settings)

    def process(self, batch: list[Article]) -> Iterator[EnrichedArticle | TaggedOutput]:
        started = time.perf_counter()
        outputs = gathered(STAGE, self._outputs(batch))
        per_article = (time.perf_counter() - started) / len(batch)
        for _ in batch:
            ENRICH_SECONDS.observe(per_article)
        yield from outputs

    def _outputs(self, batch: list[Article]) -> Iterator[EnrichedArticle | TaggedOutput]:
        try:
            results = list(self._enricher.enrich_many(batch, self._settings.batch_size))
        except Exception:
            # Find the culprit(s) one by one; the rest of the batch is enriched.
            results = []
            for article in batch:
                result = isolated(STAGE, article, article.id, partial(self._enricher.enrich, article))
                if isinstance(result, DeadLetter):
                    self._failed.inc()
                    yield TaggedOutput(DEAD_LETTERS, result)
                else:
                    results.append(result)
        for result in results:
            self._enriched.inc()
            ARTICLES.labels(STAGE).inc()
            self._quotes.inc(len(result.enrichment.quotes))
            if result.enrichment.nlp == "other_language":
                self._skipped.inc()
            yield result


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
