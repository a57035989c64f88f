"""Section ``flags`` of ``benchmarks/real_news.py``: how the cross-source flags hold up.

Usage::

    python -m benchmarks.real_news --workdir /tmp/rn-flags --sections ingest,flags
    python -m benchmarks.real_news_flags DB_URL --sample KIND [--n 30] [--seed 14]

``report`` prints, per flag kind: the number of flags, the flags whose evidence
holds a quote of fewer than :data:`SHORT_WORDS` words, the numeric flags between
reports published more than :data:`MAX_DAYS` days apart, the clusters with ≥ 2
sources, and — from the judgement file :data:`JUDGEMENTS` — precision per kind,
precision of the 20 most confident flags, and the share of judged clusters that
are one statement.

A judgement names its records by document url (``polnear:<split>/<file>``) and
character offsets, never by text: PolNeAR text stays outside the repository.
``--sample`` prints a seeded random sample of flags (or ``cluster``) with the
article text around each record, for a person to judge; the printout is for the
terminal, not for the repository.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
JUDGEMENTS = REPO / "data" / "judgements" / "flags.jsonl"
SHORT_WORDS = 4  # evidence quotes shorter than this must never raise a flag
MAX_DAYS = 7
TOP = 20
KINDS = ("misquote", "misattribution", "numeric")
GOOD = {"real", "one"}  # labels that count as correct (a flag; a one-statement cluster)


def _key(refs: list[tuple[str, int, int]]) -> str:
    """Order-free key of a flag or cluster: its records' (url, start, end)."""
    return "|".join(f"{u}:{s}:{e}" for u, s, e in sorted(set(refs)))


def load_judgements(path: Path = JUDGEMENTS) -> dict[tuple[str, str], str]:
    """(kind, record key) -> label, from a JSON Lines judgement file (none: empty)."""
    out: dict[tuple[str, str], str] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            j = json.loads(line)
            refs = [(r["url"], r["start"], r["end"]) for r in j["records"]]
            out[(j["kind"], _key(refs))] = j["label"]
    return out


def _load(db_url: str) -> tuple[list[Any], list[Any], dict[str, str]]:
    from sqlmodel import select

    from provenance.cluster_members import list_clusters
    from provenance.conflicts import list_conflicts
    from provenance.store import open_existing_store
    from provenance.tables import DocumentRow

    # A mistyped path must not leave an empty database behind and report nothing.
    store = open_existing_store(db_url)
    with store.session() as s:
        flags = list_conflicts(s)
        clusters = list_clusters(s, min_sources=2)
        urls = {
            d: u or p or d
            for d, u, p in s.exec(select(DocumentRow.id, DocumentRow.url, DocumentRow.path))
        }
    store.dispose()
    return flags, clusters, urls


def flag_key(flag: Any, urls: dict[str, str]) -> str:
    return _key([(urls[r.document], r.start, r.end) for r in flag.records])


def cluster_key(cluster: Any, urls: dict[str, str]) -> str:
    return _key([(urls[r.document], r.start, r.end) for r in cluster.sources])


def _words(text: str) -> int:
    return len([w for w in text.split() if any(ch.isalnum() for ch in w)])


def _days_apart(flag: Any) -> int | None:
    dates = [r.published for r in flag.records if r.published is not None]
    return (max(dates) - min(dates)).days if len(dates) >= 2 else None


def _precision(labels: list[str]) -> str:
    if not labels:
        return "n/a (none judged)"
    good = sum(lb in GOOD for lb in labels)
    return f"{good / len(labels):.2f} ({good}/{len(labels)} judged)"


def report(db_url: str, archive: Path) -> list[str]:
    flags, clusters, urls = _load(db_url)
    judged = load_judgements()
    lines = [f"flags: {len(flags)}; clusters with >= 2 sources: {len(clusters)}"]
    for kind in KINDS:
        mine = [f for f in flags if f.kind == kind]
        short = sum(
            1
            for f in mine
            if kind != "numeric" and min(_words(r.text) for r in f.records) < SHORT_WORDS
        )
        far = sum(1 for f in mine if (_days_apart(f) or 0) > MAX_DAYS)
        lines.append(
            f"{kind}: {len(mine)} flags; evidence < {SHORT_WORDS} words: {short}; "
            f"reports > {MAX_DAYS} days apart: {far}"
        )
        if judged:
            labels = [
                judged[(kind, flag_key(f, urls))]
                for f in mine
                if (kind, flag_key(f, urls)) in judged
            ]
            lines.append(f"  precision (judged in context): {_precision(labels)}")
    if judged:
        ranked = sorted(flags, key=lambda f: -f.score)[:TOP]
        labels = [
            judged[(f.kind, flag_key(f, urls))]
            for f in ranked
            if (f.kind, flag_key(f, urls)) in judged
        ]
        lines.append(f"top {TOP} by confidence: precision {_precision(labels)}")
        labels = [
            judged[("cluster", cluster_key(c, urls))]
            for c in clusters
            if ("cluster", cluster_key(c, urls)) in judged
        ]
        lines.append(f"clusters (>= 2 sources) one statement: {_precision(labels)}")
    else:
        lines.append(f"no judgement file at {JUDGEMENTS.relative_to(REPO)}: precision not shown")
    return lines


def _context(texts: dict[str, str], url: str, start: int, end: int, width: int) -> str:
    text = texts.get(url, "")
    before = " ".join(text[max(0, start - width) : start].split())
    after = " ".join(text[end : end + width].split())
    return f"…{before} >>>{text[start:end]}<<< {after}…"


def sample(db_url: str, archive: Path, kind: str, n: int, seed: int, width: int) -> None:
    """Print ``n`` seeded random flags of ``kind`` (or clusters) with their context."""
    flags, clusters, urls = _load(db_url)
    texts = {}
    for line in archive.open(encoding="utf-8"):
        record = json.loads(line)
        texts[record["url"]] = record["text"]
    items: list[Any] = clusters if kind == "cluster" else [f for f in flags if f.kind == kind]
    chosen = random.Random(seed).sample(items, min(n, len(items)))
    for item in chosen:
        refs = item.sources if kind == "cluster" else item.records
        head = (
            f"cluster {item.id}: {item.text}"
            if kind == "cluster"
            else f"{item.kind} {item.score}: {item.explanation}"
        )
        print("=" * 100)
        print(head)
        record = {
            "kind": kind,
            "records": [{"url": urls[r.document], "start": r.start, "end": r.end} for r in refs],
        }
        print(json.dumps(record))
        for r in refs:
            print(f"--- {urls[r.document]} [{r.start}:{r.end}] {r.published} speaker={r.speaker}")
            print(_context(texts, urls[r.document], r.start, r.end, width))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db_url")
    parser.add_argument(
        "--archive", type=Path, default=Path("/tmp/rn-flags/polnear-train-dev.jsonl")
    )
    parser.add_argument("--sample", choices=(*KINDS, "cluster"), default=None)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--width", type=int, default=300, help="context characters per side")
    args = parser.parse_args()
    if args.sample:
        sample(args.db_url, args.archive, args.sample, args.n, args.seed, args.width)
    else:
        print("\n".join(report(args.db_url, args.archive)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
