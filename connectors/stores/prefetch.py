"""Lookups of a whole batch asked at once: one multi-get and one multi-search, whose
answers the fingerprint and story stores then serve article by article."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from newsmon.connectors.search import SearchEngine


class Prefetched:
    """Gets and searches on one index, answered from the last :meth:`load` when it asked
    for them, else sent one by one. Cleared at the end of each bundle."""

    def __init__(self, engine: SearchEngine, index: str) -> None:
        self._engine = engine
        self._index = index
        self._sources: dict[str, dict[str, Any] | None] = {}
        self._responses: dict[Hashable, dict[str, Any]] = {}

    def load(self, doc_ids: list[str], queries: dict[Hashable, dict[str, Any]]) -> None:
        """Fetch ``doc_ids`` and run ``queries`` (by key): two requests in all."""
        self.clear()  # an earlier load's answers must not outlive a failed one
        engine, index = self._engine, self._index
        ids = list(dict.fromkeys(doc_ids))
        self._sources = engine.with_retries(lambda: engine.get_many(index, ids))
        keys = list(queries)
        responses = engine.with_retries(lambda: engine.search_many(index, [queries[k] for k in keys]))
        self._responses = dict(zip(keys, responses, strict=True))

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The stored source of ``doc_id`` (None when absent)."""
        if doc_id in self._sources:
            return self._sources[doc_id]
        engine, index = self._engine, self._index
        return engine.with_retries(lambda: engine.get(index, doc_id))

    def search(self, key: Hashable, query: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The response to the query loaded under ``key``, else to ``query()`` sent now
        (built only then: in a batch it was built once already, by the caller of load)."""
        found = self._responses.get(key)
        if found is not None:
            return found
        engine, index, body = self._engine, self._index, query()
        return engine.with_retries(lambda: engine.search(index, body))

    def clear(self) -> None:
        self._sources.clear()
        self._responses.clear()
