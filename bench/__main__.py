"""Every benchmark in one run, each printing its table (figures: docs/benchmarks.md).

    .venv/bin/python -m bench            # or: make bench

Runs, in order: the enrichment stages beside bare spaCy, end-to-end throughput (local
runner in 1 and 2 processes, Flink with 1 and 2 slots) beside bare spaCy, alert matching
with 10 / 1,000 / 10,000 rules, and produce-to-indexed / produce-to-alert latency at
25%, 50% and 80% of the local maximum. Starts the local services it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import latency, rules, stages, throughput

REUTERS = "../shared/data/reuters21578/reuters21578.jsonl"

RUNS: list[tuple[str, Callable[[], None], list[str]]] = [
    ("enrichment stages", stages.main, ["--articles", "150"]),
    (
        "end-to-end throughput",
        throughput.main,
        ["--articles", "200", "--runners", "local", "local:2", "flink:1", "flink:2"],
    ),
    ("alert matching", rules.main, ["--articles", "40"]),
    ("latency", latency.main, ["--rates", "4", "8", "13", "--articles", "40", "--corpus", REUTERS]),
]


def main() -> None:
    for title, run, argv in RUNS:
        print(
            f"\n## {title}: python -m bench.{run.__module__.rsplit('.', 1)[-1]} {' '.join(argv)}\n",
            flush=True,
        )
        sys.argv = [run.__module__, *argv]
        run()


if __name__ == "__main__":
    main()
