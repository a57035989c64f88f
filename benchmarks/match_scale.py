"""Quote clustering at scale, on the path a user runs: ``provenance match`` on a stored store.

Generates synthetic quotes (Zipf-distributed made-up words, one speaker each)
and plants variants of some of them: case, punctuation, curly marks, an
ellipsis, a fragment (partial quote) and one-word drift. Writes them as news
articles (``--per-doc`` quotes each, "“…,” said NAME.") to a JSON Lines archive,
stores them with ``provenance ingest --no-match``, then times ``provenance match``
(the rebuild of claims, clusters and flags) on that store, as whole processes,
and prints for each ``--n``:

* quotes stored, seconds and peak RSS of ``match`` (the child's own
  ``getrusage``), microseconds per stored quote;
* recall of planted variants (variant stored in its original's cluster; target ≥ 0.99);
* the time ``provenance extract`` takes on the same archive (the baseline the
  other benchmarks use) and match's ratio to it;
* a linear extrapolation to 1,000,000 quotes from the largest run (targets of issue
  15: ≤ 10 min, ≤ 4 GB) — labelled as such: only the sizes listed were run.

Usage: python -m benchmarks.match_scale [--n 10000,20000] [--per-doc 10] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
from pathlib import Path

import numpy as np

from benchmarks.real_news import run_command

KINDS = ("case", "punct", "curly", "ellipsis", "fragment", "drift")


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)}
    out = sorted(words)
    rng.shuffle(out)
    # A few contractions so that straight vs curly apostrophes matter.
    return [w + "'s" if i % 50 == 7 else w for i, w in enumerate(out)]


def base_quote(
    rng: random.Random, vocab: list[str], cdf: np.ndarray, nprng: np.random.Generator
) -> str:
    n = rng.randint(8, 28)
    idx = np.searchsorted(cdf, nprng.random(n))
    ws = [vocab[i] for i in idx]
    ws[0] = ws[0].capitalize()
    if n > 12:
        ws[n // 2] += ","
    return " ".join(ws) + rng.choice([".", ",", "", "!"])


def variant(rng: random.Random, text: str, kind: str, vocab: list[str]) -> str:
    ws = text.split()
    if kind == "case":
        return text.upper() if rng.random() < 0.5 else text.lower()
    if kind == "punct":
        return text.rstrip(".,!") + rng.choice([".", ";", " —", "?"])
    if kind == "curly":
        return "“" + text.replace("'", "’") + "”"
    if kind == "ellipsis":
        cut = rng.randint(3, len(ws) - 2)
        return " ".join(ws[:cut]) + " … " + " ".join(ws[cut:])
    if kind == "fragment":
        size = rng.randint(max(5, len(ws) // 3), max(5, len(ws) - 2))
        start = rng.randint(0, len(ws) - size)
        return " ".join(ws[start : start + size])
    pos = rng.randint(1, len(ws) - 2)
    ws[pos] = rng.choice(vocab)
    return " ".join(ws)


def generate(n: int, seed: int) -> tuple[list[str], list[int], list[tuple[int, int]]]:
    """(texts, speakers, planted (original index, variant index) pairs)."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    vocab = vocabulary(rng, max(20_000, n // 5))
    ranks = np.arange(1, len(vocab) + 1, dtype=np.float64)
    weights = 1.0 / ranks**1.05
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    texts: list[str] = []
    speakers: list[int] = []
    planted: list[tuple[int, int]] = []
    n_speakers = max(10, n // 20)
    while len(texts) < n:
        i = len(texts)
        texts.append(base_quote(rng, vocab, cdf, nprng))
        speakers.append(rng.randrange(n_speakers))
        if rng.random() < 0.25:
            for kind in rng.sample(KINDS, rng.randint(1, 2)):
                if len(texts) >= n or (
                    kind in ("fragment", "drift") and len(texts[i].split()) < 12
                ):
                    continue
                texts.append(variant(rng, texts[i], kind, vocab))
                speakers.append(speakers[i])
                planted.append((i, len(texts) - 1))
    order = list(range(len(texts)))
    rng.shuffle(order)  # originals and variants are not neighbours
    where = {old: new for new, old in enumerate(order)}
    return (
        [texts[o] for o in order],
        [speakers[o] for o in order],
        [(where[a], where[b]) for a, b in planted],
    )


def speaker_names(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct made-up person names ("Talvo Brenquist")."""
    syllables = ["bra", "ten", "vol", "ki", "mar", "lo", "sen", "dri", "qua", "po", "ru", "zel"]
    names: set[str] = set()
    while len(names) < n:
        first = "".join(rng.choice(syllables) for _ in range(2)).capitalize()
        last = "".join(rng.choice(syllables) for _ in range(3)).capitalize()
        names.add(f"{first} {last}")
    return sorted(names)


def write_archive(
    texts: list[str], speakers: list[int], per_doc: int, out: Path, seed: int
) -> dict[tuple[str, int], int]:
    """Articles of ``per_doc`` quotes each, as JSON Lines; returns (document id, paragraph
    start) -> quote index, to find each stored quote's generated original."""
    names = speaker_names(random.Random(seed), max(speakers) + 1)
    where: dict[tuple[str, int], int] = {}
    with out.open("w", encoding="utf-8") as sink:
        for lo in range(0, len(texts), per_doc):
            paragraphs, starts, at = [], [], 0
            for i in range(lo, min(lo + per_doc, len(texts))):
                body = texts[i].strip().rstrip(".,!;?—").strip()
                para = f"“{body},” said {names[speakers[i]]}."
                paragraphs.append(para)
                starts.append((at, i))
                at += len(para) + 2
            text = "\n\n".join(paragraphs) + "\n"
            doc = hashlib.sha256(text.encode("utf-8")).hexdigest()
            where.update(((doc, start), i) for start, i in starts)
            sink.write(json.dumps({"text": text, "source": f"outlet{lo % 7}"}) + "\n")
    return where


def stored_recall(
    db: Path, where: dict[tuple[str, int], int], planted: list[tuple[int, int]]
) -> tuple[float, int]:
    """(planted-variant recall, quotes stored): a pair counts when both are stored
    in one cluster."""
    cluster: dict[int, int] = {}
    with sqlite3.connect(db) as con:
        stored = con.execute("select count(*) from quotes").fetchone()[0]
        rows = con.execute(
            "select q.document_id, q.start, m.cluster_id from quotes q "
            "join cluster_members m on m.quote_id = q.id"
        )
        starts: dict[str, list[int]] = {}
        for doc, start in where:
            starts.setdefault(doc, []).append(start)
        for doc in starts:
            starts[doc].sort()
        for doc, start, cluster_id in rows:
            paras = starts.get(doc)
            if not paras:
                continue
            para = paras[int(np.searchsorted(paras, start, side="right")) - 1]
            cluster[where[(doc, para)]] = cluster_id
    hits = sum(1 for a, b in planted if a in cluster and cluster.get(a) == cluster.get(b))
    return hits / max(1, len(planted)), stored


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="10000,20000", help="comma-separated quote counts")
    ap.add_argument("--per-doc", type=int, default=10, help="quotes per article")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/provenance-match-scale"))
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[int, float, float]] = []  # (stored quotes, match seconds, peak MB)
    for n in [int(x) for x in args.n.split(",") if x.strip()]:
        texts, speakers, planted = generate(n, args.seed)
        archive = args.workdir / f"quotes-{n}.jsonl"
        where = write_archive(texts, speakers, args.per_doc, archive, args.seed)
        db = args.workdir / f"quotes-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        x = run_command("extract", str(archive))
        i = run_command("ingest", str(archive), "--db", str(db), "--quiet", "--no-match")
        rebuilt = db.with_name(db.stem + "-match.db")
        shutil.copy(db, rebuilt)
        m = run_command("match", "--db", str(rebuilt))
        t_extract, rc_x, t_ingest, rc_i = x.wall, x.status, i.wall, i.status
        t_match, rc_m, rss = m.wall, m.status, m.peak_mb
        recall, stored = stored_recall(rebuilt, where, planted)
        print(
            f"{n:,} generated quotes ({len(planted):,} planted variants) in "
            f"{len(where) // max(1, args.per_doc):,}+ articles: {stored:,} stored"
        )
        print(f"  provenance extract:            {t_extract:8.1f} s  (exit {rc_x})")
        print(f"  provenance ingest --no-match:  {t_ingest:8.1f} s  (exit {rc_i})")
        print(
            f"  provenance match (rebuild):    {t_match:8.1f} s  (exit {rc_m}), "
            f"{t_match / t_extract:.2f}x extract ({m.cpu / max(x.cpu, 1e-9):.2f}x in CPU), "
            f"peak RSS {rss:,.0f} MB, "
            f"{1e6 * t_match / max(1, stored):,.0f} us per stored quote"
        )
        print(f"  planted-variant recall: {recall:.4f}")
        runs.append((stored, t_match, rss))
    if len(runs) >= 2:
        # The slope between the two largest runs, so start-up and the interpreter's own
        # memory are not multiplied.
        (s1, t1, m1), (s2, t2, m2) = sorted(runs)[-2:]
        if s2 > s1:
            left = 1_000_000 - s2
            t_1m = t2 + (t2 - t1) / (s2 - s1) * left
            m_1m = m2 + max(0.0, m2 - m1) / (s2 - s1) * left
            print(
                f"extrapolated to 1,000,000 stored quotes from the runs of {s1:,} and {s2:,} "
                f"(not run; linear in the stored quotes): {t_1m / 60:,.1f} min (target <= 10), "
                f"peak RSS {m_1m / 1024:,.1f} GB (target <= 4)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
