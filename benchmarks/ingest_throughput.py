"""Ingest throughput on generated articles, as ratios to extraction alone on the same files.

Usage::

    python benchmarks/ingest_throughput.py [--docs 2000] [--workers 2] [--db URL]

Generates ``--docs`` articles (tests/articles.py) in a temporary folder, then
times, in this one run:

- extract alone: read every file and run ``extract`` on it, one process;
- ingest ``--workers 1`` into a fresh SQLite database (or ``--db``, which
  must be an empty database: a PostgreSQL URL for example);
- ingest ``--workers N``.

Both ingests run with ``match=False`` (``--no-match``): this measures reading,
extraction and storage; cross-source clustering is a separate stage
(``provenance match``) with its own cost.

Prints documents per second for each and the ratios the README quotes:
storage overhead = time(ingest --workers 1) / time(extract alone) (target ≤ 2),
and speed-up = time(--workers 1) / time(--workers N).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from articles import write_corpus  # noqa: E402

from provenance.documents import read_paths  # noqa: E402
from provenance.extract import extract  # noqa: E402
from provenance.ingest import ingest  # noqa: E402
from provenance.models import DocumentIn  # noqa: E402
from provenance.store import open_store  # noqa: E402


def extract_alone(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    quotes = sum(len(extract(d.text)) for d in read_paths([folder]) if isinstance(d, DocumentIn))
    return time.perf_counter() - start, quotes


def timed_ingest(folder: Path, db: str, workers: int) -> tuple[float, int]:
    store = open_store(db)
    try:
        start = time.perf_counter()
        report = ingest(store, [folder], workers=workers, match=False)
        elapsed = time.perf_counter() - start
    finally:
        store.dispose()
    assert report.failed == 0, report.problems[:3]
    return elapsed, report.quotes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="articles to generate")
    parser.add_argument("--workers", type=int, default=2, help="N for the parallel run")
    parser.add_argument("--db", default=None,
                        help="empty database URL for the --workers 1 run (default: temp SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        write_corpus(folder, args.docs)
        extract_alone(folder)  # warm the page cache and the lexicons
        t_extract, q_extract = extract_alone(folder)
        t_one, q_one = timed_ingest(folder, args.db or str(Path(tmp) / "one.db"), 1)
        t_many, q_many = timed_ingest(folder, str(Path(tmp) / "many.db"), args.workers)
    assert q_extract == q_one == q_many, (q_extract, q_one, q_many)
    n = args.docs
    print(f"documents: {n}, quotes: {q_one}, database: {args.db or 'SQLite (temp file)'}")
    print(f"extract alone        {n / t_extract:8.0f} docs/s  ({t_extract:.2f} s)")
    print(f"ingest --workers 1   {n / t_one:8.0f} docs/s  ({t_one:.2f} s)")
    print(f"ingest --workers {args.workers:<3} {n / t_many:8.0f} docs/s  ({t_many:.2f} s)")
    print(f"storage overhead (ingest --workers 1 / extract alone): {t_one / t_extract:.2f}x "
          "(target <= 2)")
    print(f"speed-up --workers {args.workers} vs --workers 1: {t_one / t_many:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
