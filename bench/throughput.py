"""End-to-end throughput beside bare spaCy, in one run: real articles through Kafka, the
whole streaming pipeline (parse, duplicates, NLP, stories, index, alerts) into the real
search engine, against spaCy's ``nlp.pipe`` alone on the same texts with the same model
(the floor of our cost). Also with 2 local processes sharing the partitions, on Flink
with 1 and 2 parallel slots, and peak RSS.

    .venv/bin/python -m bench.throughput [--articles 200] [--corpus PATH] \
        [--runners local local:2 flink:1 flink:2] [--repeat N]

The pipeline is warmed up before the clock starts: one article per partition waits in
the topic when it starts (spaCy loaded in every worker), then ``--warm-up`` more
articles go through it (the search engine's and the broker's JVMs compiled, the read's
bundle size measured: a steady state, not a just-started service); then the whole batch
is produced at once, round robin over the 4 partitions, and the clock stops when the
last article is searchable: a backlog drained at full speed. Right before each run, bare
spaCy is measured again in as many processes as the run has workers, and the run's ratio
is to that floor ("x spaCy"). The pipeline runs the model without its attribute ruler
and lemmatizer (``newsmon.nlp.verbs``), so a second floor leaves them out too; "x same",
the ratio to it, shows what everything the pipeline adds costs beside the spaCy it runs.
``--repeat N`` measures each runner N times and prints the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import spacy

from bench.harness import SHARED_DATA, BenchWorld, bench_world, valid_articles
from newsmon.connectors.kafka import make_producer
from newsmon.models.article import parse_article
from newsmon.nlp.verbs import REPLACED_COMPONENTS
from newsmon.services.manager import ServicesManager
from newsmon.services.process import wait_until
from newsmon.services.workers import worker_pool
from newsmon.settings import NlpSettings, load_settings

DEFAULT_CORPUS = SHARED_DATA / "reuters21578" / "reuters21578.jsonl"
# The bench topic's partitions: 1, 2 and 4 processes or slots get even shares.
PARTITIONS = 4


def bare_spacy(
    texts: list[str], settings: NlpSettings, processes: int = 1, disable: tuple[str, ...] = ()
) -> tuple[float, float]:
    """Articles/s of spaCy alone (same model, texts, batch size, length cap) in ``processes``
    processes (``nlp.pipe(n_process=...)``), and the CPU seconds per article of them all.
    ``disable``: model components left out (the pipeline runs without some)."""
    nlp = spacy.load(settings.model, disable=list(disable))
    capped = [t[: settings.max_characters] for t in texts]
    list(nlp.pipe(capped[:5]))  # warm
    started, cpu = time.perf_counter(), _own_and_children_cpu()
    for _ in nlp.pipe(capped, batch_size=settings.batch_size, n_process=processes):
        pass
    return len(texts) / (time.perf_counter() - started), (_own_and_children_cpu() - cpu) / len(texts)


def _own_and_children_cpu() -> float:
    """CPU seconds of this process and of its ended children (``nlp.pipe``'s worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _peak_rss_mib(pid: int) -> float:
    return _status_mib(pid, "VmHWM:")


def _rss_mib(pid: int) -> float:
    """The resident memory of a process now."""
    return _status_mib(pid, "VmRSS:")


def _status_mib(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass  # the process ended
    return float("nan")


def _stats(pid: int) -> dict[int, list[str]]:
    """``/proc/<pid>/stat`` fields (after the command name) of a process and its live children."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or int(fields[1]) == pid:
            found[int(stat.parent.name)] = fields
    return found


def _cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a process and its live child processes have used so far."""
    if pid is None:
        return 0.0
    ticks = sum(int(fields[11]) + int(fields[12]) for fields in _stats(pid).values())
    return ticks / os.sysconf("SC_CLK_TCK")


def _runner_kind(runner: str) -> tuple[str, int]:
    """("local", N) or ("flink", N) of ``local``, ``local:N`` or ``flink:N``."""
    kind, _, count = runner.partition(":")
    if kind not in ("local", "flink") or not (count.isdigit() or (kind == "local" and count == "")):
        raise SystemExit(f"unknown runner {runner!r}: use local, local:N or flink:N")
    return kind, int(count or 1)


@contextmanager
def _runner_processes(world: BenchWorld, runner: str) -> Iterator[dict[str, int | None]]:
    """Point the world's pipeline at ``runner``; start what it needs; their pids by role."""
    kind, slots = _runner_kind(runner)
    if kind == "local":
        yield {}
        return
    manager = ServicesManager(load_settings())
    started_here = not manager.flink.process.is_running()
    manager.up(flink=True)
    try:
        with worker_pool() as pool:
            world.env.update(
                {
                    "NEWSMON_PIPELINE__RUNNER": "flink",
                    "NEWSMON_PIPELINE__FLINK__PARALLELISM": str(slots),
                    "NEWSMON_PIPELINE__FLINK__ENVIRONMENT_TYPE": "EXTERNAL",
                    "NEWSMON_PIPELINE__FLINK__ENVIRONMENT_CONFIG": pool.address,
                }
            )
            yield {"SDK workers": pool.pid, "Flink": manager.flink.process.pid()}
    finally:
        # The job server holds 1 GB: stop it if this run started it.
        if started_here:
            manager.flink.stop()


def _worker_pids(pipeline_pids: list[int], extra: dict[str, int | None]) -> list[int]:
    """The processes whose peak RSS is 'per worker': the pipelines' own, or the SDK workers."""
    pool = extra.get("SDK workers")
    if pool is None:
        return pipeline_pids
    return [pid for pid in _stats(pool) if pid != pool] or pipeline_pids


def _start_pipelines(world: BenchWorld, runner: str) -> list[subprocess.Popen[bytes]]:
    """One pipeline process, or N for ``local:N`` (each reading its share of the partitions)."""
    kind, count = _runner_kind(runner)
    if count == 1 or kind == "flink":
        return [world.start_pipeline()]
    return [world.start_pipeline(None, "--share", f"{k}/{count}") for k in range(1, count + 1)]


def _stop(pipelines: list[subprocess.Popen[bytes]]) -> None:
    for pipeline in pipelines:
        pipeline.terminate()  # stops a Flink job too
    for pipeline in pipelines:
        try:
            pipeline.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pipeline.kill()
            pipeline.wait(timeout=30)


def pipeline_run(
    warm: list[bytes], lines: list[bytes], runner: str
) -> tuple[float, float, int, dict[str, float]]:
    """Articles/s of the whole pipeline draining a backlog of ``lines``, its peak RSS (MiB)
    per worker, copies found, and the CPU seconds per article of each process taking part.

    ``runner``: ``local`` (Beam's local runner in one process), ``local:N`` (N such
    processes, each reading its share of the partitions) or ``flink:N`` (the local Flink
    job server with N parallel slots, each with its own SDK worker process). ``warm`` holds
    one article per partition, then the warm-up's, all indexed before the clock starts.
    """
    with bench_world(partitions=PARTITIONS) as world, _runner_processes(world, runner) as extra_pids:
        topic = world.kafka.articles_topic
        producer = make_producer(world.kafka, linger_ms=5)

        def produce(articles: list[bytes]) -> None:
            """Round robin over the partitions: every share gets the same number of articles."""
            for i, raw in enumerate(articles):
                producer.send(topic, key=parse_article(raw).id.encode(), value=raw, partition=i % PARTITIONS)
            producer.flush()

        # One article per partition waits in the topic when the pipeline starts: they load
        # the models of every worker.
        produce(warm[:PARTITIONS])
        pipelines = _start_pipelines(world, runner)
        try:
            assert wait_until(lambda: world.indexed() >= PARTITIONS, 240, 0.5), "pipeline did not start"
            produce(warm[PARTITIONS:])
            assert wait_until(lambda: world.indexed() >= len(warm), 600, 0.25), "warm-up did not drain"
            services = ServicesManager(load_settings())
            names = (
                ["pipeline"]
                if len(pipelines) == 1
                else [f"pipeline {k}" for k in range(1, len(pipelines) + 1)]
            )
            pids: dict[str, int | None] = {
                **{name: p.pid for name, p in zip(names, pipelines, strict=True)},
                **extra_pids,
                "search engine": services.opensearch.process.pid(),
                "broker": services.kafka.process.pid(),
            }
            cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
            started = time.perf_counter()
            produce(lines)
            producer.close()
            total = len(warm) + len(lines)
            assert wait_until(lambda: world.indexed() >= total, 1800, 0.25), "pipeline did not drain"
            elapsed = time.perf_counter() - started
            rss = max(_peak_rss_mib(pid) for pid in _worker_pids([p.pid for p in pipelines], extra_pids))
            cpu = {name: (_cpu_seconds(pid) - cpu_before[name]) / len(lines) for name, pid in pids.items()}
        finally:
            _stop(pipelines)
        world.engine.refresh(world.search.articles_index)
        copies = world.engine.count(world.search.articles_index, {"exists": {"field": "duplicate.of"}})
        return len(lines) / elapsed, rss, copies, cpu


def _measure(
    runner: str, warm: list[bytes], lines: list[bytes], texts: list[str], settings: NlpSettings
) -> tuple[float, float]:
    """One run of ``runner`` after its floors; prints three rows, returns its two ratios."""
    # The floors right before each run, in as many processes as the run has workers:
    # this shared machine's speed drifts by 20-30% over minutes, so a floor measured
    # once at the start can be far from the one the run met.
    processes = _runner_kind(runner)[1]
    floor, floor_cpu = bare_spacy(texts, settings, processes)
    same, same_cpu = bare_spacy(texts, settings, processes, disable=REPLACED_COMPONENTS)
    cpu_column = "CPU ms/article:"
    bare = f"bare spaCy nlp.pipe (batch {settings.batch_size}, {processes} proc.)"
    print(f"{bare:52} {floor:10.1f} {1.0:8.2f} {'':18}   {cpu_column} {1000 * floor_cpu:.0f}")
    bare = "  the same without " + " and ".join(REPLACED_COMPONENTS)
    print(
        f"{bare:52} {same:10.1f} {same / floor:8.2f} {1.0:7.2f} {'':10}   {cpu_column} {1000 * same_cpu:.0f}"
    )
    rate, rss, copies, cpu = pipeline_run(warm, lines, runner)
    label = f"whole pipeline, {runner} ({copies} copies found)"
    shares = ", ".join(f"{name} {1000 * seconds:.0f}" for name, seconds in cpu.items())
    figures = f"{rate:10.1f} {rate / floor:8.2f} {rate / same:7.2f} {rss:8.0f} MiB"
    print(f"{label:52} {figures}   {cpu_column} {shares}", flush=True)
    return rate / floor, rate / same


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--runners",
        nargs="+",
        default=["local"],
        help="local (Beam's local runner), local:N (N such processes sharing the partitions), "
        "flink:N (Flink job server, N slots)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each runner, with their floors")
    parser.add_argument(
        "--warm-up", type=int, default=100, help="articles through the pipeline before the clock starts"
    )
    args = parser.parse_args()
    warm_count = PARTITIONS + args.warm_up
    everything = valid_articles(args.corpus, args.articles + warm_count)
    warm, lines = everything[:warm_count], everything[warm_count:]
    settings = NlpSettings()
    texts = [parse_article(raw).body for raw in lines]
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(
        f"{len(texts)} articles of {args.corpus.name} ({words:.0f} words on average), model {settings.model}"
    )
    print(f"{'':52} {'articles/s':>10} {'x spaCy':>8} {'x same':>7} {'peak RSS':>10}")
    ratios: dict[str, list[tuple[float, float]]] = {runner: [] for runner in args.runners}
    for _ in range(args.repeat):
        for runner in args.runners:
            ratios[runner].append(_measure(runner, warm, lines, texts, settings))
    if args.repeat > 1:
        print("median of the runs (each to the floors measured right before it):")
        for runner, pairs in ratios.items():
            full = statistics.median(p[0] for p in pairs)
            same = statistics.median(p[1] for p in pairs)
            runs = ", ".join(f"{p[0]:.2f}" for p in pairs)
            print(f"  {runner:12} x spaCy {full:.2f} (runs: {runs}), x same components {same:.2f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process, with bare spaCy loaded: peak RSS {own:.0f} MiB)")


if __name__ == "__main__":
    main()
