"""Watching and stopping the pipeline's job on Flink (the Java KafkaIO read).

While the job runs, ``newsmon run`` (the submitting process) reads where the consumer
group stands: the lag per partition goes to its metrics, and a drain run
(``--idle-timeout``) ends once the group has committed every partition to its end and
nothing new arrived for that long. Committed offsets are the right measure: the read
commits them only when a Flink checkpoint completes, after every stage has flushed what
came before it. A run ends, on a drain or on Ctrl-C / SIGTERM, by cancelling the Flink job
through Flink's REST API (``connectors/flink_rest.py``) and then Beam's job service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from apache_beam.runners.runner import PipelineResult

from newsmon.connectors.flink_rest import TERMINAL_STATES, FlinkJob, cancel_job, find_job, job_state, stop_job
from newsmon.connectors.metrics import CONSUMER_LAG

_LOG = logging.getLogger(__name__)

Offsets = Mapping[int, tuple[int, int]]
"""Per partition: (end offset, committed offset)."""


@dataclass
class DrainWatch:
    """Decides when a drain run is over: every partition committed to its end, and the
    offsets unchanged for ``idle_timeout_s``."""

    idle_timeout_s: float
    _seen: dict[int, tuple[int, int]] | None = field(default=None, init=False)
    _since: float = field(default=0.0, init=False)

    def drained(self, offsets: Offsets, now: float) -> bool:
        current = dict(offsets)
        caught_up = all(end <= committed for end, committed in current.values())
        if current != self._seen or not caught_up:
            self._seen = current
            self._since = now
            return False
        return now - self._since >= self.idle_timeout_s


def report_lag(topic: str, offsets: Offsets) -> None:
    for partition, (end, committed) in offsets.items():
        CONSUMER_LAG.labels(topic, str(partition)).set(max(0, end - committed))


@dataclass
class FlinkJobControl:
    """The submitted job: its Beam result and the unique name Flink knows it by."""

    result: PipelineResult
    job_name: str
    rest_endpoints: str
    stop_timeout_s: float = 60.0

    def stop(self) -> None:
        """Stop the Flink job for real: gracefully (its sources finish, a last savepoint
        commits the offsets, the job ends FINISHED), else cancelled after ``stop_timeout_s``."""
        job = find_job(self.rest_endpoints, self.job_name)
        if job is None:
            _LOG.warning(
                "Flink job %s not found at %s: it may still run (pipeline.flink.rest_endpoints)",
                self.job_name,
                self.rest_endpoints,
            )
            return
        if stop_job(job) and self._ended(job):
            return
        _LOG.warning("Flink job %s did not stop gracefully: cancelling it", job.job_id)
        if not (cancel_job(job) and self._ended(job)):
            _LOG.warning("Flink job %s not ended after its cancel", job.job_id)

    def _ended(self, job: FlinkJob) -> bool:
        deadline = time.monotonic() + self.stop_timeout_s
        while time.monotonic() < deadline:
            state = job_state(job)
            if state is None or state in TERMINAL_STATES:
                return True
            time.sleep(0.5)
        return False


def supervise(
    control: FlinkJobControl,
    read_offsets: Callable[[], Offsets],
    topic: str,
    idle_timeout_s: float | None,
    poll_s: float = 2.0,
) -> None:
    """Wait for the job, reporting the group's lag; stop it when drained (``idle_timeout_s``)
    or on KeyboardInterrupt (raised again after the stop). A job that fails raises."""
    outcome: list[BaseException | None] = []

    def wait() -> None:
        try:
            control.result.wait_until_finish()
            outcome.append(None)
        except BaseException as e:  # handed to the supervising thread
            outcome.append(e)

    waiter = threading.Thread(target=wait, name="newsmon-flink-job", daemon=True)
    waiter.start()
    watch = DrainWatch(idle_timeout_s) if idle_timeout_s is not None else None
    try:
        while waiter.is_alive():
            try:
                offsets = read_offsets()
            except Exception as e:  # Kafka unreachable for a moment: the job goes on
                _LOG.warning("could not read the consumer group's offsets: %r", e)
                offsets = {}
            report_lag(topic, offsets)
            if watch is not None and offsets and watch.drained(offsets, time.monotonic()):
                _LOG.info("drained: every partition committed to its end; stopping the Flink job")
                control.stop()
                _settle(control, waiter)
                break
            waiter.join(poll_s)
    except KeyboardInterrupt:
        _LOG.info("stopping the Flink job")
        control.stop()
        _settle(control, waiter)
        raise
    if outcome and outcome[0] is not None:
        raise outcome[0]


def _settle(control: FlinkJobControl, waiter: threading.Thread) -> None:
    """After a stop: let Beam's job service see the job end, else mark it cancelled there."""
    waiter.join(30)
    if waiter.is_alive():
        try:
            control.result.cancel()
        except Exception as e:  # the invocation may have ended meanwhile
            _LOG.debug("job service cancel: %r", e)
