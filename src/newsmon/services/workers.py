"""A pool of Beam SDK worker processes (``newsmon workers``) for Flink's EXTERNAL environments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from newsmon.exceptions import ServiceError
from newsmon.services.process import free_port, port_is_open, wait_until


@dataclass(frozen=True)
class WorkerPool:
    address: str  # host:port, the EXTERNAL environment_config
    pid: int  # the pool; its SDK workers are its child processes


@contextmanager
def worker_pool(port: int | None = None, timeout: float = 60.0) -> Iterator[WorkerPool]:
    """Run ``newsmon workers`` for the duration.

    The pool and the SDK workers it started are stopped together (one process group).
    """
    port = port or free_port()
    pool = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "workers", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if not wait_until(lambda: port_is_open("127.0.0.1", port) or pool.poll() is not None, timeout):
            raise ServiceError(f"the Beam worker pool did not open port {port} within {timeout:.0f}s")
        if pool.poll() is not None:
            raise ServiceError(f"the Beam worker pool exited with code {pool.returncode}")
        yield WorkerPool(f"127.0.0.1:{port}", pool.pid)
    finally:
        if pool.poll() is None:
            os.killpg(pool.pid, signal.SIGTERM)
            try:
                pool.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(pool.pid, signal.SIGKILL)
                pool.wait(timeout=10)
