"""A local single-node Apache Kafka 4.x broker (KRaft: broker and controller in one JVM)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from newsmon.exceptions import ServiceError
from newsmon.services.base import LocalService
from newsmon.services.maven import render_pom, resolve_classpath
from newsmon.services.process import find_java, port_is_open
from newsmon.settings import KafkaSettings, LocalServicesSettings

_LOG4J2 = """\
status = error
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {log_dir}/kafka-server.log
appender.file.filePattern = {log_dir}/kafka-server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.kafka.request.name = kafka.request.logger
logger.kafka.request.level = WARN
"""


def split_host_port(address: str) -> tuple[str, int]:
    host, _, port = address.split(",")[0].strip().rpartition(":")
    return host or "127.0.0.1", int(port)


class LocalKafka(LocalService):
    """Prepares (jars, config, storage format), starts, checks and stops the local broker."""

    name = "kafka"
    shortcut_variable = "NEWSMON_KAFKA_BOOTSTRAP"

    def __init__(self, kafka: KafkaSettings, services: LocalServicesSettings) -> None:
        self.kafka = kafka
        self._place(services, *split_host_port(kafka.bootstrap_servers))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def server_properties(self) -> str:
        controller = f"{self.host}:{self.services.kafka_controller_port}"
        return "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@{controller}",
                f"listeners=PLAINTEXT://{self.address},CONTROLLER://{controller}",
                f"advertised.listeners=PLAINTEXT://{self.address}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={self.home / 'data'}",
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                # Topics are created by `newsmon init` with their partition count.
                "auto.create.topics.enable=false",
                "",
            ]
        )

    def _classpath(self) -> str:
        pom = render_pom("kafka.pom.xml", {"KAFKA_VERSION": self.services.kafka_version})
        jars = resolve_classpath("kafka", pom, self.services.cache_dir)
        return f"{jars}/*"

    def prepare(self) -> list[str]:
        """Jars, configuration and (first time only) storage formatting; returns the command."""
        java = find_java(self.services.java_home, 17)
        classpath = self._classpath()
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        config = self.home / "server.properties"
        config.write_text(self.server_properties(), encoding="utf-8")
        log4j = self.home / "log4j2.properties"
        log4j.write_text(_LOG4J2.format(log_dir=self.log_dir), encoding="utf-8")
        base = [str(java), f"-Dlog4j2.configurationFile={log4j}", "-cp", classpath]
        if not (self.home / "data" / "meta.properties").exists():
            self._format_storage(base, config)
        return [
            *base[:1],
            f"-Xmx{self.services.kafka_heap}",
            f"-Xms{self.services.kafka_heap}",
            self.marker_property,
            *base[1:],
            "kafka.Kafka",
            str(config),
        ]

    def _format_storage(self, base: list[str], config: Path) -> None:
        cluster_id = (
            subprocess.run(
                [*base, "kafka.tools.StorageTool", "random-uuid"],
                capture_output=True,
                text=True,
                check=False,
            )
            .stdout.strip()
            .splitlines()
        )
        if not cluster_id:
            raise ServiceError("Kafka StorageTool could not generate a cluster id")
        result = subprocess.run(
            [*base, "kafka.tools.StorageTool", "format", "-t", cluster_id[-1], "-c", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"Kafka storage format failed: {result.stdout}{result.stderr}")

    def healthy(self) -> bool:
        """True when the broker answers a metadata request."""
        if not port_is_open(self.host, self.port):
            return False
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(**self.kafka.client_config(), request_timeout_ms=3000)
        except (KafkaError, ValueError, OSError):
            return False
        try:
            admin.list_topics()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()
