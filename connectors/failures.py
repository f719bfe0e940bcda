"""One record, one failure: what a Beam stage does when its work on one record raises.

A stage runs its work on each record through :func:`isolated`: an exception becomes a
:class:`DeadLetter` holding the record, the stage and the error, and the stream goes on
(a date at the edge of the calendar, a text no core expected, a bug). Only failures of a
whole dependency, the search engine or Kafka still unreachable after their retries, are
no record's fault: they propagate, the bundle fails, its offsets stay uncommitted, and
the run ends without losing anything.

(Beam's ``ParDo.with_exception_handling`` catches by exception class, so it cannot tell
an engine outage, which must end the bundle, from a bad record; and it would dead-letter
a whole batch of the batching stages for one bad article.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from kafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, RequestTimedOutError

from newsmon.connectors.search import MultiSearchItemError, SearchEngine
from newsmon.connectors.search.bulk import TransientBulkError
from newsmon.exceptions import ServiceError
from newsmon.models.messages import DeadLetter, JsonMessage

R = TypeVar("R")
_LOG = logging.getLogger(__name__)
_DEPENDENCY_ERRORS = (
    TransientBulkError,
    KafkaTimeoutError,
    KafkaConnectionError,
    NodeNotReadyError,
    RequestTimedOutError,
    ServiceError,
)


def dependency_down(error: BaseException, engine: SearchEngine | None = None) -> bool:
    """Whether ``error`` says a whole dependency is unavailable (the retries are behind it)."""
    if isinstance(error, _DEPENDENCY_ERRORS):
        return True
    if isinstance(error, MultiSearchItemError):
        return error.transient
    return engine is not None and isinstance(error, Exception) and engine.is_transient(error)


def isolated(
    stage: str,
    record: JsonMessage,
    key: str,
    work: Callable[[], R],
    engine: SearchEngine | None = None,
) -> R | DeadLetter:
    """``work()``, or the dead letter of ``record`` (keyed ``key``) if it raised; a
    dependency failure (see :func:`dependency_down`) propagates."""
    try:
        return work()
    except Exception as e:
        if dependency_down(e, engine):
            raise
        _LOG.warning("%s failed on record=%s error=%s: dead-lettered", stage, key, e)
        return DeadLetter.of_model(stage, f"{type(e).__name__}: {e}"[:1000], record, key)


def best_effort(what: str, work: Callable[[], None], engine: SearchEngine | None = None) -> None:
    """Run ``work`` that only saves requests (a batch's prefetch): if it raises for any
    reason but a dependency failure, the stage goes on without it (each record then asks
    for itself, isolated)."""
    try:
        work()
    except Exception as e:
        if dependency_down(e, engine):
            raise
        _LOG.warning("%s failed (%s): going on record by record", what, e)
