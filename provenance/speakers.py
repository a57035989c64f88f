"""Stage 3, inside one document: who is speaking.

:class:`DocumentSpeakers` links "Newson", "he" and "the governor" to the entity
introduced as "California’s governor Gavin Newson". Whether that entity is a speaker
already stored is :mod:`provenance.speaker_index`; the name keys both use are
:mod:`provenance.names`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace

from provenance.extract.mentions import Mention, _title_at, is_name_token, trim_name
from provenance.extract.segment import Token
from provenance.lexicon import load, word_class
from provenance.models import ResolvedSpeaker, SpeakerKind
from provenance.names import (
    POSSESSIVE,
    first_names_agree,
    fold,
    name_gender,
    name_parts,
    title_keys,
)

DESCRIBED_WORDS = 3  # words between "the" and a role word in a description ("the Ohio senator")
ROLE_REACH = 200  # characters: an unnamed role this close before a pronoun may be its person
DESCRIBED_CONTEXT = 40  # characters from a person's mention that may tie a place to them
_WORD = re.compile(r"[^\W_][\w’'-]*")
PRONOUN_REACH = 600  # characters: how far back a full name can be a pronoun's antecedent


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
    words = POSSESSIVE.sub("", m.name or "").split()
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
                name = POSSESSIVE.sub("", " ".join(t.text for t in run[:3]))
                self._full.setdefault(name_parts(name)[1], []).append((run[0].start, name))
            i = max(j, i + 1)

    def _full_name(self, m: Mention) -> str | bool | None:
        """The full name a surname-only person mention stands for.

        Candidates are the full names with that surname the text gives and the
        named speakers met so far; a title's gender ("Mrs. Clinton") rules out
        the others, then the one named most often wins if it is named at least
        twice as often as the next. None: no candidate; False: undecided.
        """
        _, last = name_parts(m.name or "")
        counts: dict[tuple[str | None, str], int] = {}
        shown: dict[tuple[str | None, str], str] = {}
        for _, name in self._full.get(last, ()):
            key = name_parts(name)
            counts[key] = counts.get(key, 0) + 1
            shown.setdefault(key, name)
        for e in self.entities:
            key = name_parts(e.name)
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
            ent = next((e for e in self.entities if fold(e.name) == fold(name)), None)
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
            key = fold(m.name or m.text)
            return next((e for e in self.entities if fold(e.name) == key), None)
        first, last = name_parts(m.name)
        best = None
        for e in self.entities:
            if e.kind is not SpeakerKind.person:
                continue
            efirst, elast = name_parts(e.name)
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
        efirst = name_parts(ent.name)[0]
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
        if m.kind is SpeakerKind.person and m.name and name_parts(m.name)[0] is None:
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
        if e.gender != "-" or name_parts(e.name)[0] is not None:
            return e.gender
        genders = {name_gender(n) for _, n in self._full.get(name_parts(e.name)[1], ())}
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
