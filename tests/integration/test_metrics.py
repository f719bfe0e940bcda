"""What an operator sees: the running pipeline's /metrics, scraped during a run, agrees
with what was produced, indexed, dead-lettered and alerted on; `newsmon services status`
shows the lag and what was indexed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx2
from prometheus_client.parser import text_string_to_metric_families

from newsmon.services.process import free_port, wait_until
from newsmon.settings import AlertSettings
from tests.helpers import real_article_lines
from tests.integration.conftest import World, pipeline_process

POISON = [b"{", b"[1]", b'{"body": "x", "published_at": "9999-12-31T00:00:00Z"}']


def _scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx2.get(url, timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, sample_labels), value in samples.items()
        if sample == name and labels.items() <= dict(sample_labels).items()
    )


def test_metrics_of_a_running_pipeline_match_what_happened(world: World, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: every-article\n    when: {language: en}\n")
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    port = free_port()
    world.extra_env = {"NEWSMON_METRICS__PORT": str(port)}
    url = f"http://127.0.0.1:{port}/metrics"
    topic, index = world.settings.kafka.articles_topic, world.settings.search.articles_index
    articles = real_article_lines(20)
    world.produce(articles[:10])
    world.produce(POISON)
    world.produce(articles[10:])

    with pipeline_process(world) as process:

        def caught_up() -> bool:
            assert process.poll() is None, "the pipeline ended"
            try:
                samples = _scrape(url)
            except httpx2.HTTPError:
                return False
            return (
                _total(samples, "newsmon_records_read_total", topic=topic) == 23
                and _total(samples, "newsmon_documents_indexed_total", index=index) == 20
                and _total(samples, "newsmon_consumer_lag", topic=topic) == 0
                # Observed when the bundle's offsets are committed, after its outputs.
                and _total(samples, "newsmon_bundle_seconds_count") >= 1
            )

        assert wait_until(caught_up, timeout=240, interval=1), "the metrics never showed the run"
        samples = _scrape(url)
        world.engine.refresh(world.settings.search.alerts_index)
        alerts = world.engine.count(world.settings.search.alerts_index)
        statuses: list[subprocess.CompletedProcess[str]] = []

        def status_shows_the_run() -> bool:
            # What was indexed shows once the engine refreshed (1 s): ask until it does.
            statuses.append(
                subprocess.run(
                    [sys.executable, "-m", "newsmon", "services", "status"],
                    env=world.env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
            )
            return "indexed  20 in the last 5 min" in statuses[-1].stdout

        shown = wait_until(status_shows_the_run, timeout=60, interval=1)
        status = statuses[-1]

    assert world.count() == 20
    assert _total(samples, "newsmon_articles_total", stage="parse") == 20
    assert _total(samples, "newsmon_articles_total", stage="enrich") == 20
    assert _total(samples, "newsmon_dead_letters_total", stage="parse") == 3
    reasons = {dict(labels)["reason"] for (name, labels) in samples if name == "newsmon_dead_letters_total"}
    assert {"not JSON", "expected a JSON object, got list", "invalid article"} <= reasons
    assert _total(samples, "newsmon_alerts_fired_total", rule="every-article") == alerts > 0
    assert _total(samples, "newsmon_stage_seconds_count", stage="enrich") >= 1
    assert _total(samples, "newsmon_enrich_seconds_per_article_count") == 20
    assert _total(samples, "newsmon_bundle_seconds_count") >= 1
    partitions = {dict(labels)["partition"] for (name, labels) in samples if name == "newsmon_consumer_lag"}
    assert partitions == {str(p) for p in range(world.settings.kafka.partitions)}

    assert status.returncode == 0, status.stdout + status.stderr
    assert shown, status.stdout
    assert "lag      0 (p0=0 p1=0 p2=0)" in status.stdout, status.stdout
