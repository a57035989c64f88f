"""Stage 2: find quotes and attributed claims in one document's text.

:func:`extract` is a pure function of the text: no model, no I/O. For each
quotation it looks for a cue verb and a speaker mention in the same sentence
(after the quote: "…,” she said; before it: "X said: “…”"), then in a lead-in
sentence ending with a colon, then in the previous quote of the paragraph
(continuation). Quotations with no speaker and few words are non-speech: scare
quotes, sign text, titles. Unquoted reported speech ("X said (that) …", "…, X
said.", "according to X, …") becomes ``indirect`` attributions. Speakers are
then resolved inside the document (:mod:`provenance.speakers`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from provenance.lexicon import Cue, load
from provenance.mentions import DETERMINERS, Mention, np_after, np_before
from provenance.models import Attribution, Span
from provenance.segment import Quotation, Token, paragraphs, quotations, sentences, tokenize
from provenance.speakers import DocumentSpeakers

EXTRACTOR_VERSION = "rules-0.1"

AUX = {"has", "have", "had", "was", "is", "were", "are", "been", "be", "will", "would", "also",
       "later", "previously", "then", "once", "again", "further", "not", "never", "recently",
       "did", "does", "do", "could", "can", "may", "might", "should", "quickly",
       "repeatedly", "publicly", "privately", "reportedly", "quoted", "as", "who", "first"}
NOUN_BEFORE = {"the", "a", "an", "his", "her", "its", "their", "our", "my", "your", "this",
               "that", "these", "those", "of", "in", "for", "with", "on", "by", "to", "from",
               "state", "police", "news", "press", "public", "no", "any"}
BASE_FORM_BEFORE = {"to", "will", "would", "did", "do", "does", "can", "could", "may", "might",
                    "should", "must", "i", "we", "they", "you", "and", "also", "often"}
PASSIVE_BE = {"been", "was", "were", "is", "are", "be", "being"}
MAX_NONSPEECH_WORDS = 6
MAX_RIGHT_TOKENS = 8


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
    if prev in NOUN_BEFORE or nxt == "of":
        return None
    if tok.is_cap and i > 0 and tokens[i - 1].text not in "“‘\"'":
        return None  # a capitalised cue form mid-sentence is a name ("Bill Said")
    if tok.lower == cue.lemma and prev not in BASE_FORM_BEFORE and nxt != "that":
        return None  # a bare base form is mostly a noun ("state elected leaders")
    k = i - 1
    while k >= 0 and (tokens[k].lower.endswith("ly") or tokens[k].lower in ("not", "never")):
        k -= 1
    if k >= 0 and tokens[k].lower in PASSIVE_BE and cue.lemma not in ("quote", "interview"):
        return None  # "she has been told": the subject is not the speaker
    return CueHit(i, i, cue)


def _subject(text: str, tokens: list[Token], cue_index: int, floor: int) -> Mention | None:
    """The speaker phrase before a cue, skipping auxiliaries and one appositive."""
    j = cue_index
    while j - 1 >= floor and (tokens[j - 1].lower in AUX or tokens[j - 1].lower.endswith("ly")):
        j -= 1
    if j - 1 >= floor and tokens[j - 1].text == ",":
        # "X, a doctor, said" / "X, along with others, described": the appositive
        # ends at this comma and starts at the previous one.
        for k in range(j - 2, floor - 1, -1):
            if tokens[k].text == ",":
                found = np_before(text, tokens, k)
                if found is not None and found.start >= tokens[floor].start:
                    return found
                break
        return None
    found = np_before(text, tokens, j)
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
        # Token indexes of cue verbs outside quotations, for nearest-cue lookups.
        self.cue_indexes = [i for i in range(len(self.tokens))
                            if _cue_at(self.tokens, i) and not _inside(self.quotes,
                                                                       self.tokens[i].start)]
        self.according: dict[tuple[int, int], tuple[Span, Mention] | None] = {}

    def tok_index(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos``."""
        return bisect_right(self.starts, pos - 1)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect_right(self.sent_starts, pos) - 1)
        return self.sents[i] if self.sents else (0, len(self.text))

    def para_of(self, pos: int) -> int:
        return bisect_right(self.para_starts, pos) - 1


def _inside(quotes: list[Quotation], pos: int) -> Quotation | None:
    """The quotation whose marks enclose ``pos``; ``quotes`` are sorted and disjoint."""
    # Binary search: a linear scan here made long documents quadratic.
    i = bisect_right(quotes, pos, key=lambda q: q.open) - 1
    if i >= 0 and pos < quotes[i].close:
        return quotes[i]
    return None


def _left_cue(doc: _Doc, lo: int, hi: int) -> CueHit | None:
    """The cue nearest to the left of token index ``hi`` (exclusive), not inside a quote."""
    i = bisect_right(doc.cue_indexes, hi - 1) - 1
    if i >= 0 and doc.cue_indexes[i] >= lo:
        return _cue_at(doc.tokens, doc.cue_indexes[i])
    return None


def _according_to(doc: _Doc, lo: int, hi: int) -> tuple[Span, Mention] | None:
    # Asked once per quotation in the sentence: remembered, or a sentence with
    # many quotations would be scanned once for each.
    key = (lo, hi)
    if key not in doc.according:
        doc.according[key] = _find_according_to(doc, lo, hi)
    return doc.according[key]


def _find_according_to(doc: _Doc, lo: int, hi: int) -> tuple[Span, Mention] | None:
    toks = doc.tokens
    for i in range(lo, min(hi, len(toks)) - 1):
        if toks[i].lower == "according" and toks[i + 1].lower == "to":
            m = np_after(doc.text, toks, i + 2)
            if m:
                return Span.of(doc.text, toks[i].start, toks[i + 1].end), m
    return None


def _attribute_quote(doc: _Doc, q: Quotation, previous: Attribution | None
                     ) -> tuple[Span | None, Mention | None, str, float]:
    """Cue span, speaker mention, rule name and confidence for one quotation."""
    text, toks = doc.text, doc.tokens
    s_start, _ = doc.sentence_of(q.open)
    _, s_end = doc.sentence_of(max(q.close - 1, q.open))
    lo, qi = doc.tok_index(s_start), doc.tok_index(q.open)
    after, hi = doc.tok_index(q.close), doc.tok_index(s_end)
    # Right of the quote: "…,” she said." or "…,” said the mayor."
    right = [i for i in range(after, min(hi, after + MAX_RIGHT_TOKENS))]
    for i in right:
        if _inside(doc.quotes, toks[i].start):
            break
        hit = _cue_at(toks, i)
        if hit is None:
            if toks[i].text == "," or toks[i].lower in load().pronouns or toks[i].is_cap or (
                    toks[i].lower in DETERMINERS or toks[i].lower in load().speaker_nouns
                    or toks[i].lower in load().titles):
                continue
            break
        m = np_before(text, toks, i) if i > after else None
        if m is not None and m.start >= toks[after].start:
            return hit.span(text, toks), m, "quote-then-subject-cue", 0.95
        m = np_after(text, toks, i + 1)
        if m is not None:
            return hit.span(text, toks), m, "quote-then-cue-subject", 0.95
        break
    acc = _according_to(doc, lo, hi)
    if acc:
        return acc[0], acc[1], "according-to", 0.9
    # Left of the quote: "X said: “…”", "X described it as ‘…’".
    hit = _left_cue(doc, lo, qi)
    if hit is not None:
        m = _subject(text, toks, hit.first, lo)
        if m is None and previous is not None and previous.content.start >= s_start:
            return hit.span(text, toks), None, "same-sentence-speaker", 0.85
        if m is not None:
            return hit.span(text, toks), m, "subject-cue-quote", 0.9
    # A lead-in sentence ending with a colon: "A worker … provided more background:"
    lead = text[:q.open].rstrip()
    if (lead.endswith(":") and text[s_start:q.open].strip() in ("", ":")) or (
            text[s_start:q.open].rstrip().endswith(":")):
        ls, _ = doc.sentence_of(len(lead) - 1)
        llo, lhi = doc.tok_index(ls), doc.tok_index(len(lead) - 1)
        hit = _left_cue(doc, llo, lhi + 1)
        m = _subject(text, toks, hit.first, llo) if hit else None
        if m is None:
            m = np_before(text, toks, _first_verbish(toks, llo, lhi))
        if m is not None:
            return (hit.span(text, toks) if hit else None), m, "colon-lead-in", 0.8
    return None, None, "", 0.0


def _first_verbish(toks: list[Token], lo: int, hi: int) -> int:
    """Index of the first lower-case word after a sentence's opening noun phrase."""
    for i in range(lo + 1, hi):
        if toks[i].is_word and not toks[i].is_cap and toks[i].lower not in load().speaker_nouns:
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


def _indirect(doc: _Doc, used_cues: set[int]) -> list[tuple[Span, Span, Mention, str]]:
    """(content, cue, speaker, rule) for unquoted reported speech."""
    text, toks = doc.text, doc.tokens
    out = []
    for s_start, s_end in doc.sents:
        lo, hi = doc.tok_index(s_start), doc.tok_index(s_end)
        end = s_end
        while end > s_start and text[end - 1] in ".!? \r\n\t":
            end -= 1
        acc = _according_to(doc, lo, hi)
        if acc and acc[0].start not in used_cues:
            cue, m = acc
            if cue.start == s_start:
                comma = text.find(",", m.end, end)
                if comma > 0:
                    out.append((_trim(text, comma + 1, end), cue, m, "according-to-clause"))
            else:
                stop = text.rfind(",", s_start, cue.start)
                if stop > s_start:
                    out.append((_trim(text, s_start, stop), cue, m, "clause-according-to"))
            continue
        for i in range(lo, hi):
            if toks[i].start in used_cues or _inside(doc.quotes, toks[i].start):
                continue
            hit = _cue_at(toks, i)
            if hit is None or hit.cue.frame == "describe":
                continue
            m = _subject(text, toks, i, lo)
            cue = hit.span(text, toks)
            tail = text[toks[i].end:end]
            # "…, X said." closes the sentence: the content is what comes before.
            if m is not None and not tail.strip(" ,.") and text[s_start:m.start].rstrip()[-1:] == ",":
                stop = text.rfind(",", s_start, m.start)
                out.append((_trim(text, s_start, stop), cue, m, "clause-subject-cue"))
                break
            if m is None and i > lo and toks[i - 1].text == "," and i + 1 < hi:
                m2 = np_after(text, toks, i + 1)
                if m2 and not text[m2.end:end].strip(" ,."):
                    stop = text.rfind(",", s_start, toks[i].start)
                    out.append((_trim(text, s_start, stop), cue, m2, "clause-cue-subject"))
                    break
            if m is None or i + 1 >= hi:
                continue
            nxt = toks[i + 1]
            if nxt.lower in ("to", "by", "as", "for", "about", "with", "on", "in", ","):
                continue
            c_start = nxt.start
            if hit.cue.lemma in ("tell", "ask", "warn", "assure", "remind", "inform"):
                that = next((k for k in range(i + 1, min(hi, i + 8)) if toks[k].lower == "that"),
                            None)
                if that is None:
                    continue
                c_start = toks[that].start
            if end - c_start < 12:
                continue
            out.append((_trim(text, c_start, end), cue, m, "subject-cue-clause"))
            break
    return out


def _covered(spans: list[tuple[int, int]], pos: int) -> bool:
    """True when ``pos`` lies in one of ``spans`` (sorted by start, disjoint)."""
    i = bisect_right(spans, pos, key=lambda se: se[0]) - 1
    return i >= 0 and pos < spans[i][1]


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
        kind = _quote_kind(doc, q)
        if mention is None and (words <= MAX_NONSPEECH_WORDS or kind == "mixed"):
            kind, rule, conf, cue = "nonspeech", rule or "no-speaker", 0.6, None
        if not q.closed:
            conf *= 0.8
            rule = f"{rule or 'no-speaker'}+unbalanced"
        att = Attribution(kind=kind, content=content, cue=cue, confidence=conf,  # type: ignore[arg-type]
                          rule=rule or "no-speaker",
                          speaker=Span.of(text, mention.start, mention.end) if mention else None)
        found.append((att, mention))
        if kind != "nonspeech":
            previous, prev_mention = att, mention
    used = {a.cue.start for a, _ in found if a.cue is not None}
    # Both lists are sorted and disjoint (quotations do not overlap; indirect
    # claims come one per sentence, in order), so lookups can bisect.
    quoted = [(a.content.start, a.content.end) for a, _ in found]
    claimed: list[tuple[int, int]] = []
    for content, cue, mention, rule in _indirect(doc, used):
        if _inside(doc.quotes, content.start) or _covered(quoted, content.start) or _covered(
                claimed, content.start):
            continue
        att = Attribution(kind="indirect", content=content, cue=cue, confidence=0.7, rule=rule,
                          speaker=Span.of(text, mention.start, mention.end))
        found.append((att, mention))
        claimed.append((content.start, content.end))
    found.sort(key=lambda pair: pair[0].content.start)
    return [att.model_copy(update={"resolved": speakers.resolve(mention)}) if mention else att
            for att, mention in found]
