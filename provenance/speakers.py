"""Stage 3: who is speaking — inside one document, then across documents.

Inside a document, :class:`DocumentSpeakers` links "Newson", "he" and "the
governor" to the entity introduced as "California’s governor Gavin Newson".
Across documents, :class:`SpeakerIndex` decides whether a resolved speaker is
one already stored (Newson/Newsom, Barragan/Barragán, O’Brien/O'Brian) and
says why, with a rapidfuzz score (0–100). :func:`query_matches` finds speakers by a
forgiving query ("newson", "White House", "worker").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from provenance.errors import NotFoundError
from provenance.extract.mentions import Mention, _title_at, is_name_token, trim_name
from provenance.extract.segment import Token
from provenance.lexicon import load, word_class
from provenance.models import ResolvedSpeaker, SpeakerKind

SURNAME_MIN_SCORE = 80.0  # rapidfuzz ratio, 0–100
SHORT_NAME = 5  # surnames shorter than this must match exactly
DESCRIBED_WORDS = 3  # words between "the" and a role word in a description ("the Ohio senator")
ROLE_REACH = 200  # characters: an unnamed role this close before a pronoun may be its person
DESCRIBED_CONTEXT = 40  # characters from a person's mention that may tie a place to them
_WORD = re.compile(r"[^\W_][\w’'-]*")
PRONOUN_REACH = 600  # characters: how far back a full name can be a pronoun's antecedent
QUERY_TOKEN_MIN_SCORE = 80.0
DOMINANT = 3  # a surname-only mention goes to a full name met this many times as often


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


_POSSESSIVE = re.compile(r"(?<=\w)[’'`´]s?(?=\s|$)")


@lru_cache(maxsize=1 << 16)
def name_parts(name: str) -> tuple[str | None, str]:
    """(first name or None, surname), folded; particles, suffixes and a possessive
    ("Trump’s", "Sanders’") skipped."""
    name = _POSSESSIVE.sub("", name)
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
        return ResolvedSpeaker(
            name=self.name,
            kind=self.kind,
            titles=list(self.titles),
            affiliation=self.affiliation,
            mentions=list(self.mentions),
            gender=self.gender if self.kind is SpeakerKind.person else "-",
        )

    def absorb(self, m: Mention) -> None:
        if m.name and len(m.name.split()) > len(self.name.split()):
            self.name = m.name
            self.gender = name_gender(self.name) if name_gender(self.name) != "-" else self.gender
        for t in m.titles:
            if t.lower() not in (x.lower() for x in self.titles):
                self.titles.append(t)
        self.affiliation = self.affiliation or m.affiliation
        if self.gender == "-" or name_gender(self.name) == "-":
            self.gender = m.gender if m.gender != "-" else self.gender
        if m.text not in self.mentions:
            self.mentions.append(m.text)
        self.positions.append(m.start)


def _clean_person(m: Mention) -> Mention:
    """A person mention's name without a possessive ("Trump’s") or leading titles
    ("Mr. Obama": the title goes to the titles)."""
    titles = load().titles
    words = _POSSESSIVE.sub("", m.name or "").split()
    lead = []
    while len(words) > 1 and words[0].lower() in titles:
        lead.append(words.pop(0))
    name = " ".join(words)
    if name == m.name:
        return m
    gender = m.gender
    for t in lead:
        gender = titles[t.lower()] if titles[t.lower()] != "-" else gender
    return replace(m, name=name, titles=[*m.titles, *lead], gender=gender)


class DocumentSpeakers:
    """Coreference of speaker mentions inside one document."""

    def __init__(self, text: str, tokens: list[Token], quoted: list[bool] | None = None) -> None:
        self.text = text
        self.entities: list[_Entity] = []
        self.last: _Entity | None = None  # the entity of the last resolve
        # Where each capitalised word occurs (possessive ’s dropped), for antecedents.
        self._word_at: dict[str, list[int]] = {}
        # What the word before an occurrence says of the person: (title gender, first name).
        self._hint: dict[int, tuple[str, str | None]] = {}
        self._modifier: set[int] = set()
        lex = load()
        for k, tok in enumerate(tokens):
            if tok.is_cap:
                word = tok.text.removesuffix("’s").removesuffix("'s")
                self._word_at.setdefault(word, []).append(tok.start)
                if k > 0:
                    prev = tokens[k - 1].lower
                    first = prev if prev in lex.first_names else None
                    self._hint[tok.start] = (lex.titles.get(prev, "-"), first)
                    if (
                        word != tok.text
                        or prev in word_class("determiner")
                        or prev in lex.words("preposition_after_cue")
                        or (quoted is not None and quoted[k])
                    ):
                        # "Clinton’s website", "the Clinton campaign", "a girl with
                        # Clinton", "“Impeaching Trump …,” he said": no one acting here.
                        self._modifier.add(tok.start)
        # "The Ohio senator is sticking to …": a role named without a name, as a clause's
        # subject, by title key (title_keys): (offset of the role word, the capitalised
        # words before it). Objects ("believed the judge was", "override the president")
        # and predicates ("become the next president") refer to no one acting.
        self._described: dict[str, list[tuple[int, frozenset[str]]]] = {}
        # Every "the <role>" outside quotations and prepositions ("dropped the mayor of
        # Riverton after he …"): (offset, title key, the role's gender).
        self._roles: list[tuple[int, str, str]] = []
        verbish = lex.words("finite") | lex.words("between_subject_cue")
        for k, tok in enumerate(tokens[:-1]):
            if tok.is_cap or tok.lower not in lex.titles or (quoted is not None and quoted[k]):
                continue
            if (
                k > 0
                and tokens[k - 1].lower == "the"
                and not (
                    k > 1 and tokens[k - 2].lower in lex.words("preposition_after_cue") | {"of"}
                )
                and k + 2 < len(tokens)
                and tokens[k + 1].lower == "of"
                and is_name_token(tokens[k + 2])
            ):  # "the mayor of Riverton": someone in particular, unlike "the candidate"
                self._roles += [
                    (tok.start, key, lex.titles[tok.lower]) for key in title_keys([tok.lower])
                ]
            after = tokens[k + 1].lower
            if not (after in verbish or after in lex.cue_forms or after.endswith("ed")):
                continue
            the = next(
                (d for d in range(k - 1, max(-1, k - DESCRIBED_WORDS - 1), -1)
                 if tokens[d].lower == "the" or not tokens[d].is_word),
                None,
            )  # fmt: skip
            if the is None or tokens[the].lower != "the":
                continue
            if the > 0 and tokens[the - 1].is_word and tokens[the - 1].lower not in ("and", "but"):
                continue  # not where a clause starts
            caps = frozenset(t.lower for t in tokens[the + 1 : k] if t.is_cap)
            for key in title_keys([tok.lower]):
                self._described.setdefault(key, []).append((tok.start, caps))
        # Full names the text gives ("Hillary Clinton"), by folded surname: (offset, name).
        self._full: dict[str, list[tuple[int, str]]] = {}
        self._scan_full_names(tokens)
        self._prescan(tokens)

    def _scan_full_names(self, toks: list[Token]) -> None:
        """Runs of name words that start with a known first name, anywhere in the text."""
        firsts = load().first_names
        i, n = 0, len(toks)
        while i < n:
            if not is_name_token(toks[i]) or _title_at(toks, i):
                i += 1
                continue
            j = i
            while j < n and is_name_token(toks[j]) and not _title_at(toks, j):
                j += 1
                if toks[j - 1].text.endswith(("’s", "'s")):
                    break
            run = trim_name(toks[i:j])
            if (
                len(run) >= 2
                and run[0].lower in firsts
                and not any(t.lower in word_class("org_word") for t in run)
            ):
                name = _POSSESSIVE.sub("", " ".join(t.text for t in run[:3]))
                self._full.setdefault(_name_parts(name)[1], []).append((run[0].start, name))
            i = max(j, i + 1)

    def _full_name(self, m: Mention) -> str | bool | None:
        """The full name a surname-only person mention stands for.

        Candidates are the full names with that surname the text gives and the
        named speakers met so far; a title's gender ("Mrs. Clinton") rules out
        the others, then the one named most often wins if it is named at least
        twice as often as the next. None: no candidate; False: undecided.
        """
        _, last = _name_parts(m.name or "")
        counts: dict[tuple[str | None, str], int] = {}
        shown: dict[tuple[str | None, str], str] = {}
        for _, name in self._full.get(last, ()):
            key = _name_parts(name)
            counts[key] = counts.get(key, 0) + 1
            shown.setdefault(key, name)
        for e in self.entities:
            key = _name_parts(e.name)
            if e.kind is SpeakerKind.person and key[0] and key[1] == last:
                counts[key] = counts.get(key, 0) + len(e.positions)
                shown[key] = e.name
        if m.gender in ("m", "f"):
            counts = {
                k: c for k, c in counts.items() if self._gender_of(shown[k]) in ("-", m.gender)
            }
        if not counts:
            return None
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]:
            return shown[ranked[0][0]]
        return False

    def _gender_of(self, name: str) -> str:
        g = name_gender(name)
        if g == "-":
            ent = next((e for e in self.entities if _fold(e.name) == _fold(name)), None)
            g = ent.gender if ent is not None else "-"
        return g

    def _prescan(self, toks: list[Token]) -> None:
        """Titled names ("President Trump", "Nanette Barragan, Democratic Congresswoman")."""
        lex = load()
        for i in range(len(toks) - 1):
            if toks[i].lower not in lex.title_ends and toks[i].text != ",":
                continue
            n = _title_at(toks, i)
            if n and is_name_token(toks[i + 1]):
                j = i + 1
                while j < len(toks) and is_name_token(toks[j]) and not _title_at(toks, j):
                    j += 1
                name = " ".join(t.text for t in toks[i + 1 : j])
                if not name.strip() or toks[j - 1].text.endswith(("’s", "'s")):
                    continue  # "Mr. Trump’s veracity": he is not acting there
                title = " ".join(t.text for t in toks[i - n + 1 : i + 1])
                aff = None
                if i - n >= 0 and toks[i - n].text.endswith(("’s", "'s", "s’", "s'")):
                    aff = toks[i - n].text.removesuffix("’s").removesuffix("'s").rstrip("’'")
                    if i - n - 1 >= 0 and is_name_token(toks[i - n - 1]):
                        aff = f"{toks[i - n - 1].text} {aff}"
                self._add(
                    Mention(
                        toks[i + 1].start,
                        toks[j - 1].end,
                        name,
                        SpeakerKind.person,
                        name,
                        [title],
                        aff,
                        gender=lex.titles[title.lower()],
                    )
                )
            elif (
                toks[i].text == ","
                and i >= 2
                and is_name_token(toks[i - 1])
                and is_name_token(toks[i - 2])
            ):
                for k in range(i + 1, min(i + 5, len(toks))):
                    n2 = _title_at(toks, k)
                    between = toks[i + 1 : k - n2 + 1]
                    if n2 and (
                        any(
                            not t.is_cap and t.lower not in word_class("determiner")
                            for t in between
                        )
                        or (k + 1 < len(toks) and is_name_token(toks[k + 1]))
                    ):
                        # "Karen Robison, pulled Rep. King aside", "In South Carolina,
                        # Mr. Trump said": the title is another's.
                        break
                    if n2:
                        title = " ".join(t.text for t in toks[k - n2 + 1 : k + 1])
                        j = i - 1
                        while j - 1 >= 0 and is_name_token(toks[j - 1]):
                            j -= 1
                        name = " ".join(t.text for t in toks[j:i])
                        self._add(
                            Mention(
                                toks[j].start,
                                toks[i - 1].end,
                                name,
                                SpeakerKind.person,
                                name,
                                [title],
                                gender=lex.titles[title.lower()],
                            )
                        )
                        break

    def _add(self, m: Mention, bare: bool = False) -> _Entity:
        if m.kind is SpeakerKind.person and m.name:
            m = _clean_person(m)
            if any(w.lower() in word_class("org_word") for w in (m.name or "").split()):
                m = replace(m, kind=SpeakerKind.organization)  # "State Department"
        ent = self._find(m, bare)
        if ent is None:
            name = m.name or m.text
            g = name_gender(name) if m.kind is SpeakerKind.person else "-"
            ent = _Entity(name, m.kind, gender=g if g != "-" else m.gender)
            self.entities.append(ent)
        ent.absorb(m)
        return ent

    def _find(self, m: Mention, bare: bool = False) -> _Entity | None:
        """The entity ``m`` names; ``bare``: only one known by its surname alone."""
        if m.kind is not SpeakerKind.person or not m.name:
            key = _fold(m.name or m.text)
            return next((e for e in self.entities if _fold(e.name) == key), None)
        first, last = _name_parts(m.name)
        best = None
        for e in self.entities:
            if e.kind is not SpeakerKind.person:
                continue
            efirst, elast = _name_parts(e.name)
            if elast != last or (first and efirst and not first_names_agree(first, efirst)):
                continue
            if bare and efirst:
                continue
            mg = name_gender(m.name) if first else "-"
            mg = mg if mg != "-" else m.gender
            if mg in ("m", "f") and e.gender in ("m", "f") and mg != e.gender:
                continue  # "Mrs. Clinton" is not Bill Clinton, nor "Hillary Clinton" a "he"
            # Several people with this surname: the one introduced last before the mention.
            if best is None or max(e.positions, default=0) <= m.start:
                best = e
        return best

    def _last_before(self, ent: _Entity, pos: int) -> int | None:
        """The last offset before ``pos`` where ``ent`` is mentioned (or its surname occurs)."""
        words = ent.name.split()
        surname = words[-1] if words else ""
        found = self._word_at.get(surname, []) if len(surname) > 1 else []
        efirst = _name_parts(ent.name)[0]
        best = None
        for i in range(bisect_left(found, pos) - 1, -1, -1):
            # "Mrs. Clinton" and "Hillary Clinton" are no mention of Bill Clinton.
            if found[i] in self._modifier:
                continue
            gender, first = self._hint.get(found[i], ("-", None))
            if ent.gender in ("m", "f") and gender in ("m", "f") and gender != ent.gender:
                continue
            if first and efirst and not first_names_agree(first, efirst):
                continue
            best = found[i]
            break
        for p in ent.positions:
            if p < pos and (best is None or p > best):
                best = p
        return self._last_described(ent, pos, best)

    def _last_described(self, ent: _Entity, pos: int, best: int | None) -> int | None:
        """``best``, or a later role description of ``ent`` before ``pos``: "the Ohio
        senator" after "Senator Tom Okafor" is he, while he is the one person of the text
        holding that role. A capitalised word in the description must be one the text
        gives the person ("the Vermont senator" for "Sen. Bernie Sanders of Vermont"):
        "the Republican nominee" is not the Democratic one."""
        first_seen = min(ent.positions, default=pos)
        known: set[str] | None = None  # the words the text gives the person, read once
        for key in title_keys(ent.titles):
            later = [
                (p, caps)
                for p, caps in self._described.get(key, ())
                if first_seen < p < pos and (best is None or p > best)
            ]
            if not later or any(
                e is not ent and key in title_keys(e.titles) for e in self.entities
            ):
                continue
            if known is None:
                told = [self.text[p : p + DESCRIBED_CONTEXT] for p in ent.positions]
                given = [*ent.mentions, *ent.titles, ent.affiliation or "", *told]
                known = set(_WORD.findall(" ".join(given).lower()))
            for p, caps in later:
                if caps <= known and (best is None or p > best):
                    best = p
        return best

    def resolve(self, m: Mention) -> ResolvedSpeaker | None:
        """The entity a mention refers to; None when a pronoun has no antecedent.

        ``self.last`` is then the entity (None for an unnamed titled mention), so a
        caller can ask :meth:`final` for what the whole document says of it.
        """
        self.last = None
        if m.pronoun:
            return self._antecedent(m)
        if m.kind is SpeakerKind.person and not m.name:
            want = {t.lower() for t in m.titles}
            cands = [
                e
                for e in self.entities
                if want & {t.lower() for t in e.titles} and min(e.positions, default=0) <= m.start
            ]
            if cands:
                ent = max(cands, key=lambda e: max(p for p in e.positions if p <= m.start))
                ent.absorb(m)
                self.last = ent
                return ent.resolved()
            return ResolvedSpeaker(name=m.text, kind=SpeakerKind.anonymous, titles=m.titles)
        if m.kind is SpeakerKind.person and m.name:
            m = _clean_person(m)
            if any(w.lower() in word_class("org_word") for w in (m.name or "").split()):
                m = replace(m, kind=SpeakerKind.organization)  # "State Department"
        if m.kind is SpeakerKind.person and m.name and _name_parts(m.name)[0] is None:
            full = self._full_name(m)
            if full is False:  # two people share the surname and nothing decides
                self.last = self._add(m, bare=True)
                return self.last.resolved()
            if isinstance(full, str):
                m = replace(m, name=full)
        self.last = self._add(m)
        return self.last.resolved()

    @staticmethod
    def final(ent: _Entity) -> ResolvedSpeaker:
        """``ent`` as the whole document describes it (full name, titles, gender)."""
        return ent.resolved()

    def resolve_pronoun(self, m: Mention, subject: Mention | None) -> ResolvedSpeaker | None:
        """A he/she mention: the subject of the sentence before when its gender agrees,
        else the nearest person before the mention whose gender agrees."""
        if subject is not None:
            r = self.resolve(subject)
            if (
                r is not None
                and self.last is not None
                and self.last.gender == "-"
                and m.gender in ("m", "f")
            ):
                self.last.gender = m.gender  # the pronoun tells
            g = self._gender_of(r.name) if r is not None else "-"
            if r is not None and (g == "-" or m.gender not in ("m", "f") or g == m.gender):
                return r
        return self._antecedent(m)

    def _antecedent(self, m: Mention) -> ResolvedSpeaker | None:
        want_person = m.pronoun in ("he", "she")
        if want_person and m.gender in ("m", "f"):
            self._named_before(m)
        known: tuple[int, _Entity] | None = None
        unknown: tuple[int, _Entity] | None = None
        for e in self.entities:
            if want_person != (e.kind is SpeakerKind.person):
                continue
            gender = self._expected_gender(e) if want_person else "-"
            if want_person and gender not in ("-", m.gender):
                continue
            last = self._last_before(e, m.start)
            if last is None:
                continue
            if want_person and gender == m.gender and m.gender in ("m", "f"):
                if known is None or last > known[0]:
                    known = (last, e)
            elif unknown is None or last > unknown[0]:
                unknown = (last, e)
        # Never over a closer person the text gives no gender for ("Sexton … he noted").
        best = max((c for c in (known, unknown) if c is not None), key=lambda c: c[0], default=None)
        if best is None:
            return None
        if want_person and self._unnamed_role_between(best[0], m):
            return None
        ent = best[1]
        if ent.gender == "-" and m.gender in ("m", "f"):
            ent.gender = m.gender
        if m.text not in ent.mentions:
            ent.mentions.append(m.text)
        self.last = ent
        return ent.resolved()

    def _unnamed_role_between(self, last: int, m: Mention) -> bool:
        """Whether a person named only by a role that no one in the text holds ("the
        mayor of Riverton") stands between a pronoun and its antecedent, close to the
        pronoun: the pronoun is more likely that person's, whom nothing names, than the
        one further back (no speaker rather than the wrong one)."""
        held = {
            k for e in self.entities if e.kind is SpeakerKind.person for k in title_keys(e.titles)
        }
        return any(
            last < at < m.start
            and m.start - at <= ROLE_REACH
            and key not in held
            and gender in ("-", m.gender)
            for at, key, gender in self._roles
        )

    def _expected_gender(self, e: _Entity) -> str:
        """``e``'s gender, or for a bare surname the one gender of the full names the
        text gives with it (it will take that name)."""
        if e.gender != "-" or _name_parts(e.name)[0] is not None:
            return e.gender
        genders = {name_gender(n) for _, n in self._full.get(_name_parts(e.name)[1], ())}
        return genders.pop() if len(genders) == 1 else "-"

    def _named_before(self, m: Mention) -> None:
        """Make the people of ``m``'s gender that the text names in full, and whose
        surname occurs shortly before ``m``, entities: a pronoun then finds them and
        does not jump over them to an earlier speaker."""
        for found in self._full.values():
            names: dict[str, int] = {}
            for _, name in found:
                if name_gender(name) == m.gender:
                    names[name] = names.get(name, 0) + 1
            if not names:
                continue
            name = max(names, key=lambda n: names[n])
            pos = found[0][0]
            mention = Mention(pos, pos + len(name), name, SpeakerKind.person, name)
            ent = self._find(mention)
            if ent is None:
                ent = self._add(mention)
            last = self._last_before(ent, m.start)
            if last is not None and m.start - last <= PRONOUN_REACH and last not in ent.positions:
                ent.positions.append(last)


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


def typo_context(
    titles: set[str], known_titles: set[str], affiliation: str | None, known_affiliation: str | None
) -> bool:
    """Whether two people whose surnames are a typo apart are one: they must share a
    role title (:func:`title_keys`) or an affiliation ("California’s"), whatever their
    first names say (those must agree as well, see :func:`person_score`)."""
    if titles & known_titles:
        return True
    return bool(affiliation and known_affiliation and place_key(affiliation) == known_affiliation)


def place_key(affiliation: str) -> str:
    """The folded key an affiliation is compared by ("Oregon’s" = "oregon")."""
    return fold(_POSSESSIVE.sub("", affiliation))


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
