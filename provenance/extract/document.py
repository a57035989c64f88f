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
store gets the exact quotation and a scorer gets the whole claim. A quotation no
quote rule attributed that lies inside a reported clause with a speaker ("X praised
the plan and called it “…”") takes that clause's speaker and cue
(``quote-in-clause``).

A paragraph opening with a speaker label ("PENCE: …", "Sanders: …") is a
colon attribution. Unquoted reported speech ("X said (that) …", "…, X said.",
"X told reporters …", "X accused Y of …", "according to X, …") comes from
:mod:`provenance.extract.reported`; cue verbs and speaker phrases from
:mod:`provenance.extract.cues`. Speakers are then resolved inside the document
(:mod:`provenance.speakers`).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from provenance.errors import public
from provenance.extract.common_nouns import generic_np_before
from provenance.extract.cues import Doc, cue_at, sentence_body, trim
from provenance.extract.mentions import Mention, is_name_token, np_before
from provenance.extract.quotes import (
    QUOTE_RULES,
    RECORD_RULES,
    SAME_SENTENCE_RULES,
    attribute_quote,
    char_before,
    speaker_label,
)
from provenance.extract.reported import REPORTED_RULES, indirect_speech
from provenance.extract.segment import Quotation
from provenance.extract.subjects import main_subject, previous_person, subject
from provenance.lexicon import load
from provenance.models import Attribution, ResolvedSpeaker, Span, SpeakerKind
from provenance.speakers import DocumentSpeakers, _Entity

EXTRACTOR_VERSION = "rules-0.2"

MAX_NONSPEECH_WORDS = 6

#: Every ``rule`` value a record can carry (an unclosed quotation adds ``+unbalanced``).
RULE_NAMES = frozenset(r.name for r in QUOTE_RULES) | set(RECORD_RULES) | set(REPORTED_RULES)


def _quote_kind(doc: Doc, q: Quotation) -> str:
    text = doc.text
    content = text[q.start : q.end].strip()
    s_start, _ = doc.sentence_of(q.open)
    before = char_before(text, s_start, q.open)
    if not before or before in ":," or re.search(r"[.!?,]$", content):
        return "direct"
    return "mixed"


ADVERBIAL_LEAD_WORDS = 6  # "said at a news conference on Tuesday, “…”": where and when


def _quote_clause(doc: Doc, q: Quotation, cue: Span, mention: Mention | None) -> Span | None:
    """The reported clause around a quotation, when it holds more than the quotation."""
    text = doc.text
    s_start, _ = doc.sentence_of(q.open)
    _, s_end = doc.sentence_of(max(q.close - 1, q.open))
    if cue.end <= q.open:
        lead = text[cue.end : q.open]
        lex = load()
        first = lead.split(None, 1)[0].lower() if lead.strip() else ""
        if lead.rstrip().endswith(":") and first not in lex.words("clause_opener"):
            return None  # "she offered up this line: “…”": an object, then the quotation
        # Not "to": "had planned to enlist …, “…”" is an infinitive, what was planned.
        adverbial = (lex.words("preposition_after_cue") | lex.words("time")) - {"to"}
        words = lead.lower().split()
        if (
            lead.rstrip().endswith(",")
            and first in adverbial
            and "," not in lead.rstrip()[:-1]
            and len(words) <= ADVERBIAL_LEAD_WORDS
            and not ({"that"} | lex.words("relative")) & set(words)
        ):
            return None  # "said at a press conference, “…”": where it was said, then the
            # quotation; no clause holds more than the quotation
        start, end = cue.end, sentence_body(text, q.close, s_end)
        if text[q.close : end].strip(" ,.;:!?—–-”’\"'") and text[q.close : end].lstrip()[:1] == ",":
            end = q.close  # "…“X,” which …": the clause stops with the quote
    else:
        edge = min(cue.start, mention.start) if mention is not None else cue.start
        start, end = s_start, text.rfind(",", s_start, edge)
        if end < q.close - 1:
            return None
        if _only_marks_between(text, s_start, q.open):
            # "“…!” the candidate, Tobias Moreau, tweeted", "“…,” his wife, Ana Lazar,
            # wrote": the words after the quote are its speaker's title, no clause.
            comma = doc.tok_index(end)
            for title in (
                np_before(text, doc.tokens, comma),
                generic_np_before(text, doc.tokens, comma),
            ):
                if title is not None and not text[q.close : title.start].strip(" ,.!?”’\"'"):
                    return None
    clause = trim(text, start, end)
    outside = text[clause.start : q.open] + text[q.close : clause.end]
    if len(outside.strip(" ,.;:!?—–-\"'“”‘’")) < 4 or clause.end <= clause.start:
        return None
    return clause


def _lead_in(doc: Doc, q: Quotation, after: int) -> tuple[Mention, Span] | None:
    """The named person who speaks in the sentence right before quotation ``q`` (same
    paragraph, no quotation of its own, after offset ``after``) and its cue: "Iowa State
    University's Dianne Bystrom agreed.", "Or maybe Jeb Bush, digital consultant Phil
    Musser says.", "Clinton touted her credentials as a co-sponsor." before a quotation
    that has no cue of its own."""
    s_start, _ = doc.sentence_of(q.open)
    i = bisect_right(doc.sent_starts, s_start) - 1
    if i < 1:
        return None
    p_start, p_end = doc.sents[i - 1]
    if p_start < after or doc.para_of(p_start) != doc.para_of(q.open):
        return None
    lo, hi = doc.tok_index(p_start), doc.tok_index(p_end)
    if lo >= hi or any(doc.quoted[lo:hi]):
        return None
    first = bisect_right(doc.cue_indexes, lo - 1)
    cues = [c for c in doc.cue_indexes[first:] if c < hi]
    for c in cues:
        hit = cue_at(doc.tokens, c, c < doc.headline_tokens)
        if hit is None:
            continue
        m = subject(doc.text, doc.tokens, hit.first, lo) or (
            main_subject(doc, lo, hit.first) if c == cues[0] else None
        )
        if m is not None and m.kind is SpeakerKind.person and m.name and not m.pronoun:
            return m, hit.span(doc.text, doc.tokens)
    return None


def _opens_its_sentence(doc: Doc, q: Quotation) -> bool:
    """Whether nothing but punctuation stands before quotation ``q`` in its sentence."""
    s_start, _ = doc.sentence_of(q.open)
    return _only_marks_between(doc.text, s_start, q.open)


def _only_marks_between(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds no letter or digit. Read from ``end`` back, so
    it stops at the nearest word: a long sentence of many quotations costs each one only
    the marks before it, not the whole sentence again."""
    return not any(text[k].isalnum() for k in range(end - 1, start - 1, -1))


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
        cue, mention, rule, conf = attribute_quote(doc, q, previous)
        if rule == "same-sentence-speaker":
            mention = prev_mention
        words = len(content.text.split())
        # A quotation with no cue of its own that opens its sentence may take a speaker
        # from the sentence before or from the previous quotation.
        unattributed = (
            mention is None and words > MAX_NONSPEECH_WORDS and _opens_its_sentence(doc, q)
        )
        lead = (
            _lead_in(doc, q, previous.content.end if previous is not None else 0)
            if unattributed
            else None
        )
        if lead is not None:
            # "Dianne Bystrom agreed. “Mainstream Republicans are …”": the person who speaks
            # in the sentence before, not the previous quotation's speaker
            mention, cue = lead
            rule, conf = "lead-in-sentence", 0.7
        elif (
            unattributed
            and previous is not None
            and previous.kind != "nonspeech"
            and content.text[:1].isupper()
            and doc.para_of(previous.content.start) >= doc.para_of(q.open) - 1
        ):
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
        att = Attribution(
            kind=kind,
            content=content,
            cue=cue,
            confidence=conf,
            rule=rule or "no-speaker",
            speaker=speaker,
        )
        found.append((att, mention))
        if kind != "nonspeech":
            previous, prev_mention = att, mention
            clause = None
            if cue is not None and rule.split("+")[0] in SAME_SENTENCE_RULES:
                clause = _quote_clause(doc, q, cue, mention)
            if clause is not None and (clause.start, clause.end) not in clauses:
                clauses.add((clause.start, clause.end))
                found.append(
                    (
                        Attribution(
                            kind="indirect",
                            content=clause,
                            cue=cue,
                            speaker=speaker,
                            confidence=conf * 0.9,
                            rule="clause-with-quote",
                        ),
                        mention,
                    )
                )
    used = {a.cue.start for a, _ in found if a.cue is not None}
    for p, (_, p_end) in enumerate(doc.paras):
        label = speaker_label(doc, p)
        if label is None or label[0].start in used:
            continue
        # A transcript turn ("PENCE: Well, …") is verbatim; "Poll: Voters …" paraphrases.
        cue, mention = label
        content = trim(text, cue.end, p_end)
        kind = "direct" if mention.text.isupper() and len(mention.text) > 1 else "indirect"
        used.add(cue.start)
        found.append(
            (
                Attribution(
                    kind=kind,
                    content=content,
                    cue=cue,
                    confidence=0.8,
                    rule="speaker-colon",
                    speaker=Span.of(text, mention.start, mention.end),
                ),
                mention,
            )
        )
    for content, cue, mention, rule in indirect_speech(doc, used):
        if (inside := doc.quote_at(content.start)) is not None and inside.start < content.start:
            continue
        att = Attribution(
            kind="indirect",
            content=content,
            cue=cue,
            confidence=0.7,
            rule=rule,
            speaker=Span.of(text, mention.start, mention.end),
        )
        found.append((att, mention))
    found = _quotes_in_clauses(found)
    found.sort(key=lambda pair: (pair[0].content.start, -pair[0].content.end))
    found = _one_per_span(found)
    _speakers_from_previous_paragraph(doc, found)
    out = []
    entities: list[_Entity | None] = []
    # A speaker pronoun's start -> what it resolved to: a "she" whose sentence before
    # opens with a speaker's "She" is that speaker, whoever that sentence names later.
    by_pronoun: dict[int, tuple[ResolvedSpeaker, _Entity | None]] = {}
    for att, mention in found:
        if mention is None:
            out.append(att)
            entities.append(None)
            continue
        resolved: ResolvedSpeaker | None
        if mention.pronoun in ("he", "she"):
            # The subject of the sentence before is the likeliest antecedent when its
            # gender agrees; the document's entity list decides otherwise.
            subject = previous_person(doc, mention.start)
            before = previous_person(doc, mention.start, pronoun=True) if not subject else None
            chained = (
                by_pronoun.get(before.start)
                if before is not None and not _named_before_in_sentence(doc, mention.start)
                else None
            )
            if before is not None and chained is not None and before.gender == mention.gender:
                resolved, speakers.last = chained
            else:
                resolved = speakers.resolve_pronoun(mention, subject)
            if resolved is not None:
                by_pronoun[mention.start] = (resolved, speakers.last)
        else:
            resolved = speakers.resolve(mention)
        out.append(att.model_copy(update={"resolved": resolved}))
        entities.append(speakers.last if resolved is not None else None)
    # Every record of one person carries what the whole article says of them (the full
    # name given later, the gender its pronouns tell), so all go to one stored speaker.
    return [
        att.model_copy(update={"resolved": speakers.final(ent)}) if ent is not None else att
        for att, ent in zip(out, entities, strict=True)
    ]


def _quotes_in_clauses(
    found: list[tuple[Attribution, Mention | None]],
) -> list[tuple[Attribution, Mention | None]]:
    """A quotation no quote rule attributed, inside a reported clause that has a speaker,
    is that clause's speaker's (rule ``quote-in-clause``): "The mayor praised the plan and
    called it “a real step forward”" — the clause's subject stands before the first verb,
    which the quote rules do not look past. Short ones stay as they are: inside a clause a
    word or two in quotation marks may be the writer's."""
    clauses = [
        (a, m)
        for a, m in found
        if a.kind == "indirect" and a.speaker is not None and a.cue is not None
    ]
    if not clauses:
        return found
    out = []
    for att, mention in found:
        if mention is None and att.kind == "direct" and att.rule == "no-speaker":
            holder = next(
                (
                    (c, m)
                    for c, m in clauses
                    if c.content.start < att.content.start and att.content.end <= c.content.end
                ),
                None,
            )
            if holder is not None:
                c, mention = holder
                att = att.model_copy(
                    update={
                        "cue": c.cue,
                        "speaker": c.speaker,
                        "rule": "quote-in-clause",
                        "confidence": c.confidence,
                    }
                )
        out.append((att, mention))
    return out


def _named_before_in_sentence(doc: Doc, pos: int) -> bool:
    """A name word outside quotation marks between the start of the sentence of ``pos``
    and ``pos``: the sentence may name its own speaker ("DeSantis said he has
    supported …"), so no pronoun chain crosses it."""
    start, _ = doc.sentence_of(pos)
    lo, hi = doc.tok_index(start), doc.tok_index(pos)
    pronouns = load().pronouns
    return any(
        is_name_token(doc.tokens[i]) and not doc.quoted[i] and doc.tokens[i].lower not in pronouns
        for i in range(lo, hi)
    )


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
    doc: Doc, found: list[tuple[Attribution, Mention | None]]
) -> None:
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
        opens_para = (
            doc.text[doc.paras[para][0] : att.content.start].strip() in "“\"‘'"
            if para >= 0
            else False
        )
        if (
            att.rule.startswith("no-speaker")
            and att.kind == "direct"
            and opens_para
            and last is not None
            and last[0] == para - 1
        ):
            rule = att.rule.replace("no-speaker", "previous-paragraph-speaker")
            found[n] = (
                att.model_copy(update={"speaker": last[2], "rule": rule, "confidence": 0.6}),
                last[1],
            )
            continue
        if mention is not None and att.speaker is not None:
            last = (para, mention, att.speaker)
