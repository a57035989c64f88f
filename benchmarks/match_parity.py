"""Cross-source results of a store, in a form that compares across code versions.

Usage::

    python -m benchmarks.match_parity dump DB_URL OUT.json
    python -m benchmarks.match_parity compare A.json B.json
    python -m benchmarks.match_parity corpus OUT_DIR [--docs 600]   # demo + generated stores

``dump`` writes the cluster memberships (each cluster as the sorted ids of its
quotes, with its canonical quote and each member's relation and score 0–100) and
the flags (id, kind, scope, score 0–100, the quote ids of their records) and the
quantity claims of a database. ``compare`` says whether two dumps hold the same results: memberships
as sets of quote ids, flags as (kind, records, score), and separately whether
cluster and flag ids are the same too. ``corpus`` ingests the demo corpus
(data/samples) and ``--docs`` generated articles (tests/support.py) into two
SQLite stores in OUT_DIR with the default settings (cross-source update on),
runs ``match`` (rebuild) on a copy of each, and dumps all four.
Exit status 1 when ``compare`` finds a difference.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def dump(db: str) -> dict[str, Any]:
    from sqlmodel import select

    from provenance.store import open_store
    from provenance.tables import ClaimRow, ClusterMemberRow, ClusterRow, ConflictRow

    store = open_store(db)
    try:
        with store.session() as s:
            members: dict[int, list[tuple[str, str, float]]] = {}
            for m in s.exec(select(ClusterMemberRow)):
                members.setdefault(m.cluster_id, []).append((m.quote_id, m.relation, m.score))
            clusters = []
            for c in s.exec(select(ClusterRow).order_by(ClusterRow.id)):
                ms = sorted(members.get(c.id, []))
                clusters.append(
                    {
                        "id": c.id,
                        "canonical": c.canonical_quote_id,
                        "members": [m[0] for m in ms],
                        "relations": [[m[1], m[2]] for m in ms],
                    }
                )
            flags = []
            for f in s.exec(select(ConflictRow).order_by(ConflictRow.id)):
                records = [
                    r.get("quote_id") or f"{r.get('document')}:{r.get('start')}"
                    for r in json.loads(f.records)
                ]
                flags.append(
                    {
                        "id": f.id,
                        "kind": f.kind,
                        "scope": f.scope,
                        "score": f.score,
                        "records": records,
                        "explanation": f.explanation,
                    }
                )
            claims = sorted(
                [c.id, c.low, c.high, c.unit, c.noun_class, c.event, c.speaker]
                for c in s.exec(select(ClaimRow))
            )
            return {"clusters": clusters, "flags": flags, "claims": claims}
    finally:
        store.dispose()


def _plain(d: dict[str, Any]) -> tuple[set, set, set]:
    memberships = {tuple(c["members"]) for c in d["clusters"]}
    details = {
        (tuple(c["members"]), c["canonical"], tuple(tuple(r) for r in c["relations"]))
        for c in d["clusters"]
    }
    flags = {(f["kind"], tuple(f["records"]), f["score"], f["explanation"]) for f in d["flags"]}
    return memberships, details, flags


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Differences between two dumps; [] when the results are the same."""
    out = []
    (ma, da, fa), (mb, db, fb) = _plain(a), _plain(b)
    for name, x, y in (("memberships", ma, mb), ("canonical/relations", da, db), ("flags", fa, fb)):
        if x != y:
            out.append(
                f"{name}: {len(x - y)} only in A, {len(y - x)} only in B; e.g. "
                f"{sorted(x - y, key=str)[:1]} / {sorted(y - x, key=str)[:1]}"
            )
    if "claims" in a and "claims" in b and a["claims"] != b["claims"]:
        out.append("claims differ")
    ids_a = ({(c["id"], tuple(c["members"])) for c in a["clusters"]}, {f["id"] for f in a["flags"]})
    ids_b = ({(c["id"], tuple(c["members"])) for c in b["clusters"]}, {f["id"] for f in b["flags"]})
    if ids_a != ids_b:
        out.append("cluster or flag ids differ")
    return out


def corpus(out: Path, docs: int) -> None:
    from provenance.crosscheck import rebuild
    from provenance.ingest import ingest
    from provenance.store import open_store
    from tests.support import write_corpus

    out.mkdir(parents=True, exist_ok=True)
    gen = out / "generated"
    if not gen.exists():
        write_corpus(gen, docs)
    for name, folder in (("demo", REPO / "data" / "samples"), ("generated", gen)):
        db = out / f"{name}.db"
        db.unlink(missing_ok=True)
        store = open_store(str(db))
        try:
            report = ingest(store, [folder], workers=1)
            assert report.failed == 0, report.problems[:3]
        finally:
            store.dispose()
        (out / f"{name}-ingest.json").write_text(json.dumps(dump(str(db))))
        rebuilt = out / f"{name}-match.db"
        shutil.copy(db, rebuilt)
        store = open_store(str(rebuilt))
        try:
            with store.session() as s:
                rebuild(s)
                s.commit()
        finally:
            store.dispose()
        (out / f"{name}-match.json").write_text(json.dumps(dump(str(rebuilt))))
        print(f"{name}: {out / (name + '-ingest.json')}, {out / (name + '-match.json')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("db")
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    k = sub.add_parser("corpus")
    k.add_argument("out", type=Path)
    k.add_argument("--docs", type=int, default=600)
    args = parser.parse_args(argv)
    if args.cmd == "dump":
        args.out.write_text(json.dumps(dump(args.db)))
        return 0
    if args.cmd == "corpus":
        corpus(args.out, args.docs)
        return 0
    a, b = json.loads(args.a.read_text()), json.loads(args.b.read_text())
    diffs = compare(a, b)
    print(
        f"clusters {len(a['clusters'])} / {len(b['clusters'])}, "
        f"flags {len(a['flags'])} / {len(b['flags'])}: "
        + ("identical" if not diffs else "DIFFERENT")
    )
    for line in diffs:
        print("  " + line)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
