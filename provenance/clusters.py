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

What can seed a cluster (:func:`matchable`): a quote of at least
:data:`MIN_WORDS` words that is not the name of a show, book, event or
organisation in quote marks (``data/lexicons/flag_words.tsv``). Shorter quotes,
scare quotes and titles stay stored records but are never clustered, so they can
neither seed a cluster nor carry a flag.

No transitive drift: a quote joins a cluster only when it relates to the
cluster's canonical wording, or is a fragment of the member it matched (a part
of a longer quote) in exactly one cluster. A quote that merely *contains* a
member, without matching the canonical wording, is another statement that
shares a phrase: it starts its own cluster. Clusters are merged only when the
new quote matches each one's canonical wording.

Clusters live in tables (``clusters``, ``cluster_members``, ``match_keys``) so a
new document only looks up its own quotes' keys: :func:`add_quotes`. Every
membership change is a ``cluster.assigned`` audit entry in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from difflib import SequenceMatcher
from functools import cache, lru_cache
from itertools import islice
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq
from sqlalchemy import (
    Table,
    TextClause,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    text,
    update,
)
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from provenance import audit, scoring
from provenance.errors import public
from provenance.lexicon import _rows
from provenance.models import Cluster, SourceRef
from provenance.store import find_speakers
from provenance.tables import (
    LOOKUP_CHUNK,
    ClusterMemberRow,
    ClusterRow,
    DocumentRow,
    MatchKeyRow,
    QuoteRow,
    SpeakerRow,
    chunks,
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
MAX_BLOCK = 2000  # quotes of one speaker group, or of one LSH band, a quote is compared with
COUNT_CHUNK = 200  # token counts per statement (SQLite allows 500 UNION ALL terms)
KEY_INSERT_CHUNK = 5_000
PARALLEL_MIN_PAIRS = 50_000  # a larger LSH bucket or speaker group is not compared as a whole
MIN_WORDS = 3  # a quote of one or two words ("fair", "No") is a fragment, never a statement
PHRASE_WORDS = 4  # a person's quote shorter than this joins no cluster (it may seed one)
OCCASION_DAYS = 7  # a part or variant of a quote published further apart is another occasion
REQUOTE_WORDS = 10  # a wording this long, published further apart, is the same statement again
TITLE_MAX_WORDS = 8  # longer title-case quotes are headlines, not names of shows or books

_APOSTROPHES = re.compile(r"[’'`´‘]")
_ELLIPSIS = re.compile(r"…|\.\s*\.\s*\.|\[\s*\.\.\.\s*\]")
_NON_WORD = re.compile(r"[^\w\s]|_")


@lru_cache(maxsize=1 << 17)
def normalize(text: str) -> str:
    """Comparison form: "“It’s safe…”" and "it's safe" both become "its safe".

    Cached: each batch of an update reads its candidates' texts anew, and a large
    store's batches meet the same stored quotes again (speaker groups, common bands)."""
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
        # The cut-off lets rapidfuzz stop early; a score at or above it is exact.
        partial = fuzz.partial_ratio(short, long, score_cutoff=FRAGMENT)
        if partial >= FRAGMENT:
            return "fragment", partial
    if same_speaker and ratio >= VARIANT:
        return "variant", ratio
    return None, ratio


@cache
def flag_words() -> dict[str, frozenset[str]]:
    """Word classes of ``data/lexicons/flag_words.tsv``: title, title_cue, title_small, function."""
    classes: dict[str, set[str]] = defaultdict(set)
    for row in _rows("flag_words.tsv"):
        classes[row[1].strip()].add(row[0].strip().lower())
    return {k: frozenset(v) for k, v in classes.items()}


def is_title(text: str, norm: str | None = None) -> bool:
    """Whether a quote is the name of a show, book, film, event or organisation.

    Either a known title ("Meet the Press", "Fox and Friends"), or a short quote
    written in title case — every word capitalized but the small ones — that holds
    a title cue word ("Fox News Sunday", "The Kelly File", "Republican Jewish
    Coalition Forum"). A title-case headline quote with no cue word ("Makes You
    Want To Retch") is not taken for a title. ``norm``: its :func:`normalize` form,
    when the caller has it.
    """
    norm = normalize(text) if norm is None else norm
    words = flag_words()
    if norm in words.get("title", frozenset()) or norm.removeprefix("the ") in words.get(
        "title", frozenset()
    ):
        return True
    raw = [w for w in re.findall(r"[^\W_][\w’'&.-]*", text)]
    if not raw or len(raw) > TITLE_MAX_WORDS:
        return False
    small = words.get("title_small", frozenset())
    capitalized = all(w[0].isupper() or w[0].isdigit() or w.lower() in small for w in raw)
    return (
        capitalized
        and raw[0][0].isupper()
        and any(w in words.get("title_cue", frozenset()) for w in norm.split())
    )


STATEMENT_WORDS = 6  # a quote this long is a statement, not a stock phrase
FULL_SENTENCE_WORDS = 4  # a capitalized, closed sentence this long is a statement too
_SENTENCE_END = re.compile(r"[.?!][\s’'\"”)]*$")


def is_statement(text: str) -> bool:
    """≥ :data:`STATEMENT_WORDS` words, or a whole sentence ("We lost the vote.")."""
    # Words as written: "commander-in-chief" is one word, not three. Counted only up
    # to STATEMENT_WORDS: most quotes are longer, and this runs once per quote matched.
    n = 0
    for w in text.split():
        if any(ch.isalnum() for ch in w):
            n += 1
            if n >= STATEMENT_WORDS:
                return True
    stripped = text.strip(" “‘\"'")
    return (
        n >= FULL_SENTENCE_WORDS and stripped[:1].isupper() and bool(_SENTENCE_END.search(stripped))
    )


def matchable(text: str) -> bool:
    """Whether a quote may seed or join a cluster: a statement, not a fragment or a title."""
    return _matchable(text, normalize(text))


def _matchable(text: str, norm: str) -> bool:
    """:func:`matchable` of ``text`` whose :func:`normalize` form is ``norm``."""
    return len(norm.split()) >= MIN_WORDS and not is_title(text, norm)


LSH_BANDS, LSH_ROWS = 14, 4
"""What ``datasketch.MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)`` chooses
(a test checks): importing datasketch to compute it pulls in scipy, ~0.6 s of every
``ingest`` and ``match``."""


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


def _ratios(common: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``fuzz.ratio`` from LCS lengths, with rapidfuzz's own float steps (normalized
    Indel distance ``(la + lb − 2·LCS) / (la + lb)``, then ``(1 − d)·100``), so the
    values are bit for bit those of a second ``cdist`` (checked in the tests)."""
    # Two empty texts are 100 alike; the divisor 1 only keeps numpy quiet for them.
    dist = (lengths - 2 * common).astype(np.float64) / np.maximum(lengths, 1).astype(np.float64)
    return np.where(lengths == 0, 100.0, (1.0 - dist) * 100.0)


def relation_hits(
    q: str, c: Sequence[str], same_speaker: Sequence[bool] | np.ndarray, workers: int = 1
) -> list[tuple[int, str, float]]:
    """(index, relation, score 0–100) of those of ``c`` that :func:`relation` relates
    to ``q`` (relation not None), in index order.

    The same tests as :func:`relation`, done on numpy arrays over the whole row
    from one ``cdist`` of LCS lengths (``fuzz.ratio`` is ``200·LCS/(len a + len b)``,
    :func:`_ratios`), so a speaker group of 2,000 quotes costs one ``cdist`` and a few
    array operations, with Python only for the pairs that relate. A pair whose
    ratio is under :data:`VARIANT` and whose shorter text cannot be a fragment of the
    longer is ruled out; ``partial_ratio`` runs only where it can reach
    :data:`FRAGMENT`: a window of the longer text scoring ``F`` shares at least
    ``F·len/(200 − F)`` characters (LCS) with the shorter (rapidfuzz also scores
    windows cut short at the ends of the longer text, so not ``F`` % of them).
    """
    if not c:
        return []
    workers = workers if len(c) >= PARALLEL_MIN_PAIRS else 1
    common = process.cdist([q], c, scorer=LCSseq.similarity, workers=workers, dtype=np.int64)[0]
    lc = np.fromiter(map(len, c), dtype=np.int64, count=len(c))
    ratios = _ratios(common, len(q) + lc)
    shorter = np.minimum(lc, len(q))
    # A part may share only F/(200 − F) of its characters with the longer text, not F %:
    # "reopen the bridge …" in "… the bridge reopen …", 41 of 45, partial_ratio 95.3.
    ruled_out = (200 * common < VARIANT * (len(q) + lc)) & (
        common * (200 - FRAGMENT) < FRAGMENT * shorter
    )
    is_same = ~ruled_out & (ratios >= SAME)
    rest = ~ruled_out & ~is_same
    need = rest & (common * (200 - FRAGMENT) >= FRAGMENT * shorter)
    variant = rest & ~need & np.asarray(same_speaker, dtype=bool) & (ratios >= VARIANT)
    # relation()'s fragment test for every pair that needs one, in one cdist: the
    # shorter text must have FRAGMENT_MIN_WORDS words; partial_ratio puts the shorter
    # first itself (and relation passes it first), so the scores are the same.
    q_words = len(q.split())
    tested = [
        i
        for i in np.flatnonzero(need).tolist()
        if (q_words if len(q) <= len(c[i]) else len(c[i].split())) >= FRAGMENT_MIN_WORDS
    ]
    # A part found word for word in the longer text scores 100 without the search.
    partial: dict[int, float] = {}
    inside = []
    for i in tested:
        short, long = (q, c[i]) if len(q) <= len(c[i]) else (c[i], q)
        if short in long:
            partial[i] = 100.0
        else:
            inside.append(i)
    tested = inside
    if tested:
        scores = process.cdist(
            [q],
            [c[i] for i in tested],
            scorer=fuzz.partial_ratio,
            score_cutoff=FRAGMENT,
            workers=workers,
            dtype=np.float64,
        )[0]
        partial.update(zip(tested, scores.tolist(), strict=True))
    out: list[tuple[int, str, float]] = []
    for i in np.flatnonzero(is_same | need | variant).tolist():
        if is_same[i]:
            out.append((i, "same", float(ratios[i])))
        elif need[i]:
            score = partial.get(i, 0.0)
            if score >= FRAGMENT:
                out.append((i, "fragment", score))
            elif same_speaker[i] and ratios[i] >= VARIANT:
                out.append((i, "variant", float(ratios[i])))
        else:
            out.append((i, "variant", float(ratios[i])))
    return out


def relations_to(
    norms: Sequence[str], best: str, same_speaker: bool = False
) -> list[tuple[str | None, float]]:
    """``[relation(n, best, same_speaker) for n in norms]`` (each a relation and a score
    0–100), from one ``cdist`` of LCS lengths: :func:`relation` itself runs only for the
    pairs whose LCS lets ``partial_ratio`` reach :data:`FRAGMENT` (the bound of
    :func:`relation_hits`). A cluster's refresh and its flags relate every wording of it
    to the canonical one; one call per wording was most of a touched cluster's cost."""
    if not norms:
        return []
    common = process.cdist([best], norms, scorer=LCSseq.similarity, dtype=np.int64)[0]
    lc = np.fromiter(map(len, norms), dtype=np.int64, count=len(norms))
    ratios = _ratios(common, len(best) + lc).tolist()
    maybe_part = (common * (200 - FRAGMENT) >= FRAGMENT * np.minimum(lc, len(best))).tolist()
    out: list[tuple[str | None, float]] = []
    for n, ratio, part in zip(norms, ratios, maybe_part, strict=True):
        if ratio >= SAME:
            out.append(("same", ratio))
        elif part:
            out.append(relation(n, best, same_speaker))
        elif same_speaker and ratio >= VARIANT:
            out.append(("variant", ratio))
        else:
            out.append((None, ratio))
    return out


# ---- store (incremental) --------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


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
def _count_sql(n: int) -> TextClause:
    """Counts of ``n`` keys, each stopping at ``MAX_DF + 1`` index entries."""
    one = (
        "SELECT :k{i} AS k, (SELECT COUNT(*) FROM (SELECT 1 FROM match_keys "
        f"WHERE key = :k{{i}} LIMIT {MAX_DF + 1}) AS s{{i}}) AS n"
    )
    return text(" UNION ALL ".join(one.format(i=i) for i in range(n)))


class _Written:
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


class _Carry:
    """What one :func:`add_quotes` call knows of the quotes and clusters it met, kept from
    batch to batch: a quote's text, speaker, document and date, a speaker's group and
    kind, a cluster's canonical wording do not change during a call, and a quote's
    cluster changes only by the call's own placements and merges, which go through here.

    A rebuild's later batches meet the earlier ones' quotes again and again (a speaker's
    quotes, an LSH band): read and normalized once per call, not once per batch, or a
    million quotes are read ~50 times over. ~1 KB a quote.
    """

    def __init__(self, session: Session) -> None:
        # quote id -> (normalized text, speaker id) and its cluster (None: none yet)
        self.known: dict[str, tuple[str, int | None]] = {}
        self.cluster_of: dict[str, int | None] = {}
        self.members_of: dict[int, set[str]] = defaultdict(set)
        # cluster id -> (normalized canonical text, its speaker id): what a joiner must match
        self.canon: dict[int, tuple[str, int | None]] = {}
        self.canon_quote: dict[int, str] = {}  # cluster id -> its canonical quote's id
        self.founded: set[int] = set()  # clusters this call started
        self.speaker_kind: dict[int, str] = {}
        self.speakers: dict[int, list[str]] = {}  # speaker id -> its group (speaker_group)
        self.published = _Published(session)


class _Batch:
    """What one :func:`add_quotes` call knows: stored keys it looked up, and its own quotes.

    Every stored blocking key, token count, speaker group and candidate quote is
    read from the database at most once per call, through the key index; the
    keys of the call's own quotes are kept here and written at the end. A quote
    therefore sees exactly what it would see if each earlier quote had been
    written before it was looked at.
    """

    def __init__(
        self,
        session: Session,
        rows: Sequence[NewQuote],
        written: _Written | None = None,
        carry: _Carry | None = None,
    ) -> None:
        self.session = session
        self.written = written
        carry = carry if carry is not None else _Carry(session)
        self.postings: dict[str, list[str]] = {}  # stored key -> quote ids
        self.counts: dict[str, int] = {}  # stored token key -> quotes, capped at MAX_DF + 1
        # What does not change during the call is the call's (see _Carry), read once
        # for all its batches.
        self.speakers = carry.speakers
        self.known = carry.known
        self.cluster_of = carry.cluster_of
        self.cluster_of.update((r.id, None) for r in rows)
        self.members_of = carry.members_of
        self.canon = carry.canon
        self.canon_quote = carry.canon_quote
        self.founded = carry.founded
        self.speaker_kind = carry.speaker_kind
        self.published = carry.published
        # The quotes this batch has met (its own, and the stored ones it read): numbered
        # by index().
        self.met: set[str] = {r.id for r in rows}
        # This call's quotes with their keys, in the order they were indexed: written at
        # the end (the lists are the caller's; nothing is copied per key).
        self.new_keys: list[tuple[str, list[str]]] = []
        self.added: dict[str, None] = {}  # this call's quotes placed in a cluster, in order
        self.gone: list[int] = []  # clusters merged away, their rows deleted at the end
        # Every quote the call may meet, numbered in id order once prefetch() has read
        # them (index()): candidates are then numpy arrays of these numbers, their
        # clusters and speakers looked up by array indexing, not quote by quote.
        self.rank: dict[str, int] = {}
        self.ids: list[str] = []
        self.norm_at: list[str] = []
        self.speaker_at = np.zeros(0, dtype=np.int64)  # NO_SPEAKER: none
        self.cluster_at = np.zeros(0, dtype=np.int64)  # NO_CLUSTER: none (yet)
        self.numbered = False  # index() has run: keep the arrays current
        self.in_order = True  # numbers follow id order (no quote met after index())
        self.posting_at: dict[str, np.ndarray] = {}  # stored key -> numbers
        self.group_at: dict[int, np.ndarray] = {}  # speaker id -> numbers of stored quotes
        self.fresh_at: dict[str, list[int]] = defaultdict(list)  # this call's key -> numbers

    def kinds(self, speaker_ids: set[int]) -> dict[int, str]:
        """Speaker id -> kind (person, organization, document, anonymous), read once."""
        todo = sorted(i for i in speaker_ids if i not in self.speaker_kind)
        for lo in range(0, len(todo), LOOKUP_CHUNK):
            rows = self.session.exec(
                select(SpeakerRow.id, SpeakerRow.kind).where(
                    col(SpeakerRow.id).in_(todo[lo : lo + LOOKUP_CHUNK])
                )
            ).all()
            self.speaker_kind.update((i, k) for i, k in rows if i is not None)
        return self.speaker_kind

    def canonical_of(self, cluster_ids: set[int]) -> dict[int, tuple[str, int | None]]:
        """(normalized canonical wording, speaker id) of each of ``cluster_ids``."""
        todo = sorted(c for c in cluster_ids if c not in self.canon)
        for part in chunks(todo):
            for c_id, c_text, speaker, c_quote in self.session.exec(
                select(
                    ClusterRow.id,
                    ClusterRow.text,
                    QuoteRow.speaker_id,
                    ClusterRow.canonical_quote_id,
                )
                .join(QuoteRow, col(QuoteRow.id) == ClusterRow.canonical_quote_id, isouter=True)
                .where(col(ClusterRow.id).in_(part))
            ):
                assert c_id is not None
                self.canon[c_id] = normalize(c_text), speaker
                self.canon_quote[c_id] = c_quote
        return {c: self.canon[c] for c in cluster_ids if c in self.canon}

    def rare(self, token_keys: list[str]) -> list[str]:
        """The :data:`RARE_TOKENS` keys held by fewest quotes (1 to :data:`MAX_DF`)."""
        counts, fresh = self.counts, self.fresh_at
        self._read_counts([k for k in token_keys if k not in counts])
        return _rarest(token_keys, counts, {k: len(fresh[k]) for k in token_keys if k in fresh})

    def prefetch(self, rows: Sequence[NewQuote], keys: Sequence[list[str]]) -> None:
        """Read, in a few statements for the whole call, what :meth:`candidate_numbers`
        would otherwise read quote by quote.

        Stored keys do not change during a call (its own keys are written at the
        end), so the stored token counts and the postings of every key a quote will
        look up (its rarest tokens: known now, see below) are the same read now or
        later; the stored quotes they lead to are placed in their clusters now, and
        :meth:`merged` moves them as the call merges clusters, as a later read would
        have found them.
        """
        token_keys = sorted({k for ks in keys for k in ks if k.startswith("t:")})
        self._read_counts([k for k in token_keys if k not in self.counts])
        # Of a quote's tokens only the rarest are looked up (rare()): which they are
        # depends on the stored counts and on how many of the batch's quotes before it
        # hold each, both known now (the quotes are indexed in this order), so only
        # their postings are read: the others' (up to MAX_DF each) grow with the store.
        wanted_set: set[str] = set()
        before: dict[str, int] = defaultdict(int)  # this batch's quotes so far, per key
        for ks in keys:
            tokens_ = [k for k in ks if k.startswith("t:")]
            wanted_set.update(k for k in ks if not k.startswith("t:"))
            wanted_set.update(_rarest(tokens_, self.counts, before))
            for k in tokens_:
                before[k] += 1
        wanted = sorted(wanted_set)
        todo = [k for k in wanted if k not in self.postings]
        self._read_postings(todo)
        speakers = sorted({r.speaker_id for r in rows if r.speaker_id is not None})
        self.speaker_groups(speakers)
        found = {q for k in wanted for q in self.postings[k]}
        for speaker in speakers:
            found.update(self.speakers[speaker])
        self.load(found)
        known, cluster_of = self.known, self.cluster_of
        self.kinds(
            set(speakers) | {s for q in self.met if q in known and (s := known[q][1]) is not None}
        )
        # The canonical wording of every stored cluster a candidate is in: no call
        # changes a stored cluster's text (refresh_clusters runs after), so read now.
        self.canonical_of({c for q in self.met if (c := cluster_of.get(q)) is not None})
        self.index()

    def index(self) -> None:
        """Number every quote met so far in id order (see :meth:`candidate_numbers`)."""
        self.ids = sorted(self.met)
        self.rank = {q: i for i, q in enumerate(self.ids)}
        self.norm_at = [self.known[q][0] if q in self.known else "" for q in self.ids]
        self.speaker_at = np.fromiter(
            (
                _speaker_number(self.known[q][1]) if q in self.known else NO_SPEAKER
                for q in self.ids
            ),
            dtype=np.int64,
            count=len(self.ids),
        )
        self.cluster_at = np.fromiter(
            (_cluster_number(self.cluster_of.get(q)) for q in self.ids),
            dtype=np.int64,
            count=len(self.ids),
        )
        self.in_order = self.numbered = True

    def number(self, quote_id: str) -> int:
        """The number of ``quote_id``; one met after :meth:`index` is appended."""
        n = self.rank.get(quote_id)
        if n is None:
            n = self.rank[quote_id] = len(self.ids)
            self.ids.append(quote_id)
            known = self.known.get(quote_id)
            self.norm_at.append(known[0] if known else "")
            if n >= len(self.cluster_at):
                # Room for as many again: appending one by one copies the arrays each time.
                more = max(16, len(self.cluster_at))
                self.speaker_at = np.concatenate(
                    (self.speaker_at, np.full(more, NO_SPEAKER, dtype=np.int64))
                )
                self.cluster_at = np.concatenate(
                    (self.cluster_at, np.full(more, NO_CLUSTER, dtype=np.int64))
                )
            self.speaker_at[n] = _speaker_number(known[1]) if known else NO_SPEAKER
            self.cluster_at[n] = _cluster_number(self.cluster_of.get(quote_id))
            self.in_order = False
        return n

    def know(self, quote_id: str, norm: str, speaker_id: int | None) -> None:
        self.known[quote_id] = norm, speaker_id
        if self.numbered:
            n = self.number(quote_id)
            self.norm_at[n] = norm
            self.speaker_at[n] = _speaker_number(speaker_id)

    def candidate_numbers(self, row: NewQuote, keys: list[str]) -> np.ndarray:
        """Numbers, in number order, of the quotes sharing a blocking key or the speaker
        with ``row`` that are in a cluster (``row`` itself excluded). Number order is
        quote id order while :attr:`in_order`; otherwise the caller sorts what it keeps."""
        looked_up = [k for k in keys if not k.startswith("t:")]
        looked_up += self.rare([k for k in keys if k.startswith("t:")])
        todo = [k for k in looked_up if k not in self.postings]
        self._read_postings(todo)
        self.load({q for k in todo for q in self.postings[k]})
        parts = []
        posting_at, fresh_at = self.posting_at, self.fresh_at
        for k in looked_up:
            stored = posting_at.get(k)
            if stored is None:
                held = self.postings[k]
                # Most keys of a first ingest or a rebuild have no stored quote.
                stored = posting_at[k] = (
                    np.fromiter((self.number(q) for q in held), dtype=np.int64) if held else _NONE
                )
            fresh = fresh_at.get(k)
            if k[0] == "b" and len(stored) + len(fresh or ()) > MAX_BLOCK:
                # An LSH band of quotes made of the same common words grows with the
                # store; like a speaker group it is cut at MAX_BLOCK, its first quotes kept.
                stored = stored[:MAX_BLOCK]
                fresh = fresh[: MAX_BLOCK - len(stored)] if fresh else fresh
            if len(stored):
                parts.append(stored)
            if fresh:
                parts.append(np.asarray(fresh, dtype=np.int64))
        if row.speaker_id is not None:
            group = self.group_at.get(row.speaker_id)
            if group is None:
                same = self.speaker_group(row.speaker_id)
                self.load(set(same))
                group = self.group_at[row.speaker_id] = np.fromiter(
                    (self.number(q) for q in same), dtype=np.int64
                )
            parts.append(group)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        found = _sorted_unique(np.concatenate(parts))
        keep = self.cluster_at[found] != NO_CLUSTER
        own = self.rank.get(row.id)
        if own is not None:
            keep &= found != own
        return found[keep]

    def entry(self, n: int) -> tuple[str, str, int | None, int]:
        """(id, normalized text, speaker id, cluster id) of quote number ``n``."""
        q = self.ids[n]
        cluster = int(self.cluster_at[n])
        assert cluster != PENDING, "a candidate is assigned before the quotes that meet it"
        return q, self.norm_at[n], self.known[q][1], cluster

    def scored_canon(
        self,
        cluster_id: int,
        canon: tuple[str, int | None],
        found: np.ndarray,
        scored: list[tuple[int, str, float]],
        into: dict[int, tuple[str | None, float]],
    ) -> bool:
        """Put the relation of a quote to ``cluster_id``'s canonical wording ``canon`` into
        ``into`` when its canonical quote is one of the quote's candidates ``found``
        (``scored``: their ``relation_hits``), with that wording and speaker: the same
        pair, scored once. False when it is not (the caller scores it)."""
        n = self.rank.get(self.canon_quote.get(cluster_id, ""))
        if n is None or self.norm_at[n] != canon[0]:
            return False
        if self.speaker_at[n] != _speaker_number(canon[1]):
            return False
        at = int(np.searchsorted(found, n))
        if at >= len(found) or found[at] != n:
            return False
        for i, rel, score in scored:
            if i == at:
                into[cluster_id] = rel, score
                break
        return True

    def pend(self, quote_id: str) -> None:
        """Mark a quote whose candidates are found as one later quotes may meet: it is
        assigned a cluster (every matchable quote is) before any of them is."""
        self.cluster_at[self.number(quote_id)] = PENDING

    def speaker_groups(self, speaker_ids: list[int]) -> None:
        """:meth:`speaker_group` of many speakers: one statement per chunk of them.

        A group larger than :data:`MAX_BLOCK` is read again on its own, so the cut
        falls where :meth:`speaker_group` puts it.
        """
        todo = [s for s in speaker_ids if s not in self.speakers]
        groups: dict[int, list[str]] = defaultdict(list)
        conn = self.session.connection()  # Core: see load()
        for part in chunks(todo):
            for speaker_id, quote_id in conn.execute(
                sa_select(col(QuoteRow.speaker_id), col(QuoteRow.id)).where(
                    col(QuoteRow.speaker_id).in_(part), col(QuoteRow.kind).in_(MATCHED_KINDS)
                )
            ).all():
                assert speaker_id is not None
                groups[speaker_id].append(quote_id)
        for speaker_id in todo:
            if len(groups[speaker_id]) <= MAX_BLOCK:
                self.speakers[speaker_id] = groups[speaker_id]
            else:
                self.speaker_group(speaker_id)

    def speaker_group(self, speaker_id: int) -> list[str]:
        if speaker_id not in self.speakers:
            self.speakers[speaker_id] = list(
                self.session.exec(
                    select(QuoteRow.id)
                    .where(QuoteRow.speaker_id == speaker_id, col(QuoteRow.kind).in_(MATCHED_KINDS))
                    .limit(MAX_BLOCK)
                ).all()
            )
        return self.speakers[speaker_id]

    def load(self, ids: set[str]) -> None:
        """Read the text, speaker and cluster of those of ``ids`` not read yet."""
        if not self.numbered:
            self.met.update(ids)
        todo = sorted(q for q in ids if q not in self.known and q not in self.cluster_of)
        # Core reads, as for the postings: rows, not ORM results.
        conn = self.session.connection()
        # With each quote its document and date (what joins() compares), in the same read.
        of, document = self.published.of, self.published.document
        for part in chunks(todo):
            for q_id, q_text, speaker, cluster, doc, day in conn.execute(
                sa_select(
                    col(QuoteRow.id),
                    col(QuoteRow.text),
                    col(QuoteRow.speaker_id),
                    col(ClusterMemberRow.cluster_id),
                    col(DocumentRow.id),
                    col(DocumentRow.published),
                )
                .join(DocumentRow, col(DocumentRow.id) == col(QuoteRow.document_id))
                .join(ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id, isouter=True)
                .where(col(QuoteRow.id).in_(part))
            ).all():
                self.know(q_id, normalize(q_text), speaker)
                self.place(q_id, cluster)
                of[q_id], document[q_id] = day, doc

    def _from_written(self, keys: list[str], postings: bool = True) -> None:
        """Counts of the token keys among ``keys`` and, with ``postings``, the postings of
        every key (a token's only while it is held by at most :data:`MAX_DF`), from what
        this call wrote."""
        assert self.written is not None
        if not keys:  # the common case of a quote's look-ups: prefetch() read them
            return
        counts, where = self.written.find(keys)
        for k, n, at in zip(keys, counts.tolist(), where, strict=True):
            if k.startswith("t:"):
                self.counts[k] = min(n, MAX_DF + 1)  # as _count_sql counts
                if not postings or n > MAX_DF:
                    continue  # a token held more often is never looked up
            self.postings[k] = self.written.postings(at) if n else []

    def _read_counts(self, token_keys: list[str]) -> None:
        """Stored quotes holding each of ``token_keys`` (none counted yet), up to MAX_DF + 1."""
        if self.written is not None:
            self._from_written(token_keys, postings=False)
            return
        for part in chunks(token_keys, COUNT_CHUNK):
            params = {f"k{i}": k for i, k in enumerate(part)}
            self.counts.update(
                (k, n) for k, n in self.session.execute(_count_sql(len(part)), params).all()
            )

    def _read_postings(self, keys: list[str]) -> None:
        """Read the stored quotes of each of ``keys`` (none cached yet) into the cache."""
        if self.written is not None:
            self._from_written(keys)
            return
        for k in keys:
            self.postings[k] = []
        # A Core read (no ORM result processing), each chunk fetched whole (iterating a
        # result fetches row by row, ~2.5× slower): a batch of a large store reads millions
        # of postings. The keys are written by this module's cursor, never held by the session.
        conn = self.session.connection()
        for part in chunks(keys):
            for key, quote_id in conn.execute(
                select(MatchKeyRow.key, MatchKeyRow.quote_id).where(col(MatchKeyRow.key).in_(part))
            ).all():
                self.postings[key].append(quote_id)

    def place(self, quote_id: str, cluster: int | None) -> None:
        self.cluster_of[quote_id] = cluster
        if cluster is not None:
            self.members_of[cluster].add(quote_id)
        if self.numbered:
            self.cluster_at[self.number(quote_id)] = _cluster_number(cluster)

    def merged(self, other: int, target: int) -> None:
        for q in self.members_of.pop(other, set()):
            self.place(q, target)

    def indexed(self, quote_id: str, keys: list[str]) -> None:
        n = self.number(quote_id)
        for k in keys:
            self.fresh_at[k].append(n)
        self.new_keys.append((quote_id, keys))


_NONE = np.zeros(0, dtype=np.int64)  # shared, never written: concatenate copies


def _rarest(
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


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int array, by sorting: numpy 2 finds integers' unique values
    by hashing, ~14× slower on the few thousand numbers of a speaker group."""
    a.sort()
    keep = np.empty(len(a), dtype=bool)
    keep[:1] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


NO_SPEAKER = -1  # speaker ids count from 1
NO_CLUSTER = -1  # cluster ids count from 1
PENDING = -2  # candidates found, cluster not assigned yet (see _Batch.pend)


def _speaker_number(speaker_id: int | None) -> int:
    return NO_SPEAKER if speaker_id is None else speaker_id


def _cluster_number(cluster_id: int | None) -> int:
    return NO_CLUSTER if cluster_id is None else cluster_id


def joins(
    norm: str,
    speaker_id: int | None,
    rel: str,
    member: str,
    canon: tuple[str, int | None] | None,
    days: int | None = None,
    canon_rel: tuple[str | None, float] | None = None,
) -> str | None:
    """How a quote that relates (``rel``) to ``member`` may join that member's cluster.

    ``"canon"``: it matches the cluster's canonical wording (same, or contains it).
    ``"inside"``: it is a part of the canonical wording or of the member it
    matched; such a part may sit in many statements, so it joins only when one
    cluster holds it. ``"variant"``: another wording of the canonical by its
    speaker (:func:`one_wording`); it joins as a part does, so it merges no
    clusters. None: it may not join. Containing the canonical wording
    counts only when that wording is a statement of :data:`STATEMENT_WORDS` or
    more words: two speeches that both contain "we will win" are not one statement,
    and only when both are by one speaker (or either is unknown): another person's
    statement that holds these words is quoting them or says something else.

    One occasion: a quote published more than :data:`OCCASION_DAYS` after or before
    the member it matched (``days``; None: a date unknown) joins only when it has the
    canonical wording itself (``same``) and at least :data:`REQUOTE_WORDS` words: a
    speaker repeats a line ("we're going to build a wall", "the great Trojan horse")
    in speech after speech, and a part, a variant or a short line months later is
    another utterance.

    ``canon_rel``: the quote's :func:`relation` to ``canon`` (its speaker compared),
    when the caller has it: a quote meets many members of one cluster, all with the
    same canonical wording.
    """
    if canon is None:
        return "canon"
    c_norm, c_speaker = canon
    if canon_rel is None:
        canon_rel = relation(norm, c_norm, speaker_id is not None and speaker_id == c_speaker)
    c_rel = canon_rel[0]
    if days is not None and days > OCCASION_DAYS:
        # Only a long statement is quoted again word for word weeks later; a short
        # one ("Medicare for all", "we're going to build a wall") is said again.
        return "canon" if c_rel == "same" and len(norm.split()) >= REQUOTE_WORDS else None
    if c_rel == "same":
        return "canon"
    if c_rel == "variant":
        # Another wording joins, but merges nothing: A the same as C and C a variant of
        # B does not make A and B one statement.
        return "variant" if one_wording(norm, c_norm) else None
    other_person = speaker_id is not None and c_speaker is not None and speaker_id != c_speaker
    if (
        c_rel == "fragment"
        and len(norm) > len(c_norm)
        and len(c_norm.split()) >= STATEMENT_WORDS
        and not other_person
    ):
        return "canon"
    if (c_rel == "fragment" and len(norm) <= len(c_norm)) or (
        rel == "fragment" and len(norm) <= len(member)
    ):
        return "inside"
    return None


class _Published:
    """Documents and their publication dates of quotes, for :func:`joins`, each read once
    per call."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.of: dict[str, date | None] = {}
        self.document: dict[str, str] = {}  # quote id -> document id

    def read(self, quote_ids: list[str]) -> None:
        of = self.of
        todo = sorted({q for q in quote_ids if q not in of})
        if not todo:
            return
        conn = self.session.connection()  # a Core read: rows, no ORM result processing
        for part in chunks(todo):
            for q, doc, day in conn.execute(
                sa_select(col(QuoteRow.id), col(DocumentRow.id), col(DocumentRow.published))
                .join(DocumentRow, col(DocumentRow.id) == col(QuoteRow.document_id))
                .where(col(QuoteRow.id).in_(part))
            ).all():
                of[q], self.document[q] = day, doc

    def days(self, a: str, b: str) -> int | None:
        da, db = self.of.get(a), self.of.get(b)
        return None if da is None or db is None else abs((da - db).days)


@lru_cache(maxsize=4096)
def one_wording(a: str, b: str) -> bool:
    """Whether two normalized variants can be one utterance reported twice: one is the
    other with words cut (a subsequence of it), or some words are put in others'
    place. Words only added at one point and only dropped at another ("no, I meant
    he's the founder" / "I meant exactly that. He's the founder") are two answers."""
    wa, wb = a.split(), b.split()
    ops = [op for op, *_ in SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes()]
    return "replace" in ops or not ("insert" in ops and "delete" in ops)


def stock_phrase(
    norm: str, statement: bool, speaker: int | None, other: int | None, kinds: dict[int, str]
) -> bool:
    """Whether a quote that is no statement (``statement``: :func:`is_statement`) is a
    stock phrase towards a member by ``other``: both speakers known and different, and
    both people ("jobs, jobs, jobs", "I'm still here"), or, for a phrase under
    :data:`PHRASE_WORDS` words, either one a person and neither a document ("happy to
    see" in a newspaper's summary and in an adviser's sentence). A memo's fixed text
    may still be quoted in part by another report of it ("an imminent hazard"), even
    when that report's speaker came out wrong."""
    if statement or speaker is None or other is None or speaker == other:
        return False
    pair = (kinds.get(speaker), kinds.get(other))
    people = pair.count("person")
    return people == 2 or (
        people == 1 and "document" not in pair and len(norm.split()) < PHRASE_WORDS
    )


def _cluster_inserter(session: Session) -> Callable[[str, str], int]:
    """A function inserting one cluster row (canonical quote id, text) and returning its id.

    A new cluster's id is needed at once (its audit entry names it). Through the
    ORM or a Core statement each insert costs ~0.4 ms of SQLAlchemy work, most of
    the time of a store's cross-source update on news; on SQLite the same
    statement goes through the transaction's own DBAPI cursor (``lastrowid``),
    with the value conversions SQLAlchemy would apply.
    """
    table = ClusterRow.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        stmt = insert(table)

        def add(quote_id: str, text_: str) -> int:
            created = session.execute(
                stmt, {"canonical_quote_id": quote_id, "text": text_, "updated_at": _now()}
            )
            return int(created.inserted_primary_key[0])  # type: ignore[attr-defined]

        return add
    to_db = table.c.updated_at.type.bind_processor(conn.dialect) or (lambda v: v)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    sql = "INSERT INTO clusters (canonical_quote_id, text, updated_at) VALUES (?, ?, ?)"

    def add_sqlite(quote_id: str, text_: str) -> int:
        cursor.execute(sql, (quote_id, text_, to_db(_now())))
        return int(cursor.lastrowid)

    return add_sqlite


class Added(NamedTuple):
    """What :func:`add_quotes` changed."""

    changed: set[int]
    """Clusters changed, merged-away ids included: their flags need a refresh."""
    lone: set[int]
    """Of ``changed``, the clusters the call started that hold only the quote that
    started them. Each is stored as :func:`refresh_clusters` would leave it (that quote
    canonical, its membership "same" at 100) and one quote has nothing to conflict with."""


def add_quotes(
    session: Session,
    quote_ids: Sequence[str],
    workers: int = 1,
    digests: Mapping[str, bytes] | None = None,
) -> Added:
    """Index new quotes and join them to clusters; returns the clusters changed.

    ``workers``: processes to score candidates in (:mod:`provenance.scoring`).
    ``digests``: band digests of quote texts computed already (:func:`band_digests`).

    Clusters a new quote bridges are merged into the oldest one; the caller
    refreshes the changed clusters and their flags (:class:`Added`).
    The cost per quote does not grow with the database: candidates come only
    through indexed blocking keys (a token counts only while it is in at most
    :data:`MAX_DF` quotes, a speaker group is cut at :data:`MAX_BLOCK`), each
    read once per call (:class:`_Batch`), and the keys are written together.
    """
    rows = _quotes_to_match(session, quote_ids)
    new_cluster = _cluster_inserter(session)
    touched: set[int] = set()
    # A batch is the unit of postings and candidates held in memory; a later batch
    # reads the earlier ones' keys from the store (or from _Written) and knows their
    # quotes and memberships (_Carry), which is what the earlier quotes of one batch
    # give (see _Batch), so results do not depend on ADD_BATCH.
    first = session.execute(sa_select(col(MatchKeyRow.id)).limit(1)).first() is None
    # Into an empty key table (a first ingest, a rebuild) every key stored from then on
    # is this call's: held in memory, read from there, written without indexes.
    written = _Written() if first else None
    carry = _Carry(session)
    with key_indexes_off(session) if first and rows else nullcontext():
        for lo in range(0, len(rows), ADD_BATCH):
            touched |= _add_batch(
                session, rows[lo : lo + ADD_BATCH], workers, new_cluster, digests, written, carry
            )
    # A merged-away cluster's members moved out of members_of: it is not lone.
    lone = {c for c in carry.founded if len(carry.members_of.get(c, ())) == 1}
    return Added(touched, lone)


class NewQuote(NamedTuple):
    """What :func:`add_quotes` reads of a quote to match."""

    id: str
    text: str
    speaker_id: int | None


ONE_STATEMENT_MAX = 30_000
"""Quote ids read to match in one statement (under the 32,766 parameters SQLite allows
where it was built with its old default; 250,000 since 3.32)."""
MATCH_READ_CHUNK = 5_000
"""Quote ids per statement beyond :data:`ONE_STATEMENT_MAX`."""
WHOLE_TABLE_SHARE = 4
"""Beyond :data:`ONE_STATEMENT_MAX` ids, the table is read whole when the ids are at least
a 1/this share of the stored quotes (a rebuild of a million quotes passes a million)."""


def _quotes_to_match(session: Session, quote_ids: Sequence[str]) -> list[NewQuote]:
    """The matched kinds among ``quote_ids`` (only what matching reads, not whole rows: a
    rebuild reads every stored quote), in the order they are assigned in.

    Up to :data:`ONE_STATEMENT_MAX` ids, one statement, in the order the database gives
    it (as it always was). Beyond, a chunk at a time, in the order SQLite gave the one
    statement for large lists, through its kind index: kind, then storage order
    (``rowid``); PostgreSQL has no storage order to rely on: kind, then the order of
    ``quote_ids``. The order depending on the query plan is a known wart: a rebuild of a
    small store assigns in another order than a large one (see the README).
    """
    ids = list(quote_ids)
    if len(ids) <= ONE_STATEMENT_MAX:
        return [
            NewQuote(*r)
            for r in session.execute(
                sa_select(col(QuoteRow.id), col(QuoteRow.text), col(QuoteRow.speaker_id)).where(
                    col(QuoteRow.id).in_(ids), col(QuoteRow.kind).in_(MATCHED_KINDS)
                )
            )
        ]
    session.flush()  # rows held back (provenance.batch) are stored first: Core reads below
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    stored: Any = literal_column("quotes.rowid") if sqlite else literal_column("0")
    found: list[tuple[str, int, NewQuote]] = []
    columns = (col(QuoteRow.id), col(QuoteRow.text), col(QuoteRow.speaker_id), col(QuoteRow.kind))
    matched = col(QuoteRow.kind).in_(MATCHED_KINDS)
    stored_quotes = conn.execute(sa_select(func.count()).select_from(QuoteRow)).scalar() or 0
    whole = len(ids) * WHOLE_TABLE_SHARE >= stored_quotes
    if whole:
        # Most of the store (a rebuild lists every quote): one pass over the table, not a
        # look-up per id, each a random read of the table (a million quotes: minutes).
        wanted = set(ids)
        found.extend(
            (kind, at, NewQuote(q, t, sp))
            for q, t, sp, kind, at in conn.execute(sa_select(*columns, stored).where(matched))
            if q in wanted
        )
    for lo in range(0, 0 if whole else len(ids), MATCH_READ_CHUNK):
        found.extend(
            (kind, at, NewQuote(q, t, sp))
            for q, t, sp, kind, at in conn.execute(
                sa_select(*columns, stored).where(
                    col(QuoteRow.id).in_(ids[lo : lo + MATCH_READ_CHUNK]), matched
                )
            ).all()
        )
    if not sqlite:
        position = {q: i for i, q in enumerate(ids)}
        found = [(kind, position[r.id], r) for kind, _, r in found]
    found.sort(key=lambda f: (f[0], f[1]))
    return [r for _, _, r in found]


ADD_BATCH = 20_000
"""Quotes matched per :class:`_Batch`: ~20 KB each in memory (keys, candidates)."""


def _add_batch(
    session: Session,
    rows: Sequence[NewQuote],
    workers: int,
    new_cluster: Callable[[str, str], int],
    digests: Mapping[str, bytes] | None,
    written: _Written | None,
    carry: _Carry,
) -> set[int]:
    touched: set[int] = set()
    batch = _Batch(session, rows, written, carry)
    published = batch.published
    # The batch's own quotes at once: a rebuild's candidates are nearly all among them.
    published.read([r.id for r in rows])
    keyed = batch_keys([r.text for r in rows], digests)
    ok = [bool(n) and _matchable(r.text, n) for r, (n, _) in zip(rows, keyed, strict=True)]
    looked = [(r, k) for r, (_, k), y in zip(rows, keyed, ok, strict=True) if y]
    batch.prefetch([r for r, _ in looked], [k for _, k in looked])
    # Every quote's text is known before any is scored: the scoring workers inherit them.
    for row, (norm, _) in zip(rows, keyed, strict=True):
        batch.know(row.id, norm, row.speaker_id)
    todo = [(row, norm, keys) for row, (norm, keys), y in zip(rows, keyed, ok, strict=True) if y]
    # Quotes not matchable are kept as records, never clustered: a fragment, scare
    # quote or title. The others' candidates and relations come scored (see
    # provenance.scoring), in order.
    with scoring.scoring_pool(batch.norm_at, workers, len(todo)) as pool:
        for (row, norm, found), scored in scoring.pipelined(
            _found_windows(batch, todo), pool, workers, batch.norm_at
        ):
            touched |= _assign(session, batch, new_cluster, row, norm, found, scored)
    # In the order they joined (a cluster's members are read in insertion order),
    # each in the cluster it ended in after this call's merges.
    _insert_many(
        session,
        ClusterMemberRow.__table__,  # type: ignore[attr-defined]
        ("quote_id", "cluster_id", "score", "relation"),
        ((q, batch.cluster_of[q], 100.0, "same") for q in batch.added),
    )
    _insert_many(
        session,
        MatchKeyRow.__table__,  # type: ignore[attr-defined]
        ("quote_id", "key"),
        ((q, k) for q, keys in batch.new_keys for k in keys),
    )
    if batch.gone:
        clusters_table = ClusterRow.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            delete(clusters_table).where(clusters_table.c.id == bindparam("gone")),
            [{"gone": c} for c in batch.gone],
        )
    if written is not None:
        written.add(batch.new_keys)
    session.flush()
    return touched


def _found_windows(
    batch: _Batch, todo: list[tuple[NewQuote, str, list[str]]]
) -> Iterator[tuple[list[tuple[NewQuote, str, np.ndarray]], list[scoring.Task]]]:
    """The candidates of ``todo``'s quotes, in windows of :data:`scoring.WINDOW`, each
    quote indexed and pending (:meth:`_Batch.pend`) as its candidates are found: what
    the quotes after it see, whatever cluster it will be assigned."""
    for lo in range(0, len(todo), scoring.WINDOW):
        items, tasks = [], []
        for row, norm, keys in todo[lo : lo + scoring.WINDOW]:
            found = batch.candidate_numbers(row, keys)
            batch.indexed(row.id, keys)
            batch.pend(row.id)
            same = (
                batch.speaker_at[found] == row.speaker_id
                if row.speaker_id is not None
                else np.zeros(len(found), dtype=bool)
            )
            items.append((row, norm, found))
            tasks.append(scoring.task(norm, found, same, batch.norm_at))
        yield items, tasks


_MEMBER_IDS = sa_select(ClusterMemberRow.__table__.c.quote_id).where(  # type: ignore[attr-defined]
    ClusterMemberRow.__table__.c.cluster_id == bindparam("cluster")  # type: ignore[attr-defined]
)
"""The ids of a cluster's stored members (built once: a statement costs ~0.1 ms to build)."""


def _assign(
    session: Session,
    batch: _Batch,
    new_cluster: Callable[[str, str], int],
    row: NewQuote,
    norm: str,
    found: np.ndarray,
    scored: list[scoring.Hit],
) -> set[int]:
    """Join ``row`` to the cluster(s) its related candidates allow, or start one;
    returns the clusters changed. ``scored``: ``relation_hits`` of ``found``."""
    published = batch.published
    # cluster id -> (score 0–100, relation, quote) of the best match in it
    best: dict[int, tuple[float, str, str]] = {}
    via: dict[int, str] = {}  # cluster id -> "canon", "inside" or "variant" (see joins)
    if len(found):
        numbers = found.tolist()
        # Only related candidates count below: the others would be skipped anyway.
        hits = [(batch.entry(numbers[i]), rel, score) for i, rel, score in scored]
        if not batch.in_order:
            # Hits are taken in quote id order (the first way into a cluster is kept);
            # sorting the few hits, not the many candidates, costs least.
            hits.sort(key=lambda h: h[0][0])
        canon = batch.canonical_of({c[3] for c, _, _ in hits})
        published.read([c[0] for c, _, _ in hits])
        # A short phrase ("jobs, jobs, jobs", "I'm still here") from two people is a
        # stock phrase, not one statement; a memo or a crowd may be quoted in part.
        statement = is_statement(row.text)
        kinds = (
            {}
            if statement or row.speaker_id is None
            else batch.kinds({row.speaker_id} | {c[2] for c, _, _ in hits if c[2] is not None})
        )
        if len(norm.split()) < PHRASE_WORDS and (
            row.speaker_id is None or kinds.get(row.speaker_id) == "person"
        ):
            # A person's three words ("do the right thing", "happy to see") are a
            # phrase anyone says; a memo quoted in part ("an imminent hazard") is not.
            hits = []
        # A variant of a member of its own document: the document reports two
        # utterances (a talking point said twice in one debate), not one.
        own = published.document.get(row.id)
        barred = {
            c[3] for c, rel, _ in hits if rel == "variant" and published.document.get(c[0]) == own
        }
        # Once per cluster, not per member met (they share one canonical wording),
        # in one relation_hits: a quote meets members of several clusters.
        to_canon: dict[int, tuple[str | None, float]] = {}
        if hits:
            cs = [c for c in canon if c not in barred]
            to_canon = {c: (None, 0.0) for c in cs}
            # A canonical quote among the candidates is scored already; the others now.
            rest = [c for c in cs if not batch.scored_canon(c, canon[c], found, scored, to_canon)]
            for i, c_rel, c_score in relation_hits(
                norm,
                [canon[c][0] for c in rest],
                [row.speaker_id is not None and row.speaker_id == canon[c][1] for c in rest],
            ):
                to_canon[rest[i]] = c_rel, c_score
        for (c_id, c_norm, c_speaker, cluster_id), rel, score in hits:
            if cluster_id in barred:
                continue
            if stock_phrase(norm, statement, row.speaker_id, c_speaker, kinds):
                continue
            how = joins(
                norm,
                row.speaker_id,
                rel,
                c_norm,
                canon.get(cluster_id),
                published.days(row.id, c_id),
                to_canon.get(cluster_id),
            )
            if how is None:
                continue
            if how == "canon" or cluster_id not in via:
                via[cluster_id] = how
            held = best.get(cluster_id)
            if held is None or (score, c_id) > (held[0], held[2]):
                best[cluster_id] = (score, rel, c_id)
    # Clusters merge only through a quote matching each one's canonical wording; a
    # phrase inside members of several clusters ("commander in chief") joins none.
    joined = {c for c, how in via.items() if how == "canon"}
    if not joined and len(via) == 1:
        joined = set(via)
    if joined:
        target = min(joined)
        for other in sorted(joined - {target}):
            # This batch's own members are written at its end (batch.added); the
            # stored ones move with one UPDATE. Entries go in quote id order.
            ours = batch.members_of.get(other, set())
            if other in batch.founded:
                # Started by this call: every member is one it placed, so it knows them
                # all; those of an earlier batch are stored.
                stored: Sequence[str] = [q for q in ours if q not in batch.added]
            else:
                # A Core read: no autoflush, nothing the session holds changes it.
                stored = (
                    session.connection().execute(_MEMBER_IDS, {"cluster": other}).scalars().all()
                )
            moved = set(stored) | {q for q in ours if q in batch.added}
            for quote_id in sorted(moved):
                audit.log_cluster_assigned(session, quote_id, target, other, "merged")
            if stored:
                session.execute(
                    update(ClusterMemberRow)
                    .where(col(ClusterMemberRow.cluster_id) == other)
                    .values(cluster_id=target)
                )
            # Deleted at the batch's end, in one statement: nothing reads a merged-away
            # cluster's row (its members and canonical wording are known here).
            batch.gone.append(other)
            batch.merged(other, target)
        score, rel, matched = best[target]
        audit.log_cluster_assigned(
            session, row.id, target, None, "joined", rel, round(score, 1), matched
        )
    else:
        # A Core insert gives the id without flushing the whole session for it.
        target = new_cluster(row.id, row.text)
        batch.canon[target] = norm, row.speaker_id
        batch.canon_quote[target] = row.id
        batch.founded.add(target)
        audit.log_cluster_assigned(session, row.id, target, None, "new")
    batch.added[row.id] = None
    batch.place(row.id, target)
    return joined | {target}


def _insert_many(
    session: Session, table: Table, names: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values of the columns ``names``, plain strings and numbers) in
    chunks of :data:`KEY_INSERT_CHUNK`, made as they are written.

    A store of 12,000 quotes writes ~400,000 blocking keys; on SQLite they go
    through the transaction's DBAPI cursor, which spares SQLAlchemy's
    per-row parameter processing (a third of the insert's time); the values need
    no conversion.
    """
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    cursor = conn.connection.driver_connection.cursor() if sqlite else None  # type: ignore[union-attr]
    it = iter(rows)
    while part := list(islice(it, KEY_INSERT_CHUNK)):
        if cursor is not None:
            cursor.executemany(sql, part)
        else:
            session.execute(insert(table), [dict(zip(names, r, strict=True)) for r in part])


def forget_quotes(session: Session, quote_ids: Sequence[str]) -> set[int]:
    """Remove quotes from the blocking keys and their clusters; returns clusters changed.

    A cluster left empty is deleted.
    """
    ids = list(quote_ids)
    gone = session.exec(
        select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id)
        .where(col(ClusterMemberRow.quote_id).in_(ids))
        .order_by(col(ClusterMemberRow.quote_id))
    ).all()
    for quote_id, cluster_id in gone:
        audit.log_cluster_assigned(session, quote_id, None, cluster_id, "forgotten")
    touched = {cluster_id for _, cluster_id in gone}
    session.exec(delete(MatchKeyRow).where(col(MatchKeyRow.quote_id).in_(ids)))
    session.exec(delete(ClusterMemberRow).where(col(ClusterMemberRow.quote_id).in_(ids)))
    session.flush()
    for cluster_id in touched:
        if (
            session.exec(
                select(ClusterMemberRow.quote_id)
                .where(ClusterMemberRow.cluster_id == cluster_id)
                .limit(1)
            ).first()
            is None
        ):
            session.exec(delete(ClusterRow).where(col(ClusterRow.id) == cluster_id))
    return touched


class DocRef(NamedTuple):
    """What cluster and conflict checks read of a member's document: not its text,
    which a look-up of whole rows would read again for every member."""

    id: str
    source: str | None
    path: str | None
    published: date | None


@dataclass
class Member:
    """A cluster member with what conflict checks need."""

    quote: QuoteRow
    norm: str
    speaker: str | None
    doc: DocRef
    speaker_kind: str | None = None  # person | organization | document | anonymous


def members(session: Session, cluster_id: int) -> list[Member]:
    return members_of(session, [cluster_id]).get(cluster_id, [])


def members_of(session: Session, cluster_ids: Sequence[int]) -> dict[int, list[Member]]:
    """Members of each of ``cluster_ids``, a few statements for all of them.

    Each cluster's members come in the order one look-up of that cluster alone
    gives (the ``cluster_members(cluster_id)`` index, then insertion order):
    flags list their records in that order.
    """
    out: dict[int, list[Member]] = {}
    for part in chunks(sorted(set(cluster_ids))):
        stmt = (
            sa_select(
                col(ClusterMemberRow.cluster_id),
                QuoteRow,
                col(SpeakerRow.name),
                col(DocumentRow.id),
                col(DocumentRow.source),
                col(DocumentRow.path),
                col(DocumentRow.published),
                col(SpeakerRow.kind),
            )
            .join(ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id)
            .join(SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True)
            .join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id)
            .where(col(ClusterMemberRow.cluster_id).in_(part))
        )
        for cluster_id, q, name, d_id, source, path, published, kind in session.execute(stmt):
            doc = DocRef(d_id, source, path, published)
            out.setdefault(cluster_id, []).append(Member(q, normalize(q.text), name, doc, kind))
    return out


def canonical(ms: list[Member]) -> Member:
    """The wording most documents agree on among full (not fragment) versions."""
    docs: dict[str, set[str]] = defaultdict(set)
    for m in ms:
        docs[m.norm].add(m.doc.id)
    # Compared over distinct wordings: a much-reported cluster repeats a few of them.
    full_wordings = _full_wordings(docs)
    full = [m for m in ms if m.norm in full_wordings]
    # Ties go to the first in (date, path, offset, id) order, whatever order the members
    # were read in: verify re-derives the choice and must find the same one.
    ordered = sorted(full or ms, key=lambda m: (*_order(m), m.quote.id))
    return max(ordered, key=lambda m: (len(docs[m.norm]), len(m.norm), -_order(m)[0]))


def _full_wordings(wordings: Iterable[str]) -> set[str]:
    """The wordings not found inside another one (distinct normalized texts).

    Only a longer wording can hold a distinct one, so each is looked for in the
    longer ones joined by a newline (never in a normalized text, so no match spans
    two): one search in C per wording, not one per pair.
    """
    ordered = sorted(wordings, key=len)
    joined = "\n".join(ordered)
    out: set[str] = set()
    at, longer_from, k = 0, [], 0
    for n in ordered:  # where each wording starts in ``joined``
        longer_from.append(at)
        at += len(n) + 1
    for n in ordered:
        while k < len(ordered) and len(ordered[k]) <= len(n):
            k += 1
        if k == len(ordered) or joined.find(n, longer_from[k]) < 0:
            out.add(n)
    return out


def _order(m: Member) -> tuple[int, str, int]:
    published = m.doc.published or date.max
    return published.toordinal(), m.doc.path or m.doc.id, m.quote.start


def refresh_cluster(session: Session, cluster_id: int) -> list[Member]:
    """Recompute a cluster's canonical text and members' relations; [] if it is gone."""
    return refresh_clusters(session, [cluster_id]).get(cluster_id, [])


def refresh_clusters(session: Session, cluster_ids: Sequence[int]) -> dict[int, list[Member]]:
    """:func:`refresh_cluster` of many clusters: their members and cluster ids read in a
    few statements, the new values written with two ``executemany`` updates.

    Core statements, not ORM objects: a rebuild refreshes every cluster, and loading,
    setting and flushing a row object per cluster and member cost more than the
    refresh itself (the values written are the same).
    """
    found = members_of(session, cluster_ids)
    ids = sorted(found)
    clusters_table = ClusterRow.__table__  # type: ignore[attr-defined]
    members_table = ClusterMemberRow.__table__  # type: ignore[attr-defined]
    stored: set[int] = set()
    for part in chunks(ids):
        stored.update(
            session.execute(
                sa_select(clusters_table.c.id).where(clusters_table.c.id.in_(part))
            ).scalars()
        )
    out: dict[int, list[Member]] = {}
    now = _now()
    cluster_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    for cluster_id in ids:
        if cluster_id not in stored:
            continue
        ms = found[cluster_id]
        best = canonical(ms)
        cluster_rows.append(
            {"b_id": cluster_id, "b_quote": best.quote.id, "b_text": best.quote.text, "b_at": now}
        )
        wordings = list(dict.fromkeys(m.norm for m in ms))  # members share wordings
        to_best = dict(zip(wordings, relations_to(wordings, best.norm, True), strict=True))
        for m in ms:
            rel, score = to_best[m.norm]
            member_rows.append(
                {"b_quote": m.quote.id, "b_relation": rel or "variant", "b_score": round(score, 1)}
            )
        out[cluster_id] = ms
    if cluster_rows:
        session.execute(
            update(clusters_table)
            .where(clusters_table.c.id == bindparam("b_id"))
            .values(
                canonical_quote_id=bindparam("b_quote"),
                text=bindparam("b_text"),
                updated_at=bindparam("b_at"),
            ),
            cluster_rows,
        )
    if member_rows:
        session.execute(
            update(members_table)
            .where(members_table.c.quote_id == bindparam("b_quote"))
            .values(relation=bindparam("b_relation"), score=bindparam("b_score")),
            member_rows,
        )
    session.flush()
    return out


def source_ref(m: Member, relation_: str = "same", score: float = 100.0) -> SourceRef:
    return SourceRef(
        document=m.doc.id,
        source=m.doc.source,
        path=m.doc.path,
        published=m.doc.published,
        start=m.quote.start,
        end=m.quote.end,
        text=m.quote.text,
        speaker=m.speaker,
        quote_id=m.quote.id,
        relation=relation_,
        score=score,
    )


def list_clusters(
    session: Session, speaker_ids: list[int] | None = None, min_sources: int = 1
) -> list[Cluster]:
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
        out.append(
            Cluster(
                id=c.id,
                text=c.text,
                speakers=speakers,
                sources=refs,
                first_appearance=refs[0],
                distinct_sources=distinct,
            )
        )
    out.sort(key=lambda c: (-c.distinct_sources, -len(c.sources), c.id))
    return out


@contextmanager
def key_indexes_off(session: Session) -> Iterator[None]:
    """Drop the indexes of ``match_keys`` while the block runs, build them after.

    For :func:`add_quotes` into an empty key table (a rebuild, a first ingest), which
    writes every key and reads none back from the table (:class:`_Written` holds them):
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


def clear(session: Session) -> None:
    """Forget every cluster and blocking key (before a rebuild); one ``cluster.reset`` entry."""
    clusters = session.exec(select(func.count()).select_from(ClusterRow)).one()
    members_ = session.exec(select(func.count()).select_from(ClusterMemberRow)).one()
    audit.record(
        session,
        audit.CLUSTER_RESET,
        audit.subject("cluster", "*"),
        {"clusters": clusters, "members": members_},
    )
    for table in (MatchKeyRow, ClusterMemberRow, ClusterRow):
        session.exec(delete(table))


@public
def clusters_for(
    session: Session, speaker: str | None = None, min_sources: int = 1
) -> list[Cluster]:
    """:func:`list_clusters` for a speaker name query (any spelling) or everyone."""
    ids = find_speakers(session, speaker) if speaker is not None else None
    return list_clusters(session, ids, min_sources)
