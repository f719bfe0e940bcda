"""Which Beam runner executes the pipeline, and its options, from the settings.

- ``python``: Beam's local FnApiRunner, in this process (the default).
- ``flink``: Beam's portable Flink runner, through the job service of a Flink job server
  (``newsmon services up --flink`` starts a local one with an embedded Flink cluster).
- anything else: passed to Beam as ``--runner`` with ``pipeline.beam_args``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

from apache_beam.metrics import monitoring_infos
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.runner import PipelineRunner

from newsmon.settings import FlinkSettings, PipelineSettings


class FlinkExtraOptions(PipelineOptions):
    """Options of Beam's Flink runner that its Python SDK does not declare.

    Declared here so that the Python SDK passes them on to the job server (undeclared
    options are dropped with an "Unparseable argument" warning), where the Flink runner's
    options of the same names read them (``checkpointingInterval``, ...). Without
    checkpoints the portable Flink runner never finalizes bundles, and the Kafka source
    commits its offsets in a bundle finalizer.
    """

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--checkpointing_interval",
            type=int,
            default=None,
            help="Flink checkpoint interval in milliseconds (the Flink runner's own option).",
        )
        parser.add_argument(
            "--number_of_execution_retries",
            type=int,
            default=None,
            help="Flink: restarts of a failed job before it fails for good.",
        )
        parser.add_argument(
            "--finish_bundle_before_checkpointing",
            type=lambda value: value.lower() == "true",
            default=None,
            help="Flink: a checkpoint waits for the bundles in progress to finish.",
        )


def flink_args(
    flink: FlinkSettings, idle_timeout_s: float | None = None, job_name: str | None = None
) -> list[str]:
    """Pipeline options that submit to a Flink job server as a streaming job.

    ``job_name`` is the name Flink knows the job by (``newsmon run`` makes it unique, to
    find the job again through Flink's REST API). A drain run is ended from outside, once
    the group's offsets reached the end (``pipelines/flink_job.py``).
    """
    args = [
        "--runner=PortableRunner",
        f"--job_endpoint={flink.job_endpoint}",
        f"--environment_type={flink.environment_type}",
        "--streaming",
        f"--parallelism={flink.parallelism}",
        f"--checkpointing_interval={flink.checkpointing_interval_ms}",
        # Flink's default with checkpoints is to restart forever; a job whose SDK workers
        # are gone (the LOOPBACK submitter stopped) would then never end.
        f"--number_of_execution_retries={flink.restart_attempts}",
        # Otherwise a checkpoint keeps the elements of the bundle in progress in Flink's
        # state and completes at once: the read commits offsets of records no stage has
        # finished, which only a restore from that checkpoint would replay; a new run
        # (after a job server restart) would skip them.
        "--finish_bundle_before_checkpointing=true",
    ]
    if job_name:
        args.append(f"--job_name={job_name}")
    if flink.environment_type == "EXTERNAL":
        # One SDK worker process per parallel slot, not one shared by all of them.
        args.append(f"--sdk_worker_parallelism={flink.parallelism}")
    if flink.environment_config:
        args.append(f"--environment_config={flink.environment_config}")
    return args


def _consolidated_now(
    metrics: Iterable[Any], key: Callable[[Any], Any] = monitoring_infos.to_key
) -> list[Any]:
    """Beam's ``monitoring_infos.consolidate``, merged at once instead of lazily."""
    return list(monitoring_infos.consolidate(metrics, key))


def local_runner() -> PipelineRunner:
    """Beam's FnApiRunner, fit for a run that never ends.

    After each bundle the FnApiRunner (Beam 2.62) merges the bundle's monitoring infos into
    the stage's with a lazy generator that wraps the previous one: an unbounded read runs
    bundles forever, and the chain, with every bundle's protobufs, grows by one link each
    (about 100 KiB per article at the soak's rate). Merging at once keeps one info per
    metric and stage; the figures are the same.
    """
    fn_runner.consolidate_monitoring_infos = _consolidated_now  # type: ignore[attr-defined]
    return fn_runner.FnApiRunner()


def make_runner_and_options(
    pipeline: PipelineSettings, idle_timeout_s: float | None = None, job_name: str | None = None
) -> tuple[PipelineRunner | str, PipelineOptions]:
    """The Beam runner and options from the settings (``idle_timeout_s``: a drain run's;
    ``job_name``: the Flink job's).

    ``python`` selects Beam's FnApiRunner directly: the DirectRunner would first try to
    download the Prism binary, which fails on machines without internet access.
    """
    if pipeline.runner == "python":
        return local_runner(), PipelineOptions(pipeline.beam_args)
    if pipeline.runner == "flink":
        return "PortableRunner", PipelineOptions(
            [*flink_args(pipeline.flink, idle_timeout_s, job_name), *pipeline.beam_args]
        )
    options = PipelineOptions(["--runner", pipeline.runner, *pipeline.beam_args])
    return pipeline.runner, options
