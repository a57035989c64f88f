"""Page latency of ``provenance serve`` on a large store, against the demo store.

Usage::

    python -m benchmarks.web_latency [--quotes 1000000] [--speakers 20000] [--db PATH]

Builds (or reuses, with ``--db`` pointing at an existing file) a SQLite store with the rows
of ``benchmarks/query_latency.py`` (synthetic documents, quotes, speakers, aliases written by
executemany: ingesting a million quotes is not what is measured), adds clusters (a fifth of
the quotes in clusters of 2–5 across documents) and conflict flags (one per 50 clusters),
then requests each page in-process through Starlette's TestClient (the whole HTTP stack:
routing, the library reads, template rendering), ``--repeat`` times, and prints the median
milliseconds next to the same page on the demo store (the bundled samples, ~100 quotes)
measured in the same run. The ratio is the figure: a page that reads a bounded set of rows
through an index costs about the same on both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from benchmarks.query_latency import build
from provenance.ingest import ingest
from provenance.lexicon import data_dir
from provenance.store import Store, open_store
from provenance.web import create_app

REPO = Path(__file__).resolve().parents[1]


def add_clusters(store: Store, seed: int = 2) -> tuple[int, int]:
    """Cluster a fifth of the quotes (groups of 2–5) and flag one cluster in 50."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        rows = cur.execute(
            'SELECT q.id, q.document_id, q.start, q."end", q.text, d.source, '
            "d.path, d.published FROM quotes q JOIN documents d "
            "ON d.id = q.document_id WHERE q.rowid % 5 = 0"
        ).fetchall()
        rng.shuffle(rows)
        clusters, members, flags = [], [], []
        i = cid = 0
        while i < len(rows) - 5:
            size = rng.randint(2, 5)
            group, i = rows[i : i + size], i + size
            cid += 1
            clusters.append((cid, group[0][0], group[0][4], now))
            members += [(q[0], cid, 100.0, "same") for q in group]
            if cid % 50 == 0:
                refs = [
                    {
                        "document": q[1],
                        "source": q[5],
                        "path": q[6],
                        "published": str(q[7]) if q[7] else None,
                        "start": q[2],
                        "end": q[3],
                        "text": q[4],
                        "speaker": None,
                        "quote_id": q[0],
                        "relation": "same",
                        "score": 100.0,
                    }
                    for q in group[:2]
                ]
                fid = hashlib.sha256(f"flag{cid}".encode()).hexdigest()[:32]
                flags.append(
                    (
                        fid,
                        "misattribution",
                        f"cluster:{cid}",
                        rng.uniform(20, 100),
                        "The same words are attributed to two people.",
                        json.dumps(refs),
                        now,
                    )
                )
        cur.executemany(
            "INSERT INTO clusters (id, canonical_quote_id, text, updated_at) VALUES (?,?,?,?)",
            clusters,
        )
        cur.executemany(
            "INSERT INTO cluster_members (quote_id, cluster_id, score, relation) VALUES (?,?,?,?)",
            members,
        )
        cur.executemany(
            "INSERT INTO conflicts (id, kind, scope, score, explanation, records, "
            "raised_at) VALUES (?,?,?,?,?,?,?)",
            flags,
        )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return len(clusters), len(flags)


def pages(client: TestClient) -> dict[str, str]:
    """The URLs to time on this store, found by following its own pages."""
    speakers = client.get("/speakers").text
    sid = re.findall(r'href="/speakers/(\d+)">([^<]+)<', speakers)[0]
    doc = re.findall(r'href="/documents/([0-9a-f]+)"', client.get("/documents").text)[0]
    quote = re.findall(r'href="/quotes/([0-9a-f]+)"', client.get(f"/documents/{doc}").text)[0]
    return {
        "overview (counts)": "/",
        "speakers, first page": "/speakers",
        "speakers, page 3": "/speakers?offset=100",
        "speaker search": f"/speakers?q={sid[1].split()[-1]}",
        "a speaker's quotes": f"/speakers/{sid[0]}",
        "documents": "/documents",
        "document view": f"/documents/{doc}",
        "quote + review form": f"/quotes/{quote}",
        "clusters, first page": "/clusters",
        "clusters, page 3": "/clusters?offset=40",
        "conflicts queue": "/conflicts",
    }


def timed(client: TestClient, url: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--speakers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="keep/reuse the large store here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        small = open_store(str(Path(tmp) / "demo.db"))
        ingest(small, [data_dir() / "samples"])
        path = args.db or Path(tmp) / "large.db"
        fresh = not path.exists()
        large = open_store(str(path))
        start = time.perf_counter()
        if fresh:
            build(large, args.quotes, args.speakers)
            n_clusters, n_flags = add_clusters(large)
        raw = large.engine.raw_connection()
        n_quotes, n_clusters, n_flags = (
            raw.cursor().execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("quotes", "clusters", "conflicts")
        )
        raw.close()
        how = f"built in {time.perf_counter() - start:.0f} s" if fresh else "reused"
        print(
            f"large store: {path} ({how}): {n_quotes:,} quotes, {n_clusters:,} clusters, "
            f"{n_flags:,} flags; baseline: the demo store (bundled samples)"
        )
        print(
            f"{'page':24} {'demo ms':>8} {'large ms':>9} {'ratio':>6}   (median of "
            f"{args.repeat}, in-process HTTP)"
        )
        with TestClient(create_app(small)) as cs, TestClient(create_app(large)) as cl:
            urls_small, urls_large = pages(cs), pages(cl)
            for label in urls_large:
                a = timed(cs, urls_small[label], args.repeat)
                b = timed(cl, urls_large[label], args.repeat)
                print(f"{label:24} {a:8.1f} {b:9.1f} {b / a:6.1f}x")
        small.dispose()
        large.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
