"""Incremental verification cost per document as the database grows.

Usage::

    python -m benchmarks.match_incremental [--steps 100,100,200] [--db URL] [--profile FILE]
    python -m benchmarks.match_incremental --sizes 1000,2000,5000,10000,20000 [--probe 100]

Generates articles (tests/support.py) in batches and ingests each batch with
matching on into one SQLite database (or ``--db``, an empty database). For each
batch it prints the documents stored so far, the milliseconds per document
spent in the incremental update after ingest (claims, quote clusters and
conflict flags: ``crosscheck.update``) and its ratio to the extraction time of
the same batch (``extract`` alone, measured in this run). With blocking keys
looked up through indexes the per-document figure should stay roughly flat as
the database grows, and the flags the update raised, cleared and updated (audit
entries: a flag whose evidence grows should be updated, not cleared and raised again).
``--profile`` writes cProfile stats of the updates.

``--sizes`` measures at larger stores without paying a small batch's cost all the
way: before each size the store is filled up to it with one ingest (matching on,
untimed), then a probe batch of ``--probe`` new articles is ingested and timed as
above; the table has one row per size.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provenance import ingest as ingest_module
from provenance.documents import read_paths
from provenance.extract import extract
from provenance.models import DocumentIn
from provenance.store import open_store
from tests.support import write_corpus

REPO = Path(__file__).resolve().parents[1]


def extract_alone(folder: Path) -> float:
    start = time.perf_counter()
    for d in read_paths([folder]):
        if isinstance(d, DocumentIn):
            extract(d.text)
    return time.perf_counter() - start


class TimedUpdate:
    """Wraps ``crosscheck.update`` as ingest calls it and adds up its time."""

    def __init__(self, inner: Callable[..., Any], profiler: cProfile.Profile | None) -> None:
        self.inner, self.profiler, self.seconds = inner, profiler, 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            return self.inner(*args, **kwargs)
        finally:
            if self.profiler is not None:
                self.profiler.disable()
            self.seconds += time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--steps",
        default="100,100,200",
        help="comma-separated batch sizes, ingested one after another",
    )
    parser.add_argument("--db", default=None, help="empty database URL (default: temp SQLite)")
    parser.add_argument("--profile", default=None, help="write cProfile stats here")
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated store sizes (documents) to probe at, e.g. 1000,2000,5000",
    )
    parser.add_argument("--probe", type=int, default=100, help="articles per probe (--sizes)")
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    timed_steps: list[bool] = [True] * len(steps)
    if args.sizes:
        # Fill (untimed) to each size, then probe: sizes count the probes already stored.
        steps, timed_steps, total = [], [], 0
        for size in sorted(int(s) for s in args.sizes.split(",")):
            if size > total:
                steps.append(size - total)
                timed_steps.append(False)
            steps.append(args.probe)
            timed_steps.append(True)
            total = max(size, total) + args.probe
    profiler = cProfile.Profile() if args.profile else None
    crosscheck = ingest_module.crosscheck
    original = crosscheck.update
    timed = TimedUpdate(original, profiler)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args.db or str(Path(tmp) / "bench.db"))
        crosscheck.update = timed  # type: ignore[assignment]
        try:
            print(f"database: {args.db or 'SQLite (temp file)'}")
            print(
                f"{'documents':>9} {'batch':>6} {'update ms/doc':>14} {'extract ms/doc':>15} "
                f"{'update/extract':>15} {'flags raised/cleared/updated':>29}"
            )
            total = 0
            for n, (size, timed_step) in enumerate(zip(steps, timed_steps, strict=True)):
                folder = Path(tmp) / f"batch{n}"
                write_corpus(folder, size, seed=7 + n, start=total)
                if not timed_step:
                    report = ingest_module.ingest(store, [folder])
                    assert report.failed == 0, report.problems[:3]
                    total += size
                    continue
                extract_alone(folder)  # warm the page cache and the lexicons
                t_extract = extract_alone(folder)
                before = timed.seconds
                report = ingest_module.ingest(store, [folder])
                assert report.failed == 0, report.problems[:3]
                t_update = timed.seconds - before
                total += size
                c = report.checks
                churn = f"{c.raised}/{c.cleared}/{c.updated}" if c is not None else "-"
                print(
                    f"{total:9d} {size:6d} {1000 * t_update / size:14.1f} "
                    f"{1000 * t_extract / size:15.1f} {t_update / t_extract:14.2f}x {churn:>29}"
                )
        finally:
            crosscheck.update = original  # type: ignore[assignment]
            store.dispose()
    if profiler is not None:
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
