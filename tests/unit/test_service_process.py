"""Stopping a service waits for the whole process, not just its first thread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newsmon.services.process import _alive, port_is_open, wait_until

# A process whose leader thread exits while another thread keeps it running and its port
# listening: how a JVM looks for a moment while it shuts down.
_LEADER_EXITS_FIRST = (
    "import ctypes, socket, threading, time\n"
    "listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen()\n"
    "print(listener.getsockname()[1], flush=True)\n"
    "threading.Thread(target=time.sleep, args=(60,)).start()\n"
    "ctypes.CDLL(None).pthread_exit(None)\n"
)


def _leader_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]


def test_a_process_whose_leader_thread_exited_is_alive_while_its_threads_run() -> None:
    command = [sys.executable, "-c", _LEADER_EXITS_FIRST]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            assert wait_until(lambda: _leader_state(process.pid) == "Z", 10.0, 0.02)
            assert port_is_open("127.0.0.1", port)
            assert _alive(process.pid)
        finally:
            process.kill()
    assert not _alive(process.pid)


def test_an_exited_process_not_yet_reaped_is_not_alive() -> None:
    with subprocess.Popen([sys.executable, "-c", "pass"]) as process:
        assert wait_until(lambda: _leader_state(process.pid) == "Z", 10.0, 0.02)
        assert not _alive(process.pid)
