"""The search-engine interface the pipeline, the CLI and the tests program against."""

from __future__ import annotations

import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from newsmon.connectors.search.bulk import (
    BulkReport,
    IndexAction,
    ItemResult,
    RetryPolicy,
    chunk_actions,
    index_chunk,
)
from newsmon.settings import SearchSettings

_LOG = logging.getLogger(__name__)

T = TypeVar("T")


class MultiSearchItemError(Exception):
    """One search of a multi-search failed (the others may not have)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"search failed with status {status}: {reason}")
        self.status = status

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500


def checked_responses(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The responses of a multi-search, in order; the first failed one raises."""
    responses: list[dict[str, Any]] = response["responses"]
    for item in responses:
        if "error" in item:
            raise MultiSearchItemError(int(item.get("status", 500)), str(item["error"])[:500])
    return responses


@dataclass(frozen=True)
class EngineInfo:
    """Which engine answered, and its version."""

    distribution: str
    version: str
    cluster_name: str


class SearchEngine(ABC):
    """A small interface over Elasticsearch and OpenSearch.

    Subclasses adapt one client library; the bulk logic (chunking, retries, per-item
    results) is shared and lives in :mod:`newsmon.connectors.search.bulk`.
    """

    def __init__(self, settings: SearchSettings, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self._sleep = sleep
        self._policy = RetryPolicy(
            max_retries=settings.bulk_max_retries,
            initial_backoff=settings.bulk_initial_backoff,
            max_backoff=settings.bulk_max_backoff,
        )

    @abstractmethod
    def info(self) -> EngineInfo:
        """Ask the engine who it is (a cheap health check)."""

    @abstractmethod
    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        """Create or replace a composable index template."""

    @abstractmethod
    def index_document(self, index: str, doc_id: str, document: dict[str, Any], refresh: bool = True) -> None:
        """Write one document (small, state-like writes); with ``refresh``, visible to search on return."""

    @abstractmethod
    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        """Run a search request body (query DSL) and return the raw response."""

    def search_many(self, index: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches in one request (multi-search); the responses in order.

        A search that failed raises :class:`MultiSearchItemError`; a missing index answers
        with no hits.
        """
        if not bodies:
            return []
        searches: list[dict[str, Any]] = []
        for body in bodies:
            searches += [{"index": index, "ignore_unavailable": True}, body]
        return checked_responses(self._msearch(searches))

    @abstractmethod
    def _msearch(self, searches: list[dict[str, Any]]) -> dict[str, Any]:
        """Post multi-search header and body lines; the raw response."""

    @abstractmethod
    def _mget(self, index: str, doc_ids: list[str]) -> dict[str, Any]:
        """Post a multi-get of ``doc_ids``; the raw response."""

    @abstractmethod
    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        """Number of documents matching ``query`` (all when None)."""

    @abstractmethod
    def _send_bulk(self, lines: list[bytes]) -> list[ItemResult]:
        """Post NDJSON lines to the bulk API; raise TransientBulkError on retryable failures."""

    @abstractmethod
    def is_transient(self, error: Exception) -> bool:
        """True for failures that may pass: no connection, timeouts, 429, 5xx."""

    def with_retries(self, call: Callable[[], T]) -> T:
        """Run ``call``, retrying transient failures with the bulk writes' backoff, so that
        an engine outage holds the pipeline back instead of failing it."""
        attempt = 0
        while True:
            try:
                return call()
            except Exception as e:
                transient = self.is_transient(e) or (isinstance(e, MultiSearchItemError) and e.transient)
                if not transient or attempt >= self._policy.max_retries:
                    raise
                self._sleep(self._policy.delay(attempt))
                attempt += 1

    # Both client libraries share these calls; only their "not found" exception differs.
    _client: Any
    _not_found: type[Exception]

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """The stored source of one document, or None when absent."""
        try:
            found = self._client.get(index=index, id=doc_id)
        except self._not_found:
            return None
        source: dict[str, Any] = found["_source"]
        return source

    def get_many(self, index: str, doc_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        """The stored sources of several documents in one request (None for the absent)."""
        if not doc_ids:
            return {}
        try:
            found = self._mget(index, doc_ids)
        except self._not_found:  # the index does not exist yet
            return dict.fromkeys(doc_ids)
        return {doc["_id"]: doc["_source"] if doc.get("found") else None for doc in found["docs"]}

    def delete_document(self, index: str, doc_id: str) -> bool:
        """Delete one document; False when it was not there."""
        try:
            self._client.delete(index=index, id=doc_id, refresh=True)
        except self._not_found:
            return False
        return True

    def update_document(self, index: str, doc_id: str, fields: dict[str, Any]) -> bool:
        """Set some fields of one document; False when it was not there."""
        try:
            self._client.update(index=index, id=doc_id, body={"doc": fields}, refresh=True)
        except self._not_found:
            return False
        return True

    def update_matching(self, index: str, query: dict[str, Any], fields: dict[str, Any]) -> int:
        """Set some fields of every document matching ``query`` (update by query, then a
        refresh); how many were updated."""
        script = {
            "lang": "painless",
            "source": "for (e in params.fields.entrySet()) { ctx._source[e.getKey()] = e.getValue(); }",
            "params": {"fields": fields},
        }
        response = self._client.update_by_query(
            index=index, body={"query": query, "script": script}, refresh=True, conflicts="proceed"
        )
        return int(response.get("updated", 0))

    def put_mapping(self, index: str, properties: dict[str, Any]) -> None:
        """Add fields to an existing index's mapping (a newer template's new fields)."""
        self._client.indices.put_mapping(index=index, body={"properties": properties})

    def index_exists(self, index: str) -> bool:
        return bool(self._client.indices.exists(index=index))

    def refresh(self, index: str) -> None:
        """Make everything written so far visible to search."""
        self._client.indices.refresh(index=index, ignore_unavailable=True)

    def delete_index(self, index: str) -> None:
        """Delete an index (or indices by wildcard) if it exists."""
        self._client.indices.delete(index=index, ignore_unavailable=True)

    def delete_index_template(self, name: str) -> None:
        """Delete an index template if it exists."""
        with contextlib.suppress(self._not_found):
            self._client.indices.delete_index_template(name=name)

    def close(self) -> None:
        """Release the client's connections."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def bulk_index(self, index: str, actions: Iterable[IndexAction]) -> BulkReport:
        """Index documents with idempotent ids, in bounded chunks, retrying transient failures."""
        report = BulkReport()
        for chunk in chunk_actions(
            actions,
            index,
            max_docs=self.settings.bulk_max_docs,
            max_bytes=self.settings.bulk_max_bytes,
        ):
            report.merge(index_chunk(chunk, self._send_bulk, self._policy, self._sleep))
        return report


class WriteBuffer:
    """Small state writes gathered and sent as one bulk request (``flush``, called from a
    DoFn's ``finish_bundle``: before the bundle's offsets are committed, so a crash
    loses nothing that a replay would not write again)."""

    def __init__(self, engine: SearchEngine, index: str) -> None:
        self._engine = engine
        self._index = index
        self._pending: list[IndexAction] = []

    def add(self, doc_id: str, document: dict[str, Any]) -> None:
        self._pending.append(IndexAction(doc_id, document))

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        report = self._engine.bulk_index(self._index, pending)
        for failure in report.failed:
            _LOG.warning(
                "state write refused index=%s id=%s error=%s", self._index, failure.doc_id, failure.error
            )
