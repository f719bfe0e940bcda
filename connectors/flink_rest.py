"""Flink's REST API, for what Beam's job service does not do: stop a job for real.

Beam's job service answers a cancel by marking the job cancelled; on the local job server
(an embedded Flink cluster per job) the Flink job goes on reading and writing. ``newsmon
run`` therefore also cancels its job, found by its unique name, through Flink's REST API:
on the local job server each job's cluster serves it on a port of a fixed range, on a
cluster the JobManager does.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

_LOG = logging.getLogger(__name__)
_TIMEOUT_S = 2.0
TERMINAL_STATES = frozenset({"FINISHED", "CANCELED", "FAILED"})


@dataclass(frozen=True)
class FlinkJob:
    base_url: str
    job_id: str
    name: str
    state: str


def rest_urls(endpoints: str) -> list[str]:
    """``host:port`` or ``host:first-last`` as the base URLs of Flink's REST API."""
    host, _, ports = endpoints.strip().rpartition(":")
    if not host or not ports:
        raise ValueError(f"Flink REST endpoints {endpoints!r}: expected host:port or host:first-last")
    first, _, last = ports.partition("-")
    start, end = int(first), int(last or first)
    if not 0 < start <= end < 65536 or end - start > 200:
        raise ValueError(f"Flink REST endpoints {endpoints!r}: a port range of at most 200 ports")
    scheme = "" if host.startswith(("http://", "https://")) else "http://"
    return [f"{scheme}{host}:{port}" for port in range(start, end + 1)]


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:  # noqa: S310 - our settings
        return json.loads(response.read())


def list_jobs(endpoints: str) -> list[FlinkJob]:
    """Every job the REST endpoints know, oldest first."""
    found: list[tuple[int, FlinkJob]] = []
    for base in rest_urls(endpoints):
        try:
            overview = _get(f"{base}/jobs/overview")
        except (urllib.error.URLError, OSError, ValueError):
            continue  # nothing listens there (the range is probed)
        if not isinstance(overview, dict):
            continue
        for job in overview.get("jobs", []):
            if isinstance(job, dict) and "jid" in job:
                name, state = str(job.get("name", "")), str(job.get("state", ""))
                found.append((int(job.get("start-time", 0)), FlinkJob(base, str(job["jid"]), name, state)))
    return [job for _, job in sorted(found, key=lambda pair: pair[0])]


def find_job(endpoints: str, name: str) -> FlinkJob | None:
    """The newest job called ``name`` on any of the REST endpoints, or None."""
    named = [job for job in list_jobs(endpoints) if job.name == name]
    return named[-1] if named else None


def cancel_job(job: FlinkJob) -> bool:
    """Ask Flink to cancel ``job``; True when Flink accepted (or the job already ended)."""
    url = f"{job.base_url}/jobs/{job.job_id}?mode=cancel"
    return _ask(job, "cancel", urllib.request.Request(url, method="PATCH"))  # noqa: S310 - our settings


def stop_job(job: FlinkJob) -> bool:
    """Ask Flink to stop ``job`` gracefully: its sources finish, a last savepoint completes
    (so the read commits its offsets), the job ends FINISHED. True when Flink accepted.
    Needs a savepoint directory in the cluster's configuration (``state.savepoints.dir``)."""
    request = urllib.request.Request(  # noqa: S310 - built from our settings
        f"{job.base_url}/jobs/{job.job_id}/stop",
        data=json.dumps({"drain": True}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    return _ask(job, "stop", request)


def _ask(job: FlinkJob, what: str, request: urllib.request.Request) -> bool:
    """Send ``request`` about ``job``; True when Flink accepted it (or the job already ended)."""
    if job.state in TERMINAL_STATES:
        return True
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:  # noqa: S310
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError) as e:
        _LOG.warning("Flink did not take the %s of job %s: %r", what, job.job_id, e)
        return False


def job_state(job: FlinkJob) -> str | None:
    """The job's state now, or None when its endpoint is gone (its cluster ended)."""
    try:
        details = _get(f"{job.base_url}/jobs/{job.job_id}")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return str(details.get("state")) if isinstance(details, dict) else None
