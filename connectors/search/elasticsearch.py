"""Elasticsearch 8.x/9.x implementation of :class:`SearchEngine`, on the official client.

The official client refuses to talk to OpenSearch (it checks the ``X-Elastic-Product``
header), so this implementation is exercised only where a real Elasticsearch runs:
point ``NEWSMON_ES_URL`` at one and run the integration suite.
"""

from __future__ import annotations

from typing import Any

import elasticsearch
from elasticsearch import Elasticsearch

from newsmon.connectors.search.base import EngineInfo, SearchEngine
from newsmon.connectors.search.bulk import ItemResult, TransientBulkError, parse_bulk_response
from newsmon.exceptions import SearchEngineError
from newsmon.settings import SearchSettings


def make_elasticsearch_client(settings: SearchSettings) -> Elasticsearch:
    """An official ``elasticsearch`` client built from the settings."""
    kwargs: dict[str, Any] = {
        "hosts": [settings.url],
        "verify_certs": settings.verify_certs,
        "request_timeout": settings.request_timeout,
        "max_retries": 0,  # retries are ours (bulk.py), with backoff
    }
    if settings.ca_certs:
        kwargs["ca_certs"] = str(settings.ca_certs)
    if settings.username and settings.password:
        kwargs["basic_auth"] = (settings.username, settings.password.get_secret_value())
    if settings.api_key:
        kwargs["api_key"] = settings.api_key.get_secret_value()
    return Elasticsearch(**kwargs)


class ElasticsearchEngine(SearchEngine):
    """Talks to Elasticsearch 8.x and 9.x."""

    def __init__(self, settings: SearchSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self._not_found = elasticsearch.NotFoundError
        self._client = make_elasticsearch_client(settings)

    def info(self) -> EngineInfo:
        try:
            body = self._client.info()
        except elasticsearch.ApiError as e:
            raise SearchEngineError(f"Elasticsearch at {self.settings.url} refused: {e}") from e
        except elasticsearch.TransportError as e:
            raise SearchEngineError(f"Elasticsearch at {self.settings.url} unreachable: {e}") from e
        version = body["version"]
        return EngineInfo("elasticsearch", version.get("number", "?"), body.get("cluster_name", "?"))

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._client.indices.put_index_template(name=name, **body)

    def index_document(self, index: str, doc_id: str, document: dict[str, Any], refresh: bool = True) -> None:
        self._client.index(index=index, id=doc_id, document=document, refresh=refresh)

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._client.search(index=index, ignore_unavailable=True, **body))

    def _msearch(self, searches: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self._client.msearch(searches=searches))

    def _mget(self, index: str, doc_ids: list[str]) -> dict[str, Any]:
        return dict(self._client.mget(index=index, ids=doc_ids))

    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        try:
            return int(self._client.count(index=index, query=query)["count"])
        except elasticsearch.NotFoundError:
            return 0

    def is_transient(self, error: Exception) -> bool:
        if isinstance(error, elasticsearch.ApiError):
            return error.status_code == 429 or error.status_code >= 500
        return isinstance(error, elasticsearch.TransportError)

    def _send_bulk(self, lines: list[bytes]) -> list[ItemResult]:
        try:
            # The client sends a bytes body as is: our NDJSON lines, already serialised.
            body: Any = b"\n".join(lines) + b"\n"
            response = self._client.bulk(operations=body)
        except elasticsearch.ApiError as e:
            if e.status_code == 429 or e.status_code >= 500:
                raise TransientBulkError(str(e)) from e
            raise SearchEngineError(f"bulk request refused: {e}") from e
        except elasticsearch.TransportError as e:
            raise TransientBulkError(str(e)) from e
        return parse_bulk_response(dict(response))
