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

A paragraph opening with a speaker label ("PENCE: …", "Sanders: …") is a
colon attribution. Unquoted reported speech ("X said (that) …", "…, X said.",
"X told reporters …", "X accused Y of …", "according to X, …") comes from
:mod:`provenance.reported`; cue verbs and speaker phrases from
:mod:`provenance.cues`. Speakers are then resolved inside the document
(:mod:`provenance.speakers`).
"""

from __future__ import annotations

import re

from provenance.cues import (
    Doc,
    according_to,
    cue_at,
    left_cue,
    main_subject,
    previous_person,
    sentence_body,
    subject,
    trim,
)
from provenance.errors import public
from provenance.lexicon import load, word_class
from provenance.mentions import (
    Mention,
    generic_np_after,
    np_after,
    np_before,
)
from provenance.models import Attribution, Span, SpeakerKind
from provenance.reported import indirect_speech
from provenance.segment import Quotation, Token
from provenance.speakers import DocumentSpeakers, _Entity

EXTRACTOR_VERSION = "rules-0.2"

MAX_NONSPEECH_WORDS = 6
MAX_RIGHT_TOKENS = 8  # tokens between a closing mark and its cue ("…,” the mayor said)
MAX_NAME_WORDS = 4  # a short quotation after "on", "of" or a possessive names a show or a book
MAX_MODIFIER_TOKENS = 5  # lower-case or numeric words before a name after a cue
MAX_ASIDE_TOKENS = 8  # tokens of a parenthetical aside after a name ("(D-Newport News)")
DASHES = {"―", "—", "–", "-", "--"}
SAME_SENTENCE_RULES = {"quote-then-subject-aside-cue", "speaker-colon", "quote-then-subject-cue",
                       "quote-then-cue-subject", "according-to",
                       "subject-cue-quote", "same-sentence-speaker"}


def _attribute_quote(doc: Doc, q: Quotation, previous: Attribution | None
                     ) -> tuple[Span | None, Mention | None, str, float]:
    """Cue span, speaker mention, rule name and confidence for one quotation."""
    lex = load()
    text, toks = doc.text, doc.tokens
    s_start, _ = doc.sentence_of(q.open)
    _, s_end = doc.sentence_of(max(q.close - 1, q.open))
    lo, qi = doc.tok_index(s_start), doc.tok_index(q.open)
    after, hi = doc.tok_index(q.close), doc.tok_index(s_end)
    if qi > lo and toks[qi - 1].lower in lex.words("title_marker"):
        return None, None, "title", 0.0  # "a report titled “Safer Storage Now”"
    turn = _turn_label(doc, qi)
    if turn is not None:
        return turn[0], turn[1], "speaker-colon-in-quote", 0.85
    right_hi = hi
    if after >= hi and s_end < len(text) and doc.para_of(s_end) == doc.para_of(q.open):
        # "“Why not?” Trump said.": the sentence ended inside the marks; the
        # attribution is the short sentence that follows, if that is all it says.
        next_hi = doc.tok_index(doc.sentence_of(s_end + 1)[1])
        if next_hi - after <= MAX_RIGHT_TOKENS:
            right_hi = next_hi
    # Right of the quote: "…,” she said." or "…,” said the mayor."
    limit = min(right_hi, after + MAX_RIGHT_TOKENS)
    # "on CBS's “Face the Nation,” Paul Ryan (R-Wis.) said": a show's name, not his words.
    named_thing = qi > lo and (toks[qi - 1].lower in lex.words("preposition_after_cue")
                               or toks[qi - 1].text.endswith(("’s", "'s"))) \
        and len(text[q.start:q.end].split()) <= MAX_NAME_WORDS
    i = after - 1
    while i + 1 < limit:
        i += 1
        if doc.quoted[i]:
            break
        if named_thing:
            break
        close = _parenthetical(toks, i, right_hi)
        if close:
            # "…,” Rep. Jane Roe (D-Ohio) said": the aside does not count toward the reach.
            limit = min(right_hi, limit + close - i + 1)
            i = close
            continue
        hit = cue_at(toks, i, i < doc.headline_tokens)
        if hit is None:
            low = toks[i].lower
            if toks[i].text in ",()." or (toks[i].is_word and low not in lex.words("finite")
                                         and low not in lex.words("relative")
                                         and low not in ("and", "but", "or")):
                continue
            break
        m = np_before(text, toks, hit.first) if hit.first > after else None
        if m is None and hit.first > after:
            m = subject(text, toks, hit.first, after)
        if m is not None and m.start >= toks[after].start:
            return hit.span(text, toks), m, "quote-then-subject-cue", 0.95
        m = np_after(text, toks, i + 1)
        if m is None and i + 1 < right_hi and toks[i + 1].lower in word_class("determiner"):
            m = generic_np_after(text, toks, i + 1, right_hi)  # "said the county officer"
        if m is None:
            m = _named_after_modifiers(doc, i + 1, right_hi)  # "said 9/11 widow Ana Ruiz."
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
            hit = cue_at(toks, i, i < doc.headline_tokens)
            if hit is not None and toks[hit.first - 1].text == ",":
                return hit.span(text, toks), m, "quote-then-subject-aside-cue", 0.9
    acc = according_to(doc, lo, hi)
    if acc:
        return acc[0], acc[1], "according-to", 0.9
    # Left of the quote: "X said: “…”", "X described it as ‘…’".
    hit = left_cue(doc, lo, qi)
    if hit is not None:
        m = subject(text, toks, hit.first, lo)
        if toks[hit.first - 1].text == "," and toks[hit.index].lower.endswith("ing"):
            # "X attacked Y for Z, saying “…”": the participle's subject is the clause's.
            m = main_subject(doc, lo, hit.first) or m
        if m is None and previous is not None and previous.content.start >= s_start:
            return hit.span(text, toks), None, "same-sentence-speaker", 0.85
        if m is None and toks[hit.first - 1].lower == "to":
            m = main_subject(doc, lo, hit.first)  # "X went on to say, “…”"
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
    # Offsets, not slices: copying the text before each quote made a long
    # document quadratic (2 MB: 12 s).
    lead_end = q.open
    while lead_end > 0 and text[lead_end - 1].isspace():
        lead_end -= 1
    if (text[lead_end - 1:lead_end] == ":" and _blank_or_colon(text, s_start, q.open)) or (
            _char_before(text, s_start, q.open) == ":"):
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
        if m is not None:
            return cue_span, m, "colon-lead-in", 0.8
    return None, None, "", 0.0


def _named_after_modifiers(doc: Doc, i: int, hi: int) -> Mention | None:
    """A name closing the sentence after a few lower-case or numeric modifiers:
    "…,” said 9/11 widow Ana Ruiz." (no function word, no comma in between)."""
    lex = load()
    toks = doc.tokens
    function = (lex.words("preposition_after_cue") | lex.words("finite")
                | lex.words("conjunction") | word_class("determiner"))
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
            if not all(t.text.isupper() and t.is_word for t in label) or \
                    len("".join(t.text for t in label)) < 3:
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


def _speaker_label(doc: Doc, para: int) -> tuple[Span, Mention] | None:
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
                    w in word_class("not_label") for w in m.text.lower().split()):
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
                and low not in word_class("connector") and low not in word_class("determiner"):
            return i
    return hi


def _char_before(text: str, start: int, end: int) -> str:
    """The last non-space character of ``text[start:end]`` ("" if none), without slicing."""
    k = end
    while k > start and text[k - 1].isspace():
        k -= 1
    return text[k - 1] if k > start else ""


def _blank_or_colon(text: str, start: int, end: int) -> bool:
    """``text[start:end].strip() in ("", ":")``, without copying the slice."""
    last = _char_before(text, start, end)
    if not last:
        return True
    k = end
    while text[k - 1].isspace():
        k -= 1
    return last == ":" and not _char_before(text, start, k - 1)


def _quote_kind(doc: Doc, q: Quotation) -> str:
    text = doc.text
    content = text[q.start:q.end].strip()
    s_start, _ = doc.sentence_of(q.open)
    before = _char_before(text, s_start, q.open)
    if not before or before in ":," or re.search(r"[.!?,]$", content):
        return "direct"
    return "mixed"


def _quote_clause(doc: Doc, q: Quotation, cue: Span, mention: Mention | None) -> Span | None:
    """The reported clause around a quotation, when it holds more than the quotation."""
    text = doc.text
    s_start, _ = doc.sentence_of(q.open)
    _, s_end = doc.sentence_of(max(q.close - 1, q.open))
    if cue.end <= q.open:
        start, end = cue.end, sentence_body(text, q.close, s_end)
        if text[q.close:end].strip(" ,.;:!?—–-”’\"'") and text[q.close:end].lstrip()[:1] == ",":
            end = q.close  # "…“X,” which …": the clause stops with the quote
    else:
        edge = min(cue.start, mention.start) if mention is not None else cue.start
        start, end = s_start, text.rfind(",", s_start, edge)
        if end < q.close - 1:
            return None
    clause = trim(text, start, end)
    outside = text[clause.start:q.open] + text[q.close:clause.end]
    if len(outside.strip(" ,.;:!?—–-\"'“”‘’")) < 4 or clause.end <= clause.start:
        return None
    return clause


@public
def extract(text: str) -> list[Attribution]:
    """Quotes and attributed claims in ``text``, in document order.

    Offsets in every returned span index ``text`` exactly. ``confidence`` is a
    rule-level estimate in 0.0–1.0, not a calibrated probability.
    """
    doc = Doc(text)
    speakers = DocumentSpeakers(text, doc.tokens, doc.quoted)
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
        content = trim(text, cue.end, p_end)
        kind = "direct" if mention.text.isupper() and len(mention.text) > 1 else "indirect"
        used.add(cue.start)
        found.append((Attribution(kind=kind, content=content, cue=cue, confidence=0.8,
                                  rule="speaker-colon",
                                  speaker=Span.of(text, mention.start, mention.end)), mention))
    for content, cue, mention, rule in indirect_speech(doc, used):
        if (inside := doc.quote_at(content.start)) is not None and inside.start < content.start:
            continue
        att = Attribution(kind="indirect", content=content, cue=cue, confidence=0.7, rule=rule,
                          speaker=Span.of(text, mention.start, mention.end))
        found.append((att, mention))
    found.sort(key=lambda pair: (pair[0].content.start, -pair[0].content.end))
    found = _one_per_span(found)
    _speakers_from_previous_paragraph(doc, found)
    out = []
    entities: list[_Entity | None] = []
    for att, mention in found:
        if mention is None:
            out.append(att)
            entities.append(None)
            continue
        if mention.pronoun in ("he", "she"):
            # The subject of the sentence before is the likeliest antecedent when its
            # gender agrees; the document's entity list decides otherwise.
            resolved = speakers.resolve_pronoun(mention, previous_person(doc, mention.start))
        else:
            resolved = speakers.resolve(mention)
        out.append(att.model_copy(update={"resolved": resolved}))
        entities.append(speakers.last if resolved is not None else None)
    # Every record of one person carries what the whole article says of them (the full
    # name given later, the gender its pronouns tell), so all go to one stored speaker.
    return [att.model_copy(update={"resolved": speakers.final(ent)}) if ent is not None else att
            for att, ent in zip(out, entities, strict=True)]


def _one_per_span(
        found: list[tuple[Attribution, Mention | None]],
) -> list[tuple[Attribution, Mention | None]]:
    """Keep the first record of each content span (``found`` sorted by span, stable).

    A record's identity is its document and content offsets, so two rules that
    reach the same span (a clause around a mixed quote that is also "X said
    that …") must yield one record, or the document cannot be stored. The
    first wins: quote-driven records are added before the reported-speech pass.
    """
    seen: set[tuple[int, int]] = set()
    out = []
    for pair in found:
        key = (pair[0].content.start, pair[0].content.end)
        if key not in seen:
            seen.add(key)
            out.append(pair)
    return out


def _speakers_from_previous_paragraph(
        doc: Doc, found: list[tuple[Attribution, Mention | None]]) -> None:
    """Give a whole-paragraph quote with no speaker the speaker of the paragraph before.

    "Mr. Lund said the paper would change course. ⏎ “We owe readers better.”":
    the quote continues what the previous paragraph reported, even when that was
    indirect speech. Only a quote opening its paragraph qualifies, and only when
    the previous paragraph's last attribution has a speaker. ``found`` is in
    document order and is updated in place.
    """
    last: tuple[int, Mention, Span] | None = None  # paragraph, speaker, its span
    for n, (att, mention) in enumerate(found):
        para = doc.para_of(att.content.start)
        opens_para = doc.text[doc.paras[para][0] : att.content.start].strip() in "“\"‘'" \
            if para >= 0 else False
        if att.rule.startswith("no-speaker") and att.kind == "direct" and opens_para \
                and last is not None and last[0] == para - 1:
            rule = att.rule.replace("no-speaker", "previous-paragraph-speaker")
            found[n] = (att.model_copy(update={"speaker": last[2], "rule": rule,
                                               "confidence": 0.6}), last[1])
            continue
        if mention is not None and att.speaker is not None:
            last = (para, mention, att.speaker)
