"""The search layer: one interface, an Elasticsearch and an OpenSearch implementation.

:func:`connect_search_engine` picks the implementation from ``search.engine`` or, when
that is ``auto``, by asking the server who it is.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from newsmon.connectors.search.base import EngineInfo, MultiSearchItemError, SearchEngine, WriteBuffer
from newsmon.connectors.search.bulk import BulkReport, IndexAction
from newsmon.exceptions import ConfigurationError, SearchEngineError
from newsmon.settings import SearchSettings, packaged_config_dir

_LOG = logging.getLogger(__name__)

__all__ = [
    "BulkReport",
    "EngineInfo",
    "IndexAction",
    "MultiSearchItemError",
    "SearchEngine",
    "WriteBuffer",
    "connect_search_engine",
    "detect_engine",
    "install_index_templates",
]


def detect_engine(settings: SearchSettings) -> str:
    """``"opensearch"`` or ``"elasticsearch"``, from the server's own answer to ``GET /``."""
    from newsmon.connectors.search.opensearch import make_opensearch_client

    # opensearch-py does not check the product header, so it can ask either engine.
    client = make_opensearch_client(settings)
    try:
        body = client.info()
    except Exception as e:
        raise SearchEngineError(f"search engine at {settings.url} did not answer: {e}") from e
    finally:
        client.close()
    distribution = body.get("version", {}).get("distribution", "elasticsearch")
    return "opensearch" if distribution == "opensearch" else "elasticsearch"


def connect_search_engine(settings: SearchSettings) -> SearchEngine:
    """The :class:`SearchEngine` for the configured (or detected) engine."""
    engine = settings.engine if settings.engine != "auto" else detect_engine(settings)
    if engine == "opensearch":
        from newsmon.connectors.search.opensearch import OpenSearchEngine

        return OpenSearchEngine(settings)
    from newsmon.connectors.search.elasticsearch import ElasticsearchEngine

    return ElasticsearchEngine(settings)


def load_index_template(name: str, config_dir: Path | None = None) -> dict[str, Any]:
    """Read ``configs/index-templates/<name>.json``."""
    path = (config_dir or packaged_config_dir()) / "index-templates" / f"{name}.json"
    try:
        template: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigurationError(f"cannot read index template {path}: {e}") from e
    return template


def install_index_templates(engine: SearchEngine, settings: SearchSettings) -> list[str]:
    """Install newsmon's index templates, their patterns bound to the configured index names."""
    installed = []
    for template_name, index in settings.indexes().items():
        body = load_index_template(template_name)
        # Exactly the configured name: a wildcard could overlap another newsmon index
        # ("news" and "news-alerts") and the engine refuses overlapping templates.
        body["index_patterns"] = [index]
        engine.put_index_template(f"{index}-template", body)
        installed.append(f"{index}-template")
        if engine.index_exists(index):
            # An index made by an older template gets the newer one's fields (additions only).
            try:
                engine.put_mapping(index, body["template"]["mappings"]["properties"])
            except Exception as e:  # a changed field type: the index must be rebuilt
                _LOG.warning("index %s keeps its older mapping (reindex to upgrade): %s", index, e)
    return installed
