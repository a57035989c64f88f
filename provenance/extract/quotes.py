"""Quote attribution: an ordered table of named rules, one quotation at a time.

:func:`attribute_quote` tries each rule of :data:`QUOTE_RULES` in order on a
:class:`QuoteContext` (the quotation, its sentence and token positions) and
returns the first that finds a cue and a speaker mention. A rule's ``name`` is
the ``rule`` value stored with the record and shown in every export, so a
record can be traced to the code that made it and each rule tested alone.

Record-level rules that are not about one quotation (``continuation``,
``no-speaker``, ``clause-with-quote``, ``quote-in-clause``, the paragraph label ``speaker-colon``,
``previous-paragraph-speaker`` and the reported-speech rules of
:mod:`provenance.extract.reported`) are applied by
:func:`provenance.extract.document.extract`;
:data:`provenance.extract.document.RULE_NAMES` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from provenance.extract.common_nouns import generic_np_after
from provenance.extract.cues import CueHit, Doc, according_to, cue_at, left_cue, refused_infinitive
from provenance.extract.mentions import APOSTROPHES, Mention, np_after, np_before
from provenance.extract.segment import Quotation, Token
from provenance.extract.subjects import (
    clause_subject,
    infinitive_subject,
    main_subject,
    participle_after_comma,
    subject,
)
from provenance.lexicon import load, word_class
from provenance.models import Attribution, Span, SpeakerKind

MAX_RIGHT_TOKENS = 8  # tokens between a closing mark and its cue ("…,” the mayor said)
MAX_NAME_WORDS = 4  # a short quotation after "on", "of" or a possessive names a show or a book
MAX_MODIFIER_TOKENS = 5  # lower-case or numeric words before a name after a cue
MAX_ASIDE_TOKENS = 8  # tokens of a parenthetical aside after a name ("(D-Newport News)")
DASHES = {"―", "—", "–", "-", "--"}


class Found(NamedTuple):
    """What a rule found: the cue span, the speaker mention (None for a title, or when the
    speaker is the previous record's), and a rule-level confidence in 0.0–1.0."""

    cue: Span | None
    mention: Mention | None
    confidence: float


@dataclass
class QuoteContext:
    """One quotation and the token positions every rule reads (token indexes into
    ``doc.tokens``): ``lo``/``hi`` bound its sentence, ``qi`` is the opening mark,
    ``after`` the first token after the closing mark, ``right_hi`` the end of the
    search to the right (the next short sentence when the sentence ended inside the
    marks). ``previous`` is the last speech record before it."""

    doc: Doc
    q: Quotation
    previous: Attribution | None

    def __post_init__(self) -> None:
        doc, q = self.doc, self.q
        self.text, self.toks = doc.text, doc.tokens
        self.s_start, _ = doc.sentence_of(q.open)
        _, self.s_end = doc.sentence_of(max(q.close - 1, q.open))
        self.lo, self.qi = doc.tok_index(self.s_start), doc.tok_index(q.open)
        self.after, self.hi = doc.tok_index(q.close), doc.tok_index(self.s_end)
        self.right_hi = self.hi
        if (
            self.after >= self.hi
            and self.s_end < len(self.text)
            and doc.para_of(self.s_end) == doc.para_of(q.open)
        ):
            # "“Why not?” Trump said.": the sentence ended inside the marks; the
            # attribution is the short sentence that follows, if that is all it says.
            next_hi = doc.tok_index(doc.sentence_of(self.s_end + 1)[1])
            if next_hi - self.after <= MAX_RIGHT_TOKENS or self._closing_cue(next_hi):
                self.right_hi = next_hi

    def _closing_cue(self, hi: int) -> bool:
        """Whether the sentence after the marks opens "X said," or "X went on, as if …":
        a cue near its start with nothing reported after it (a comma or the end follows),
        so the sentence attributes the quotation whatever else it goes on to say."""
        toks, text = self.toks, self.text
        for i in range(self.after, min(hi, self.after + MAX_RIGHT_TOKENS)):
            hit = cue_at(toks, i)
            if hit is None:
                continue
            if hit.cue.frame not in ("speech", "written"):
                return False  # "Clinton plans to visit …": an intention, not her words
            # "X said" or "said X" right after the marks, not "This sort of talk, CNN
            # claimed" (a new statement with its own speaker).
            # subject(): "“…!” Tobias Moreau, the Republican candidate, tweeted" too.
            m = np_before(text, toks, hit.first)
            if m is None and toks[hit.first - 1].text == ",":
                m = subject(text, toks, hit.first, self.after)
            if hit.first != self.after and (m is None or m.start != toks[self.after].start):
                return False
            k = end = hit.index + 1
            while end < hi and toks[end].lower in load().words("time"):
                end += 1  # "X tweeted Sunday."
            if end >= hi or toks[end].text in ".;":
                return True
            # "Trump said, looking out at the crowd" / ", as if he …": an adverbial, not
            # what was said ("He said, twice, that …", "He added, “…”" are the cue's own).
            adverbial = word_class("subordinator") | word_class("preposition_after_cue")
            if toks[k].text == ",":
                nxt = toks[k + 1].lower if k + 1 < hi else ""
                return nxt.endswith("ing") or nxt in adverbial
            # "X said about McCain's effort …", with no clause or quotation of its own.
            return toks[k].lower in adverbial - {"to"} and not any(
                toks[n].lower == "that" or self.doc.quoted[n] for n in range(k, hi)
            )
        return False

    @cached_property
    def right_cue(self) -> tuple[CueHit, int] | None:
        """The first cue verb after the closing mark within reach, and its token index.

        Words that cannot sit between a quote and its cue (a finite verb, a relative
        pronoun, a conjunction, a subordinator) or another quotation end the search.
        """
        lex = load()
        doc, text, toks, after, right_hi = self.doc, self.text, self.toks, self.after, self.right_hi
        limit = min(right_hi, after + MAX_RIGHT_TOKENS)
        # "on CBS's “Face the Nation,” Paul Ryan (R-Wis.) said": a show's name, not his words.
        qi, lo, q = self.qi, self.lo, self.q
        named_thing = (
            qi > lo
            and (
                toks[qi - 1].lower in lex.words("preposition_after_cue")
                or toks[qi - 1].text.endswith(("’s", "'s"))
            )
            and len(text[q.start : q.end].split()) <= MAX_NAME_WORDS
        )
        i = after - 1
        while i + 1 < limit:
            i += 1
            if doc.quoted[i] or named_thing:
                return None
            close = _parenthetical(toks, i, right_hi)
            if close:
                # "…,” Rep. Jane Roe (D-Ohio) said": the aside does not count toward the reach.
                limit = min(right_hi, limit + close - i + 1)
                i = close
                continue
            hit = cue_at(toks, i, i < doc.headline_tokens)
            if hit is not None:
                return hit, i
            low = toks[i].lower
            if toks[i].text in ",()." or (
                toks[i].is_word
                and low not in lex.words("finite")
                and low not in lex.words("relative")
                # "… when, he said, …": an aside right after it is still the quote's
                and (
                    low not in lex.words("subordinator")
                    or (i + 1 < len(toks) and toks[i + 1].text == ",")
                )
                and low not in ("and", "but", "or")
            ):
                continue
            if (
                low in lex.words("between_subject_cue")
                and toks[i].text.islower()
                and self.ends_open
                and self._auxiliary_of_cue(i, limit)
            ):
                # "“…,” she has said", "“…,” the president will say": an auxiliary before
                # the cue, not a clause. Only after a quotation its attribution must
                # follow (a comma): “corporate welfare.” Rubio has supported … is not.
                continue
            return None
        return None

    @cached_property
    def ends_open(self) -> bool:
        """Whether the quoted words end in a comma, "?" or "!": the sentence goes on, so
        an attribution may follow ("“…,” Jane Roe, the director, said")."""
        return self.text[self.q.start : self.q.end].rstrip(" ’'\"”")[-1:] in (",", "?", "!")

    def _auxiliary_of_cue(self, i: int, limit: int) -> bool:
        """Whether ``toks[i]`` ("has", "had", "would") starts the verb group of a cue that
        follows it: only auxiliaries and -ly adverbs stand between ("has long said"), and
        a perfect takes a participle ("had answering" is no verb group)."""
        lex, toks = load(), self.toks
        between = lex.words("between_subject_cue")
        j, last = i + 1, toks[i].lower
        while j < limit and (toks[j].lower in between or toks[j].lower.endswith("ly")):
            last = toks[j].lower if toks[j].lower in between else last
            j += 1
        if j >= limit or (last in lex.words("perfect") and toks[j].lower.endswith("ing")):
            return False
        return cue_at(toks, j, j < self.doc.headline_tokens) is not None

    @cached_property
    def left(self) -> tuple[CueHit, Mention | None] | None:
        """The cue verb before the opening mark in the sentence, and its subject."""
        hit = left_cue(self.doc, self.lo, self.qi)
        if hit is None:
            return None
        toks = self.toks
        m = subject(self.text, toks, hit.first, self.lo)
        if participle_after_comma(toks, hit):
            # "X attacked Y for Z, saying “…”": the participle's subject is the clause's.
            m = (
                clause_subject(self.doc, self.lo, hit.first)
                or main_subject(self.doc, self.lo, hit.first)
                or m
            )
        return hit, m


def _title(c: QuoteContext) -> Found | None:
    """“a report titled “Safer Storage Now””: a title, nobody's words."""
    if c.qi > c.lo and c.toks[c.qi - 1].lower in load().words("title_marker"):
        return Found(None, None, 0.0)
    return None


def _show(c: QuoteContext) -> Found | None:
    """“…,” Jane Roe said on ABC’s “This Week”: a short title-cased quotation after a cue
    and "on" (and a network's possessive) names a show, not the speaker's words."""
    toks, k = c.toks, c.qi - 1
    if k > c.lo and toks[k].is_cap and toks[k].text.endswith(APOSTROPHES):
        k -= 1
    forms = load().cue_forms
    # "told ABC's “Good Morning America.”", "told “Fox and Friends”": the addressee of
    # "tell" is the show
    told = k >= c.lo and toks[k].lower in forms and forms[toks[k].lower].complement == "object"
    if not told and (k <= c.lo or toks[k].lower != "on" or toks[k - 1].lower not in forms):
        return None  # elsewhere ("a project on “Women in Power”") it may be anybody's words
    small = word_class("determiner") | word_class("connector") | {"and"}
    words = c.text[c.q.start : c.q.end].strip(" ,.;:?!’'\"”“").split()
    if (
        not words
        or len(words) > MAX_NAME_WORDS
        or not words[0][:1].isupper()
        or not all(w[:1].isupper() or w.lower() in small for w in words)
    ):
        return None
    return Found(None, None, 0.0)


def _turn(c: QuoteContext) -> Found | None:
    """“PENCE: Well, …”: a transcript turn quoted whole."""
    turn = _turn_label(c.doc, c.qi)
    return Found(turn[0], turn[1], 0.85) if turn is not None else None


def _quote_subject_cue(c: QuoteContext) -> Found | None:
    """“…,” she said. / “…,” the mayor said: the speaker between the quote and its cue."""
    if c.right_cue is None:
        return None
    hit, _ = c.right_cue
    m = np_before(c.text, c.toks, hit.first) if hit.first > c.after else None
    if m is None and hit.first > c.after:
        m = subject(c.text, c.toks, hit.first, c.after)
    if m is not None and m.start >= c.toks[c.after].start:
        return Found(hit.span(c.text, c.toks), m, 0.95)
    return None


def _quote_cue_subject(c: QuoteContext) -> Found | None:
    """“…,” said the county officer. / said 9/11 widow Ana Ruiz: the speaker after the cue."""
    if c.right_cue is None:
        return None
    hit, i = c.right_cue
    text, toks = c.text, c.toks
    if hit.first == hit.index and toks[i].lower.endswith("ing"):
        return None  # "“…,” promising the club will return": a participle's object
    m = np_after(text, toks, i + 1)
    if m is not None:
        after = c.doc.tok_index(m.end)
        if after < c.right_hi and toks[after].lower in load().words("finite"):
            return None  # "citing “…,” said the candidate could win": the clause's subject
    if m is None and i + 1 < c.right_hi and toks[i + 1].lower in word_class("clause_opener"):
        return None  # "“…,” adding that the company had …": what is said, not who
    if m is None and i + 1 < c.right_hi and toks[i + 1].lower in word_class("determiner"):
        m = generic_np_after(text, toks, i + 1, c.right_hi)
    if m is None:
        m = _named_after_modifiers(c.doc, i + 1, c.right_hi)
    return Found(hit.span(text, toks), m, 0.95) if m is not None else None


def _quote_dash_speaker(c: QuoteContext) -> Found | None:
    """“…” ― Jane Roe: a signature after a dash."""
    toks, after = c.toks, c.after
    if after < len(toks) and toks[after].text in DASHES:
        m = np_after(c.text, toks, after + 1)
        if m is not None:
            return Found(Span.of(c.text, toks[after].start, toks[after].end), m, 0.85)
    return None


def _quote_subject_aside_cue(c: QuoteContext) -> Found | None:
    """“…,” Jane Roe, the director of a long-named institute, said on Monday."""
    text, toks, doc = c.text, c.toks, c.doc
    if not c.ends_open:
        return None
    m = np_after(text, toks, c.after)
    if not m:
        return None
    for i in range(doc.tok_index(m.end), c.hi):
        if doc.quoted[i]:
            break
        hit = cue_at(toks, i, i < doc.headline_tokens)
        if hit is not None and toks[hit.first - 1].text == ",":
            return Found(hit.span(text, toks), m, 0.9)
    return None


def _according_to(c: QuoteContext) -> Found | None:
    """“…,” according to Jane Roe."""
    acc = according_to(c.doc, c.lo, c.hi)
    return Found(acc[0], acc[1], 0.9) if acc else None


def _same_sentence_speaker(c: QuoteContext) -> Found | None:
    """“A,” she said, adding “B.”: a cue with no subject of its own in a sentence whose
    earlier quote has a speaker; the record takes that speaker (mention None here)."""
    if c.left is None:
        return None
    hit, m = c.left
    previous = c.previous
    if m is None and previous is not None and previous.content.start >= c.s_start:
        return Found(hit.span(c.text, c.toks), None, 0.85)
    return None


def _subject_cue_quote(c: QuoteContext) -> Found | None:
    """X said: “…” / X described it as ‘…’ / X went on to say, “…”."""
    if c.left is None:
        return None
    hit, m = c.left
    if m is None and c.toks[hit.first - 1].lower == "to":
        if refused_infinitive(c.doc, hit.first - 1, c.qi):
            return None  # "refused to say the words “radical Islam”": nothing said
        if hit.first > 1 and c.toks[hit.first - 2].lower in word_class("object_pronoun"):
            return None  # "a win that led her to declare “…”": hers, not the subject's
        m = infinitive_subject(c.text, c.toks, hit.first - 1, c.lo) or main_subject(
            c.doc, c.lo, hit.first
        )
    return Found(hit.span(c.text, c.toks), m, 0.9) if m is not None else None


def _speaker_dash_quote(c: QuoteContext) -> Found | None:
    """Jane Roe ― “…”."""
    toks, qi = c.toks, c.qi
    if qi > c.lo and toks[qi - 1].text in DASHES and c.text[c.s_start : c.q.open].count(" ") <= 6:
        m = np_before(c.text, toks, qi - 1)
        if m is not None and m.start >= c.s_start:
            return Found(Span.of(c.text, toks[qi - 1].start, toks[qi - 1].end), m, 0.85)
    return None


def _speaker_colon(c: QuoteContext) -> Found | None:
    """Sanders: Clinton needs to ‘…’: the paragraph's speaker label."""
    label = speaker_label(c.doc, c.doc.para_of(c.q.open))
    if label is not None and label[0].end <= c.q.open:
        return Found(label[0], label[1], 0.85)
    return None


def _colon_lead_in(c: QuoteContext) -> Found | None:
    """A lead-in sentence ending with a colon: "A worker … provided more background: “…”"."""
    text, toks, doc = c.text, c.toks, c.doc
    # Offsets, not slices: copying the text before each quote made a long
    # document quadratic (2 MB: 12 s).
    lead_end = c.q.open
    while lead_end > 0 and text[lead_end - 1].isspace():
        lead_end -= 1
    if not (
        (text[lead_end - 1 : lead_end] == ":" and _blank_or_colon(text, c.s_start, c.q.open))
        or char_before(text, c.s_start, c.q.open) == ":"
    ):
        return None
    ls, _ = doc.sentence_of(lead_end - 1)
    llo, lhi = doc.tok_index(ls), doc.tok_index(lead_end - 1)
    hit = left_cue(doc, llo, lhi + 1)
    m = subject(text, toks, hit.first, llo) if hit else None
    cue_span = hit.span(text, toks) if hit else None
    if m is None:
        verb = _first_verbish(toks, llo, lhi)
        m = np_before(text, toks, verb) or main_subject(doc, llo, lhi)
        if m is not None and verb < lhi:
            # "A worker … interviewed by X provided more background:" — the lead-in's verb.
            cue_span = Span.of(text, toks[verb].start, toks[verb].end)
    return Found(cue_span, m, 0.8) if m is not None else None


class QuoteRule(NamedTuple):
    """A named attribution rule; ``name`` is the stored and exported ``rule`` value."""

    name: str
    find: Callable[[QuoteContext], Found | None]


QUOTE_RULES: tuple[QuoteRule, ...] = (
    QuoteRule("title", _title),
    QuoteRule("show", _show),
    QuoteRule("speaker-colon-in-quote", _turn),
    QuoteRule("quote-then-subject-cue", _quote_subject_cue),
    QuoteRule("quote-then-cue-subject", _quote_cue_subject),
    QuoteRule("quote-dash-speaker", _quote_dash_speaker),
    QuoteRule("quote-then-subject-aside-cue", _quote_subject_aside_cue),
    QuoteRule("according-to", _according_to),
    QuoteRule("same-sentence-speaker", _same_sentence_speaker),
    QuoteRule("subject-cue-quote", _subject_cue_quote),
    QuoteRule("speaker-dash-quote", _speaker_dash_quote),
    QuoteRule("speaker-colon", _speaker_colon),
    QuoteRule("colon-lead-in", _colon_lead_in),
)
"""Tried in this order; the first that finds something wins. Order matters: a cue right
of the quote beats one left of it, a named speaker beats a colon lead-in."""

#: Rules applied to a whole record or document rather than one quotation.
RECORD_RULES = (
    "continuation",
    "lead-in-sentence",
    "no-speaker",
    "clause-with-quote",
    "quote-in-clause",
    "previous-paragraph-speaker",
)

#: Quote rules whose cue and speaker are in the quotation's own sentence; only these
#: also give an ``indirect`` record for the clause around a quotation.
SAME_SENTENCE_RULES = frozenset(
    {
        "quote-then-subject-aside-cue",
        "speaker-colon",
        "quote-then-subject-cue",
        "quote-then-cue-subject",
        "according-to",
        "subject-cue-quote",
        "same-sentence-speaker",
    }
)


def attribute_quote(
    doc: Doc, q: Quotation, previous: Attribution | None
) -> tuple[Span | None, Mention | None, str, float]:
    """Cue span, speaker mention, rule name and confidence for one quotation
    ("" and 0.0 when no rule finds anything)."""
    context = QuoteContext(doc, q, previous)
    for rule in QUOTE_RULES:
        found = rule.find(context)
        if found is not None:
            return found.cue, found.mention, rule.name, found.confidence
    return None, None, "", 0.0


def _named_after_modifiers(doc: Doc, i: int, hi: int) -> Mention | None:
    """A name closing the sentence after a few lower-case or numeric modifiers:
    "…,” said 9/11 widow Ana Ruiz." (no function word, no comma in between)."""
    lex = load()
    toks = doc.tokens
    function = (
        lex.words("preposition_after_cue")
        | lex.words("finite")
        | lex.words("conjunction")
        | word_class("determiner")
    )
    for k in range(i, min(hi, i + MAX_MODIFIER_TOKENS)):
        tok = toks[k]
        if tok.is_cap and tok.is_word:
            m = np_after(doc.text, toks, k)
            if m is None or m.kind is not SpeakerKind.person or not m.name:
                return None
            end = doc.tok_index(m.end)
            return m if end >= hi or toks[end].text in ".," else None
        if tok.lower in function or not (tok.is_word or tok.text in "/-"):
            return None
    return None


def _turn_label(doc: Doc, qi: int) -> tuple[Span, Mention] | None:
    """A transcript turn quoted whole: “PENCE: Well, …” (an upper-case label of at most
    three words and a colon right after the opening mark)."""
    toks = doc.tokens
    for k in range(qi + 2, min(qi + 5, len(toks))):
        if toks[k].text == ":":
            label = toks[qi + 1 : k]
            if (
                not all(t.text.isupper() and t.is_word for t in label)
                or len("".join(t.text for t in label)) < 3
            ):
                return None
            m = np_before(doc.text, toks, k)
            if m is None or m.start != toks[qi + 1].start or m.pronoun:
                return None
            return Span.of(doc.text, toks[k].start, toks[k].end), m
        if not toks[k].is_word:
            return None
    return None


def _parenthetical(toks: list[Token], i: int, hi: int) -> int:
    """Index of the ")" closing a short aside opened at ``toks[i]`` ("(R-Utah)"), or 0."""
    if toks[i].text != "(":
        return 0
    for k in range(i + 1, min(hi, i + MAX_ASIDE_TOKENS)):
        if toks[k].text == ")":
            return k
    return 0


def speaker_label(doc: Doc, para: int) -> tuple[Span, Mention] | None:
    """A paragraph opening with a speaker and a colon: "PENCE: …", "Sanders: …".

    Returns the colon (as the cue) and the speaker; None when the words before
    the colon are not a name or speaker noun of at most four words.
    """
    if para < 0:
        return None
    start, end = doc.paras[para]
    lo = doc.tok_index(start)
    for k in range(lo + 1, min(lo + 5, len(doc.tokens))):
        tok = doc.tokens[k]
        if tok.start >= end:
            return None
        if tok.text == ":":
            m = np_before(doc.text, doc.tokens, k)
            if (
                m is None
                or m.start != doc.tokens[lo].start
                or m.pronoun
                or any(w in word_class("not_label") for w in m.text.lower().split())
            ):
                return None
            if len(doc.text[tok.end : end].split()) < 3:
                return None
            return Span.of(doc.text, tok.start, tok.end), m
        if not tok.is_word and tok.text not in ".’'":
            return None
    return None


def _first_verbish(toks: list[Token], lo: int, hi: int) -> int:
    """Index of the first lower-case word after a sentence's opening noun phrase.

    Prepositional phrases inside the phrase are skipped: in "A worker in Leeds
    interviewed by …" the verb is "interviewed".
    """
    lex = load()
    for i in range(lo + 1, hi):
        low = toks[i].lower
        if (
            toks[i].is_word
            and not toks[i].is_cap
            and low not in lex.speaker_nouns
            and low not in word_class("connector")
            and low not in word_class("determiner")
        ):
            return i
    return hi


def char_before(text: str, start: int, end: int) -> str:
    """The last non-space character of ``text[start:end]`` ("" if none), without slicing."""
    k = end
    while k > start and text[k - 1].isspace():
        k -= 1
    return text[k - 1] if k > start else ""


def _blank_or_colon(text: str, start: int, end: int) -> bool:
    """``text[start:end].strip() in ("", ":")``, without copying the slice."""
    last = char_before(text, start, end)
    if not last:
        return True
    k = end
    while text[k - 1].isspace():
        k -= 1
    return last == ":" and not char_before(text, start, k - 1)
