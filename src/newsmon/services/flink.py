"""A local Beam Flink job server: Beam's portable job service over an embedded Flink cluster,
with an expansion service for Java KafkaIO in the same JVM.

``newsmon run`` with ``pipeline.runner: flink`` submits the same pipeline to it; the Python
stages run in SDK workers (in the submitting process with LOOPBACK, or in a worker pool
with EXTERNAL), Flink runs the graph, the Kafka read, checkpoints and bundle finalization.
"""

from __future__ import annotations

from importlib import resources

from newsmon.services.base import LocalService
from newsmon.services.kafka import split_host_port
from newsmon.services.maven import render_pom, resolve_classpath
from newsmon.services.process import find_java, port_is_open
from newsmon.settings import FlinkSettings, LocalServicesSettings

_LOG4J2 = """\
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_dir}/flink-job-server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.checkpoint.name = org.apache.flink.runtime.checkpoint
logger.checkpoint.level = WARN
"""

# The embedded cluster of each job serves Flink's REST API (where `newsmon run` stops the
# job) on the first free port of the range, on loopback; a stop takes a savepoint first.
_FLINK_CONF = """\
rest.address: {host}
rest.bind-address: {host}
rest.bind-port: {rest_ports}
state.savepoints.dir: file://{savepoints}
"""

# Flink serialises with Kryo and reflection into JDK classes that Java 17 closes by default.
_OPENS = [
    f"--add-opens=java.base/{package}=ALL-UNNAMED" for package in ("java.lang", "java.util", "java.nio")
]


class LocalFlinkJobServer(LocalService):
    """Fetches Beam's Flink runner from Maven and starts ``FlinkJobServerDriver`` with ``[local]``."""

    name = "flink"
    shortcut_variable = "NEWSMON_PIPELINE__FLINK__JOB_ENDPOINT"

    def __init__(self, flink: FlinkSettings, services: LocalServicesSettings) -> None:
        self.flink = flink
        self._place(services, *split_host_port(flink.job_endpoint))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def prepare(self) -> list[str]:
        """Jars (first time: about 160 MB from Maven) and the job server command."""
        java = find_java(self.services.java_home, 17)
        pom = render_pom(
            "flink-job-server.pom.xml",
            {
                "BEAM_VERSION": self.services.flink_job_server_beam_version,
                "FLINK_VERSION": self.services.flink_version,
                "KAFKA_CLIENTS_VERSION": self.services.flink_kafka_clients_version,
            },
        )
        jars = resolve_classpath("flink-job-server", pom, self.services.cache_dir)
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log4j = self.home / "log4j2.properties"
        log4j.write_text(_LOG4J2.format(log_dir=self.log_dir), encoding="utf-8")
        conf_dir = self.home / "conf"
        conf_dir.mkdir(exist_ok=True)
        (conf_dir / "flink-conf.yaml").write_text(
            _FLINK_CONF.format(
                host=self.host,
                rest_ports=self.services.flink_rest_ports,
                savepoints=(self.home / "savepoints").resolve(),
            ),
            encoding="utf-8",
        )
        launcher = resources.files("newsmon.services") / "java" / "NewsmonFlinkJobServer.java"
        return [
            str(java),
            f"-Xmx{self.services.flink_heap}",
            self.marker_property,
            f"-Dlog4j2.configurationFile={log4j}",
            *_OPENS,
            "-cp",
            f"{jars}/*",
            str(launcher),
            self.host,
            str(self.services.flink_expansion_port),
            "--flink-master",
            "[local]",
            "--job-host",
            self.host,
            "--job-port",
            str(self.port),
            "--artifact-port",
            str(self.services.flink_artifact_port),
            # The driver's own expansion service takes no options (Docker, SDF read): off.
            "--expansion-port",
            "-1",
            "--flink-conf-dir",
            str(conf_dir),
            "--artifacts-dir",
            str(self.home / "artifacts"),
        ]

    def healthy(self) -> bool:
        """True when the job service and the expansion service accept connections."""
        return port_is_open(self.host, self.port) and port_is_open(
            self.host, self.services.flink_expansion_port
        )
