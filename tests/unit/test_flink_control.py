"""The pure parts of running on Flink with Java KafkaIO: the consumer properties, the rows
KafkaIO emits, when a drain run is over, and where Flink's REST API is."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from pydantic import SecretStr

from newsmon.connectors.flink_rest import rest_urls
from newsmon.connectors.kafka_java_source import java_consumer_config, record_of_row
from newsmon.pipelines.flink_job import DrainWatch
from newsmon.settings import KafkaSettings


def test_java_consumer_config_reads_from_the_group_without_auto_commit() -> None:
    config = java_consumer_config(KafkaSettings(bootstrap_servers="a:9092,b:9092"), "desk", "earliest")
    assert config["bootstrap.servers"] == "a:9092,b:9092"
    assert config["group.id"] == "desk"
    assert config["auto.offset.reset"] == "earliest"
    assert config["enable.auto.commit"] == "false"  # offsets are committed on checkpoints
    assert config["max.partition.fetch.bytes"] == str(KafkaSettings().max_message_bytes)
    assert "sasl.jaas.config" not in config


def test_java_consumer_config_carries_sasl_and_a_pem_trust_store() -> None:
    settings = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="desk",
        sasl_password=SecretStr('p"w\\d'),
        ssl_cafile=Path("/etc/ca.pem"),
    )
    config = java_consumer_config(settings, "desk", "latest")
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="desk" password="p\\"w\\\\d";'
    )
    assert config["ssl.truststore.type"] == "PEM"
    assert config["ssl.truststore.location"] == "/etc/ca.pem"


class _Row(NamedTuple):
    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None


def test_a_kafkaio_row_becomes_a_kafka_record_tombstones_included() -> None:
    record = record_of_row(_Row("articles", 3, 41, 1_700_000_000_000, b"id-1", b"{}"))
    assert (record.topic, record.partition, record.offset, record.key, record.value) == (
        "articles",
        3,
        41,
        b"id-1",
        b"{}",
    )
    assert record.timestamp_ms == 1_700_000_000_000
    assert record_of_row(_Row("articles", 0, 1, 0, None, None)).value is None


def test_a_drain_ends_only_after_every_partition_stayed_committed_to_its_end() -> None:
    watch = DrainWatch(idle_timeout_s=10)
    assert not watch.drained({0: (5, 3), 1: (2, 2)}, now=0)  # partition 0 behind
    assert not watch.drained({0: (5, 5), 1: (2, 2)}, now=1)  # caught up: the clock starts
    assert not watch.drained({0: (5, 5), 1: (2, 2)}, now=10.9)
    assert not watch.drained({0: (6, 6), 1: (2, 2)}, now=11)  # a new record came and went
    assert not watch.drained({0: (6, 6), 1: (2, 2)}, now=20)
    assert watch.drained({0: (6, 6), 1: (2, 2)}, now=21)


def test_rest_endpoints_are_a_port_or_a_range() -> None:
    assert rest_urls("127.0.0.1:18081-18083") == [
        "http://127.0.0.1:18081",
        "http://127.0.0.1:18082",
        "http://127.0.0.1:18083",
    ]
    assert rest_urls("https://jobmanager:8081") == ["https://jobmanager:8081"]
    for bad in ("jobmanager", "h:9-1", "h:1-5000"):
        with pytest.raises(ValueError, match="Flink REST endpoints"):
            rest_urls(bad)


def test_an_sdk_worker_serves_its_metrics_on_the_first_free_port_of_the_pools_range() -> None:
    import os
    import socket
    import subprocess
    import sys

    from newsmon.connectors.metrics import WORKER_PORTS_VARIABLE
    from newsmon.services.process import free_port

    taken = socket.socket()
    taken.bind(("127.0.0.1", free_port()))
    taken.listen()
    first = taken.getsockname()[1]
    code = (
        "from newsmon.connectors.metrics import serve_worker_metrics as s; "
        "import urllib.request as u; p = s(); assert s() == p; "
        "print(p, b'newsmon_records_read' in u.urlopen(f'http://127.0.0.1:{p}/metrics').read())"
    )
    try:
        env = {**os.environ, WORKER_PORTS_VARIABLE: f"127.0.0.1:{first}-{first + 20}"}
        command = [sys.executable, "-c", code]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    finally:
        taken.close()
    port, served = out.stdout.split()
    assert first < int(port) <= first + 20  # the taken one skipped
    assert served == "True"
