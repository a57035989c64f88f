"""`quotes --speaker NAME` latency on a database of 1,000,000 quotes.

Usage::

    python -m benchmarks.query_latency [--quotes 1000000] [--speakers 20000] [--db PATH]

Builds (or reuses, with ``--db`` pointing at an existing file) a SQLite database
through the normal schema, filled directly with synthetic rows by executemany
(ingesting a million quotes would take far longer and is not what is measured).
Then times :func:`provenance.store.list_quotes` with a speaker query (exact
name, surname only, a misspelling) and a document-prefix query: the median of
``--repeat`` runs, each in a fresh session. Target: ≤ 100 ms. Also prints the
time of the whole command (``python -m provenance quotes --speaker …``) once,
which adds the interpreter start-up.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from provenance.names import fold
from provenance.store import Store, list_quotes, open_store

REPO = Path(__file__).resolve().parents[1]

FIRST = [
    "Ana",
    "Boris",
    "Chen",
    "Dalia",
    "Emeka",
    "Farah",
    "Goran",
    "Hiro",
    "Ilse",
    "Jonas",
    "Kemal",
    "Lucia",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tove",
]
SYLLABLES = ["ba", "ko", "ri", "de", "ma", "lun", "ter", "vi", "son", "gar", "hel", "pe", "ston"]
QUOTES_PER_DOC = 20


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def build(store: Store, n_quotes: int, n_speakers: int, seed: int = 1) -> str:
    """Fill an empty store; returns the name of a speaker to ask for."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    names = sorted({f"{rng.choice(FIRST)} {_surname(rng)}" for _ in range(n_speakers)})
    speakers = [(i + 1, n, "person", "[]", None, now) for i, n in enumerate(names)]
    aliases = []
    for sid, name, *_ in speakers:
        surname = name.split()[-1]
        aliases += [(sid, name, fold(name), 3, True), (sid, surname, fold(surname), 1, False)]
    n_docs = n_quotes // QUOTES_PER_DOC
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.executemany(
            "INSERT INTO speakers (id, name, kind, titles, affiliation, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            speakers,
        )
        cur.executemany(
            'INSERT INTO aliases (speaker_id, alias, "key", count, is_name) VALUES (?, ?, ?, ?, ?)',
            aliases,
        )
        day0 = date(2024, 1, 1)
        for start in range(0, n_docs, 5000):
            docs, quotes = [], []
            for d in range(start, min(n_docs, start + 5000)):
                doc_id = hashlib.sha256(str(d).encode()).hexdigest()
                text = f"Document {d}. " + "“Quoted words here,” someone said. " * QUOTES_PER_DOC
                docs.append(
                    (
                        doc_id,
                        text,
                        f"/corpus/{d}.txt",
                        None,
                        f"Outlet {d % 40}",
                        None,
                        day0 + timedelta(days=d % 700),
                        now,
                        len(text),
                    )
                )
                for q in range(QUOTES_PER_DOC):
                    sid = rng.randint(1, len(speakers))
                    s = 15 + q * 36
                    qid = hashlib.sha256(f"{d}:{q}".encode()).hexdigest()[:32]
                    quotes.append(
                        (
                            qid,
                            doc_id,
                            "direct",
                            s,
                            s + 18,
                            "Quoted words here,",
                            sid,
                            names[sid - 1],
                            0.95,
                            "bench",
                            "bench-0",
                        )
                    )
            cur.executemany(
                "INSERT INTO documents (id, text, path, url, source, title, "
                "published, ingested_at, size) VALUES (?,?,?,?,?,?,?,?,?)",
                docs,
            )
            cur.executemany(
                'INSERT INTO quotes (id, document_id, kind, start, "end", text, '
                "speaker_id, mention_name, confidence, rule, extractor_version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                quotes,
            )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return names[len(names) // 2]


def timed(store: Store, repeat: int, **query: str) -> tuple[float, int]:
    """Median milliseconds of ``list_quotes(**query)`` over ``repeat`` fresh sessions."""
    times, found = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        with store.session() as s:
            found = len(list_quotes(s, **query))  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--speakers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="keep/reuse the database here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "million.db"
        fresh = not path.exists()
        store = open_store(str(path))
        start = time.perf_counter()
        name = build(store, args.quotes, args.speakers) if fresh else None
        if name is None:
            with store.session() as s:
                name = list_quotes(s, limit=1)[0].speaker
        built = time.perf_counter() - start
        assert name
        how = f"built in {built:.1f} s" if fresh else "reused"
        print(
            f"database: {path} ({how}), "
            f"{args.quotes:,} quotes, {args.speakers:,} speakers requested"
        )
        surname = name.split()[-1]
        misspelt = surname[:-1] + ("a" if surname[-1] != "a" else "e")
        for label, query in (
            ("exact name", {"speaker": name}),
            ("surname only", {"speaker": surname}),
            ("misspelt surname", {"speaker": f"{name.split()[0]} {misspelt}"}),
            ("document prefix", {"document": hashlib.sha256(b"12345").hexdigest()[:12]}),
        ):
            try:
                ms, found = timed(store, args.repeat, **query)
            except Exception as exc:  # a NotFoundError for the misspelling is a result too
                print(f"{label:18} {query}: {type(exc).__name__}: {exc}")
                continue
            print(f"{label:18} {ms:7.1f} ms  ({found} quotes)  target <= 100 ms")
        store.dispose()
        start = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "provenance",
                "quotes",
                "--speaker",
                name,
                "--db",
                str(path),
                "-f",
                "jsonl",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        print(
            f"whole command      {(time.perf_counter() - start) * 1000:7.1f} ms  "
            f"({len(out.stdout.splitlines())} lines, including interpreter start-up)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
