"""Lookups of a whole batch asked at once: one multi-get and one multi-search, whose
answers the fingerprint and story stores then serve article by article."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from newsmon.connectors.search import SearchEngine


class Prefetched:
    """The engine's answers for one batch (cleared at the end of the bundle)."""

    def __init__(self) -> None:
        self._sources: dict[str, dict[str, Any] | None] = {}
        self._responses: dict[Hashable, dict[str, Any]] = {}

    def load(
        self, engine: SearchEngine, index: str, doc_ids: list[str], queries: dict[Hashable, dict[str, Any]]
    ) -> None:
        """Fetch ``doc_ids`` and run ``queries`` (by key), two requests in all."""
        ids = list(dict.fromkeys(doc_ids))
        self._sources = engine.with_retries(lambda: engine.get_many(index, ids))
        keys = list(queries)
        responses = engine.with_retries(lambda: engine.search_many(index, [queries[k] for k in keys]))
        self._responses = dict(zip(keys, responses, strict=True))

    def has_source(self, doc_id: str) -> bool:
        return doc_id in self._sources

    def source(self, doc_id: str) -> dict[str, Any] | None:
        return self._sources.get(doc_id)

    def response(self, key: Hashable) -> dict[str, Any] | None:
        return self._responses.get(key)

    def clear(self) -> None:
        self._sources.clear()
        self._responses.clear()
