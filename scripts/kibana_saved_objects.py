"""Write docker/kibana/newsmon.ndjson: Kibana (and OpenSearch Dashboards) saved objects for
newsmon's indices: two data views and a desk dashboard of aggregation-based panels.

    .venv/bin/python scripts/kibana_saved_objects.py      # after editing the panels below

The docker-compose setup imports the file at start (service ``kibana-setup``); by hand:
``curl -X POST 'localhost:5601/api/saved_objects/_import?overwrite=true' -H 'kbn-xsrf: true'
--form file=@docker/kibana/newsmon.ndjson``. Objects are written in the 7.10 format that
both Kibana 8/9 (which migrates them on import) and OpenSearch Dashboards read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "docker" / "kibana" / "newsmon.ndjson"
ARTICLES, ALERTS = "newsmon-articles", "newsmon-alerts"
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def data_view(index: str, time_field: str) -> dict[str, Any]:
    return {
        "type": "index-pattern",
        "id": index,
        "attributes": {"title": index, "timeFieldName": time_field},
        "references": [],
        "migrationVersion": {"index-pattern": "7.6.0"},
    }


def _source(index: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    search_source = {"query": {"query": "", "language": "kuery"}, "filter": [], "indexRefName": INDEX_REF}
    meta = {"searchSourceJSON": json.dumps(search_source)}
    return meta, [{"name": INDEX_REF, "type": "index-pattern", "id": index}]


def terms_table(vis_id: str, title: str, index: str, fields: list[str], size: int = 15) -> dict[str, Any]:
    """A data table: counts by one or more keyword fields."""
    aggs: list[dict[str, Any]] = [
        {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}
    ]
    for n, field in enumerate(fields, start=2):
        aggs.append(
            {
                "id": str(n),
                "enabled": True,
                "type": "terms",
                "schema": "bucket",
                "params": {"field": field, "size": size, "order": "desc", "orderBy": "1"},
            }
        )
    vis_state = {"title": title, "type": "table", "aggs": aggs, "params": {"perPage": 10, "showTotal": False}}
    meta, references = _source(index)
    return _visualization(vis_id, title, vis_state, meta, references)


def over_time(vis_id: str, title: str, index: str, time_field: str, split: str | None) -> dict[str, Any]:
    """A bar chart of counts per time bucket, optionally split by a keyword field."""
    aggs: list[dict[str, Any]] = [
        {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}},
        {
            "id": "2",
            "enabled": True,
            "type": "date_histogram",
            "schema": "segment",
            "params": {"field": time_field, "interval": "auto", "min_doc_count": 1},
        },
    ]
    if split:
        aggs.append(
            {
                "id": "3",
                "enabled": True,
                "type": "terms",
                "schema": "group",
                "params": {"field": split, "size": 5, "order": "desc", "orderBy": "1"},
            }
        )
    vis_state = {
        "title": title,
        "type": "histogram",
        "aggs": aggs,
        "params": {"addLegend": True, "addTooltip": True},
    }
    meta, references = _source(index)
    return _visualization(vis_id, title, vis_state, meta, references)


def _visualization(
    vis_id: str, title: str, vis_state: dict[str, Any], meta: dict[str, Any], references: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "type": "visualization",
        "id": vis_id,
        "attributes": {
            "title": title,
            "visState": json.dumps(vis_state),
            "uiStateJSON": "{}",
            "description": "",
            "version": 1,
            "kibanaSavedObjectMeta": meta,
        },
        "references": references,
        "migrationVersion": {"visualization": "7.10.0"},
    }


def latest_alerts() -> dict[str, Any]:
    meta, references = _source(ALERTS)
    return {
        "type": "search",
        "id": "newsmon-latest-alerts",
        "attributes": {
            "title": "newsmon: latest alerts",
            "columns": ["severity", "rule_name", "title", "source", "matched"],
            "sort": [["created_at", "desc"]],
            "description": "",
            "version": 1,
            "kibanaSavedObjectMeta": meta,
        },
        "references": references,
        "migrationVersion": {"search": "7.9.3"},
    }


def dashboard(panels: list[tuple[str, str, int, int, int, int]]) -> dict[str, Any]:
    """``panels``: (type, id, x, y, w, h) on Kibana's 48-column grid."""
    panel_json, references = [], []
    for n, (kind, object_id, x, y, w, h) in enumerate(panels):
        panel_json.append(
            {
                "version": "7.10.0",
                "type": kind,
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": str(n + 1)},
                "panelIndex": str(n + 1),
                "embeddableConfig": {},
                "panelRefName": f"panel_{n}",
            }
        )
        references.append({"name": f"panel_{n}", "type": kind, "id": object_id})
    return {
        "type": "dashboard",
        "id": "newsmon-desk",
        "attributes": {
            "title": "newsmon desk",
            "description": "Articles over time, top entities, speakers, regions and topics, and the alerts.",
            "panelsJSON": json.dumps(panel_json),
            "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
            "timeRestore": False,
            "version": 1,
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})
            },
        },
        "references": references,
        "migrationVersion": {"dashboard": "7.9.3"},
    }


def saved_objects() -> list[dict[str, Any]]:
    objects = [
        data_view(ARTICLES, "event_time"),
        data_view(ALERTS, "created_at"),
        over_time(
            "newsmon-articles-over-time", "Articles over time, by source", ARTICLES, "event_time", "source"
        ),
        terms_table("newsmon-top-entities", "Top entities", ARTICLES, ["entity_names"]),
        terms_table("newsmon-top-speakers", "Top speakers", ARTICLES, ["speakers"]),
        terms_table("newsmon-regions", "Regions and countries", ARTICLES, ["regions"]),
        terms_table("newsmon-countries", "Countries", ARTICLES, ["countries"]),
        terms_table("newsmon-topics", "Topics", ARTICLES, ["topic_labels"]),
        over_time(
            "newsmon-alerts-over-time", "Alerts over time, by severity", ALERTS, "created_at", "severity"
        ),
        terms_table("newsmon-alerts-by-rule", "Alerts by rule and severity", ALERTS, ["rule_id", "severity"]),
        latest_alerts(),
    ]
    objects.append(
        dashboard(
            [
                ("visualization", "newsmon-articles-over-time", 0, 0, 32, 12),
                ("visualization", "newsmon-topics", 32, 0, 16, 12),
                ("visualization", "newsmon-top-entities", 0, 12, 16, 15),
                ("visualization", "newsmon-top-speakers", 16, 12, 16, 15),
                ("visualization", "newsmon-regions", 32, 12, 16, 15),
                ("visualization", "newsmon-alerts-over-time", 0, 27, 24, 12),
                ("visualization", "newsmon-alerts-by-rule", 24, 27, 24, 12),
                ("search", "newsmon-latest-alerts", 0, 39, 48, 15),
                ("visualization", "newsmon-countries", 0, 54, 16, 12),
            ]
        )
    )
    return objects


def render() -> str:
    return "".join(json.dumps(o, sort_keys=True) + "\n" for o in saved_objects())


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
