"""Blocking keys: which stored quotes a new quote is compared with at all.

Each matchable quote gets keys (:func:`batch_keys`): its exact normalized text, its
tokens (only the :data:`RARE_TOKENS` rarest, held by at most :data:`MAX_DF` quotes,
are looked up) and the bands of a MinHash LSH signature (datasketch's permutations
and hash, computed with numpy by :func:`signatures`; :data:`LSH_BANDS` ×
:data:`LSH_ROWS` for Jaccard :data:`LSH_THRESHOLD`). The keys are stored in
``match_keys``; :class:`WrittenKeys` holds them in memory when one call wrote them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache

import numpy as np
from sqlalchemy import (
    TextClause,
    text,
)
from sqlmodel import Session

from provenance.relations import normalize
from provenance.tables import (
    MatchKeyRow,
)

NUM_PERM = 64


LSH_THRESHOLD = 0.5  # Jaccard of word sets; datasketch picks bands and rows from it


SEED = 1


SCHEME = "legacy"  # the (a·h + b) mod (2^61 − 1) permutations that signatures() vectorizes


RARE_TOKENS = 3  # each quote looks up its this-many rarest tokens


MAX_DF = 200  # tokens in more quotes than this are too common to block on


MIN_TOKEN = 3  # characters; shorter tokens never block


MAX_KEY_TOKEN = 64  # characters of a token kept in its stored key


LSH_BANDS, LSH_ROWS = 14, 4


def _lsh_params() -> tuple[int, int]:
    """(bands, rows) of the LSH index for :data:`LSH_THRESHOLD` and :data:`NUM_PERM`."""
    return LSH_BANDS, LSH_ROWS


def tokens(norm: str) -> set[str]:
    return {t for t in norm.split() if len(t) >= MIN_TOKEN}


def band_keys(signature: np.ndarray) -> list[str]:
    """LSH band keys of one MinHash signature (uint64 array of :data:`NUM_PERM`)."""
    return _band_strings(_band_digest(signature))


def _band_digest(signature: np.ndarray) -> bytes:
    """The 8-byte blake2b digests of the bands of ``signature``, one after another."""
    b, r = _lsh_params()
    return b"".join(
        hashlib.blake2b(signature[i * r : (i + 1) * r].tobytes(), digest_size=8).digest()
        for i in range(b)
    )


def _band_strings(digest: bytes) -> list[str]:
    return [f"b{i}:{digest[8 * i : 8 * i + 8].hex()}" for i in range(len(digest) // 8)]


def exact_key(norm: str) -> str:
    return "x:" + hashlib.blake2b(norm.encode("utf-8"), digest_size=10).hexdigest()


@cache
def _permutations() -> np.ndarray:
    """datasketch's "legacy" MinHash permutations for :data:`NUM_PERM` and :data:`SEED`
    (``MinHash._init_permutations``), made here so datasketch is not imported."""
    gen = np.random.RandomState(SEED)
    prime = np.uint64((1 << 61) - 1)
    return np.array(
        [
            (gen.randint(1, prime, dtype=np.uint64), gen.randint(0, prime, dtype=np.uint64))
            for _ in range(NUM_PERM)
        ],
        dtype=np.uint64,
    ).T


def sha1_hash32(data: bytes) -> int:
    """datasketch's ``sha1_hash32``: the first 4 bytes of SHA-1, little-endian."""
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def signatures(token_sets: Sequence[set[str]], chunk: int = 2_000) -> np.ndarray:
    """MinHash signatures of many token sets at once: shape (n, NUM_PERM), uint32.

    The same values as ``datasketch.MinHash(num_perm, seed).update(...)`` — it uses
    datasketch's permutations and sha1 hash — computed with numpy over chunks
    (datasketch keeps them in uint64 but they never exceed 32 bits).
    """
    a, b = _permutations()
    prime, max_hash = np.uint64((1 << 61) - 1), np.uint64((1 << 32) - 1)
    vocab: dict[str, int] = {}
    out = np.full((len(token_sets), NUM_PERM), max_hash, dtype=np.uint32)
    for lo in range(0, len(token_sets), chunk):
        sets = token_sets[lo : lo + chunk]
        flat = [vocab.setdefault(t, sha1_hash32(t.encode("utf-8"))) for s in sets for t in s]
        if not flat:
            continue
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        hv = np.asarray(flat, dtype=np.uint64)[:, None]
        phv = ((hv * a + b) % prime) & max_hash
        nonempty = lengths > 0
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
        out[lo : lo + len(sets)][nonempty] = np.minimum.reduceat(phv, starts, axis=0).astype(
            np.uint32
        )
    return out


def _keys(norm: str, toks: set[str], bands: bytes) -> list[str]:
    # Keys must fit their 80-character column on every database.
    keys = [exact_key(norm), *(f"t:{t[:MAX_KEY_TOKEN]}" for t in sorted(toks))]
    if toks:
        keys += _band_strings(bands)
    return keys


def band_digests(texts: Sequence[str]) -> dict[str, bytes]:
    """Text -> the LSH band digests :func:`batch_keys` makes its band keys of (the MinHash
    signature: most of its work), for computing them where the texts are extracted:
    ingest's workers. ``b""`` for a text without tokens (it has no band keys)."""
    toks = [tokens(normalize(t)) for t in texts]
    sig = signatures(toks)
    return {
        t: _band_digest(sig[i].astype(np.uint64)) if tk else b""
        for i, (t, tk) in enumerate(zip(texts, toks, strict=True))
    }


def batch_keys(
    texts: Sequence[str], digests: Mapping[str, bytes] | None = None
) -> list[tuple[str, list[str]]]:
    """(normalized text, blocking keys: exact, token and LSH band) of each quote, the
    MinHash signatures computed together; a text's band digests are taken from
    ``digests`` (:func:`band_digests`) when it has them."""
    given = digests or {}
    made = band_digests([t for t in dict.fromkeys(texts) if t not in given])
    out = []
    for t in texts:
        n = normalize(t)
        out.append((n, _keys(n, tokens(n), given[t] if t in given else made[t])))
    return out


@cache
def count_sql(n: int) -> TextClause:
    """Counts of ``n`` keys, each stopping at ``MAX_DF + 1`` index entries."""
    one = (
        "SELECT :k{i} AS k, (SELECT COUNT(*) FROM (SELECT 1 FROM match_keys "
        f"WHERE key = :k{{i}} LIMIT {MAX_DF + 1}) AS s{{i}}) AS n"
    )
    return text(" UNION ALL ".join(one.format(i=i) for i in range(n)))


class WrittenKeys:
    """Every key in the key table with the quotes holding it, as hashes (Python's
    ``hash``: this process only) and quote numbers, when one :func:`add_quotes` call
    wrote them all (it began with the table empty: a rebuild, a first ingest).

    A later batch of the call reads its postings and token counts here, not back from
    the table: a rebuild's batches would otherwise read a growing share of what the
    earlier ones wrote (a million stored quotes: ~33 million keys). Postings come in
    the order written, the order the key index gives them. Keys are kept in sorted runs,
    a run merged into the one before while that one is at most twice its size, so a
    look-up searches a few runs and each key is re-sorted a few times. ~12 bytes a key.
    Two keys of one hash (64 bits) would share their postings: extra candidates, each
    still compared on its text.
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted hashes, quote numbers)
        self.quotes: list[str] = []  # quote number -> quote id

    def add(self, new_keys: Sequence[tuple[str, list[str]]]) -> None:
        """Add the keys of quotes, in the order they are written."""
        first = len(self.quotes)
        self.quotes.extend(q for q, _ in new_keys)
        sizes = np.fromiter((len(ks) for _, ks in new_keys), dtype=np.int64, count=len(new_keys))
        hashes = np.fromiter(
            (hash(k) for _, ks in new_keys for k in ks), dtype=np.int64, count=int(sizes.sum())
        )
        owners = np.repeat(np.arange(first, len(self.quotes), dtype=np.int32), sizes)
        order = np.argsort(hashes, kind="stable")
        self.runs.append((hashes[order], owners[order]))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (h1, o1), (h2, o2) = self.runs.pop(-2), self.runs.pop()
            hashes, owners = np.concatenate((h1, h2)), np.concatenate((o1, o2))
            order = np.argsort(hashes, kind="stable")  # the older run's entries stay first
            self.runs.append((hashes[order], owners[order]))

    def find(self, keys: Sequence[str]) -> tuple[np.ndarray, list[list[tuple[int, int, int]]]]:
        """(how many postings each of ``keys`` has, where they are: (run, start, end)
        slices of the runs, oldest first, for :meth:`postings`)."""
        h = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
        counts = np.zeros(len(keys), dtype=np.int64)
        where: list[list[tuple[int, int, int]]] = [[] for _ in keys]
        order = np.argsort(h)  # searched in order: ~10× quicker than at random
        sorted_h = h[order]
        for r, (hashes, _) in enumerate(self.runs):
            lo = np.searchsorted(hashes, sorted_h, "left")
            hi = np.searchsorted(hashes, sorted_h, "right")
            counts[order] += hi - lo
            for i in np.flatnonzero(hi > lo).tolist():
                where[int(order[i])].append((r, int(lo[i]), int(hi[i])))
        return counts, where

    def postings(self, where: list[tuple[int, int, int]]) -> list[str]:
        """The quote ids at ``where`` (from :meth:`find`), in the order written."""
        quotes = self.quotes
        return [quotes[o] for r, lo, hi in where for o in self.runs[r][1][lo:hi].tolist()]


def rarest(
    token_keys: Sequence[str], stored: Mapping[str, int], fresh: Mapping[str, int]
) -> list[str]:
    """The :data:`RARE_TOKENS` of ``token_keys`` held by fewest quotes (1 to
    :data:`MAX_DF`): ``stored`` quotes and this call's ``fresh`` ones (absent: none)."""
    held = []
    for k in token_keys:
        n = stored[k] + fresh.get(k, 0)
        if 0 < n <= MAX_DF:
            held.append((n, k))
    held.sort()
    return [k for _, k in held[:RARE_TOKENS]]


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int array, by sorting: numpy 2 finds integers' unique values
    by hashing, ~14× slower on the few thousand numbers of a speaker group."""
    a.sort()
    keep = np.empty(len(a), dtype=bool)
    keep[:1] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


@contextmanager
def key_indexes_off(session: Session) -> Iterator[None]:
    """Drop the indexes of ``match_keys`` while the block runs, build them after.

    For :func:`add_quotes` into an empty key table (a rebuild, a first ingest), which
    writes every key and reads none back from the table (:class:`WrittenKeys` holds them):
    kept up to date row by row, an index takes its entries in random order, which at a
    large store costs more than writing the keys (quote ids, 40,000 quotes: 8.2 s with
    the index, 4.6 s writing without and building it after; the keys' own index: a
    sampled batch of a 200,000-quote rebuild spent more than half its time writing keys
    with it). Built after, each is one sort. In the
    caller's transaction: if the block fails, the rollback restores the indexes with
    everything else.
    """
    table = MatchKeyRow.__table__  # type: ignore[attr-defined]
    indexes = sorted(table.indexes, key=lambda i: i.name)
    for index in indexes:
        index.drop(session.connection())
    yield
    for index in indexes:
        index.create(session.connection())
