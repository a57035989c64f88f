"""Stage 2: find quotes and attributed claims in one document's text.

:func:`extract` is a pure function of the text: no model, no I/O, linear in
the text's length. For each quotation it looks for a cue verb and a speaker
mention in the same sentence (after the quote: "…,” she said; before it: "X
said: “…”"), then in a lead-in sentence ending with a colon, then in the
neighbouring attributed quote of the paragraph (continuation). Quotations with
no speaker and few words are non-speech: scare quotes, sign text, titles.

A quoted fragment inside reported speech ("X described this as an ‘alarming
abuse of power’") is kept as a ``mixed`` record with the fragment's exact
offsets; the reported clause around it is a second, ``indirect`` record with
the same cue and speaker (rule ``clause-with-quote``), so that a reader of the
store gets the exact quotation and a scorer gets the whole claim.

Unquoted reported speech ("X said (that) …", "…, X said.", "X told reporters
…", "X accused Y of …", "according to X, …") becomes ``indirect``
attributions. Speakers are then resolved inside the document
(:mod:`provenance.speakers`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from provenance.lexicon import Cue, load
from provenance.mentions import (
    CONNECTORS,
    DETERMINERS,
    Mention,
    generic_np_after,
    generic_np_before,
    np_after,
    np_before,
)
from provenance.models import Attribution, Span, SpeakerKind
from provenance.segment import Quotation, Token, paragraphs, quotations, sentences, tokenize
from provenance.speakers import DocumentSpeakers

EXTRACTOR_VERSION = "rules-0.2"

MAX_NONSPEECH_WORDS = 6
MAX_RIGHT_TOKENS = 8  # tokens between a closing mark and its cue ("…,” the mayor said)
MAX_TAIL_TOKENS = 8  # tokens after a sentence-final cue ("…, she said in a statement Friday.")
MAX_THAT_DISTANCE = 9  # tokens between a cue and its "that" ("said in a statement Friday that")
MIN_CLAUSE_CHARS = 12
CALL_FOR = Cue("call for", "speech", "np")  # "called for new rules", "called on X to …"
OBJECT_PRONOUNS = {"him", "her", "them", "us", "me", "reporters"}
DASHES = {"―", "—", "–", "-", "--"}
SAME_SENTENCE_RULES = {"quote-then-subject-aside-cue", "speaker-colon", "quote-then-subject-cue",
                       "quote-then-cue-subject", "according-to",
                       "subject-cue-quote", "same-sentence-speaker"}
PREPOSITIONS_AFTER_CUE = {"to", "by", "as", "for", "about", "with", "on", "in", "at", "from",
                          "of", "during", "after", "before", "over", "into", "up", "out"}


@dataclass(frozen=True, slots=True)
class CueHit:
    index: int  # token index of the (last) cue word
    first: int  # token index where the cue phrase starts
    cue: Cue

    def span(self, text: str, tokens: list[Token]) -> Span:
        return Span.of(text, tokens[self.first].start, tokens[self.index].end)


def _cue_at(tokens: list[Token], i: int) -> CueHit | None:
    """A cue verb at ``tokens[i]`` used as a verb (not "the state", "a report")."""
    lex = load()
    tok = tokens[i]
    cue = lex.cue_forms.get(tok.lower)
    if cue is None or not tok.is_word:
        return None
    prev = tokens[i - 1].lower if i > 0 else ""
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    if prev in lex.words("noun_before") or (nxt == "of" and cue.complement != "of"
                                             and not tok.lower.endswith(("ed", "id", "ys"))):
        return None
    if tok.lower in lex.words("noun_cue") and nxt in lex.words("finite"):
        return None  # "health worries have dogged her": a plural noun before its verb
    if cue.complement == "of" and nxt == "of":
        return None  # "people accused of fraud": a participle, not X accusing Y
    if tok.lower in lex.words("noun_cue") and i > 1 and not tokens[i - 1].is_cap \
            and (tokens[i - 2].lower in lex.words("noun_before")
                 or tokens[i - 2].lower in lex.words("quantifier")) and tokens[i - 1].is_word \
            and tokens[i - 1].lower not in lex.speaker_nouns \
            and tokens[i - 1].lower not in lex.titles:
        return None  # "his latest tweets", "the early reports": a plural noun
    if tok.is_cap and i > 0 and tokens[i - 1].text not in "“‘\"'":
        return None  # a capitalised cue form mid-sentence is a name ("Bill Said")
    if i > 0 and tokens[i - 1].text.endswith(("’s", "'s", "s’")) and tokens[i - 1].is_word \
            and nxt != "that":
        return None  # after a possessive: a noun ("Trump’s plans"), unless "…’s claim that"
    if tok.lower == cue.lemma and prev not in lex.words("base_form_before") and nxt != "that" \
            and not (i > 0 and _plural_subject(tokens[i - 1]) and cue.lemma != "state") \
            and not (i > 0 and tokens[i - 1].is_cap and any(
                t.lower == "and" for t in tokens[max(0, i - 5) : i - 1])):
        return None  # a bare base form is mostly a noun ("state elected leaders")
    k = i - 1
    while k >= 0 and (tokens[k].lower.endswith("ly") or tokens[k].lower in ("not", "never")):
        k -= 1
    progressive = tok.lower.endswith("ing")
    if k >= 0 and tokens[k].lower in lex.words("passive") and not progressive:
        return None  # "she has been told": the subject is not the speaker
    first = i
    if k >= 0 and k == i - 1 and (tokens[k].lower in ("has", "have", "had") or (
            progressive and tokens[k].lower in lex.words("passive"))):
        first = k  # "has said", "is demanding": PolNeAR cues include the auxiliary
    if cue.lemma == "call" and nxt in ("for", "on"):
        return CueHit(i + 1, first, CALL_FOR)  # "called for new rules", "called on X to"
    return CueHit(i, first, cue)


def _plural_subject(tok: Token) -> bool:
    """True for a word that can be a plural subject before a bare verb ("lawmakers say")."""
    low = tok.lower
    return tok.is_word and ((low.endswith("s") and not low.endswith("ss") and len(low) > 3)
                            or low in ("police", "people") or tok.text.isupper())


def _subject(text: str, tokens: list[Token], cue_index: int, floor: int) -> Mention | None:
    """The speaker phrase before a cue, skipping auxiliaries and one appositive."""
    lex = load()
    between = lex.words("between_subject_cue")
    j = cue_index
    while j - 1 >= floor and (tokens[j - 1].lower in between or tokens[j - 1].lower.endswith("ly")):
        j -= 1
    if j - 1 >= floor and tokens[j - 1].lower in lex.words("relative"):
        # "Mr. X, who said …": the speaker is the phrase before ", who".
        j -= 1
        if j - 1 >= floor and tokens[j - 1].text == ",":
            j -= 1
        found = np_before(text, tokens, j)
        return found if found is not None and found.start >= tokens[floor].start else None
    if j - 1 >= floor and tokens[j - 1].text in ",)":
        # "X, a doctor, said" / "X (R-Ohio) said": the aside ends here; the
        # speaker ends where the aside starts.
        close = tokens[j - 1].text
        opener = "," if close == "," else "("
        for k in range(j - 2, max(floor - 1, j - 16), -1):
            if tokens[k].text == opener:
                found = np_before(text, tokens, k)
                if found is not None and found.start < tokens[floor].start:
                    found = None
                # "The head of the port, Ana Ruiz, argues": the aside is the name.
                aside = np_before(text, tokens, j - 1) if close == "," else None
                named = aside is not None and aside.start > tokens[k].start \
                    and aside.kind is SpeakerKind.person and bool(aside.name)
                if named and (found is None or found.kind is not SpeakerKind.person
                              or not found.name):
                    return aside
                return found
        return None
    found = np_before(text, tokens, j)
    if found is None:
        found = generic_np_before(text, tokens, j)
    if found is not None and found.start < tokens[floor].start:
        return None
    return found


class _Doc:
    """Per-document indexes shared by the rules."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.starts = [t.start for t in self.tokens]
        self.paras = paragraphs(text)
        self.para_starts = [p[0] for p in self.paras]
        self.sents = [s for p in self.paras for s in sentences(text, *p)]
        self.sent_starts = [s[0] for s in self.sents]
        self.quotes = quotations(text)
        self.quote_opens = [q.open for q in self.quotes]
        # Whether each token lies inside a quotation (marks included).
        self.quoted = [False] * len(self.tokens)
        for q in self.quotes:
            for i in range(self.tok_index(q.open), self.tok_index(q.close)):
                self.quoted[i] = True

    def tok_index(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos``."""
        return bisect_right(self.starts, pos - 1)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect_right(self.sent_starts, pos) - 1)
        return self.sents[i] if self.sents else (0, len(self.text))

    def para_of(self, pos: int) -> int:
        return bisect_right(self.para_starts, pos) - 1

    def quote_at(self, pos: int) -> Quotation | None:
        i = bisect_right(self.quote_opens, pos) - 1
        if i >= 0 and self.quotes[i].open <= pos < self.quotes[i].close:
            return self.quotes[i]
        return None


def _left_cue(doc: _Doc, lo: int, hi: int) -> CueHit | None:
    """The cue nearest to the left of token index ``hi`` (exclusive), not inside a quote."""
    forms = load().cue_forms
    for i in range(hi - 1, lo - 1, -1):
        if doc.quoted[i] or doc.tokens[i].lower not in forms:
            continue
        hit = _cue_at(doc.tokens, i)
        if hit:
            return hit
    return None


def _according_to(doc: _Doc, lo: int, hi: int) -> tuple[Span, Mention] | None:
    toks = doc.tokens
    for i in range(lo, min(hi, len(toks)) - 1):
        if toks[i].lower == "according" and toks[i + 1].lower == "to" and not doc.quoted[i]:
            m = np_after(doc.text, toks, i + 2) or generic_np_after(doc.text, toks, i + 2, hi)
            if m:
                return Span.of(doc.text, toks[i].start, toks[i + 1].end), m
    return None


def _adverbial_tail(toks: list[Token], lo: int, hi: int) -> bool:
    """Whether ``toks[lo:hi]`` after a cue is empty or only says when, where or to whom.

    "…, she said on Friday." / "…, he told CNN." qualify; "…, she acknowledged
    their battle." does not (an object, so the cue is not reporting the clause).
    """
    while hi > lo and not toks[hi - 1].is_word:
        hi -= 1  # the sentence's final punctuation and closing marks
    if hi - lo > MAX_TAIL_TOKENS:
        return False
    if lo >= hi:
        return True
    first = toks[lo]
    lex = load()
    return (first.lower in PREPOSITIONS_AFTER_CUE or first.lower in lex.words("time")
            or first.is_cap or first.lower in ("reporters", "them", "him", "her", "us")
            or first.text in ",(")


def _attribute_quote(doc: _Doc, q: Quotation, previous: Attribution | None
                     ) -> tuple[Span | None, Mention | None, str, float]:
    """Cue span, speaker mention, rule name and confidence for one quotation."""
    lex = load()
    text, toks = doc.text, doc.tokens
    s_start, _ = doc.sentence_of(q.open)
    _, s_end = doc.sentence_of(max(q.close - 1, q.open))
    lo, qi = doc.tok_index(s_start), doc.tok_index(q.open)
    after, hi = doc.tok_index(q.close), doc.tok_index(s_end)
    # Right of the quote: "…,” she said." or "…,” said the mayor."
    for i in range(after, min(hi, after + MAX_RIGHT_TOKENS)):
        if doc.quoted[i]:
            break
        hit = _cue_at(toks, i)
        if hit is None:
            low = toks[i].lower
            if toks[i].text in ",()." or (toks[i].is_word and low not in lex.words("finite")
                                         and low not in lex.words("relative")
                                         and low not in ("and", "but", "or")):
                continue
            break
        m = np_before(text, toks, hit.first) if hit.first > after else None
        if m is None and hit.first > after:
            m = _subject(text, toks, hit.first, after)
        if m is not None and m.start >= toks[after].start:
            return hit.span(text, toks), m, "quote-then-subject-cue", 0.95
        m = np_after(text, toks, i + 1)
        if m is None and i + 1 < hi and toks[i + 1].lower in DETERMINERS:
            m = generic_np_after(text, toks, i + 1, hi)  # "said the county health officer"
        if m is not None:
            return hit.span(text, toks), m, "quote-then-cue-subject", 0.95
        break
    if after < len(toks) and toks[after].text in DASHES:
        # "“…” ― Jane Roe": a signature after a dash.
        m = np_after(text, toks, after + 1)
        if m is not None:
            return Span.of(text, toks[after].start, toks[after].end), m, "quote-dash-speaker", 0.85
    if text[q.start:q.end].rstrip(" ’'\"”")[-1:] in ",?!" and (m := np_after(text, toks, after)):
        # "“…,” Jane Roe, the director of a long-named institute, said on Monday."
        for i in range(doc.tok_index(m.end), hi):
            if doc.quoted[i]:
                break
            hit = _cue_at(toks, i)
            if hit is not None and toks[hit.first - 1].text == ",":
                return hit.span(text, toks), m, "quote-then-subject-aside-cue", 0.9
    acc = _according_to(doc, lo, hi)
    if acc:
        return acc[0], acc[1], "according-to", 0.9
    # Left of the quote: "X said: “…”", "X described it as ‘…’".
    hit = _left_cue(doc, lo, qi)
    if hit is not None:
        m = _subject(text, toks, hit.first, lo)
        if m is None and previous is not None and previous.content.start >= s_start:
            return hit.span(text, toks), None, "same-sentence-speaker", 0.85
        if m is None and toks[hit.first - 1].text == "," and toks[hit.index].lower.endswith("ing"):
            m = _main_subject(doc, lo, hit.first)  # "X attacked Y, saying “…”"
        if m is not None:
            return hit.span(text, toks), m, "subject-cue-quote", 0.9
    if qi > lo and toks[qi - 1].text in DASHES and text[s_start:q.open].count(" ") <= 6:
        # "Jane Roe ― “…”"
        m = np_before(text, toks, qi - 1)
        if m is not None and m.start >= s_start:
            dash = Span.of(text, toks[qi - 1].start, toks[qi - 1].end)
            return dash, m, "speaker-dash-quote", 0.85
    label = _speaker_label(doc, doc.para_of(q.open))
    if label is not None and label[0].end <= q.open:
        return label[0], label[1], "speaker-colon", 0.85  # "Sanders: Clinton needs to ‘…’"
    # A lead-in sentence ending with a colon: "A worker … provided more background:"
    lead = text[:q.open].rstrip()
    if (lead.endswith(":") and text[s_start:q.open].strip() in ("", ":")) or (
            text[s_start:q.open].rstrip().endswith(":")):
        ls, _ = doc.sentence_of(len(lead) - 1)
        llo, lhi = doc.tok_index(ls), doc.tok_index(len(lead) - 1)
        hit = _left_cue(doc, llo, lhi + 1)
        m = _subject(text, toks, hit.first, llo) if hit else None
        cue_span = hit.span(text, toks) if hit else None
        if m is None:
            verb = _first_verbish(toks, llo, lhi)
            m = np_before(text, toks, verb)
            if m is not None and verb < lhi:
                # "A worker … interviewed by X provided more background:" — the lead-in's verb.
                cue_span = Span.of(text, toks[verb].start, toks[verb].end)
        if m is not None:
            return cue_span, m, "colon-lead-in", 0.8
    return None, None, "", 0.0


def _main_subject(doc: _Doc, lo: int, hi: int) -> Mention | None:
    """The subject of a sentence's main clause, before token ``hi``.

    For a participle cue after a comma ("X attacked Y, saying …"): a leading
    adverbial ("During the speech, …") is skipped; the subject is the phrase
    before the first lower-case word that is not a function word.
    """
    lex = load()
    toks = doc.tokens
    k = lo
    if k < hi and toks[k].lower in PREPOSITIONS_AFTER_CUE | {"after", "while", "when", "at"}:
        while k < hi and toks[k].text != ",":
            k += 1
        k += 1
    for j in range(k + 1, hi):
        tok = toks[j]
        if tok.is_word and not tok.is_cap and tok.lower not in DETERMINERS \
                and tok.lower not in lex.speaker_nouns and tok.lower not in lex.titles:
            m = np_before(doc.text, toks, j)
            return m if m is not None and m.start >= toks[k].start else None
    return None


def _speaker_label(doc: _Doc, para: int) -> tuple[Span, Mention] | None:
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
            if m is None or m.start != doc.tokens[lo].start or m.pronoun or any(
                    w in load().words("not_label") for w in m.text.lower().split()):
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
        if toks[i].is_word and not toks[i].is_cap and low not in lex.speaker_nouns \
                and low not in CONNECTORS and low not in DETERMINERS:
            return i
    return hi


def _quote_kind(doc: _Doc, q: Quotation) -> str:
    text = doc.text
    content = text[q.start:q.end].strip()
    s_start, _ = doc.sentence_of(q.open)
    before = text[s_start:q.open].rstrip()
    if not before or before.endswith((":", ",")) or re.search(r"[.!?,]$", content):
        return "direct"
    return "mixed"


def _sentence_body(text: str, start: int, end: int) -> int:
    """``end`` moved left over final punctuation and spaces outside quotation marks."""
    while end > start and text[end - 1] in ".!?;: \n\t":
        end -= 1
    return end


def _quote_clause(doc: _Doc, q: Quotation, cue: Span, mention: Mention | None) -> Span | None:
    """The reported clause around a quotation, when it holds more than the quotation."""
    text = doc.text
    s_start, _ = doc.sentence_of(q.open)
    _, s_end = doc.sentence_of(max(q.close - 1, q.open))
    if cue.end <= q.open:
        start, end = cue.end, _sentence_body(text, q.close, s_end)
        if text[q.close:end].strip(" ,.;:!?—–-”’\"'") and text[q.close:end].lstrip()[:1] == ",":
            end = q.close  # "…“X,” which …": the clause stops with the quote
    else:
        edge = min(cue.start, mention.start) if mention is not None else cue.start
        start, end = s_start, text.rfind(",", s_start, edge)
        if end < q.close - 1:
            return None
    clause = _trim(text, start, end)
    outside = text[clause.start:q.open] + text[q.close:clause.end]
    if len(outside.strip(" ,.;:!?—–-\"'“”‘’")) < 4 or clause.end <= clause.start:
        return None
    return clause


def _clause_like(doc: _Doc, k: int, hi: int, strict: bool) -> bool:
    """Whether ``tokens[k:hi]`` reads as a reported clause (subject and verb)."""
    lex = load()
    toks = doc.tokens
    if k >= hi or (doc.quoted[k] and doc.quote_at(toks[k].start) is None):
        return False
    first = toks[k].lower
    if first in PREPOSITIONS_AFTER_CUE or not (toks[k].is_word or toks[k].text in "“\"‘'"):
        return False
    if (first in lex.pronouns and first not in ("it",)) or first in ("i", "we", "you", "there"):
        return True
    finite = lex.words("finite")
    for j in range(k + 1, min(hi, k + 10)):
        low = toks[j].lower
        if toks[j].text in ",;:" and strict:
            return False
        if low in finite or (low.endswith("ed") and len(low) > 4 and not toks[j].is_cap
                             and toks[j - 1].lower not in DETERMINERS):
            return True
    return not strict


def _clause_after(doc: _Doc, hit: CueHit, hi: int) -> int | None:
    """Token index where the reported clause after a cue starts, or None."""
    lex = load()
    toks = doc.tokens
    k = hit.index + 1
    comp = hit.cue.complement
    if k >= hi or comp == "none":
        return None
    # "said that", "said Tuesday that", "said in a statement that", "pointed out that".
    for j in range(k, min(hi, k + MAX_THAT_DISTANCE)):
        low = toks[j].lower
        if doc.quoted[j] or toks[j].text in ";:" or (toks[j].text == "," and j > k):
            break
        if low == "that" and j + 1 < hi and (toks[j + 1].is_word or toks[j + 1].text == ",") \
                and toks[j + 1].lower not in lex.words("finite"):
            return j  # "noted that, like him, …" too
        if low in lex.words("finite") or (low in lex.cue_forms and j > k):
            break
    if comp == "of":
        for j in range(k, min(hi, k + 6)):
            if toks[j].lower == "of":
                return j + 1 if j + 1 < hi else None
        return None
    while k < hi and ((toks[k].lower in lex.words("time") and toks[k].lower not in (
            "at", "in", "on", "during")) or toks[k].text == ","):
        k += 1  # "said Tuesday he would", "said, however, …"
    if comp == "np" or (hit.cue.frame == "describe" and hit.cue.lemma != "call"):
        # "cited derogatory comments", "wants to triple …", "called for new rules"
        if k < hi and (toks[k].is_word or toks[k].text in "“\"‘'") \
                and toks[k].lower not in ("by", "as", "with", "from", "in", "on", "at"):
            return k
        return None
    if comp == "object":
        # "told reporters he …", "warned Democrats the bill …": skip the addressee.
        start = k
        m = np_after(doc.text, toks, k)
        if m is None and k < hi and toks[k].lower in OBJECT_PRONOUNS:
            k += 1
        elif m is not None:
            k = doc.tok_index(m.end)
        elif k < hi and toks[k].lower in DETERMINERS:
            # "told his advisers to …": a common-noun addressee of a few words.
            j = k + 1
            while j < min(hi, k + 4) and toks[j].is_word and toks[j].lower != "to" \
                    and toks[j].lower not in lex.words("finite"):
                j += 1
            k = j
        if k > start and k < hi and toks[k].lower == "to":
            return start  # "urged Republicans to join …": addressee and infinitive
        return k if _clause_like(doc, k, hi, strict=True) else None
    return k if _clause_like(doc, k, hi, strict=comp != "clause") else None


def _clause_end(doc: _Doc, k: int, hi: int, end: int) -> int:
    """Where a reported clause starting at token ``k`` ends: the sentence end, a
    semicolon, or the comma before a participle cue (", arguing that …")."""
    toks = doc.tokens
    for j in range(k + 1, hi):
        if toks[j].start >= end:
            break
        if toks[j].text == ";" and not doc.quoted[j]:
            return toks[j].start
        if toks[j].text == "," and j + 1 < hi and not doc.quoted[j] \
                and toks[j + 1].lower.endswith("ing") and _cue_at(toks, j + 1) is not None:
            return toks[j].start
    return end


def _indirect(doc: _Doc, used_cues: set[int]) -> list[tuple[Span, Span, Mention, str]]:
    """(content, cue, speaker, rule) for unquoted reported speech."""
    text, toks = doc.text, doc.tokens
    forms = load().cue_forms
    out = []
    for s_start, s_end in doc.sents:
        lo, hi = doc.tok_index(s_start), doc.tok_index(s_end)
        end = _sentence_body(text, s_start, s_end)
        acc = _according_to(doc, lo, hi)
        if acc and acc[0].start not in used_cues:
            acc_cue, source = acc
            if acc_cue.start == s_start:
                comma = text.find(",", source.end, end)
                if comma > 0:
                    out.append((_trim(text, comma + 1, end), acc_cue, source,
                                "according-to-clause"))
            else:
                stop = text.rfind(",", s_start, acc_cue.start)
                if stop > s_start:
                    out.append((_trim(text, s_start, stop), acc_cue, source,
                                "clause-according-to"))
            continue
        last_subject: Mention | None = None
        for i in range(lo, hi):
            if toks[i].lower not in forms or toks[i].start in used_cues or doc.quoted[i]:
                continue
            hit = _cue_at(toks, i)
            if hit is None:
                continue
            m = _subject(text, toks, hit.first, lo)
            if m is None and i > lo and toks[hit.first - 1].lower == "and":
                m = last_subject  # "X praised the plan and said …"
            participle = m is None and toks[i].lower.endswith("ing") and i > lo \
                and toks[hit.first - 1].text == ","
            if participle:
                m = last_subject or _main_subject(doc, lo, hit.first)  # "…, arguing that …"
            cue = hit.span(text, toks)
            tail = toks[i + 1 : hi]
            closing = _adverbial_tail(toks, i + 1, hi) and not any(
                t.lower == "that" or doc.quoted[i + 1 + n] for n, t in enumerate(tail))
            # "…, X said (on Friday)." closes the sentence: the content is what comes before.
            if m is not None and closing and text[s_start:m.start].rstrip()[-1:] == ",":
                stop = text.rfind(",", s_start, m.start)
                if stop - s_start >= MIN_CLAUSE_CHARS:
                    out.append((_trim(text, s_start, stop), cue, m, "clause-subject-cue"))
                    last_subject = m
                    continue
            if m is None and i > lo and toks[i - 1].text == "," and i + 1 < hi:
                m2 = np_after(text, toks, i + 1)
                if m2 and len(toks[doc.tok_index(m2.end):hi]) <= MAX_TAIL_TOKENS:
                    stop = text.rfind(",", s_start, toks[i].start)
                    if stop - s_start >= MIN_CLAUSE_CHARS:
                        out.append((_trim(text, s_start, stop), cue, m2, "clause-cue-subject"))
                        last_subject = m2
                        continue
            if m is None:
                continue
            last_subject = m
            # "The plan, X said, is too late": the claim is the sentence around the aside.
            if m is not None and text[s_start:m.start].rstrip()[-1:] == "," and i + 1 < hi \
                    and toks[i + 1].text == ",":
                out.append((_trim(text, s_start, end), cue, m, "aside-subject-cue"))
                continue
            k = _clause_after(doc, hit, hi)
            if k is None:
                continue
            stop = _clause_end(doc, k, hi, end)
            if stop - toks[k].start < MIN_CLAUSE_CHARS:
                continue
            out.append((_trim(text, toks[k].start, stop), cue, m, "subject-cue-clause"))
    return out


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in " ,":
        start += 1
    while end > start and text[end - 1] in " ,":
        end -= 1
    return Span.of(text, start, end)


def extract(text: str) -> list[Attribution]:
    """Quotes and attributed claims in ``text``, in document order.

    Offsets in every returned span index ``text`` exactly. ``confidence`` is a
    rule-level estimate in 0.0–1.0, not a calibrated probability.
    """
    doc = _Doc(text)
    speakers = DocumentSpeakers(text, doc.tokens)
    found: list[tuple[Attribution, Mention | None]] = []
    previous: Attribution | None = None
    prev_mention: Mention | None = None
    clauses: set[tuple[int, int]] = set()
    for q in doc.quotes:
        content = Span.of(text, q.start, q.end)
        cue, mention, rule, conf = _attribute_quote(doc, q, previous)
        if rule == "same-sentence-speaker":
            mention = prev_mention
        words = len(content.text.split())
        if mention is None and previous is not None and previous.kind != "nonspeech" \
                and words > MAX_NONSPEECH_WORDS and content.text[:1].isupper() \
                and doc.para_of(previous.content.start) >= doc.para_of(q.open) - 1:
            mention, rule, conf = prev_mention, "continuation", 0.7
            if doc.para_of(previous.content.start) == doc.para_of(q.open):
                cue = previous.cue  # "“A,” she said. “B.”": one statement, one cue
        kind = _quote_kind(doc, q)
        if mention is None and (words <= MAX_NONSPEECH_WORDS or kind == "mixed"):
            kind, rule, conf, cue = "nonspeech", rule or "no-speaker", 0.6, None
        if not q.closed:
            conf *= 0.8
            rule = f"{rule or 'no-speaker'}+unbalanced"
        speaker = Span.of(text, mention.start, mention.end) if mention else None
        att = Attribution(kind=kind, content=content, cue=cue, confidence=conf,
                          rule=rule or "no-speaker", speaker=speaker)
        found.append((att, mention))
        if kind != "nonspeech":
            previous, prev_mention = att, mention
            clause = None
            if cue is not None and rule.split("+")[0] in SAME_SENTENCE_RULES:
                clause = _quote_clause(doc, q, cue, mention)
            if clause is not None and (clause.start, clause.end) not in clauses:
                clauses.add((clause.start, clause.end))
                found.append((Attribution(kind="indirect", content=clause, cue=cue,
                                          speaker=speaker, confidence=conf * 0.9,
                                          rule="clause-with-quote"), mention))
    used = {a.cue.start for a, _ in found if a.cue is not None}
    for p, (_, p_end) in enumerate(doc.paras):
        label = _speaker_label(doc, p)
        if label is None or label[0].start in used:
            continue
        # A transcript turn ("PENCE: Well, …") is verbatim; "Poll: Voters …" paraphrases.
        cue, mention = label
        content = _trim(text, cue.end, p_end)
        kind = "direct" if mention.text.isupper() and len(mention.text) > 1 else "indirect"
        used.add(cue.start)
        found.append((Attribution(kind=kind, content=content, cue=cue, confidence=0.8,
                                  rule="speaker-colon",
                                  speaker=Span.of(text, mention.start, mention.end)), mention))
    for content, cue, mention, rule in _indirect(doc, used):
        if (inside := doc.quote_at(content.start)) is not None and inside.start < content.start:
            continue
        att = Attribution(kind="indirect", content=content, cue=cue, confidence=0.7, rule=rule,
                          speaker=Span.of(text, mention.start, mention.end))
        found.append((att, mention))
    found.sort(key=lambda pair: (pair[0].content.start, -pair[0].content.end))
    return [att.model_copy(update={"resolved": speakers.resolve(mention)}) if mention else att
            for att, mention in found]
