"""The Docker setup cannot run here (no Docker engine); check its structure instead."""

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
