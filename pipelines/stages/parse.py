"""Stage: Kafka records -> validated Articles; anything else -> dead letters with the reason."""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput

from newsmon.connectors.metrics import ARTICLES, serve_worker_metrics
from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import DEFAULT_LIMITS, Article, ArticleLimits, parse_article
from newsmon.models.messages import DeadLetter, KafkaRecord

STAGE = "parse"
DEAD_LETTERS = "dead_letters"


def parse_record(record: KafkaRecord, limits: ArticleLimits = DEFAULT_LIMITS) -> Article | DeadLetter:
    """The core of the stage: an Article, or a DeadLetter saying why not. Never raises."""
    try:
        return parse_article(record.value, limits)
    except InvalidArticleError as e:
        return DeadLetter.from_record(record, STAGE, e.reason)
    except Exception as e:  # a bug must cost one message, not the pipeline
        return DeadLetter.from_record(record, STAGE, f"unexpected {type(e).__name__}: {e}")


class _ParseFn(beam.DoFn):
    def __init__(self, limits: ArticleLimits) -> None:
        self._limits = limits
        self._parsed = Metrics.counter("newsmon.parse", "articles_parsed")
        self._rejected = Metrics.counter("newsmon.parse", "messages_dead_lettered")

    def setup(self) -> None:
        serve_worker_metrics()  # an SDK worker of `newsmon workers` serves its own metrics

    def process(self, record: KafkaRecord) -> Iterator[Article | TaggedOutput]:
        result = parse_record(record, self._limits)
        if isinstance(result, DeadLetter):
            self._rejected.inc()
            yield TaggedOutput(DEAD_LETTERS, result)
        else:
            self._parsed.inc()
            ARTICLES.labels(STAGE).inc()
            yield result


class ParseArticles(beam.PTransform[PCollection[KafkaRecord], DoOutputsTuple]):
    """Validates raw Kafka records into :class:`Article` elements.

    Args:
      limits: the largest message and the window of publication times accepted.

    Returns a tuple-like result: ``result.articles`` (main output) and
    ``result.dead_letters`` (:class:`DeadLetter`, original bytes kept).
    """

    def __init__(self, limits: ArticleLimits = DEFAULT_LIMITS) -> None:
        super().__init__()
        self._limits = limits

    def expand(self, records: PCollection[KafkaRecord]) -> DoOutputsTuple:
        outputs: DoOutputsTuple = records | "Parse" >> beam.ParDo(_ParseFn(self._limits)).with_outputs(
            DEAD_LETTERS, main="articles"
        )
        return outputs
