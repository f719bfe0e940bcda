"""Writes docker/grafana/dashboards/newsmon.json, the operators' dashboard of the pipeline
and the desk (Prometheus metrics of connectors/metrics.py and api/observe.py). Edit the
panels here and rerun; a test checks the file is current and every metric exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "docker" / "grafana" / "dashboards" / "newsmon.json"
DATASOURCE = {"type": "prometheus", "uid": "newsmon-prometheus"}

# (title, unit, [(PromQL, legend)])
PANELS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Records read per second",
        "reqps",
        [("sum by (topic) (rate(newsmon_records_read_total[1m]))", "{{topic}}")],
    ),
    ("Consumer lag per partition", "short", [("newsmon_consumer_lag", "{{topic}}/{{partition}}")]),
    (
        "Articles per stage per second",
        "reqps",
        [("sum by (stage) (rate(newsmon_articles_total[1m]))", "{{stage}}")],
    ),
    (
        "Documents indexed per second",
        "reqps",
        [("sum by (index) (rate(newsmon_documents_indexed_total[1m]))", "{{index}}")],
    ),
    (
        "Dead letters per minute by stage and reason",
        "short",
        [("sum by (stage, reason) (increase(newsmon_dead_letters_total[1m]))", "{{stage}}: {{reason}}")],
    ),
    ("Copies per minute", "short", [("sum by (kind) (increase(newsmon_copies_total[1m]))", "{{kind}}")]),
    (
        "Alerts fired per minute by rule",
        "short",
        [("sum by (rule) (increase(newsmon_alerts_fired_total[1m]))", "{{rule}}")],
    ),
    (
        "Deliveries per minute by channel",
        "short",
        [
            (
                "sum by (channel, outcome) (increase(newsmon_alert_deliveries_total[1m]))",
                "{{channel}} {{outcome}}",
            )
        ],
    ),
    (
        "Stage time per batch (p50, p99)",
        "s",
        [
            (
                "histogram_quantile(0.5, sum by (le, stage) (rate(newsmon_stage_seconds_bucket[5m])))",
                "p50 {{stage}}",
            ),
            (
                "histogram_quantile(0.99, sum by (le, stage) (rate(newsmon_stage_seconds_bucket[5m])))",
                "p99 {{stage}}",
            ),
        ],
    ),
    (
        "NLP time per article (p50, p99)",
        "s",
        [
            (
                "histogram_quantile(0.5, sum by (le) (rate(newsmon_enrich_seconds_per_article_bucket[5m])))",
                "p50",
            ),
            (
                "histogram_quantile(0.99, sum by (le) (rate(newsmon_enrich_seconds_per_article_bucket[5m])))",
                "p99",
            ),
        ],
    ),
    (
        "Read to committed (p50, p99)",
        "s",
        [
            ("histogram_quantile(0.5, sum by (le) (rate(newsmon_bundle_seconds_bucket[5m])))", "p50"),
            ("histogram_quantile(0.99, sum by (le) (rate(newsmon_bundle_seconds_bucket[5m])))", "p99"),
        ],
    ),
    (
        "Search engine retries per minute",
        "short",
        [("sum by (index) (increase(newsmon_search_retries_total[1m]))", "{{index}}")],
    ),
    (
        "Desk requests per second by status",
        "reqps",
        [("sum by (status) (rate(newsmon_api_requests_total[1m]))", "{{status}}")],
    ),
    (
        "Desk answer time p99 by route",
        "s",
        [
            (
                "histogram_quantile(0.99, sum by (le, route) (rate(newsmon_api_request_seconds_bucket[5m])))",
                "{{route}}",
            )
        ],
    ),
]


def render() -> str:
    panels: list[dict[str, Any]] = []
    for n, (title, unit, queries) in enumerate(PANELS):
        panels.append(
            {
                "id": n + 1,
                "type": "timeseries",
                "title": title,
                "datasource": DATASOURCE,
                "gridPos": {"h": 8, "w": 12, "x": (n % 2) * 12, "y": (n // 2) * 8},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {
                        "refId": chr(ord("A") + i),
                        "datasource": DATASOURCE,
                        "expr": expr,
                        "legendFormat": legend,
                    }
                    for i, (expr, legend) in enumerate(queries)
                ],
            }
        )
    dashboard = {
        "uid": "newsmon-pipeline",
        "title": "newsmon pipeline",
        "tags": ["newsmon"],
        "timezone": "utc",
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "schemaVersion": 39,
        "panels": panels,
    }
    return json.dumps(dashboard, indent=2) + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT}")
