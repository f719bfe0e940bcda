"""A local Beam Flink job server: Beam's portable job service over an embedded Flink cluster.

``newsmon run`` with ``pipeline.runner: flink`` submits the same pipeline to it; the Python
stages run in SDK workers (in the submitting process with LOOPBACK, or in a worker pool
with EXTERNAL), Flink runs the graph, checkpoints and bundle finalization.
"""

from __future__ import annotations

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
        """Jars (first time: about 150 MB from Maven) and the job server command."""
        java = find_java(self.services.java_home, 17)
        pom = render_pom(
            "flink-job-server.pom.xml",
            {
                "BEAM_VERSION": self.services.flink_job_server_beam_version,
                "FLINK_VERSION": self.services.flink_version,
            },
        )
        jars = resolve_classpath("flink-job-server", pom, self.services.cache_dir)
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log4j = self.home / "log4j2.properties"
        log4j.write_text(_LOG4J2.format(log_dir=self.log_dir), encoding="utf-8")
        return [
            str(java),
            f"-Xmx{self.services.flink_heap}",
            self.marker_property,
            f"-Dlog4j2.configurationFile={log4j}",
            *_OPENS,
            "-cp",
            f"{jars}/*",
            "org.apache.beam.runners.flink.FlinkJobServerDriver",
            "--flink-master",
            "[local]",
            "--job-host",
            self.host,
            "--job-port",
            str(self.port),
            "--artifact-port",
            str(self.services.flink_artifact_port),
            "--expansion-port",
            str(self.services.flink_expansion_port),
            "--artifacts-dir",
            str(self.home / "artifacts"),
        ]

    def healthy(self) -> bool:
        """True when the job service accepts connections."""
        return port_is_open(self.host, self.port)
