"""The ``newsmon`` command line."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from newsmon.exceptions import NewsmonError
from newsmon.settings import Settings, load_settings

if TYPE_CHECKING:
    from newsmon.connectors.kafka import IngestReport

app = typer.Typer(help="newsmon: streaming news monitoring.", no_args_is_help=True, add_completion=False)
services_app = typer.Typer(help="Local Kafka and search engine (no Docker needed).", no_args_is_help=True)
app.add_typer(services_app, name="services")
alerts_app = typer.Typer(help="Alert rules and digests.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
feeds_app = typer.Typer(help="RSS/Atom feeds into Kafka.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


def _settings() -> Settings:
    return load_settings()


def _configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    # Beam and kafka-python are chatty at INFO.
    for noisy in ("apache_beam", "kafka", "opensearch", "elastic_transport", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@services_app.command("up")
def services_up(
    flink: Annotated[
        bool, typer.Option(help="Also start Beam's Flink job server (for pipeline.runner: flink)")
    ] = False,
) -> None:
    """Start the local Kafka and OpenSearch (or check the external ones). Idempotent."""
    from newsmon.services.manager import ServicesManager

    for message in ServicesManager(_settings()).up(flink=flink):
        typer.echo(message)


@services_app.command("down")
def services_down() -> None:
    """Stop the background pipeline and the local services. Data stays in the state folder."""
    from newsmon.services.manager import ServicesManager

    for message in ServicesManager(_settings()).down():
        typer.echo(message)


@services_app.command("status")
def services_status() -> None:
    """Show whether Kafka, the search engine and the background pipeline run."""
    from newsmon.services.manager import ServicesManager

    settings = _settings()
    statuses = ServicesManager(settings).status()
    for status in statuses:
        typer.echo(f"{status.name:9} {'up' if status.running else 'down':5} {status.detail}")
    if not all(s.running for s in statuses if s.name in ("kafka", "search")):
        raise typer.Exit(1)
    typer.echo(_flow(settings))


def _flow(settings: Settings) -> str:
    """Consumer lag per partition and what was indexed in the last 5 minutes."""
    from datetime import UTC, datetime, timedelta

    from newsmon.connectors.kafka import partition_lags
    from newsmon.connectors.search import connect_search_engine

    lags = partition_lags(settings.kafka)
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    recent = {"range": {"indexed_at": {"gte": since}}}
    with connect_search_engine(settings.search) as engine:
        indexed = engine.count(settings.search.articles_index, recent)  # 0 without the index
    per_partition = " ".join(f"p{p}={lag}" for p, lag in lags.items()) or "no partitions"
    return (
        f"lag      {sum(lags.values())} ({per_partition}) topic={settings.kafka.articles_topic} "
        f"group={settings.kafka.consumer_group}\n"
        f"indexed  {indexed} in the last 5 min ({indexed / 300:.2f}/s) into {settings.search.articles_index}"
    )


@app.command()
def init(
    wait: Annotated[float, typer.Option(help="Seconds to wait for Kafka and the engine")] = 0,
) -> None:
    """Create the Kafka topics and install the index templates."""
    settings = _settings()
    if wait > 0:
        from newsmon.services.manager import ServicesManager
        from newsmon.services.process import wait_until

        manager = ServicesManager(settings)
        if not wait_until(lambda: all(s.running for s in manager.status()[:2]), wait, 2.0):
            raise NewsmonError(f"Kafka or the search engine did not answer within {wait:.0f}s")
    _init(settings)


def _init(settings: Settings) -> None:
    from newsmon.connectors.kafka import ensure_topics
    from newsmon.connectors.search import connect_search_engine, install_index_templates

    created = ensure_topics(settings.kafka)
    typer.echo(f"topics ready ({'created ' + ', '.join(created) if created else 'already there'})")
    with connect_search_engine(settings.search) as engine:
        info = engine.info()
        names = install_index_templates(engine, settings.search)
        typer.echo(f"index templates {', '.join(names)} installed on {info.distribution} {info.version}")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines, one article a line")],
    limit: Annotated[int | None, typer.Option(help="Send at most this many lines")] = None,
    topic: Annotated[str | None, typer.Option(help="Topic (default: kafka.articles_topic)")] = None,
) -> None:
    """Produce articles from a JSON-lines file into Kafka, keyed by article id (acks=all)."""
    settings = _settings()
    report = _ingest(settings, file, limit, topic)
    typer.echo(
        f"produced {report.produced} messages to {topic or settings.kafka.articles_topic} "
        f"({report.invalid} invalid: the pipeline will dead-letter them)"
    )


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL or CSV archive")],
    rate: Annotated[
        float | None, typer.Option(help="Articles per second (default: as fast as possible)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Send at most this many")] = None,
    csv_columns: Annotated[
        str | None, typer.Option(help="CSV field names in order, e.g. label,body (default: header row)")
    ] = None,
    delimiter: Annotated[str, typer.Option(help="CSV delimiter")] = ",",
    quotechar: Annotated[str, typer.Option(help="CSV quote character")] = '"',
) -> None:
    """Replay an archive into the articles topic at a chosen rate, for backfills and load tests."""
    import itertools
    import time
    from collections.abc import Iterable

    from tqdm import tqdm

    from newsmon.connectors.file_ingest import ingest_lines, paced, read_csv, read_lines
    from newsmon.connectors.kafka import make_producer

    settings = _settings()
    records: Iterable[bytes]
    if file.suffix.lower() == ".csv":
        columns = csv_columns.split(",") if csv_columns else None
        records = itertools.islice(read_csv(file, columns, delimiter, quotechar), limit)
    else:
        records = read_lines(file, limit)
    producer = make_producer(settings.kafka)
    started = time.monotonic()
    try:
        with tqdm(total=limit, unit="article", desc="replay", file=sys.stderr) as bar:
            report = ingest_lines(paced(records, rate), producer, settings.kafka.articles_topic, bar.update)
    finally:
        producer.close()
    elapsed = time.monotonic() - started
    per_second = report.produced / max(elapsed, 1e-9)
    typer.echo(
        f"replayed {report.produced} articles in {elapsed:.1f} s ({per_second:.1f}/s) to "
        f"{settings.kafka.articles_topic}; {report.invalid} invalid (the pipeline will dead-letter them)"
    )


def _ingest(
    settings: Settings, file: Path, limit: int | None, topic: str | None, event_time: bool = False
) -> IngestReport:
    from tqdm import tqdm

    from newsmon.connectors.file_ingest import in_event_time, ingest_lines, read_lines
    from newsmon.connectors.kafka import make_producer

    producer = make_producer(settings.kafka)
    lines = read_lines(file, limit)
    try:
        with tqdm(total=limit, unit="article", desc="ingest", file=sys.stderr) as bar:
            return ingest_lines(
                in_event_time(lines) if event_time else lines,
                producer,
                topic or settings.kafka.articles_topic,
                on_sent=lambda: bar.update(1),
            )
    finally:
        producer.close(timeout=10)


@app.command()
def run(
    idle_timeout: Annotated[
        float | None, typer.Option(help="Stop once every partition was idle this many seconds")
    ] = None,
    share: Annotated[
        str | None,
        typer.Option(
            help="K/N: read the K-th of N shares of the partitions (run N processes). Default: pipeline.share"
        ),
    ] = None,
    group: Annotated[
        bool, typer.Option(help="Join the consumer group: Kafka assigns the partitions (pipeline.assignment)")
    ] = False,
    label: Annotated[str | None, typer.Option(hidden=True, help="Marker for the services manager")] = None,
    replay: Annotated[
        bool,
        typer.Option(
            help="An archive replayed as if live: windowed rules (bursts, spikes, first-seen, "
            "breaking news) count articles of any age (alerts.allowed_lateness_minutes off)"
        ),
    ] = False,
    verbose: bool = False,
) -> None:
    """Run the streaming pipeline (Kafka -> parse -> index) until stopped."""
    from newsmon.pipelines.streaming import run_pipeline

    _configure_logging(verbose)
    # `services down` and supervisors stop with SIGTERM: cancel the job as on Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = _settings()
    if share is not None:
        try:
            pipeline = settings.pipeline.model_validate({**settings.pipeline.model_dump(), "share": share})
        except ValidationError as e:
            raise typer.BadParameter(e.errors()[0]["msg"], param_hint="--share") from e
        settings = settings.model_copy(update={"pipeline": pipeline})
    if group:
        settings = settings.model_copy(
            update={"pipeline": settings.pipeline.model_copy(update={"assignment": "group"})}
        )
    if replay:
        alerts = settings.alerts.model_copy(update={"allowed_lateness_minutes": None})
        settings = settings.model_copy(update={"alerts": alerts})
    if settings.metrics.port:
        from newsmon.connectors.metrics import serve_metrics

        part, _ = settings.pipeline.share_of_partitions
        serve_metrics(settings.metrics.port + part - 1, settings.metrics.host)
    try:
        summary = run_pipeline(settings, idle_timeout_s=idle_timeout)
    except KeyboardInterrupt:
        typer.echo("pipeline stopped")
        return
    typer.echo(f"pipeline finished: {summary}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: api.host")] = None,
    port: Annotated[int | None, typer.Option(help="Default: api.port")] = None,
    label: Annotated[str | None, typer.Option(hidden=True, help="Marker for the services manager")] = None,
) -> None:
    """Run the desk: dashboard at /, API under /api (OpenAPI at /docs). Writes need NEWSMON_API__TOKEN."""
    import uvicorn

    from newsmon.api.app import create_app

    _configure_logging()
    settings = _settings()
    uvicorn.run(create_app(settings), host=host or settings.api.host, port=port or settings.api.port)


@alerts_app.command("rules")
def alerts_rules() -> None:
    """List every rule (files and API) and the refused ones with their problems."""
    from newsmon.connectors.search import connect_search_engine
    from newsmon.connectors.stores.rules import RuleStore

    settings = _settings()
    with connect_search_engine(settings.search) as engine:
        stored, errors = RuleStore(engine, settings.search.rules_index, settings.alerts).all()
    for item in stored:
        state = "on " if item.rule.enabled else "off"
        typer.echo(f"{state} {item.rule.kind:10} {item.origin:4} {item.rule.id}  {item.rule.name}")
    for error in errors:
        typer.echo(f"REFUSED {error.file} {error.rule_id}: {error.problem}", err=True)


@alerts_app.command("digest")
def alerts_digest() -> None:
    """Send the digests that are due now (the pipeline does this by itself every 30 s)."""
    from newsmon.connectors.digests import DigestSender
    from newsmon.connectors.search import connect_search_engine
    from newsmon.connectors.stores.rules import RuleStore

    _configure_logging()
    settings = _settings()
    with connect_search_engine(settings.search) as engine:
        rules = [s.rule for s in RuleStore(engine, settings.search.rules_index, settings.alerts).all()[0]]
        for result in DigestSender(settings, engine).send_due(rules):
            typer.echo(f"{result.channel}: {'sent' if result.ok else 'FAILED ' + str(result.error)}")


@feeds_app.command("run")
def feeds_run(
    once: Annotated[bool, typer.Option(help="Poll every feed once, then stop")] = False,
) -> None:
    """Poll the feeds of configs/feeds.yaml (feeds.file) into the articles topic."""
    import signal
    import threading

    from newsmon.connectors.feeds import FeedPoller, FeedStateFile, load_feeds
    from newsmon.connectors.kafka import article_sender, make_producer
    from newsmon.settings import packaged_config_dir

    _configure_logging()
    settings = _settings()
    feeds = load_feeds(settings.feeds.file or packaged_config_dir() / "feeds.yaml")
    if not feeds:
        raise NewsmonError(
            "no feeds configured: add some to configs/feeds.yaml or point NEWSMON_FEEDS__FILE at yours"
        )
    producer = make_producer(settings.kafka)
    send = article_sender(producer, settings.kafka.articles_topic)
    poller = FeedPoller(feeds, FeedStateFile(settings.feeds.state_file), send, settings.feeds.timeout_s)
    try:
        if once:
            for report in (poller.poll(feed) for feed in feeds):
                typer.echo(
                    f"{report.url}: {report.new} new" + (f", error: {report.error}" if report.error else "")
                )
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            poller.run(stop)
        except KeyboardInterrupt:
            stop.set()
    finally:
        producer.close()


@app.command()
def workers(
    port: Annotated[int, typer.Option(help="Port of the worker pool (environment_config host:port)")] = 50000,
    metrics_ports: Annotated[
        str | None,
        typer.Option(
            help="first-last: each SDK worker serves /metrics on a free one. Default: metrics.worker_ports"
        ),
    ] = None,
) -> None:
    """Run a pool of Beam SDK workers for ``pipeline.runner: flink`` with EXTERNAL environments.

    Flink asks the pool for one worker process per parallel slot; each runs the Python
    stages (spaCy included) on its own core and serves its Prometheus metrics.
    """
    from newsmon.connectors.metrics import WORKER_PORTS_VARIABLE

    settings = _settings()
    # The pool starts each worker as `python -m ...` from PATH: make it this environment's.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    ports = metrics_ports or settings.metrics.worker_ports
    if ports:
        env[WORKER_PORTS_VARIABLE] = f"{settings.metrics.host}:{ports}"
    command = [sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main", f"--service_port={port}"]
    typer.echo(f"Beam worker pool on port {port} (stop with Ctrl-C)")
    os.execve(sys.executable, command, env)  # noqa: S606 - our own interpreter, fixed arguments


@app.command()
def enrich(
    input_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON-lines articles")],
    output_file: Annotated[Path, typer.Argument(dir_okay=False, help="JSON-lines enriched articles")],
    limit: Annotated[int | None, typer.Option(help="Enrich at most this many articles")] = None,
) -> None:
    """Run the enrichment stages on a file, without Kafka or the search engine.

    Invalid lines are reported on stderr with their line number and skipped; the output
    holds one enriched article a line (schema: docs/schema.md).
    """
    from tqdm import tqdm

    from newsmon.connectors.file_ingest import enrich_file

    settings = _settings()
    with tqdm(total=limit, unit="article", desc="enrich", file=sys.stderr) as bar:
        report = enrich_file(settings.nlp, input_file, output_file, limit, on_done=lambda: bar.update(1))
    for line_number, reason in report.invalid:
        typer.echo(f"line {line_number}: {reason}", err=True)
    typer.echo(
        f"enriched {report.enriched} articles into {output_file} ({len(report.invalid)} invalid lines)"
    )


@app.command("eval")
def evaluate(
    what: Annotated[
        str,
        typer.Argument(
            help="ner, quotes, speakers, topics, canonical, languages, detection, duplicates, breaking, "
            "headlines or all"
        ),
    ] = "all",
    data: Annotated[Path, typer.Option(help="Folder of the real annotated data")] = Path("../shared/data"),
    baseline: Annotated[bool, typer.Option(help="Also run textacy's quote baseline")] = True,
    polnear_split: Annotated[
        str, typer.Option(help="PolNeAR split for quotes: dev (tuned on) or train (a wider check)")
    ] = "dev",
) -> None:
    """Measure extraction quality on real annotated data and print the figures."""
    from newsmon.evaluation import run

    settings = _settings()
    jobs = {
        "ner": lambda: run.run_ner(settings.nlp, data),
        "quotes": lambda: run.run_quotes(settings.nlp, data, baseline, polnear_split),
        "speakers": lambda: run.run_speakers(settings.nlp, data),
        "topics": lambda: run.run_topics(settings.nlp, data),
        "canonical": lambda: run.run_canonical(settings.nlp, data),
        "languages": lambda: run.run_languages(settings.nlp, data),
        "detection": lambda: run.run_detection(data),
        "duplicates": lambda: run.run_duplicates(settings.dedup.threshold, data),
        "headlines": lambda: run.run_headlines(data),
        "breaking": lambda: run.run_breaking(settings.nlp, data, settings.dedup.story_window_hours),
    }
    if what != "all" and what not in jobs:
        raise NewsmonError(f"unknown evaluation {what!r}: choose from {', '.join(jobs)} or all")
    for name, job in jobs.items():
        if what in ("all", name):
            typer.echo(job())
            typer.echo("")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for (simple query syntax)")],
    size: int = 10,
) -> None:
    """Full-text search of the indexed articles."""
    from newsmon.connectors.search import connect_search_engine

    settings = _settings()
    with connect_search_engine(settings.search) as engine:
        response = engine.search(
            settings.search.articles_index,
            {
                "query": {"simple_query_string": {"query": query, "fields": ["title^2", "body"]}},
                "size": size,
                "_source": ["title", "source", "published_at", "url"],
            },
        )
    hits = response["hits"]
    total = hits["total"]["value"] if isinstance(hits["total"], dict) else hits["total"]
    typer.echo(f"{total} articles match {query!r}")
    for hit in hits["hits"]:
        doc = hit["_source"]
        typer.echo(f"- {doc.get('published_at', '?')[:10]} {doc.get('source') or '?'}: {doc.get('title')}")


@app.command()
def demo(
    file: Annotated[
        Path | None, typer.Option(help="Articles to feed (default: settings.sample_file)")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many articles to feed")] = 100,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for them to be searchable")] = 300.0,
) -> None:
    """Start everything locally, feed real articles, run the pipeline, leave them searchable."""
    from newsmon.connectors.kafka import consumer_lag
    from newsmon.connectors.search import connect_search_engine
    from newsmon.services.manager import ServicesManager
    from newsmon.services.process import wait_until

    settings = _settings()
    sample = file or settings.sample_file
    if not sample.exists():
        raise NewsmonError(
            f"sample file {sample} not found: pass --file with a JSON-lines file of articles "
            "(fields: title, body or text, url, source, published_at)"
        )
    manager = ServicesManager(settings)
    for message in manager.up():
        typer.echo(message)
    _init(settings)
    report = _ingest(settings, sample, limit, None, event_time=True)
    typer.echo(f"produced {report.produced} articles from {sample}")
    # The sample is an archive: fed in publication order and replayed as if live, so that
    # bursts and breaking stories alert on its own timeline.
    pid = manager.start_pipeline(["--replay"])
    typer.echo(f"pipeline running in the background (pid {pid}, log {manager.pipeline.log_file})")
    caught_up = wait_until(
        lambda: consumer_lag(settings.kafka) == 0 or not manager.pipeline.is_running(),
        timeout,
        interval=1.0,
    )
    if not manager.pipeline.is_running():
        raise NewsmonError(
            f"the pipeline stopped; see {manager.pipeline.log_file}:\n{manager.pipeline.log_tail()}"
        )
    if not caught_up:
        raise NewsmonError(
            f"the pipeline did not catch up within {timeout:.0f}s; see {manager.pipeline.log_file}"
        )
    with connect_search_engine(settings.search) as engine:
        for index in (settings.search.articles_index, settings.search.alerts_index):
            engine.refresh(index)
        count = engine.count(settings.search.articles_index)
        alerts = engine.count(settings.search.alerts_index)
    manager.start_desk()
    desk_url = f"http://{settings.api.host}:{settings.api.port}/"
    index_url = f"{settings.search.url.rstrip('/')}/{settings.search.articles_index}"
    alerts_url = f"{settings.search.url.rstrip('/')}/{settings.search.alerts_index}"
    typer.echo(
        "\n".join(
            [
                "",
                f"{count} articles are searchable in {index_url}",
                "Search them:",
                "  .venv/bin/newsmon search 'Putin summit'",
                f"  curl '{index_url}/_search?q=title:Putin&pretty'",
                f"{alerts} alerts from the rules in configs/rules: curl '{alerts_url}/_search?pretty'",
                f"The desk (dashboard, API): {desk_url}   (rule edits need NEWSMON_API__TOKEN)",
                "Feed more (the pipeline keeps running): .venv/bin/newsmon ingest FILE.jsonl",
                "Status: .venv/bin/newsmon services status",
                "Stop everything: .venv/bin/newsmon services down   (or: make down)",
            ]
        )
    )


def main() -> None:
    """Entry point of the ``newsmon`` console script: errors as one clear line, exit 1."""
    try:
        app()
    except NewsmonError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
