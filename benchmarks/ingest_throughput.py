"""Ingest throughput on generated articles, as ratios to extraction alone on the same files.

Usage::

    python -m benchmarks.ingest_throughput [--docs 2000] [--workers 2] [--repeat 3] [--db URL]
                                           [--match] [--no-commands | --commands-only]

Generates ``--docs`` articles (tests/support.py) in a temporary folder, then
times, in this one run:

- extract alone: read every file and run ``extract`` on it, one process;
- ingest ``--workers 1`` into a fresh SQLite database (or ``--db``, which
  must be an empty database: a PostgreSQL URL for example);
- ingest ``--workers N``.

Both ingests run with ``match=False`` (``--no-match``): this measures reading,
extraction and storage; cross-source clustering is a separate stage
(``provenance match``) with its own cost. With ``--match`` they run with the
default settings instead (claims, clusters and flags updated at the end, as
``provenance ingest`` does), and the overhead is the whole cost of ``ingest``
against extraction alone (target ≤ 2).

Each is run ``--repeat`` times and the best time kept (as ``timeit`` does: on a
shared machine the slower runs measure the neighbours). Prints documents per
second for each and the ratios the README quotes: storage overhead =
time(ingest --workers 1) / time(extract alone) (target ≤ 2), in wall-clock and
in CPU time of this process, and speed-up = time(--workers 1) / time(--workers N).

Then, unless ``--no-commands``, the commands a user runs, each as its own process
on the same files (start-up, imports and the default ``--workers`` included):
``provenance extract`` (the baseline), ``provenance ingest`` (defaults: cross-source
update on), ``provenance ingest --no-match`` and ``provenance match`` (the rebuild)
on a copy of the first database, each as a ratio to that ``extract``. With
``--commands-only`` the library figures are skipped.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from benchmarks.real_news import ratio, run_command
from provenance.documents import read_paths
from provenance.extract import extract
from provenance.ingest import ingest
from provenance.models import DocumentIn
from provenance.store import open_store
from tests.support import write_corpus

REPO = Path(__file__).resolve().parents[1]


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of this process (not of worker processes)
    quotes: int


def extract_alone(folder: Path) -> Timing:
    start, cpu = time.perf_counter(), time.process_time()
    quotes = sum(len(extract(d.text)) for d in read_paths([folder]) if isinstance(d, DocumentIn))
    return Timing(time.perf_counter() - start, time.process_time() - cpu, quotes)


def timed_ingest(folder: Path, db: str, workers: int, match: bool = False) -> Timing:
    store = open_store(db)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        report = ingest(store, [folder], workers=workers, match=match)
        timing = Timing(time.perf_counter() - start, time.process_time() - cpu, report.quotes)
    finally:
        store.dispose()
    assert report.failed == 0, report.problems[:3]
    return timing


def best(runs: list[Timing]) -> Timing:
    quotes = {r.quotes for r in runs}
    assert len(quotes) == 1, quotes
    return min(runs)


def commands(folder: Path, tmp: Path, docs: int) -> list[str]:
    """Time ``provenance extract``, ``ingest``, ``ingest --no-match`` and ``match`` as
    whole processes; lines to print, each with its ratios to ``extract``."""
    db, bare, rebuilt = tmp / "cmd.db", tmp / "cmd-no-match.db", tmp / "cmd-rebuilt.db"
    extract = run_command("extract", str(folder))
    ingest_ = run_command("ingest", str(folder), "--db", str(db), "--quiet")
    no_match = run_command("ingest", str(folder), "--db", str(bare), "--quiet", "--no-match")
    shutil.copy(db, rebuilt)
    match = run_command("match", "--db", str(rebuilt))
    out = [f"commands (whole processes, {docs} documents, default --workers; ratios to extract):"]
    for label, run in (
        ("provenance extract", extract),
        ("provenance ingest", ingest_),
        ("provenance ingest --no-match", no_match),
        ("provenance match (rebuild)", match),
    ):
        out.append(
            f"  {label:<29}{run.wall:7.2f} s wall {run.cpu:7.2f} s CPU  "
            f"{ratio(run, extract)}  (exit {run.status}, peak {run.peak_mb:.0f} MB)"
        )
    out.append("  target: provenance ingest <= 2x extract")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="articles to generate")
    parser.add_argument("--workers", type=int, default=2, help="N for the parallel run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    parser.add_argument(
        "--db",
        default=None,
        help="empty database URL for the --workers 1 run (default: temp SQLite; "
        "with a URL, --repeat is 1)",
    )
    parser.add_argument(
        "--match",
        action="store_true",
        help="ingest with the cross-source update on (the default of ingest)",
    )
    parser.add_argument(
        "--no-commands",
        action="store_true",
        help="skip timing the provenance commands as whole processes",
    )
    parser.add_argument(
        "--commands-only",
        action="store_true",
        help="only time the provenance commands as whole processes",
    )
    args = parser.parse_args(argv)
    repeat = 1 if args.db else max(1, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        write_corpus(folder, args.docs)
        if args.commands_only:
            print("\n".join(commands(folder, Path(tmp), args.docs)))
            return 0
        extract_alone(folder)  # warm the page cache and the lexicons
        ex, one, many = [], [], []
        # Interleaved, so a slow spell of the machine hits all three alike.
        for i in range(repeat):
            ex.append(extract_alone(folder))
            one.append(
                timed_ingest(folder, args.db or str(Path(tmp) / f"one{i}.db"), 1, args.match)
            )
            many.append(
                timed_ingest(folder, str(Path(tmp) / f"many{i}.db"), args.workers, args.match)
            )
        cmd_lines = [] if args.no_commands else commands(folder, Path(tmp), args.docs)
    t_ex, t_one, t_many = best(ex), best(one), best(many)
    assert t_ex.quotes == t_one.quotes == t_many.quotes, (t_ex, t_one, t_many)
    n = args.docs
    print(
        f"documents: {n}, quotes: {t_one.quotes}, database: {args.db or 'SQLite (temp file)'}, "
        f"best of {repeat}, cross-source update {'on' if args.match else 'off (--no-match)'}"
    )
    for label, t in (
        ("extract alone", t_ex),
        ("ingest --workers 1", t_one),
        (f"ingest --workers {args.workers}", t_many),
    ):
        print(f"{label:<21}{n / t.wall:8.0f} docs/s  ({t.wall:.2f} s wall, {t.cpu:.2f} s CPU)")
    what = "ingest" if args.match else "storage"
    print(
        f"{what} overhead (ingest --workers 1 / extract alone): {t_one.wall / t_ex.wall:.2f}x "
        f"wall, {t_one.cpu / t_ex.cpu:.2f}x CPU (target <= 2)"
    )
    print(
        "all runs, overhead per run: "
        + ", ".join(f"{o.wall / e.wall:.2f}" for e, o in zip(ex, one, strict=True))
    )
    print(f"speed-up --workers {args.workers} vs --workers 1: {t_one.wall / t_many.wall:.2f}x")
    if cmd_lines:
        print("\n".join(cmd_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
