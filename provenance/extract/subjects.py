"""Who said it: the speaker phrase a cue belongs to.

:func:`subject` finds the phrase right before a cue ("X, a doctor, said", "X, who
said", "many lawmakers say"); the others find it further away, for cues whose subject
is not next to them: the sentence's main clause (:func:`main_subject`), the clause a
participle hangs on (:func:`clause_subject`: "…, saying"), the verb an infinitive
completes (:func:`infinitive_subject`: "went on to say"), the previous sentence's
subject (:func:`previous_person`). All offsets are characters into the document text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from functools import cache

from provenance.extract.common_nouns import generic_np_before
from provenance.extract.cues import CueHit, Doc
from provenance.extract.mentions import Mention, np_after, np_before
from provenance.extract.segment import Token
from provenance.lexicon import PARTICLES, load, word_class
from provenance.models import SpeakerKind

ASIDE_TOKENS = 16  # how far back before a cue an aside's opening comma is looked for
PLACE_WORDS = 3  # capitalised words between two commas of a place ("Portsmouth, N.H.,")


def _before_adverbial_aside(
    text: str, tokens: list[Token], close: int, floor: int
) -> Mention | None:
    """The named speaker before an adverbial aside that ends at the comma ``close``:
    "X, speaking at a rally in Dayton, Ohio, said". The aside opens with a preposition
    or a participle after its comma and may hold a place's commas, no others."""
    adverbial = load().words("preposition_after_cue")
    end = close  # the comma closing the part looked at
    for k in range(close - 1, max(floor, close + 1 - ASIDE_TOKENS), -1):
        if tokens[k].text != ",":
            continue
        after = tokens[k + 1]
        if after.lower in adverbial or (after.lower.endswith("ing") and not after.is_cap):
            found = np_before(text, tokens, k)
            if found is not None and found.start >= tokens[floor].start and found.name:
                b = _index_at(tokens, found.start) - 1
                if b >= 0 and (tokens[b].text == "," or tokens[b].lower in word_class("connector")):
                    return None  # "a house in Chappaqua, N.Y., speaking …": a place
                return found
            return None
        if not (0 < end - k - 1 <= PLACE_WORDS and all(t.is_cap for t in tokens[k + 1 : end])):
            return None
        end = k
    return None


def _index_at(tokens: list[Token], start: int) -> int:
    """Index of the token starting at offset ``start`` (tokens are in text order)."""
    return bisect_left(tokens, start, key=lambda t: t.start)


def _inside_aside(tokens: list[Token], lo: int, start: int) -> bool:
    """Whether a name starting at offset ``start`` sits inside an aside that opens at
    ``tokens[lo]`` after a relative pronoun or a preposition ("who lives outside
    Minneapolis", "a user in New York"): a place or an object, not the aside's name."""
    lex = load()
    stops = lex.words("relative") | word_class("preposition_after_cue") | word_class("connector")
    k = lo
    while k < len(tokens) and tokens[k].start < start:
        if tokens[k].lower in stops:
            return True
        k += 1
    return False


def subject(text: str, tokens: list[Token], cue_index: int, floor: int) -> Mention | None:
    """The speaker phrase before a cue, skipping auxiliaries and one appositive."""
    lex = load()
    between = lex.words("between_subject_cue")
    j = cue_index
    time = lex.words("time")
    while j - 1 >= floor:
        if (
            tokens[j - 1].lower in between
            or tokens[j - 1].lower.endswith("ly")
            or tokens[j - 1].lower in time
        ):  # "X, who on Thursday called"
            j -= 1
        elif j - 3 >= floor and tuple(t.lower for t in tokens[j - 3 : j]) in _time_phrases():
            j -= 3  # "Beck, who has in the past described …", "X at the time said"
        else:
            break
    if j - 1 >= floor and tokens[j - 1].lower in lex.words("relative"):
        # "Mr. X, who said …": the speaker is the phrase before ", who".
        j -= 1
        rel = tokens[j]
        if j - 1 >= floor and tokens[j - 1].text == ",":
            j -= 1
        found = np_before(text, tokens, j)
        if found is None or found.start < tokens[floor].start:
            return None
        if not found.name or found.kind is not SpeakerKind.person:
            # "said Ana Reyes, the chamber's chief strategist, who added": the relative
            # clause is about the person the title stands beside, not the title.
            b = _index_at(tokens, found.start) - 1
            owner = np_before(text, tokens, b) if b > floor and tokens[b].text == "," else None
            if (
                owner is not None
                and owner.kind is SpeakerKind.person
                and owner.name
                and not owner.pronoun
                and owner.start >= tokens[floor].start
            ):
                found = owner
        if found.kind is SpeakerKind.person and not found.name:
            return found  # "a retired general, who said": the phrase is all there is
        # The mention is the relative pronoun itself (as "he" is); it names the phrase
        # before it, which is who the speaker resolves to.
        return replace(found, start=rel.start, end=rel.end, text=rel.text)
    if j - 1 >= floor and tokens[j - 1].text == ",":
        found = _before_adverbial_aside(text, tokens, j - 1, floor)
        if found is not None:
            return found
    if j - 1 >= floor and tokens[j - 1].text in ",)":
        # "X, a doctor, said" / "X (R-Ohio) said": the aside ends here; the
        # speaker ends where the aside starts.
        close = tokens[j - 1].text
        opener = "," if close == "," else "("
        for k in range(j - 2, max(floor - 1, j - ASIDE_TOKENS), -1):
            if tokens[k].text == opener:
                found = np_before(text, tokens, k)
                if found is not None and found.start < tokens[floor].start:
                    found = None
                # "The head of the port, Ana Ruiz, argues": the aside is the name, the
                # whole of it (not "who lives outside Minneapolis").
                aside = np_before(text, tokens, j - 1) if close == "," else None
                named = (
                    aside is not None
                    and aside.start > tokens[k].start
                    and aside.kind is SpeakerKind.person
                    and bool(aside.name)
                    and not _inside_aside(tokens, k + 1, aside.start)
                )
                if named and (
                    found is None or found.kind is not SpeakerKind.person or not found.name
                ):
                    return aside
                if found is not None and opener == ",":
                    b = _index_at(tokens, found.start) - 1
                    if b > floor and (
                        tokens[b].lower in word_class("connector") | {"by"}
                        or (
                            tokens[b].lower in word_class("preposition_after_cue")
                            and tokens[b - 1].text == ","
                        )
                    ):
                        # "Cory James, 22, of Flint, Mich., said", "Sen. Chuck Grassley,
                        # facing a challenge in Iowa, a swing state, said": a place; "the
                        # website, run by X, a professor, said": the website. Not "after X,
                        # asked about …, had said" ("after" opens a clause; X says it).
                        found = None
                if found is None and opener == ",":
                    # "Woodrow Benford, 58, who lives outside Minneapolis, says", "Jillian
                    # Chase, 27, a user in New York, said": asides in a chain; the speaker
                    # is before the first.
                    continue
                return found
        if close == ",":
            return _opening_name_before_long_aside(text, tokens, j - 1, floor)
        return None
    linked = _linked_source(text, tokens, j, floor)
    if linked is not None:
        return linked
    found = np_before(text, tokens, j)
    if found is None:
        found = generic_np_before(text, tokens, j)
    if found is not None and found.start < tokens[floor].start:
        return None
    if found is not None:
        at = _index_at(tokens, found.start)
        if (
            at - 1 >= floor
            and tokens[at - 1].is_cap
            and tokens[at - 1].lower in word_class("connector")
        ):
            return None  # "In a Facebook message posted Friday, …": an opening adverbial
        found = (
            _participle_owner(text, tokens, found, at, floor)
            or _relative_owner(text, tokens, found, at, floor)
            or found
        )
    if (
        found is not None
        and found.kind is SpeakerKind.document
        and tokens[cue_index].lower.endswith("ing")
    ):
        return _issuer(text, tokens, found, floor) or found
    return found


RELATIVE_REACH = 8  # tokens from "who" to the phrase a cue's subject search found


def _relative_owner(
    text: str, tokens: list[Token], found: Mention, at: int, floor: int
) -> Mention | None:
    """The phrase a restrictive "who" clause before ``found`` belongs to, when ``found``
    stands inside that clause: "Several delegates who met with Sanders said" (the
    delegates speak, not Sanders), "officials who spoke with The Huffington Post said".
    ``at``: the index of ``found``'s first token."""
    lex = load()
    if found.pronoun:
        return None  # "voters who will turn on it if it opposes …": a clause's own subject
    k = at - 1
    stop = max(floor, k - RELATIVE_REACH)
    opens = lex.words("subordinator") | lex.words("conjunction") | word_class("adverbial_opener")
    while k > stop:
        low = tokens[k].lower
        if tokens[k].text in ",;:()—" or low in lex.cue_forms or low in opens:
            return None
        if low == "who":
            break
        k -= 1
    else:
        return None
    if at - k < 2:
        return None  # "who Smith …": the phrase is the clause's subject
    return _owner_before(text, tokens, k, floor)


def _participle_owner(
    text: str, tokens: list[Token], found: Mention, at: int, floor: int
) -> Mention | None:
    """The phrase an -ing participle before ``found`` modifies, when ``found`` is that
    participle's object: "House Republicans supporting the bill have said", "a woman
    holding a sign said" (the Republicans, the woman speak; not the bill, the sign)."""
    b = at - 1
    if b - 1 < floor:
        return None
    part = tokens[b].lower
    if not (
        part.endswith("ing")
        and len(part) > 5
        and tokens[b].is_word
        and not tokens[b].is_cap
        and part not in word_class("preposition_after_cue")
        and part not in word_class("connector")
        and tokens[b - 1].is_word
    ):
        return None
    first = tokens[at]
    if not (
        first.lower in word_class("determiner")
        or (found.kind is SpeakerKind.person and first.is_cap and not found.pronoun)
    ):
        # "Trump's remaining rivals", "a Reuters rolling poll": an adjective before a
        # noun, not a participle before its object
        return None
    return _owner_before(text, tokens, b, floor)


def _owner_before(text: str, tokens: list[Token], k: int, floor: int) -> Mention | None:
    """The phrase ending before ``tokens[k]`` that a modifier from ``k`` on belongs to: a
    name, title or speaker noun, else a common-noun phrase; not a pronoun, not before
    ``floor``."""
    owner = np_before(text, tokens, k) or generic_np_before(text, tokens, k)
    if owner is None or owner.start < tokens[floor].start or owner.pronoun:
        return None
    return owner


LONG_ASIDE_TOKENS = 40  # an aside after a sentence's opening name may run this long
OPENING_NAME_TOKENS = 6  # tokens of the name that opens the sentence, up to its comma


def _opening_name_before_long_aside(
    text: str, tokens: list[Token], close: int, floor: int
) -> Mention | None:
    """ "Shane Shook, a cyber security expert who has helped investigate some of the
    breaches uncovered to date, said": a named person opening the sentence, then one
    aside longer than :data:`ASIDE_TOKENS` up to the comma ``close`` before the cue. Only
    a full name (two words or more) at the sentence's start: further in, the phrase
    before a comma is as often a place or an object ("a house in Chappaqua, N.Y.,
    speaking …", "attacked Donald Trump, with whom he clashed …, calling")."""
    if close - floor > LONG_ASIDE_TOKENS:
        return None
    comma = next(
        (k for k in range(floor + 1, min(close, floor + OPENING_NAME_TOKENS + 1))
         if tokens[k].text == ","),
        None,
    )  # fmt: skip
    if comma is None or comma == close:
        return None
    found = np_before(text, tokens, comma)
    if (
        found is None
        or found.start != tokens[floor].start
        or found.kind is not SpeakerKind.person
        or not found.name
        or len(found.name.split()) < 2
    ):
        return None
    return found


LINK_TOKENS = 12  # how far back before a cue a source link ("familiar with") is looked for


@cache
def _time_phrases() -> frozenset[tuple[str, ...]]:
    """The ``time_phrase`` phrases of ``grammar.tsv`` as word tuples ("in", "the", "past")."""
    return frozenset(tuple(p.split()) for p in load().words("time_phrase"))


@cache
def _source_links() -> tuple[tuple[str, ...], ...]:
    """The ``source_link`` phrases of ``grammar.tsv`` as word tuples ("familiar", "with")."""
    return tuple(tuple(p.split()) for p in load().words("source_link"))


def _linked_source(text: str, tokens: list[Token], j: int, floor: int) -> Mention | None:
    """An unnamed source and what it knows, ending before ``tokens[j]``: "a person
    familiar with the talks", "people close to the vice president" (``grammar.tsv``
    class ``source_link``). The words after the link name what the source is close to,
    never the speaker. None when no link stands in the phrase before the cue."""
    lex = load()
    links = _source_links()
    for k in range(j - 2, max(floor - 1, j - 2 - LINK_TOKENS), -1):
        low = tokens[k + 1].lower
        verb = low in lex.words("finite") or (
            low in lex.cue_forms and tokens[k].lower not in lex.words("noun_before")
        )  # "the planning" is a noun
        if not tokens[k + 1].is_word or verb:
            return None  # a comma, a quotation mark or a verb ends the phrase
        for words in links:
            at = k - len(words) + 1
            if at <= floor or tuple(t.lower for t in tokens[at : k + 1]) != words:
                continue
            head = np_before(text, tokens, at) or generic_np_before(text, tokens, at)
            named = head is not None and head.kind is SpeakerKind.person and bool(head.name)
            if head is None or head.start < tokens[floor].start or named:
                return None  # no source before the link, or a named one: not this pattern
            end = tokens[j - 1].end
            phrase = text[head.start : end]
            name = phrase[:1].upper() + phrase[1:]
            h = _index_at(tokens, head.start)
            if head.kind is not SpeakerKind.anonymous and tokens[h].lower in word_class(
                "determiner"
            ):
                name = text[tokens[h + 1].start : end]
            return replace(head, end=end, text=phrase, name=name)
    return None


def _issuer(text: str, tokens: list[Token], doc: Mention, floor: int) -> Mention | None:
    """Who put out the document ``doc`` that a participle cue follows: "Trump issued a
    statement saying …", "The town released a statement Wednesday saying …" are Trump's
    and the town's words (the statement is where they said it)."""
    lex = load()
    k = _index_at(tokens, doc.start) - 1
    if k >= floor and tokens[k].lower == "out":
        k -= 1  # "put out a statement"
    elif (
        k > floor
        and tokens[k].lower in PARTICLES
        and (cue := lex.cue_forms.get(tokens[k - 1].lower)) is not None
        and cue.complement == tokens[k].lower
    ):
        # "Trump fired back a response saying …": the retort's speaker put it out
        m = subject(text, tokens, k - 1, floor)
        return m if m is not None and m.kind is not SpeakerKind.document else None
    if k > floor and tokens[k].lower == "in" and tokens[k - 1].lower in lex.cue_forms:
        k -= 1  # "X wrote in a statement explaining …", "X said in a statement explaining …"
    elif k < floor or tokens[k].lower not in lex.words("issuing_verb"):
        return None
    m = subject(text, tokens, k, floor)
    return m if m is not None and m.kind is not SpeakerKind.document else None


INFINITIVE_VERB_WORDS = 2  # words of the verb an infinitive cue completes ("went on", "prompted")


def infinitive_subject(text: str, tokens: list[Token], to: int, floor: int) -> Mention | None:
    """The subject of the verb that an infinitive cue completes, ``tokens[to]`` being its
    "to": "X was prompted to say", "X went on to say", in whatever clause it stands
    ("the debate was so subdued that X was prompted to say": X, not the debate).

    Up to :data:`INFINITIVE_VERB_WORDS` lower-case words of ``grammar.tsv``
    ``infinitive_lead`` before "to" are that verb ("went on", "was prompted"; not any
    verb: "failed to note", "is expected to argue", "eager to believe" report nothing
    said); :func:`subject` then steps over the auxiliaries before it. None when no such
    word stands there, no speaker phrase comes before it, or the subject is a dummy
    ("It is hard to say": ``dummy_subject``).
    """
    lex = load()
    k = to
    while (
        k - 1 >= floor
        and to - k < INFINITIVE_VERB_WORDS
        and not tokens[k - 1].is_cap
        and tokens[k - 1].lower in lex.words("infinitive_lead")
    ):
        k -= 1
    if k == to:
        return None
    m = subject(text, tokens, k, floor)
    return None if m is None or m.text.lower() in lex.words("dummy_subject") else m


def participle_after_comma(tokens: list[Token], hit: CueHit) -> bool:
    """True for an -ing cue after a comma, adverbs between them allowed: "X attacked Y,
    saying …", "…, eventually saying …". Its subject is the main clause's."""
    if not tokens[hit.index].lower.endswith("ing") or hit.first != hit.index:
        return False  # "X, the chief executive, was planning": a finite verb
    lex = load()
    adverbs = lex.words("between_subject_cue") - lex.words("passive") - lex.words("finite")
    adverbs -= {"as", "quoted"}  # "quoted X, a native, as saying": X said it
    k = hit.first - 1
    while (
        k > 0
        and tokens[k].is_word
        and (tokens[k].lower.endswith("ly") or tokens[k].lower in adverbs)
    ):
        k -= 1
    return k >= 0 and tokens[k].text == ","


def main_subject(doc: Doc, lo: int, hi: int) -> Mention | None:
    """The subject of a sentence's main clause, before token ``hi``.

    For a participle cue after a comma ("X attacked Y, saying …"): a leading
    adverbial ("During the speech, …") is skipped; the subject is the phrase
    before the first lower-case word that is not a function word.
    """
    lex = load()
    toks = doc.tokens
    k = lo
    opens_adjunct = word_class("preposition_after_cue") | {"after", "while", "when", "at"}
    if k < hi and toks[k].lower in opens_adjunct:
        while k < hi and toks[k].text != ",":
            k += 1
        k += 1
    for j in range(k + 1, hi):
        tok = toks[j]
        if doc.quoted[j]:
            continue  # "“Our hearts …,” O’Brien said.": the words quoted are no subject
        if (
            tok.text[:1].isalpha()
            and not tok.is_cap
            and tok.lower not in word_class("determiner")
            and tok.lower not in lex.speaker_nouns
            and tok.lower not in lex.titles
            and not (toks[j - 1].text == "," and tok.lower in lex.words("relative"))
        ):
            # "Gloria Pettway, 67, lives …": subject() steps over the aside.
            m = (
                subject(doc.text, toks, j, k)
                if toks[j - 1].text == ","
                else np_before(doc.text, toks, j)
            )
            return m if m is not None and m.start >= toks[k].start else None
    return None


# Before a clause's subject: a comma, a conjunction, a closing quotation mark ("“…,” X
# said, adding"). Not "that" or a subordinator: a participle hangs on the main clause, not
# on "touches that Mr. Biden might appreciate" or "while she was speaking".
CLAUSE_OPENERS = frozenset(
    {",", ";", ":", "—", "–", "(", "and", "but", "so", "then", "”", '"', "''", "’", "'"}
)


def _finite_like(low: str) -> bool:
    """A finite verb or an -ed form: what follows a clause's subject."""
    return low in load().words("finite") or low.endswith("ed")


def clause_subject(doc: Doc, lo: int, hi: int) -> Mention | None:
    """The subject of the clause nearest before token ``hi``: a speaker phrase that opens
    a clause (at the sentence start, or after a comma, a conjunction or a subordinator)
    and is followed by a verb (a finite word, an -ed form or a cue form).

    For a participle cue ("…, saying"), whose subject is the clause it hangs on, not the
    sentence's first one nor a phrase right before the comma: "prosecutors charged the
    officer and Emanuel fired his police chief, Garry F. McCarthy, acknowledging" is
    Emanuel; "in Bangor, Maine, promising" is not Bangor (a preposition's object).
    """
    lex = load()
    toks = doc.tokens
    function = (
        word_class("determiner")
        | word_class("preposition_after_cue")
        | word_class("connector")
        | lex.words("conjunction")
        | lex.words("relative")
        | lex.words("subordinator")
    )
    for j in range(hi - 1, lo, -1):
        tok = toks[j]
        low = tok.lower
        if doc.quoted[j] or not tok.is_word or tok.is_cap or low in function:
            continue
        if not (_finite_like(low) or low in lex.cue_forms):
            continue
        # After a comma (an aside) or a relative pronoun ("X, who worked the crowd,
        # praising"), subject() finds the phrase the clause is about.
        m = (
            subject(doc.text, toks, j, lo)
            if toks[j - 1].text == "," or toks[j - 1].lower in lex.words("relative")
            else np_before(doc.text, toks, j)
        )
        if m is None or m.start < toks[lo].start or m.text.lower() == "there":
            continue
        b = doc.tok_index(m.start) - 1
        if b < lo or toks[b].text in CLAUSE_OPENERS or toks[b].lower in CLAUSE_OPENERS:
            return m
        before = toks[b].lower
        if (
            toks[j - 1].text == ","
            and toks[b].is_word
            and not (before in function or _finite_like(before))
        ):
            return m  # "the other candidate, former Secretary … Clinton, drew": the aside
        # "charged the driver and Mayor Ruiz fired": the object and the next clause's
        # subject read as one phrase; the part after "and" opens that clause.
        ands = [k for k in range(b + 1, j) if toks[k].lower == "and"]
        if ands and (tail := np_after(doc.text, toks, ands[-1] + 1)) and tail.end == m.end:
            return tail
    return None


def previous_person(doc: Doc, pos: int, pronoun: bool = False) -> Mention | None:
    """The named person who is the subject of the sentence before offset ``pos``.

    "Gloria Pettway, 67, lives nearby. “…,” she said.": news introduces a speaker
    as a sentence subject and then quotes them with a pronoun. Only a sentence
    in the same paragraph counts, and only a name (not "the mayor"); with
    ``pronoun``, only a he/she subject, also across a paragraph break ("She said ….
    ¶ “…,” she said.").
    """
    i = bisect_right(doc.sent_starts, pos) - 1
    if i < 1 or (not pronoun and doc.para_of(doc.sents[i - 1][0]) != doc.para_of(pos)):
        return None  # a pronoun subject carries over a paragraph break
    start, end = doc.sents[i - 1]
    lo, hi = doc.tok_index(start), doc.tok_index(end)
    m = np_after(doc.text, doc.tokens, lo) if lo < hi and doc.tokens[lo].is_cap else None
    if m is None:
        m = main_subject(doc, lo, hi)
    if pronoun:
        return m if m is not None and m.pronoun in ("he", "she") else None
    if m is None or m.kind is not SpeakerKind.person or not m.name or m.pronoun:
        return None
    return m
