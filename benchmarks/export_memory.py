"""Peak memory of ``provenance export`` for a small and a large store: is it flat?

Builds two temporary SQLite stores of generated quote rows (written through
``store.write_document``, so the audit log is filled as in real use), exports
each and prints the peak traced memory of the export alone (tracemalloc) and
the ratio large/small. Flat means the ratio stays near 1 while the record
count grows tenfold.

    python -m benchmarks.export_memory                  # 10k vs 100k, jsonl
    (from a source tree that is not installed: PYTHONPATH=. python benchmarks/...)
    python -m benchmarks.export_memory --small 2000 --large 20000 --formats jsonl,csv,prov-json
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import tracemalloc
from pathlib import Path

from provenance.export import write_export
from provenance.export.records import iter_records
from provenance.models import Attribution, DocumentIn, Span
from provenance.speaker_index import SpeakerIndex
from provenance.store import Store, open_store, write_document

QUOTES_PER_DOC = 100


class _Sink(io.TextIOBase):
    """Counts what is written and keeps nothing: the benchmark measures the exporter."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


def _document(n: int) -> tuple[DocumentIn, list[Attribution]]:
    parts: list[str] = [f"Generated article {n}.\n\n"]
    spans: list[tuple[int, int]] = []
    pos = len(parts[0])
    for i in range(QUOTES_PER_DOC):
        quote = f"Statement {i} of article {n} is about the budget for year {2000 + i % 30}"
        sentence = f"“{quote},” said Official {i % 17}. "
        spans.append((pos + 1, pos + 1 + len(quote) + 1))
        parts.append(sentence)
        pos += len(sentence)
    text = "".join(parts)
    atts = [
        Attribution(kind="direct", content=Span.of(text, s, e), confidence=0.9, rule="benchmark")
        for s, e in spans
    ]
    return DocumentIn(text=text, path=f"generated/{n}.txt", source="Benchmark Wire"), atts


def build(path: Path, quotes: int) -> Store:
    store = open_store(str(path))
    index = SpeakerIndex()
    with store.session() as s:
        for n in range(max(1, quotes // QUOTES_PER_DOC)):
            doc, atts = _document(n)
            write_document(s, doc, atts, index, "benchmark-0")
            if n % 50 == 49:
                s.commit()
        s.commit()
    return store


def measure(store: Store, fmt: str) -> tuple[int, float, int, int]:
    """(records, seconds, peak bytes traced during the export, characters written)."""
    sink = _Sink()
    with store.session() as s:
        # Compile and cache this engine's statements first: that one-off cost is not per record.
        next(iter_records(s), None)
        tracemalloc.start()
        t0 = time.perf_counter()
        n = write_export(s, fmt, sink)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return n, seconds, peak, sink.chars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--formats", default="jsonl")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stores = {}
        for label, size in (("small", args.small), ("large", args.large)):
            t0 = time.perf_counter()
            stores[label] = build(Path(tmp) / f"{label}.db", size)
            print(f"built {label}: {size} quotes in {time.perf_counter() - t0:.1f} s")
        for fmt in args.formats.split(","):
            peaks = {}
            for label, store in stores.items():
                n, seconds, peak, chars = measure(store, fmt)
                peaks[label] = peak
                print(
                    f"{fmt:9} {label:5} records={n:>8} time={seconds:7.2f} s "
                    f"({n / seconds:8.0f} records/s) peak={peak / 2**20:7.2f} MiB "
                    f"output={chars / 2**20:8.1f} MiB chars"
                )
            print(
                f"{fmt:9} peak ratio large/small = {peaks['large'] / peaks['small']:.2f} "
                f"for {args.large / args.small:.0f}x the records"
            )
        for store in stores.values():
            store.dispose()


if __name__ == "__main__":
    main()
