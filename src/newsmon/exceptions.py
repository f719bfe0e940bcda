"""The one error hierarchy of newsmon.

Every error we raise derives from :class:`NewsmonError`, carries what a caller needs
to act on it, and stays picklable: Beam pickles exceptions between workers, so each
subclass with extra constructor arguments defines ``__reduce__``.
"""

from __future__ import annotations

from typing import Any


class NewsmonError(Exception):
    """Root of every error raised by newsmon."""


class ConfigurationError(NewsmonError):
    """Settings or configuration files are invalid or inconsistent."""


class ServiceError(NewsmonError):
    """A local service (Kafka, the search engine) could not be prepared, started or reached."""


class InvalidArticleError(NewsmonError):
    """A message could not be turned into a valid :class:`~newsmon.models.article.Article`.

    ``reason`` is a short, human-readable explanation that travels to the dead-letter
    topic with the original bytes.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason,))


class SearchEngineError(NewsmonError):
    """The search engine refused or failed a request."""


class BulkIndexError(SearchEngineError):
    """Some documents of a bulk request failed for good (after retries).

    ``errors`` holds one entry per failed document: its id, HTTP status and reason.
    """

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.errors))
