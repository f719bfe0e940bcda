"""What every local service shares: start once, wait for health with a deadline, stop."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from newsmon.exceptions import ServiceError
from newsmon.services.process import ManagedProcess, port_is_open, wait_until
from newsmon.settings import LocalServicesSettings


class LocalService(ABC):
    """A JVM service run in the background from the state folder."""

    name: str
    shortcut_variable: str  # how to point newsmon at an existing one instead
    services: LocalServicesSettings
    process: ManagedProcess
    home: Path
    log_dir: Path
    host: str
    port: int

    def _place(self, services: LocalServicesSettings, host: str, port: int) -> None:
        """Where it lives: ``<state>/<name>`` for data and pid file, ``<state>/logs`` for
        logs, and the command-line marker that tells its process from a reused pid."""
        self.services = services
        self.host, self.port = host, port
        state = services.state_dir.resolve()
        self.home = state / self.name
        self.log_dir = state / "logs"
        self.process = ManagedProcess(
            name=self.name,
            pid_file=self.home / f"{self.name}.pid",
            log_file=self.log_dir / f"{self.name}.out",
            marker=f"newsmon.service={self.name}:{port}",
        )

    @property
    def marker_property(self) -> str:
        """The marker as a JVM system property, for the service's command line."""
        return f"-D{self.process.marker}"

    @property
    @abstractmethod
    def address(self) -> str:
        """Where clients reach it."""

    @abstractmethod
    def prepare(self) -> list[str]:
        """Fetch jars, write configuration; return the command that starts it."""

    @abstractmethod
    def healthy(self) -> bool:
        """True when it answers."""

    def start(self) -> str:
        """Start unless it runs already (idempotent); wait until healthy or fail with its log."""
        if self.process.is_running() and self.healthy():
            return f"{self.name} already running at {self.address}"
        if not self.process.is_running() and port_is_open(self.host, self.port):
            raise ServiceError(
                f"port {self.port} is taken by another process; stop it, or use that {self.name} "
                f"with {self.shortcut_variable}={self.address}"
            )
        if not self.process.is_running():
            self.process.start(self.prepare(), cwd=self.home)
        ok = wait_until(
            lambda: self.healthy() or not self.process.is_running(),
            self.services.start_timeout,
            interval=0.5,
        )
        if not ok or not self.process.is_running():
            raise ServiceError(
                f"{self.name} did not become ready within {self.services.start_timeout:.0f}s; "
                f"see the logs in {self.log_dir}:\n" + self.process.log_tail()
            )
        return f"{self.name} ready at {self.address} (logs: {self.log_dir})"

    def stop(self) -> str:
        """Stop the process and wait until its port is free, so that a start may follow."""
        if not self.process.stop():
            return f"{self.name} was not running"
        if not wait_until(lambda: not port_is_open(self.host, self.port), self.services.start_timeout):
            raise ServiceError(f"{self.name} stopped, but port {self.port} is still taken")
        return f"{self.name} stopped"
