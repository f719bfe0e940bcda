"""Background processes with pid files: start detached, find again, stop politely then firmly."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsmon.exceptions import ServiceError

_DETACHED: list[subprocess.Popen[bytes]] = []


@atexit.register
def _release_detached() -> None:
    # The services outlive this process by design; without this, each Popen's destructor
    # would warn at exit that its child is "still running".
    for process in _DETACHED:
        if process.poll() is None:
            process.returncode = 0
    _DETACHED.clear()


@dataclass
class ManagedProcess:
    """A long-running child process known by its pid file and a marker in its command line.

    The marker guards against pid reuse: a pid file whose process no longer carries the
    marker is stale.
    """

    name: str
    pid_file: Path
    log_file: Path
    marker: str

    def pid(self) -> int | None:
        """The pid of the running process, or None (removing a stale pid file)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not self._cmdline_has_marker(pid) or _is_zombie(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(
        self, command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> int:
        """Start ``command`` detached (own session), output appended to the log file."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        self.pid_file.write_text(str(process.pid))
        # The service outlives this Popen object; keep it referenced so that its
        # destructor does not warn about a child "still running" (it is meant to).
        _DETACHED.append(process)
        # Until the child has exec'd, its command line is ours and lacks the marker:
        # wait for it so that pid() does not take the fresh pid file for a stale one.
        wait_until(lambda: self._cmdline_has_marker(process.pid) or process.poll() is not None, 10.0, 0.02)
        return process.pid

    def _cmdline_has_marker(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            return False
        return self.marker.encode() in cmdline

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL. True if something was stopped."""
        pid = self.pid()
        if pid is None:
            return False
        _signal_group(pid, signal.SIGTERM)
        if not wait_until(lambda: not _alive(pid), timeout):
            _signal_group(pid, signal.SIGKILL)
            wait_until(lambda: not _alive(pid), 10.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; True if it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def find_java(java_home: Path | None, minimum_major: int) -> Path:
    """A ``java`` binary of at least ``minimum_major``: from settings, JAVA_HOME, or PATH."""
    candidates: list[Path] = []
    if java_home:
        candidates.append(java_home / "bin" / "java")
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path))
    found = []
    for java in candidates:
        if not java.exists():
            continue
        major = java_major_version(java)
        found.append(f"{java} ({major})")
        if major >= minimum_major:
            return java
    raise ServiceError(
        f"Java {minimum_major}+ is needed to run the local services; found "
        f"{', '.join(found) or 'none'}. Install it "
        "(Debian: apt-get install openjdk-17-jre-headless) "
        "or set services.java_home / JAVA_HOME."
    )


def java_major_version(java: Path) -> int:
    result = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """True when the whole process has exited and only its exit status is left.

    A multi-threaded process (a JVM) shows its leader thread as a zombie while the other
    threads are still tearing down, holding its sockets: it is a zombie only once its
    leader is the last task left.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z" and tasks == [str(pid)]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
