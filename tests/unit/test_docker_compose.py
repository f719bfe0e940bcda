"""The Docker setup cannot run here (no Docker engine); check its structure instead."""

import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / name).read_text())
    return data


def _merged() -> dict[str, Any]:
    """Compose's merge of the OpenSearch override onto the base, for the keys we use."""
    base, override = _load("docker-compose.yml"), _load("docker-compose.opensearch.yml")
    services = {name: dict(spec) for name, spec in base["services"].items()}
    for name, spec in override["services"].items():
        services.setdefault(name, {}).update(spec)
    return {"services": services}


def _active(compose: dict[str, Any]) -> dict[str, Any]:
    return {n: s for n, s in compose["services"].items() if not s.get("profiles")}


def test_base_stack_has_kafka_elasticsearch_kibana_and_the_pipeline() -> None:
    services = _active(_load("docker-compose.yml"))
    assert {"kafka", "elasticsearch", "kibana", "init", "pipeline"} <= services.keys()
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["elasticsearch"]["image"].split(":")[-1].split(".")[0] in {"8", "9"}
    assert services["pipeline"]["environment"]["NEWSMON_ES_URL"] == "http://elasticsearch:9200"


def test_opensearch_override_replaces_the_engine() -> None:
    services = _active(_merged())
    assert "elasticsearch" not in services and "kibana" not in services
    assert {"opensearch", "opensearch-dashboards", "kafka", "pipeline"} <= services.keys()
    assert services["pipeline"]["environment"]["NEWSMON_ES_URL"] == "http://opensearch:9200"


def test_every_dependency_is_an_active_service() -> None:
    for compose in (_load("docker-compose.yml"), _merged()):
        active = _active(compose)
        for name, spec in active.items():
            for dependency in spec.get("depends_on", {}):
                assert dependency in active, f"{name} depends on inactive {dependency}"


def test_dockerfile_installs_the_mapped_packages() -> None:
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    for folder in ("src", "pipelines", "connectors", "configs"):
        assert f"COPY {folder} ./{folder}" in dockerfile


def test_kibana_saved_objects_are_imported_and_current() -> None:
    from scripts.kibana_saved_objects import OUT, render

    assert OUT.read_text() == render(), "run: .venv/bin/python scripts/kibana_saved_objects.py"
    for compose, setup, target in (
        (_load("docker-compose.yml"), "kibana-setup", "http://kibana:5601/api/saved_objects/_import"),
        (_merged(), "dashboards-setup", "http://opensearch-dashboards:5601/api/saved_objects/_import"),
    ):
        spec = _active(compose)[setup]
        assert any(arg.startswith(target) for arg in spec["command"])
        assert "./docker/kibana:/kibana:ro" in spec["volumes"]


def test_kibana_saved_objects_reference_real_objects_and_fields() -> None:
    import json

    objects = [json.loads(line) for line in (REPO / "docker/kibana/newsmon.ndjson").read_text().splitlines()]
    ids = {(o["type"], o["id"]) for o in objects}
    fields = {}
    for index, template in (("newsmon-articles", "articles"), ("newsmon-alerts", "alerts")):
        mapping = json.loads((REPO / f"configs/index-templates/{template}.json").read_text())
        fields[index] = set(mapping["template"]["mappings"]["properties"])
    dashboards = [o for o in objects if o["type"] == "dashboard"]
    assert [d["attributes"]["title"] for d in dashboards] == ["newsmon desk"]
    for obj in objects:
        for reference in obj["references"]:
            assert (reference["type"], reference["id"]) in ids, reference
        if obj["type"] == "index-pattern":
            assert obj["attributes"]["timeFieldName"] in fields[obj["id"]]
        if obj["type"] == "visualization":
            index = obj["references"][0]["id"]
            for agg in json.loads(obj["attributes"]["visState"])["aggs"]:
                if "field" in agg["params"]:
                    assert agg["params"]["field"] in fields[index], (obj["id"], agg)
    panels = json.loads(dashboards[0]["attributes"]["panelsJSON"])
    assert {p["panelRefName"] for p in panels} == {r["name"] for r in dashboards[0]["references"]}


def test_the_desk_runs_in_compose_and_an_empty_token_means_no_writes() -> None:
    from pydantic import SecretStr

    from newsmon.settings import ApiSettings

    desk = _active(_load("docker-compose.yml"))["desk"]
    assert desk["command"][:2] == ["newsmon", "serve"] and "8080:8080" in desk["ports"]
    assert ApiSettings(token=SecretStr("")).token is None
    assert ApiSettings(token=SecretStr("")).token is None


def test_prometheus_scrapes_the_pipeline_and_the_desk_and_grafana_shows_them() -> None:
    import json

    from prometheus_client import REGISTRY

    import newsmon.api.observe
    import newsmon.connectors.metrics  # noqa: F401  (registers the metrics)

    services = _load("docker-compose.yml")["services"]
    assert {"prometheus", "grafana"} <= services.keys()
    assert services["pipeline"]["environment"]["NEWSMON_METRICS__HOST"] == "0.0.0.0"
    scrape = yaml.safe_load((REPO / "docker/prometheus/prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert targets == {"pipeline:9108", "desk:8080"}
    from scripts.grafana_dashboard import OUT, render

    assert OUT.read_text() == render(), "run: .venv/bin/python scripts/grafana_dashboard.py"
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}
    known = {m.name + end for m in REGISTRY.collect() for end in suffixes.get(m.type, [])}
    for panel in json.loads(OUT.read_text())["panels"]:
        for target in panel["targets"]:
            names = set(re.findall(r"newsmon_[a-z_]+", target["expr"]))
            assert names and names <= known, (panel["title"], names - known)
