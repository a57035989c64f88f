"""Stage 3: who is speaking — inside one document, then across documents.

Inside a document, :class:`DocumentSpeakers` links "Newson", "he" and "the
governor" to the entity introduced as "California’s governor Gavin Newson".
Across documents, :class:`SpeakerIndex` decides whether a resolved speaker is
one already stored (Newson/Newsom, Barragan/Barragán, O’Brien/O'Brian) and
says why, with a rapidfuzz score (0–100). :func:`lookup` finds speakers by a
forgiving query ("newson", "White House", "worker").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from provenance.lexicon import load, word_class
from provenance.mentions import Mention, _is_name_token, _title_at
from provenance.models import ResolvedSpeaker, SpeakerKind
from provenance.segment import Token

SURNAME_MIN_SCORE = 80.0  # rapidfuzz ratio, 0–100
FIRST_NAME_MIN_SCORE = 85.0
SHORT_NAME = 5  # surnames shorter than this must match exactly
QUERY_TOKEN_MIN_SCORE = 80.0


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


@lru_cache(maxsize=1 << 16)
def name_parts(name: str) -> tuple[str | None, str]:
    """(first name or None, surname), folded; particles and suffixes skipped."""
    toks = [t for t in fold(name).split() if t.rstrip(".") not in word_class("name_particle")]
    if not toks:
        return None, fold(name)
    return (toks[0] if len(toks) > 1 else None), toks[-1]


_name_parts = lru_cache(maxsize=4096)(name_parts)  # in-document coreference asks often
_fold = lru_cache(maxsize=4096)(fold)


@dataclass
class _Entity:
    name: str
    kind: SpeakerKind
    titles: list[str] = field(default_factory=list)
    affiliation: str | None = None
    gender: str = "-"
    mentions: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def resolved(self) -> ResolvedSpeaker:
        return ResolvedSpeaker(name=self.name, kind=self.kind, titles=list(self.titles),
                               affiliation=self.affiliation, mentions=list(self.mentions))

    def absorb(self, m: Mention) -> None:
        if m.name and len(m.name.split()) > len(self.name.split()):
            self.name = m.name
        for t in m.titles:
            if t.lower() not in (x.lower() for x in self.titles):
                self.titles.append(t)
        self.affiliation = self.affiliation or m.affiliation
        self.gender = m.gender if m.gender != "-" else self.gender
        if m.text not in self.mentions:
            self.mentions.append(m.text)
        self.positions.append(m.start)


class DocumentSpeakers:
    """Coreference of speaker mentions inside one document."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.entities: list[_Entity] = []
        # Where each capitalised word occurs (possessive ’s dropped), for antecedents.
        self._word_at: dict[str, list[int]] = {}
        for tok in tokens:
            if tok.is_cap:
                word = tok.text.removesuffix("’s").removesuffix("'s")
                self._word_at.setdefault(word, []).append(tok.start)
        self._prescan(tokens)

    def _prescan(self, toks: list[Token]) -> None:
        """Titled names ("President Trump", "Nanette Barragan, Democratic Congresswoman")."""
        lex = load()
        for i in range(len(toks) - 1):
            if toks[i].lower not in lex.title_ends and toks[i].text != ",":
                continue
            n = _title_at(toks, i)
            if n and _is_name_token(toks[i + 1]):
                j = i + 1
                while j < len(toks) and _is_name_token(toks[j]) and not _title_at(toks, j):
                    j += 1
                name = " ".join(t.text for t in toks[i + 1 : j])
                title = " ".join(t.text for t in toks[i - n + 1 : i + 1])
                aff = None
                if i - n >= 0 and toks[i - n].text.endswith(("’s", "'s", "s’", "s'")):
                    aff = toks[i - n].text.removesuffix("’s").removesuffix("'s").rstrip("’'")
                    if i - n - 1 >= 0 and _is_name_token(toks[i - n - 1]):
                        aff = f"{toks[i - n - 1].text} {aff}"
                self._add(Mention(toks[i + 1].start, toks[j - 1].end, name, SpeakerKind.person,
                                  name, [title], aff, gender=lex.titles[title.lower()]))
            elif (toks[i].text == "," and i >= 2 and _is_name_token(toks[i - 1])
                  and _is_name_token(toks[i - 2])):
                for k in range(i + 1, min(i + 5, len(toks))):
                    n2 = _title_at(toks, k)
                    if n2:
                        title = " ".join(t.text for t in toks[k - n2 + 1 : k + 1])
                        j = i - 1
                        while j - 1 >= 0 and _is_name_token(toks[j - 1]):
                            j -= 1
                        name = " ".join(t.text for t in toks[j:i])
                        self._add(Mention(toks[j].start, toks[i - 1].end, name,
                                          SpeakerKind.person, name, [title],
                                          gender=lex.titles[title.lower()]))
                        break

    def _add(self, m: Mention) -> _Entity:
        ent = self._find(m)
        if ent is None:
            ent = _Entity(m.name or m.text, m.kind, gender=m.gender)
            self.entities.append(ent)
        ent.absorb(m)
        return ent

    def _find(self, m: Mention) -> _Entity | None:
        if m.kind is not SpeakerKind.person or not m.name:
            key = _fold(m.name or m.text)
            return next((e for e in self.entities if _fold(e.name) == key), None)
        first, last = _name_parts(m.name)
        best = None
        for e in self.entities:
            if e.kind is not SpeakerKind.person:
                continue
            efirst, elast = _name_parts(e.name)
            if elast != last or (first and efirst and first[0] != efirst[0]):
                continue
            # Several people with this surname: the one introduced last before the mention.
            if best is None or max(e.positions, default=0) <= m.start:
                best = e
        return best

    def _last_before(self, ent: _Entity, pos: int) -> int | None:
        """The last offset before ``pos`` where ``ent`` is mentioned (or its surname occurs)."""
        words = ent.name.split()
        surname = words[-1] if words else ""
        found = self._word_at.get(surname, []) if len(surname) > 1 else []
        i = bisect_left(found, pos)
        best = found[i - 1] if i > 0 else None
        for p in ent.positions:
            if p < pos and (best is None or p > best):
                best = p
        return best

    def resolve(self, m: Mention) -> ResolvedSpeaker | None:
        """The entity a mention refers to; None when a pronoun has no antecedent."""
        if m.pronoun:
            return self._antecedent(m)
        if m.kind is SpeakerKind.person and not m.name:
            want = {t.lower() for t in m.titles}
            cands = [e for e in self.entities if want & {t.lower() for t in e.titles}
                     and min(e.positions, default=0) <= m.start]
            if cands:
                ent = max(cands, key=lambda e: max(p for p in e.positions if p <= m.start))
                ent.absorb(m)
                return ent.resolved()
            return ResolvedSpeaker(name=m.text, kind=SpeakerKind.anonymous, titles=m.titles)
        return self._add(m).resolved()

    def _antecedent(self, m: Mention) -> ResolvedSpeaker | None:
        want_person = m.pronoun in ("he", "she")
        best: tuple[int, _Entity] | None = None
        for e in self.entities:
            if want_person != (e.kind is SpeakerKind.person):
                continue
            if want_person and e.gender not in ("-", m.gender):
                continue
            last = self._last_before(e, m.start)
            if last is not None and (best is None or last > best[0]):
                best = (last, e)
        if best is None:
            return None
        ent = best[1]
        if ent.gender == "-" and m.gender in ("m", "f"):
            ent.gender = m.gender
        if m.text not in ent.mentions:
            ent.mentions.append(m.text)
        return ent.resolved()


@dataclass
class Known:
    """A stored speaker as the index sees it."""

    id: int
    name: str
    kind: SpeakerKind
    aliases: set[str] = field(default_factory=set)  # folded


@dataclass(frozen=True)
class MatchResult:
    speaker_id: int
    score: float  # 0–100
    evidence: str


def person_score(s_score: float, first: str | None,
                 kfirst: str | None) -> tuple[float, float | None] | None:
    """(score, first-name score) of a mention against a stored person whose surname
    scored ``s_score``; None when their first names rule it out. Scores are 0–100."""
    if not (first and kfirst):
        return s_score * 0.95, None  # nothing to compare: a little below a full match
    f_score = fuzz.ratio(first, kfirst)
    if (f_score < FIRST_NAME_MIN_SCORE and not (len(first) == 1 or len(kfirst) == 1)) \
            or first[0] != kfirst[0]:
        return None
    return 0.6 * s_score + 0.4 * f_score, f_score


class SpeakerIndex:
    """In-memory index of stored speakers for cross-document identity.

    A large store holds many speakers with one surname (every unresolved
    "Okafor" of every article is its own speaker), so candidates are grouped by
    (surname, first name): a match costs the number of distinct first names met
    with a surname, not the number of speakers, and ingest does not slow down
    as the store grows.
    """

    def __init__(self, known: list[Known] | None = None) -> None:
        self.by_id: dict[int, Known] = {}
        self._by_alias: dict[tuple[str, SpeakerKind], set[int]] = {}
        # surname -> first name of the speaker's name (None: none) -> ids, oldest first
        self._by_surname: dict[str, dict[str | None, list[int]]] = {}
        self._listed: dict[int, set[str]] = {}  # person id -> surnames it is filed under
        self._surnames: list[str] | None = None  # keys of _by_surname, for the fuzzy scan
        for k in known or []:
            self.add(k)

    def add(self, k: Known) -> None:
        self.by_id[k.id] = k
        k.aliases.add(fold(k.name))
        for alias in k.aliases:
            self._index_alias(k, alias)

    def add_alias(self, speaker_id: int, alias: str) -> None:
        k = self.by_id[speaker_id]
        key = fold(alias)
        k.aliases.add(key)
        self._index_alias(k, key)

    def rename(self, speaker_id: int, name: str) -> None:
        """The stored speaker's shown name changed (its first name may have too)."""
        k = self.by_id[speaker_id]
        if name == k.name:
            return
        for surname in self._listed.get(speaker_id, ()):
            self._file(surname, k, remove=True)
        k.name = name
        for surname in self._listed.get(speaker_id, ()):
            self._file(surname, k)

    def _index_alias(self, k: Known, key: str) -> None:
        self._by_alias.setdefault((key, k.kind), set()).add(k.id)
        if k.kind is SpeakerKind.person:
            surname = name_parts(key)[1]
            listed = self._listed.setdefault(k.id, set())
            if surname not in listed:
                listed.add(surname)
                self._file(surname, k)

    def _file(self, surname: str, k: Known, remove: bool = False) -> None:
        if surname not in self._by_surname:
            self._by_surname[surname] = {}
            self._surnames = None
        ids = self._by_surname[surname].setdefault(name_parts(k.name)[0], [])
        if remove:
            ids.remove(k.id)
        elif not ids or k.id > ids[-1]:
            ids.append(k.id)  # ids grow: the usual case
        else:
            ids.insert(bisect_left(ids, k.id), k.id)

    def match(self, r: ResolvedSpeaker) -> MatchResult | None:
        """The stored speaker ``r`` most likely is, or None (a new speaker)."""
        if r.kind is SpeakerKind.anonymous:
            return None  # "a worker" in two articles is not one person
        key = fold(r.name)
        exact = self._by_alias.get((key, r.kind), ())
        if len(exact) == 1:
            return MatchResult(next(iter(exact)), 100.0, f"same name {key!r}")
        if r.kind is not SpeakerKind.person:
            return None
        first, last = name_parts(r.name)
        if len(last) < SHORT_NAME:
            surnames = [(last, 100.0)] if last in self._by_surname else []
        else:
            if self._surnames is None:
                self._surnames = list(self._by_surname)
            surnames = [(s, sc) for s, sc, _ in process.extract(
                last, self._surnames, scorer=fuzz.ratio, score_cutoff=SURNAME_MIN_SCORE,
                limit=10)]
        # Every speaker of one (surname, first name) group scores the same, so each
        # group offers its oldest speaker: ties go to the older speaker.
        cands: dict[int, tuple[float, str]] = {}
        firsts: set[str | None] = set()
        for surname, s_score in surnames:
            for kfirst, ids in self._by_surname[surname].items():
                if not ids:
                    continue
                scored = person_score(s_score, first, kfirst)
                if scored is None:
                    continue
                score, f_score = scored
                why = f"surname {last!r}~{surname!r} {s_score:.0f}, " + (
                    f"first name {f_score:.0f}" if f_score is not None
                    else "no first name to compare")
                firsts.add(kfirst)
                sid = ids[0]
                if score > cands.get(sid, (0.0, ""))[0]:
                    cands[sid] = (score, why)
        if not cands:
            return None
        if not first and len(firsts) > 1:
            return None  # "Clinton" with Hillary and Bill both stored: not merged blindly
        sid, (score, why) = min(cands.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return MatchResult(sid, round(score, 1), why)


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
            for x, _, _ in process.extract(t, vocab, scorer=fuzz.ratio,
                                           score_cutoff=QUERY_TOKEN_MIN_SCORE, limit=None):
                fits |= by_token[x]
        hits &= fits
        if not hits:
            return []
    return [sid for sid in keys if sid in hits]


def suggestions(query: str, names: dict[int, set[str]], limit: int = 3) -> list[str]:
    """The closest names to an unknown query, best first."""
    pool = sorted({n for ns in names.values() for n in ns})
    # Closeness of the whole name or of its last word (a surname typed alone), by edit
    # ratio: WRatio's partial matching ranked "Bass" first for "Obama" (a shared "a").
    return [n for n, _, _ in process.extract(fold(query), pool, scorer=_name_closeness,
                                             score_cutoff=60, processor=fold, limit=limit)]


def _name_closeness(query: str, name: str, **_: object) -> float:
    """0–100: the better of the edit ratio to the whole name and to its last word."""
    last = name.rsplit(" ", 1)[-1]
    return max(fuzz.ratio(query, name), fuzz.ratio(query, last),
               fuzz.ratio(query.rsplit(" ", 1)[-1], last) - 5)
