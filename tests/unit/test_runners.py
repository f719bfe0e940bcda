"""Runner selection: the options each runner setting produces (no runner started)."""

import apache_beam
from apache_beam.options.pipeline_options import PortableOptions, StandardOptions

from newsmon.pipelines.runners import FlinkExtraOptions, make_runner_and_options
from newsmon.settings import FlinkSettings, LocalServicesSettings, PipelineSettings


def test_python_runner_is_the_local_fn_api_runner_without_a_runner_option() -> None:
    runner, options = make_runner_and_options(PipelineSettings())
    assert type(runner).__name__ == "FnApiRunner"
    assert options.view_as(StandardOptions).runner is None


def test_flink_runner_submits_to_the_job_server_with_checkpoints_that_reach_the_job() -> None:
    settings = PipelineSettings(
        runner="flink",
        flink=FlinkSettings(job_endpoint="10.0.0.5:8099", checkpointing_interval_ms=3000),
    )
    runner, options = make_runner_and_options(settings)
    assert runner == "PortableRunner"
    portable = options.view_as(PortableOptions)
    assert portable.job_endpoint == "10.0.0.5:8099"
    assert portable.environment_type == "LOOPBACK"
    assert options.view_as(StandardOptions).streaming
    flink = options.view_as(FlinkExtraOptions)
    assert flink.checkpointing_interval == 3000
    # The portable runner sends declared options only: these must be among them.
    sent = options.get_all_options(retain_unknown_options=False)
    assert sent["checkpointing_interval"] == 3000
    assert sent["number_of_execution_retries"] == 3
    # Checkpoints (so offset commits) wait until the stages finished their bundles.
    assert sent["finish_bundle_before_checkpointing"] is True


def test_flink_worker_pool_gets_one_worker_per_slot_and_the_job_its_unique_name() -> None:
    settings = PipelineSettings(
        runner="flink",
        flink=FlinkSettings(environment_type="EXTERNAL", environment_config="127.0.0.1:50000", parallelism=2),
    )
    _, options = make_runner_and_options(settings, idle_timeout_s=30, job_name="newsmon-g-1234")
    sent = options.get_all_options()
    assert sent["environment_config"] == "127.0.0.1:50000"
    assert int(sent["sdk_worker_parallelism"]) == 2  # declared as a string by Beam
    assert sent["parallelism"] == 2
    assert sent["job_name"] == "newsmon-g-1234"  # how newsmon run finds the job in Flink's REST API
    # Drain runs are ended from outside (pipelines/flink_job.py): no Flink option for them.
    assert "shutdown_sources_after_idle_ms" not in sent


def test_other_runners_get_the_runner_option_and_the_extra_arguments() -> None:
    settings = PipelineSettings(runner="DataflowRunner", beam_args=["--region=europe-west1"])
    runner, options = make_runner_and_options(settings)
    assert runner == "DataflowRunner"
    assert options.get_all_options()["region"] == "europe-west1"


def test_the_python_sdk_is_the_release_of_the_flink_job_server() -> None:
    # Beam supports a job server and SDK of one release; a skew only shows as odd failures.
    assert apache_beam.__version__ == LocalServicesSettings().flink_job_server_beam_version
