"""``newsmon services up|down|status``: the local Kafka, OpenSearch and background pipeline.

A service configured as external (``NEWSMON_KAFKA_BOOTSTRAP``, ``NEWSMON_ES_URL``, or
``external: true`` in the settings) is never started or stopped here, only checked.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from newsmon.exceptions import ServiceError
from newsmon.services.flink import LocalFlinkJobServer
from newsmon.services.kafka import LocalKafka
from newsmon.services.opensearch import LocalOpenSearch
from newsmon.services.process import ManagedProcess
from newsmon.settings import Settings

PIPELINE_MARKER = "newsmon.service=pipeline"
DESK_MARKER = "newsmon.service=desk"


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    detail: str


class ServicesManager:
    """Starts, checks and stops the local services described by one :class:`Settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kafka = LocalKafka(settings.kafka, settings.services)
        self.opensearch = LocalOpenSearch(settings.search, settings.services)
        self.flink = LocalFlinkJobServer(settings.pipeline.flink, settings.services)
        state = settings.services.state_dir.resolve()
        self.pipeline = ManagedProcess(
            name="pipeline",
            pid_file=state / "pipeline.pid",
            log_file=state / "logs" / "pipeline.log",
            marker=PIPELINE_MARKER,
        )
        self.desk = ManagedProcess(
            name="desk",
            pid_file=state / "desk.pid",
            log_file=state / "logs" / "desk.log",
            marker=DESK_MARKER,
        )

    def up(self, flink: bool = False) -> list[str]:
        """Start (or check, when external) Kafka and the search engine, and with ``flink``
        the Flink job server; idempotent."""
        messages = []
        if self.settings.kafka.external:
            if not self.kafka.healthy():
                raise ServiceError(
                    f"external Kafka at {self.settings.kafka.bootstrap_servers} does not answer"
                )
            messages.append(f"kafka external at {self.settings.kafka.bootstrap_servers}: ok")
        else:
            messages.append(self.kafka.start())
        if self.settings.search.external:
            if not self._external_search_ok():
                raise ServiceError(f"external search engine at {self.settings.search.url} does not answer")
            messages.append(f"search engine external at {self.settings.search.url}: ok")
        else:
            messages.append(self.opensearch.start())
        if flink:
            messages.append(self.flink.start())
        return messages

    def down(self) -> list[str]:
        """Stop the background pipeline and the local services (never external ones)."""
        messages = ["pipeline stopped" if self.pipeline.stop() else "pipeline was not running"]
        messages.append("desk stopped" if self.desk.stop() else "desk was not running")
        if self.flink.process.is_running():
            messages.append(self.flink.stop())
        if not self.settings.kafka.external:
            messages.append(self.kafka.stop())
        if not self.settings.search.external:
            messages.append(self.opensearch.stop())
        return messages

    def status(self) -> list[ServiceStatus]:
        kafka_ok = self.kafka.healthy()
        search_ok = self._external_search_ok() if self.settings.search.external else self.opensearch.healthy()
        pipeline_pid = self.pipeline.pid()
        desk_pid = self.desk.pid()
        return [
            ServiceStatus(
                "kafka",
                kafka_ok,
                f"{self.settings.kafka.bootstrap_servers}"
                + (" (external)" if self.settings.kafka.external else f" (pid {self.kafka.process.pid()})"),
            ),
            ServiceStatus(
                "search",
                search_ok,
                f"{self.settings.search.url}"
                + (
                    " (external)"
                    if self.settings.search.external
                    else f" (pid {self.opensearch.process.pid()})"
                ),
            ),
            ServiceStatus(
                "flink",
                self.flink.process.is_running(),
                f"job server {self.flink.address} (pid {self.flink.process.pid()})"
                if self.flink.process.is_running()
                else "not running (optional: newsmon services up --flink)",
            ),
            ServiceStatus(
                "pipeline",
                pipeline_pid is not None,
                f"pid {pipeline_pid}, log {self.pipeline.log_file}" if pipeline_pid else "not running",
            ),
            ServiceStatus(
                "desk",
                desk_pid is not None,
                f"http://{self.settings.api.host}:{self.settings.api.port} (pid {desk_pid})"
                if desk_pid
                else "not running",
            ),
        ]

    def start_pipeline(self, extra_args: list[str] | None = None) -> int:
        """Run ``newsmon run`` in the background (one instance), logging to the state folder."""
        pid = self.pipeline.pid()
        if pid is not None:
            return pid
        command = [
            sys.executable,
            "-m",
            "newsmon",
            "run",
            "--label",
            PIPELINE_MARKER,
            *(extra_args or []),
        ]
        return self.pipeline.start(command)

    def start_desk(self) -> int:
        """Run ``newsmon serve`` (dashboard and API) in the background (one instance)."""
        pid = self.desk.pid()
        if pid is not None:
            return pid
        return self.desk.start([sys.executable, "-m", "newsmon", "serve", "--label", DESK_MARKER])

    def _external_search_ok(self) -> bool:
        from newsmon.connectors.search import connect_search_engine

        try:
            engine = connect_search_engine(self.settings.search)
            engine.info()
            engine.close()
        except Exception:
            return False
        return True
