"""Person names: the keys names are compared by, and the name queries of ``quotes``.

:func:`fold` makes the accent-, case- and punctuation-insensitive key ("O’Brién" =
"obrien"); :func:`name_parts` splits a name into first name and surname;
:func:`first_names_agree`, :func:`name_gender` and :func:`typo_level` are what the
in-document resolver (:mod:`provenance.speakers`) and the cross-document index
(:mod:`provenance.speaker_index`) ask of two names. :func:`query_matches`,
:func:`speakers_meant` and :func:`suggestions` find stored speakers by a forgiving
query ("newson", "Gov. Ramirez"). Scores are rapidfuzz's, 0–100.

This module imports neither the extractor nor the models: ``provenance quotes
--speaker X`` needs it at start-up (issue 15: ≤ 0.3 s).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from provenance.errors import NotFoundError
from provenance.lexicon import load, word_class

SHORT_NAME = 5  # surnames shorter than this must match exactly
QUERY_TOKEN_MIN_SCORE = 80.0  # rapidfuzz ratio, 0–100

_APOSTROPHES = re.compile(r"[’'`´]")
_NOT_WORD = re.compile(r"[^\w\s]")


@lru_cache(maxsize=1 << 16)  # called for every candidate of every match: names repeat
def fold(s: str) -> str:
    """Accent-, case- and punctuation-insensitive key: "O’Brién" -> "obrien"."""
    if not s.isascii():  # ASCII has no accents to take off (most names, and fast)
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _APOSTROPHES.sub("", s.casefold())
    return " ".join(_NOT_WORD.sub(" ", s).split())


POSSESSIVE = re.compile(r"(?<=\w)[’'`´]s?(?=\s|$)")


@lru_cache(maxsize=1 << 16)
def name_parts(name: str) -> tuple[str | None, str]:
    """(first name or None, surname), folded; particles, suffixes and a possessive
    ("Trump’s", "Sanders’") skipped."""
    name = POSSESSIVE.sub("", name)
    # A particle is no name part ("de", "al-"), unless it opens the name as a first
    # name does ("Al Sharpton").
    firsts = load().first_names
    toks = [
        t
        for n, t in enumerate(fold(name).split())
        if t.rstrip(".") not in word_class("name_particle") or (n == 0 and t in firsts)
    ]
    if not toks:
        return None, fold(name)
    return (toks[0] if len(toks) > 1 else None), toks[-1]


def first_names_agree(a: str, b: str) -> bool:
    """Whether two folded first names can name one person: equal, an initial of the
    other, or a nickname ("bill"/"william"). "ivana"/"ivanka" do not agree."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return b in load().nicknames.get(a, ())


def name_gender(name: str) -> str:
    """m, f or - (unknown) from a full name's first name (``data/lexicons/first_names.tsv``)."""
    first, _ = name_parts(name)
    if first is None:
        return "-"
    return load().first_names.get(first, "-")


def typo_level(a: str, b: str) -> bool:
    """Folded surnames one edit apart (a swap counts as one), same first letter, both
    five letters or more: "newson"/"newsom", not "ukraine"/"kaine"."""
    return (
        a[:1] == b[:1]
        and min(len(a), len(b)) >= SHORT_NAME
        and DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1
    )


def title_gender(titles: list[str]) -> str:
    """m or f when the gendered titles ("Mr.", "Mrs.") agree on one, else -."""
    lex = load()
    genders = {lex.titles.get(t.lower(), "-") for t in titles} - {"-"}
    return genders.pop() if len(genders) == 1 else "-"


def title_keys(titles: list[str] | set[str]) -> set[str]:
    """Comparable keys of role titles: "Gov." and "governor" give "gov", "Rep." "rep".
    Titles that carry a gender ("Mr.", "Congresswoman") say too little of the role."""
    genders = load().titles
    return {
        fold(t).split()[-1][:3] for t in titles if fold(t) and genders.get(t.lower(), "-") == "-"
    }


def place_key(affiliation: str) -> str:
    """The folded key an affiliation is compared by ("Oregon’s" = "oregon")."""
    return fold(POSSESSIVE.sub("", affiliation))


def canonical_name(alias_counts: dict[str, int]) -> str:
    """The alias to show: the most used full name (two or more words), else the most used."""
    full = {a: c for a, c in alias_counts.items() if len(a.split()) > 1}
    pool = full or alias_counts
    return max(pool, key=lambda a: (pool[a], len(a)))


def query_matches(query: str, names: dict[int, set[str]]) -> list[int]:
    """Speaker ids whose name or an alias fits ``query`` (exact first, then by tokens).

    ``names`` maps speaker id to its name and aliases (any spelling). Query
    tokens of five letters or more match name tokens at rapidfuzz ratio ≥ 80.
    Ids come in the order of ``names``.
    """
    q = fold(query)
    keys = {sid: {fold(n) for n in ns} for sid, ns in names.items()}
    exact = [sid for sid, ks in keys.items() if q in ks]
    if exact:
        return exact
    # "Gov. Ramirez", "Mayor Ortiz": a title in the query narrows nothing down.
    titles = {fold(t) for t in load().titles}
    q_toks = [t for t in q.split() if t not in titles] or q.split()
    # Every name token once, with the speakers it belongs to: a misspelt query is
    # scored against the distinct tokens (in C), not speaker by speaker.
    by_token: dict[str, set[int]] = {}
    for sid, ks in keys.items():
        for k in ks:
            for t in k.split():
                by_token.setdefault(t, set()).add(sid)
    vocab = list(by_token)
    hits: set[int] = set(keys)
    for t in q_toks:
        fits = set(by_token.get(t, ()))
        if len(t) >= SHORT_NAME:
            for x, _, _ in process.extract(
                t, vocab, scorer=fuzz.ratio, score_cutoff=QUERY_TOKEN_MIN_SCORE, limit=None
            ):
                fits |= by_token[x]
        hits &= fits
        if not hits:
            return []
    return [sid for sid in keys if sid in hits]


def names_by_speaker(*rows: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    """Speaker id -> every name of ``rows`` of (id, name): speakers' names, then aliases."""
    names: dict[int, set[str]] = {}
    for part in rows:
        for sid, name in part:
            names.setdefault(sid, set()).add(name)
    return names


def speakers_meant(
    query: str, exact: list[int], known: list[int], names: Callable[[], dict[int, set[str]]]
) -> list[int]:
    """The speakers a name query means: its ``exact`` (folded) name or alias matches and
    the speakers the authority entry it names stands for (``known``), else those
    :func:`query_matches` finds among ``names()``; :class:`NotFoundError` with
    :func:`suggestions` when none."""
    if exact or known:
        return sorted(set(exact) | set(known))
    every = names()
    hits = query_matches(query, every)
    if not hits:
        raise NotFoundError(f"no speaker matches {query!r}", suggestions(query, every))
    return hits


def suggestions(query: str, names: dict[int, set[str]], limit: int = 3) -> list[str]:
    """The closest names to an unknown query, best first."""
    pool = sorted({n for ns in names.values() for n in ns})
    # Closeness of the whole name or of its last word (a surname typed alone), by edit
    # ratio: WRatio's partial matching ranked "Bass" first for "Obama" (a shared "a").
    return [
        n
        for n, _, _ in process.extract(
            fold(query), pool, scorer=_name_closeness, score_cutoff=60, processor=fold, limit=limit
        )
    ]


def _name_closeness(query: str, name: str, **_: object) -> float:
    """0–100: the better of the edit ratio to the whole name and to its last word."""
    last = name.rsplit(" ", 1)[-1]
    return max(
        fuzz.ratio(query, name),
        fuzz.ratio(query, last),
        fuzz.ratio(query.rsplit(" ", 1)[-1], last) - 5,
    )
