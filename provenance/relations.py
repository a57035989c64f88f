"""How two quotes relate, for clustering: their comparison form and the relation tests.

:func:`normalize` is the form quotes are compared in (case, accents, straight vs
curly marks, punctuation and ellipses off). :func:`relation` says whether two
normalized texts are the ``same`` statement (``fuzz.ratio`` ≥ :data:`SAME`), a
``fragment`` of one another (``fuzz.partial_ratio`` ≥ :data:`FRAGMENT`, the shorter
of :data:`FRAGMENT_MIN_WORDS` words or more) or, by one speaker, a ``variant``
(ratio ≥ :data:`VARIANT`); scores are rapidfuzz's, 0–100. :func:`relation_hits` and
:func:`relations_to` run the same tests over many texts from one ``cdist``.
:func:`matchable`, :func:`is_title` and :func:`is_statement` say what may seed a
cluster; :func:`joins`, :func:`one_wording` and :func:`stock_phrase` whether a
related quote may join one (:mod:`provenance.clusters` explains the rules).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import cache, lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from provenance.lexicon import _rows

SAME = 90.0


FRAGMENT = 95.0


FRAGMENT_MIN_WORDS = 3


VARIANT = 75.0


MATCHED_KINDS = ("direct", "mixed")


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
    return matchable_norm(text, normalize(text))


def matchable_norm(text: str, norm: str) -> bool:
    """:func:`matchable` of ``text`` whose :func:`normalize` form is ``norm``."""
    return len(norm.split()) >= MIN_WORDS and not is_title(text, norm)


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
