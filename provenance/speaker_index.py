"""Stage 3, across documents: is a resolved speaker one already stored?

:class:`SpeakerIndex` holds the stored speakers (:class:`Known`) and decides whether
a document's resolved speaker is one of them (Newson/Newsom, Barragan/Barragán,
O’Brien/O'Brian, "Mr. Clinton" not Hillary Clinton) and says why, with a rapidfuzz
score (0–100) in a :class:`MatchResult`. The names are compared by the keys of
:mod:`provenance.names`; in-document coreference is :mod:`provenance.speakers`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from provenance.lexicon import load
from provenance.models import ResolvedSpeaker, SpeakerKind
from provenance.names import (
    SHORT_NAME,
    first_names_agree,
    fold,
    name_gender,
    name_parts,
    place_key,
    title_gender,
    title_keys,
    typo_level,
)

SURNAME_MIN_SCORE = 80.0  # rapidfuzz ratio, 0–100
DOMINANT = 3  # a surname-only mention goes to a full name met this many times as often


@dataclass
class Known:
    """A stored speaker as the index sees it."""

    id: int
    name: str
    kind: SpeakerKind
    aliases: set[str] = field(default_factory=set)  # folded
    titles: set[str] = field(default_factory=set)  # title_keys of its titles
    gender: str = "-"  # what its gendered titles say (title_gender)
    affiliation: str | None = None  # place_key of its affiliation
    # Its quotes whose speaker mention is a pronoun, by the pronoun's gender ("he": m).
    said: dict[str, int] = field(default_factory=dict)

    def heard(self, gender: str) -> None:
        """One of its quotes was reported with a pronoun of ``gender`` ("he": m)."""
        self.said[gender] = self.said.get(gender, 0) + 1

    def fits(self, want: str | None, titled: bool) -> bool:
        """Whether a mention of gender ``want`` may be this speaker: its gendered titles
        must not say otherwise, nor, against a mention whose title says ``want``
        ("Mrs. Kettleby"), most of the pronouns its quotes were reported with ("he"
        twice, "she" once: a man). Pronoun against pronoun decides nothing: both are
        the resolver's guesses, and on real news they split rows such as "CNN"."""
        if want is None:
            return True
        if self.gender != "-":
            return self.gender == want
        if not titled:
            return True
        m, f = self.said.get("m", 0), self.said.get("f", 0)
        return want == ("m" if m > f else "f" if f > m else want)


@lru_cache(maxsize=1)
def pronoun_forms() -> dict[str, str]:
    """Speaker mention as stored ("he", "He", "HE") -> the gender the pronoun says."""
    return {
        form: gender
        for p, (gender, _) in load().pronouns.items()
        if gender in ("m", "f")
        for form in (p, p.capitalize(), p.upper())
    }


def typo_context(
    titles: set[str], known_titles: set[str], affiliation: str | None, known_affiliation: str | None
) -> bool:
    """Whether two people whose surnames are a typo apart are one: they must share a
    role title (:func:`title_keys`) or an affiliation ("California’s"), whatever their
    first names say (those must agree as well, see :func:`person_score`)."""
    if titles & known_titles:
        return True
    return bool(affiliation and known_affiliation and place_key(affiliation) == known_affiliation)


@dataclass(frozen=True)
class MatchResult:
    speaker_id: int
    score: float  # 0–100
    evidence: str


def surname_score(last: str, surname: str) -> float | None:
    """rapidfuzz ratio (0–100) of two folded surnames that may name one person: equal,
    or a typo apart (:func:`typo_level`); None otherwise ("ukraine"/"kaine")."""
    if last == surname:
        return 100.0
    if typo_level(last, surname):
        return fuzz.ratio(last, surname)
    return None


def person_score(
    s_score: float, first: str | None, kfirst: str | None
) -> tuple[float, float | None] | None:
    """(score, first-name score) of a mention against a stored person whose surname
    scored ``s_score``; None when their first names rule it out. Scores are 0–100.
    First names must agree (:func:`first_names_agree`): "Ivana" is not "Ivanka"."""
    if not (first and kfirst):
        return s_score * 0.95, None  # nothing to compare: a little below a full match
    if not first_names_agree(first, kfirst):
        return None
    f_score = 100.0 if first == kfirst else 90.0
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
        self.weight: dict[int, int] = {}  # speaker id -> times matched (merges stored)
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
        lex = load()
        said = {lex.titles.get(t.lower(), "-") for t in r.titles} - {"-"}
        genders = (said | {r.gender}) - {"-"}
        want = genders.pop() if len(genders) == 1 else None  # "Mr. Clinton": a man
        titled = bool(said)  # a title says it, not only a pronoun
        if len(exact) == 1 and (
            r.kind is not SpeakerKind.person
            or (
                surname_score(
                    name_parts(r.name)[1], name_parts(self.by_id[next(iter(exact))].name)[1]
                )
                is not None
                and (
                    want is None
                    or (
                        name_gender(self.by_id[next(iter(exact))].name) in ("-", want)
                        and self.by_id[next(iter(exact))].fits(want, titled)
                    )
                )
            )
        ):
            # A person's alias may be a mention phrase of another ("Bill" met beside
            # Gloria Major): it names them only when the surnames agree.
            return MatchResult(next(iter(exact)), 100.0, f"same name {key!r}")
        if r.kind is not SpeakerKind.person:
            return None
        first, last = name_parts(r.name)
        if len(last) < SHORT_NAME:
            surnames = [(last, 100.0)] if last in self._by_surname else []
        else:
            if self._surnames is None:
                self._surnames = list(self._by_surname)
            surnames = []
            for s, _, _ in process.extract(
                last, self._surnames, scorer=fuzz.ratio, score_cutoff=SURNAME_MIN_SCORE, limit=10
            ):
                sc = surname_score(last, s)
                if sc is not None:
                    surnames.append((s, sc))
        # Every speaker of one (surname, first name) group scores the same, so each
        # group offers its oldest speaker: ties go to the older speaker.
        cands: dict[int, tuple[float, str]] = {}
        titles = title_keys(r.titles)
        for surname, s_score in surnames:
            for kfirst, ids in self._by_surname[surname].items():
                if not ids:
                    continue
                scored = person_score(s_score, first, kfirst)
                if scored is None:
                    continue
                if want and kfirst and lex.first_names.get(kfirst, want) != want:
                    continue  # "Mr. Clinton" is not Hillary Clinton
                sid = ids[0]
                if not self.by_id[sid].fits(want, titled):
                    # "he" is not the "Mrs. Abedini" stored, nor "Mrs. Abedini" the row of
                    # a "he", but may be the "Mr. Abedini" stored after her: the group's
                    # oldest of no other gender.
                    sid = next((i for i in ids if self.by_id[i].fits(want, titled)), 0)
                    if not sid:
                        continue
                known = self.by_id[sid]
                if surname != last and not typo_context(
                    titles, known.titles, r.affiliation, known.affiliation
                ):
                    # A first name alone is no proof: "Michael McFaul" is not "Michael
                    # McCaul"; "Gov. Newson" is Gov. Gavin Newsom.
                    continue
                score, f_score = scored
                why = f"surname {last!r}~{surname!r} {s_score:.0f}, " + (
                    f"first name {f_score:.0f}"
                    if f_score is not None
                    else "no first name to compare"
                )
                if score > cands.get(sid, (0.0, ""))[0]:
                    cands[sid] = (score, why)
        if not cands:
            return None
        if not first:
            oldest: dict[str, int] = {}  # each first name's oldest speaker
            for sid in sorted(cands):
                kfirst = name_parts(self.by_id[sid].name)[0]
                if kfirst is not None:
                    oldest.setdefault(kfirst, sid)
            named = list(oldest.values())
            if len(named) == 1:
                # "Okafor" when the archive knows one Okafor by full name: that person.
                sid = named[0]
                return MatchResult(sid, round(cands[sid][0], 1), cands[sid][1])
            if len(named) > 1:
                # "Clinton" with Hillary and Bill both stored: the one the archive names
                # far more often, else the surname-only row kept for the undecided.
                return self._dominant(cands, named, last)
        sid, (score, why) = min(cands.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return MatchResult(sid, round(score, 1), why)

    def _dominant(
        self, cands: dict[int, tuple[float, str]], named: list[int], last: str
    ) -> MatchResult | None:
        ranked = sorted(((self.weight.get(sid, 0), -sid) for sid in named), reverse=True)
        top, second = ranked[0][0], ranked[1][0]
        if top >= DOMINANT and top >= DOMINANT * max(second, 1):
            sid = -ranked[0][1]
            return MatchResult(
                sid,
                round(cands[sid][0] * 0.9, 1),
                f"surname {last!r} only; {self.by_id[sid].name!r} named "
                f"{top} times, the next {second}",
            )
        bare = [sid for sid in cands if name_parts(self.by_id[sid].name)[0] is None]
        if bare:
            sid = min(bare)
            return MatchResult(
                sid,
                round(cands[sid][0], 1),
                f"surname {last!r} only, undecided between "
                f"{len(named)} full names: kept with the surname-only row",
            )
        return None

    def retitle(self, speaker_id: int, titles: list[str]) -> None:
        """The stored speaker's titles are now ``titles``."""
        self.by_id[speaker_id].titles = title_keys(titles)
        self.by_id[speaker_id].gender = title_gender(titles)

    def hear(self, speaker_id: int, gender: str) -> None:
        """A quote of ``speaker_id`` was reported with a pronoun of ``gender`` ("he": m)."""
        self.by_id[speaker_id].heard(gender)

    def count(self, speaker_id: int, n: int = 1) -> None:
        """``speaker_id`` was matched ``n`` more times (its salience in the archive)."""
        self.weight[speaker_id] = self.weight.get(speaker_id, 0) + n
