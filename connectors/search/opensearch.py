"""OpenSearch implementation of :class:`SearchEngine`, on ``opensearch-py``."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from newsmon.connectors.search.base import EngineInfo, SearchEngine
from newsmon.connectors.search.bulk import ItemResult, TransientBulkError, parse_bulk_response
from newsmon.exceptions import SearchEngineError
from newsmon.settings import SearchSettings


def make_opensearch_client(settings: SearchSettings) -> OpenSearch:
    """An ``opensearch-py`` client built from the settings (TLS verification on by default)."""
    kwargs: dict[str, Any] = {
        "hosts": [settings.url],
        "verify_certs": settings.verify_certs,
        "timeout": settings.request_timeout,
        "max_retries": 0,  # retries are ours (bulk.py), with backoff
    }
    if settings.ca_certs:
        kwargs["ca_certs"] = str(settings.ca_certs)
    if settings.username and settings.password:
        kwargs["http_auth"] = (settings.username, settings.password.get_secret_value())
    if settings.api_key:
        kwargs["headers"] = {"Authorization": f"ApiKey {settings.api_key.get_secret_value()}"}
    return OpenSearch(**kwargs)


class OpenSearchEngine(SearchEngine):
    """Talks to OpenSearch 1.x-3.x."""

    def __init__(self, settings: SearchSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self._not_found = os_errors.NotFoundError
        self._client = make_opensearch_client(settings)

    def info(self) -> EngineInfo:
        try:
            body = self._client.info()
        except os_errors.OpenSearchException as e:
            raise SearchEngineError(f"OpenSearch at {self.settings.url} did not answer: {e}") from e
        version = body.get("version", {})
        return EngineInfo(
            distribution=version.get("distribution", "opensearch"),
            version=version.get("number", "?"),
            cluster_name=body.get("cluster_name", "?"),
        )

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._client.indices.put_index_template(name=name, body=body)

    def index_document(self, index: str, doc_id: str, document: dict[str, Any], refresh: bool = True) -> None:
        self._client.index(index=index, id=doc_id, body=document, refresh=refresh)

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._client.search(index=index, body=body, ignore_unavailable=True)
        return result

    def _msearch(self, searches: list[dict[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = self._client.msearch(body=searches)
        return result

    def _mget(self, index: str, doc_ids: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = self._client.mget(index=index, body={"ids": doc_ids})
        return result

    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        body = {"query": query} if query else None
        try:
            return int(self._client.count(index=index, body=body)["count"])
        except os_errors.NotFoundError:
            return 0

    def is_transient(self, error: Exception) -> bool:
        if isinstance(error, os_errors.ConnectionError | os_errors.ConnectionTimeout):
            return True
        status = getattr(error, "status_code", None)
        return (
            isinstance(error, os_errors.TransportError)
            and isinstance(status, int)
            and (status == 429 or status >= 500)
        )

    def _send_bulk(self, lines: list[bytes]) -> list[ItemResult]:
        body = b"\n".join(lines) + b"\n"
        try:
            response = self._client.bulk(body=body)
        except (os_errors.ConnectionError, os_errors.ConnectionTimeout) as e:
            raise TransientBulkError(str(e)) from e
        except os_errors.TransportError as e:
            if isinstance(e.status_code, int) and (e.status_code == 429 or e.status_code >= 500):
                raise TransientBulkError(str(e)) from e
            raise SearchEngineError(f"bulk request refused: {e}") from e
        return parse_bulk_response(response)
