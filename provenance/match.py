"""Quote clusters: one statement as reported by many documents.

Quotes are compared after :func:`normalize` (case, accents, straight vs curly
marks, punctuation and ellipses off). No stage compares all pairs: candidates
come from blocking keys — the exact normalized text, each quote's rarest
tokens, MinHash LSH bands (datasketch) and the speaker — and are re-scored with
rapidfuzz ``process.cdist``. A pair joins one cluster when

* ``same``: ``fuzz.ratio`` ≥ :data:`SAME` (0–100 scale);
* ``fragment``: the shorter has ≥ :data:`FRAGMENT_MIN_WORDS` words and
  ``fuzz.partial_ratio`` ≥ :data:`FRAGMENT` (a partial quote of the longer);
* ``variant``: both have the same speaker and the ratio is ≥ :data:`VARIANT`
  (the material for misquote flags). Two statements by one speaker that share a
  long opening ("We are going to be here until …") can pass this; see the tests.

Clusters live in tables (``clusters``, ``cluster_members``, ``match_keys``) so a
new document only looks up its own quotes' keys: :func:`add_quotes`. Every
membership change is a ``cluster.assigned`` audit entry in the same transaction.
:func:`cluster_texts` is the same algorithm in memory, for bulk runs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq
from sqlalchemy import TextClause, delete, func, insert, text
from sqlmodel import Session, col, select

from provenance import audit
from provenance.models import Cluster, SourceRef
from provenance.store import find_speakers
from provenance.tables import (
    ClusterMemberRow,
    ClusterRow,
    DocumentRow,
    MatchKeyRow,
    QuoteRow,
    SpeakerRow,
)

SAME = 90.0
FRAGMENT = 95.0
FRAGMENT_MIN_WORDS = 3
VARIANT = 75.0
MATCHED_KINDS = ("direct", "mixed")
NUM_PERM = 64
LSH_THRESHOLD = 0.5  # Jaccard of word sets; datasketch picks bands and rows from it
SEED = 1
SCHEME = "legacy"  # the (a·h + b) mod (2^61 − 1) permutations that signatures() vectorizes
RARE_TOKENS = 3  # each quote looks up its this-many rarest tokens
MAX_DF = 200  # tokens in more quotes than this are too common to block on
MIN_TOKEN = 3  # characters; shorter tokens never block
MAX_KEY_TOKEN = 64  # characters of a token kept in its stored key
MAX_BLOCK = 2000
PARALLEL_MIN_PAIRS = 50_000  # a larger LSH bucket or speaker group is not compared as a whole

_APOSTROPHES = re.compile(r"[’'`´‘]")
_ELLIPSIS = re.compile(r"…|\.\s*\.\s*\.|\[\s*\.\.\.\s*\]")
_NON_WORD = re.compile(r"[^\w\s]|_")


def normalize(text: str) -> str:
    """Comparison form: "“It’s safe…”" and "it's safe" both become "its safe"."""
    s = _ELLIPSIS.sub(" ", text)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _APOSTROPHES.sub("", s.casefold())
    return " ".join(_NON_WORD.sub(" ", s).split())


def relation(a: str, b: str, same_speaker: bool = False) -> tuple[str | None, float]:
    """How two normalized texts relate: (same|fragment|variant|None, score 0–100)."""
    ratio = fuzz.ratio(a, b)
    if ratio >= SAME:
        return "same", ratio
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short.split()) >= FRAGMENT_MIN_WORDS:
        partial = fuzz.partial_ratio(short, long)
        if partial >= FRAGMENT:
            return "fragment", partial
    if same_speaker and ratio >= VARIANT:
        return "variant", ratio
    return None, ratio


@cache
def _lsh_params() -> tuple[int, int]:
    """(bands, rows) datasketch chooses for :data:`LSH_THRESHOLD` and :data:`NUM_PERM`."""
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def tokens(norm: str) -> set[str]:
    return {t for t in norm.split() if len(t) >= MIN_TOKEN}


def minhash(toks: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch([t.encode("utf-8") for t in sorted(toks)])
    return m


def band_keys(signature: np.ndarray) -> list[str]:
    """LSH band keys of one MinHash signature (uint64 array of :data:`NUM_PERM`)."""
    b, r = _lsh_params()
    digest = [hashlib.blake2b(signature[i * r:(i + 1) * r].tobytes(), digest_size=8)
              for i in range(b)]
    return [f"b{i}:{d.hexdigest()}" for i, d in enumerate(digest)]


def exact_key(norm: str) -> str:
    return "x:" + hashlib.blake2b(norm.encode("utf-8"), digest_size=10).hexdigest()


def signatures(token_sets: Sequence[set[str]], chunk: int = 2_000) -> np.ndarray:
    """MinHash signatures of many token sets at once: shape (n, NUM_PERM), uint32.

    The same values as ``datasketch.MinHash(num_perm, seed).update(...)`` — it uses
    datasketch's permutations and sha1 hash — computed with numpy over chunks
    (datasketch keeps them in uint64 but they never exceed 32 bits).
    """
    a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    prime, max_hash = np.uint64((1 << 61) - 1), np.uint64((1 << 32) - 1)
    vocab: dict[str, int] = {}
    out = np.full((len(token_sets), NUM_PERM), max_hash, dtype=np.uint32)
    for lo in range(0, len(token_sets), chunk):
        sets = token_sets[lo:lo + chunk]
        flat = [vocab.setdefault(t, sha1_hash32(t.encode("utf-8"))) for s in sets for t in s]
        if not flat:
            continue
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        hv = np.asarray(flat, dtype=np.uint64)[:, None]
        phv = ((hv * a + b) % prime) & max_hash
        nonempty = lengths > 0
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
        out[lo:lo + len(sets)][nonempty] = np.minimum.reduceat(phv, starts, axis=0).astype(
            np.uint32)
    return out


# ---- bulk (in memory) -----------------------------------------------------


@dataclass
class BulkResult:
    labels: np.ndarray  # cluster label per input text
    comparisons: int  # pairs scored by rapidfuzz
    blocks: int


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        p = self.parent
        root = i
        while p[root] != root:
            root = p[root]
        while p[i] != root:
            p[i], i = root, p[i]
        return int(root)

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def candidate_matrix(q: Sequence[str], c: Sequence[str], workers: int = 1) -> np.ndarray:
    """Boolean matrix: which pairs may relate (ratio ≥ VARIANT or one nearly inside the other).

    One ``cdist`` of LCS lengths gives both filters: ``fuzz.ratio`` is
    ``200·LCS/(len a + len b)``, and a fragment's LCS with its source is nearly its
    own length. :func:`relation` then checks the few pairs that pass.
    """
    # Threads cost more than they save on the many small blocks.
    workers = workers if len(q) * len(c) >= PARALLEL_MIN_PAIRS else 1
    lcs = process.cdist(q, c, scorer=LCSseq.similarity, workers=workers, dtype=np.int32)
    lq = np.fromiter((len(x) for x in q), dtype=np.int32, count=len(q))[:, None]
    lc = np.fromiter((len(x) for x in c), dtype=np.int32, count=len(c))[None, :]
    ratio_ok = 200 * lcs >= VARIANT * (lq + lc)
    inside_ok = 100 * lcs >= FRAGMENT * np.minimum(lq, lc)
    return ratio_ok | inside_ok


def _score_block(norms: list[str], speakers: list[object], rows: list[int], cols: list[int],
                 uf: _Union, workers: int) -> int:
    """Score rows × cols and join the pairs :func:`relation` accepts; returns pairs scored."""
    ok = candidate_matrix([norms[i] for i in rows], [norms[j] for j in cols], workers)
    for x, y in zip(*np.nonzero(ok), strict=True):
        i, j = rows[x], cols[y]
        if i == j or uf.find(i) == uf.find(j):
            continue
        same_speaker = speakers[i] is not None and speakers[i] == speakers[j]
        if relation(norms[i], norms[j], same_speaker)[0] is not None:
            uf.union(i, j)
    return len(rows) * len(cols)


def cluster_texts(texts: Sequence[str], speakers: Sequence[object] | None = None,
                  workers: int = 2) -> BulkResult:
    """Cluster many quotes in memory with the same blocking and scoring as the store."""
    all_norms = [normalize(t) for t in texts]
    uniq: dict[str, int] = {}
    rep = np.fromiter((uniq.setdefault(n, len(uniq)) for n in all_norms), dtype=np.int64,
                      count=len(all_norms))
    norms = list(uniq)
    spk: list[object] = [None] * len(norms)
    if speakers is not None:
        for i, s in zip(rep.tolist(), speakers, strict=True):
            if spk[i] is None:
                spk[i] = s
    uf = _Union(len(norms))
    toks = [tokens(n) for n in norms]
    df: Counter[str] = Counter(t for s in toks for t in s)
    comparisons = blocks = 0
    # Rare tokens: each quote against every quote holding one of its rarest tokens.
    postings: dict[str, list[int]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(toks):
        rare = sorted((t for t in s if 1 < df[t] <= MAX_DF), key=lambda t: (df[t], t))
        for t in s:
            if 1 < df[t] <= MAX_DF:
                postings[t].append(i)
        for t in rare[:RARE_TOKENS]:
            queries[t].append(i)
    sig = signatures(toks)
    # The largest structures; the blocks below only need ids and texts.
    del toks
    df.clear()
    for t, rows in queries.items():
        comparisons += _score_block(norms, spk, rows, postings[t], uf, workers)
        blocks += 1
    del postings, queries
    # MinHash LSH bands: quotes sharing a band are compared as a block.
    b, r = _lsh_params()
    for band in range(b):
        key = np.ascontiguousarray(sig[:, band * r:(band + 1) * r]).view(
            np.dtype((np.void, 4 * r))).ravel()
        order = np.argsort(key, kind="stable")
        sorted_keys = key[order]
        cuts = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        for group in np.split(order, cuts):
            if 1 < len(group) <= MAX_BLOCK:
                ids = group.tolist()
                comparisons += _score_block(norms, spk, ids, ids, uf, workers)
                blocks += 1
    # Speaker: a misquote may share few words with what the speaker really said.
    by_speaker: dict[object, list[int]] = defaultdict(list)
    for i, s in enumerate(spk):
        if s is not None:
            by_speaker[s].append(i)
    for same in by_speaker.values():
        if 1 < len(same) <= MAX_BLOCK:
            comparisons += _score_block(norms, spk, same, same, uf, workers)
            blocks += 1
    roots = np.fromiter((uf.find(i) for i in range(len(norms))), dtype=np.int64,
                        count=len(norms))
    return BulkResult(labels=roots[rep], comparisons=comparisons, blocks=blocks)


# ---- store (incremental) --------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _keys(norm: str, toks: set[str], signature: np.ndarray | None) -> list[str]:
    # Keys must fit their 80-character column on every database.
    keys = [exact_key(norm), *(f"t:{t[:MAX_KEY_TOKEN]}" for t in sorted(toks))]
    if toks and signature is not None:
        keys += band_keys(signature.astype(np.uint64))
    return keys


def quote_keys(text: str) -> tuple[str, list[str]]:
    """(normalized text, blocking keys) of one quote: exact, token and LSH band keys."""
    norm = normalize(text)
    toks = tokens(norm)
    return norm, _keys(norm, toks, minhash(toks).hashvalues if toks else None)


def batch_keys(texts: Sequence[str]) -> list[tuple[str, list[str]]]:
    """:func:`quote_keys` of many quotes, the MinHash signatures computed together."""
    norms = [normalize(t) for t in texts]
    toks = [tokens(n) for n in norms]
    sig = signatures(toks)
    return [(n, _keys(n, t, sig[i])) for i, (n, t) in enumerate(zip(norms, toks, strict=True))]


@cache
def _count_sql(n: int) -> TextClause:
    """Counts of ``n`` keys, each stopping at ``MAX_DF + 1`` index entries."""
    one = ("SELECT :k{i} AS k, (SELECT COUNT(*) FROM (SELECT 1 FROM match_keys "
           f"WHERE key = :k{{i}} LIMIT {MAX_DF + 1}) AS s{{i}}) AS n")
    return text(" UNION ALL ".join(one.format(i=i) for i in range(n)))


class _TokenCounts:
    """How many stored quotes hold each token key, read once per :func:`add_quotes` call.

    A count stops at ``MAX_DF + 1`` (too common to block on either way), so a
    common token costs no more to look up as the database grows; keys this call
    writes are added here instead of being counted again.
    """

    def __init__(self, session: Session) -> None:
        self.session, self.counts = session, dict[str, int]()

    def rare(self, token_keys: list[str]) -> list[str]:
        """The :data:`RARE_TOKENS` keys held by fewest quotes (1 to :data:`MAX_DF`)."""
        todo = [k for k in token_keys if k not in self.counts]
        if todo:
            params = {f"k{i}": k for i, k in enumerate(todo)}
            rows = self.session.execute(_count_sql(len(todo)), params).all()
            self.counts.update((k, n) for k, n in rows)
        found = ((self.counts[k], k) for k in token_keys)
        return [k for _, k in sorted((n, k) for n, k in found if 0 < n <= MAX_DF)[:RARE_TOKENS]]

    def added(self, token_keys: list[str]) -> None:
        for k in token_keys:
            if k in self.counts:
                self.counts[k] = min(self.counts[k] + 1, MAX_DF + 1)


def _candidates(session: Session, row: QuoteRow, keys: list[str], counts: _TokenCounts) -> set[str]:
    """Ids of stored quotes sharing a blocking key with ``row`` (itself excluded)."""
    looked_up = [k for k in keys if not k.startswith("t:")]
    looked_up += counts.rare([k for k in keys if k.startswith("t:")])
    found = set(session.exec(select(MatchKeyRow.quote_id).where(
        col(MatchKeyRow.key).in_(looked_up))).all())
    if row.speaker_id is not None:
        found |= set(session.exec(select(QuoteRow.id).where(
            QuoteRow.speaker_id == row.speaker_id,
            col(QuoteRow.kind).in_(MATCHED_KINDS)).limit(MAX_BLOCK)).all())
    found.discard(row.id)
    return found


def add_quotes(session: Session, quote_ids: Sequence[str], workers: int = 1) -> set[int]:
    """Index new quotes and join them to clusters; returns the ids of clusters changed.

    Clusters a new quote bridges are merged into the oldest one; the caller
    refreshes conflicts for the returned ids (merged-away ids are included).
    Per quote the cost is a handful of indexed look-ups, whatever the size of
    the database: candidates come only through blocking keys (each bounded by
    :data:`MAX_DF` or :data:`MAX_BLOCK`), and keys are written in one statement.
    """
    touched: set[int] = set()
    rows = session.exec(select(QuoteRow).where(col(QuoteRow.id).in_(list(quote_ids)),
                                               col(QuoteRow.kind).in_(MATCHED_KINDS))).all()
    norms: dict[str, str] = {}  # normalized text of quotes already looked at, by id
    counts = _TokenCounts(session)
    for row, (norm, keys) in zip(rows, batch_keys([r.text for r in rows]), strict=True):
        norms[row.id] = norm
        if not norm:
            continue
        cand_ids = _candidates(session, row, keys, counts)
        cands = session.exec(select(QuoteRow.id, QuoteRow.text, QuoteRow.speaker_id,
                                    ClusterMemberRow.cluster_id).join(
            ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id, isouter=True).where(
            col(QuoteRow.id).in_(cand_ids))).all() if cand_ids else []
        session.execute(insert(MatchKeyRow.__table__),  # type: ignore[attr-defined]
                        [{"quote_id": row.id, "key": k} for k in keys])
        counts.added([k for k in keys if k.startswith("t:")])
        # cluster id -> (score 0–100, relation, quote) of the best match in it
        best: dict[int, tuple[float, str, str]] = {}
        if cands:
            cnorms = [norms.get(c_id) or norms.setdefault(c_id, normalize(text))
                      for c_id, text, _, _ in cands]
            maybe = candidate_matrix([norm], cnorms, workers)[0]
            for (c_id, _, c_speaker, cluster_id), cn, ok in zip(cands, cnorms, maybe,
                                                                  strict=True):
                if not ok or cluster_id is None:
                    continue  # a quote of this batch not clustered yet has no cluster to join
                same_speaker = row.speaker_id is not None and row.speaker_id == c_speaker
                rel, score = relation(norm, cn, same_speaker)
                if rel is None:
                    continue
                held = best.get(cluster_id)
                if held is None or (score, c_id) > (held[0], held[2]):
                    best[cluster_id] = (score, rel, c_id)
        joined = set(best)
        if joined:
            target = min(joined)
            for other in sorted(joined - {target}):
                for m in session.exec(select(ClusterMemberRow).where(
                        ClusterMemberRow.cluster_id == other).order_by(
                        col(ClusterMemberRow.quote_id))):
                    m.cluster_id = target
                    audit.log_cluster_assigned(session, m.quote_id, target, other, "merged")
                session.exec(delete(ClusterRow).where(col(ClusterRow.id) == other))
            score, rel, matched = best[target]
            audit.log_cluster_assigned(session, row.id, target, None, "joined", rel,
                                       round(score, 1), matched)
        else:
            cluster = ClusterRow(canonical_quote_id=row.id, text=row.text, updated_at=_now())
            session.add(cluster)
            session.flush()
            assert cluster.id is not None
            target = cluster.id
            audit.log_cluster_assigned(session, row.id, target, None, "new")
        session.add(ClusterMemberRow(quote_id=row.id, cluster_id=target))
        session.flush()
        touched |= joined | {target}
    return touched


def forget_quotes(session: Session, quote_ids: Sequence[str]) -> set[int]:
    """Remove quotes from the blocking keys and their clusters; returns clusters changed.

    A cluster left empty is deleted.
    """
    ids = list(quote_ids)
    gone = session.exec(select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id).where(
        col(ClusterMemberRow.quote_id).in_(ids)).order_by(col(ClusterMemberRow.quote_id))).all()
    for quote_id, cluster_id in gone:
        audit.log_cluster_assigned(session, quote_id, None, cluster_id, "forgotten")
    touched = {cluster_id for _, cluster_id in gone}
    session.exec(delete(MatchKeyRow).where(col(MatchKeyRow.quote_id).in_(ids)))
    session.exec(delete(ClusterMemberRow).where(col(ClusterMemberRow.quote_id).in_(ids)))
    session.flush()
    for cluster_id in touched:
        if session.exec(select(ClusterMemberRow.quote_id).where(
                ClusterMemberRow.cluster_id == cluster_id).limit(1)).first() is None:
            session.exec(delete(ClusterRow).where(col(ClusterRow.id) == cluster_id))
    return touched


@dataclass
class Member:
    """A cluster member with what conflict checks need."""

    quote: QuoteRow
    norm: str
    speaker: str | None
    doc: DocumentRow


def members(session: Session, cluster_id: int) -> list[Member]:
    stmt = select(QuoteRow, SpeakerRow.name, DocumentRow).join(
        ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id).join(
        SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True).join(
        DocumentRow, col(QuoteRow.document_id) == DocumentRow.id).where(
        ClusterMemberRow.cluster_id == cluster_id)
    return [Member(q, normalize(q.text), name, d) for q, name, d in session.exec(stmt)]


def canonical(ms: list[Member]) -> Member:
    """The wording most documents agree on among full (not fragment) versions."""
    docs: dict[str, set[str]] = defaultdict(set)
    for m in ms:
        docs[m.norm].add(m.doc.id)
    full = [m for m in ms if not any(m.norm != o.norm and m.norm in o.norm for o in ms)]
    return max(full or ms, key=lambda m: (len(docs[m.norm]), len(m.norm), -_order(m)[0]))


def _order(m: Member) -> tuple[int, str, int]:
    published = m.doc.published or date.max
    return published.toordinal(), m.doc.path or m.doc.id, m.quote.start


def refresh_cluster(session: Session, cluster_id: int) -> list[Member]:
    """Recompute a cluster's canonical text and members' relations; [] if it is gone."""
    cluster = session.get(ClusterRow, cluster_id)
    ms = members(session, cluster_id)
    if cluster is None or not ms:
        return []
    best = canonical(ms)
    cluster.canonical_quote_id, cluster.text, cluster.updated_at = \
        best.quote.id, best.quote.text, _now()
    for m in ms:
        rel, score = relation(m.norm, best.norm, same_speaker=True)
        row = session.get(ClusterMemberRow, m.quote.id)
        assert row is not None
        row.relation, row.score = rel or "variant", round(score, 1)
    session.flush()
    return ms


def source_ref(m: Member, relation_: str = "same", score: float = 100.0) -> SourceRef:
    return SourceRef(document=m.doc.id, source=m.doc.source, path=m.doc.path,
                     published=m.doc.published, start=m.quote.start, end=m.quote.end,
                     text=m.quote.text, speaker=m.speaker, quote_id=m.quote.id,
                     relation=relation_, score=score)


def list_clusters(session: Session, speaker_ids: list[int] | None = None,
                  min_sources: int = 1) -> list[Cluster]:
    """Stored clusters with ≥ ``min_sources`` distinct outlets, most reported first."""
    out = []
    rel = {m.quote_id: m for m in session.exec(select(ClusterMemberRow))}
    for c in session.exec(select(ClusterRow)):
        assert c.id is not None
        ms = sorted(members(session, c.id), key=_order)
        if speaker_ids is not None and not any(m.quote.speaker_id in speaker_ids for m in ms):
            continue
        refs = [source_ref(m, rel[m.quote.id].relation, rel[m.quote.id].score) for m in ms]
        distinct = len({m.doc.source or m.doc.path or m.doc.id for m in ms})
        if distinct < min_sources or not refs:
            continue
        speakers = sorted({m.speaker for m in ms if m.speaker})
        out.append(Cluster(id=c.id, text=c.text, speakers=speakers, sources=refs,
                           first_appearance=refs[0], distinct_sources=distinct))
    out.sort(key=lambda c: (-c.distinct_sources, -len(c.sources), c.id))
    return out


def clear(session: Session) -> None:
    """Forget every cluster and blocking key (before a rebuild); one ``cluster.reset`` entry."""
    clusters = session.exec(select(func.count()).select_from(ClusterRow)).one()
    members_ = session.exec(select(func.count()).select_from(ClusterMemberRow)).one()
    audit.record(session, audit.CLUSTER_RESET, audit.subject("cluster", "*"),
                 {"clusters": clusters, "members": members_})
    for table in (MatchKeyRow, ClusterMemberRow, ClusterRow):
        session.exec(delete(table))


def clusters_for(session: Session, speaker: str | None = None,
                 min_sources: int = 1) -> list[Cluster]:
    """:func:`list_clusters` for a speaker name query (any spelling) or everyone."""
    ids = find_speakers(session, speaker) if speaker is not None else None
    return list_clusters(session, ids, min_sources)
