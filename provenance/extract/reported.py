"""Indirect speech: reported claims without quotation marks.

"X said (Tuesday / in a statement) (that) …", "…, X said (on Friday).", "…,
said X.", "The plan, X said, is …", "X told reporters …", "X accused Y of …",
"X urged Y to …", "X called for …", "…, arguing that …". A cue's complement
(``data/lexicons/cues.tsv``) decides what may follow it: any clause after
"say", a clause with a subject and a finite verb after "announce" (so
"announced a plan" is no claim), an addressee after "tell", or the rest of the
clause after "cite" or "want"; where that clause starts and ends is
:mod:`provenance.extract.clauses`.
"""

from __future__ import annotations

from provenance.extract.clauses import (
    MAX_TAIL_TOKENS,
    adverbial_tail,
    clause_after,
    clause_end,
    clause_stops,
    ends_at_comma,
    inverted_after_comma,
)
from provenance.extract.common_nouns import generic_np_after
from provenance.extract.cues import (
    CueHit,
    Doc,
    according_to,
    cue_at,
    refused_infinitive,
    sentence_body,
    trim,
    words_match,
)
from provenance.extract.mentions import Mention, np_after
from provenance.extract.subjects import (
    clause_subject,
    infinitive_subject,
    main_subject,
    participle_after_comma,
    subject,
)
from provenance.lexicon import PARTICLES, load, word_class
from provenance.models import Span

MIN_CLAUSE_CHARS = 12
MIN_CLAIM_WORDS = 5  # a claim before ", X said." has at least this many words


#: The ``rule`` values of reported-speech records, as :func:`indirect_speech` names them.
REPORTED_RULES = (
    "subject-cue-clause",
    "clause-subject-cue",
    "clause-cue-subject",
    "aside-subject-cue",
    "according-to-clause",
    "clause-according-to",
    "subject-passive-by",
    "passive-by-clause",
)


def _no_statement(doc: Doc, hit: CueHit, hi: int) -> bool:
    """Whether the words after a cue say it reports nothing ("declined to comment",
    "maintains a narrow lead"): ``data/lexicons/no_statement.tsv``."""
    patterns = load().no_statement.get(hit.cue.lemma, ())
    return any(words_match(doc.tokens, hit.index + 1, hi, p) for p in patterns)


def _in_question(doc: Doc, m: Mention, lo: int) -> bool:
    """Whether a cue's subject opens a question put to someone ("was asked what he
    thought …", "asked her whether she believed …"): the content is a question, not
    the subject's statement."""
    toks = doc.tokens
    k = doc.tok_index(m.start)
    if k <= lo or toks[k - 1].lower not in word_class("question_word"):
        return False
    forms = load().cue_forms
    asking = word_class("question_verb")
    return any(
        toks[j].lower in forms and forms[toks[j].lower].lemma in asking for j in range(lo, k - 1)
    )


def _char_before(text: str, start: int, end: int) -> str:
    """The last non-space character of ``text[start:end]`` ("" if none), without slicing."""
    k = end
    while k > start and text[k - 1].isspace():
        k -= 1
    return text[k - 1] if k > start else ""


def _passive_by(
    doc: Doc, i: int, lo: int, hi: int, end: int
) -> tuple[Span, Span, Mention, str] | None:
    """ "X was told by Y that …" / "The plan was announced by the mayor": the agent
    after "by" is the speaker; the content is the "that" clause, or else the
    sentence's subject before the verb "be"."""
    lex = load()
    toks, text = doc.tokens, doc.text
    be = i - 1
    adverbs = lex.words("between_subject_cue") - lex.words("passive") - lex.words("finite")
    while be > lo and (toks[be].lower.endswith("ly") or toks[be].lower in adverbs):
        be -= 1
    if (
        be <= lo
        or toks[be].lower not in lex.words("passive")
        or i + 2 >= hi
        or toks[i + 1].lower != "by"
        or toks[i].lower == lex.cue_forms[toks[i].lower].lemma
        or lex.cue_forms[toks[i].lower].complement in PARTICLES  # "was shot by": no speech
    ):
        return None
    agent = np_after(text, toks, i + 2) or generic_np_after(text, toks, i + 2, hi)
    if agent is None:
        return None
    cue = Span.of(text, toks[be].start, toks[i + 1].end)
    after = doc.tok_index(agent.end)
    if after < hi and toks[after].lower == "that":
        return trim(text, toks[after].start, end), cue, agent, "passive-by-clause"
    first = be
    while first > lo and toks[first - 1].lower in lex.words("between_subject_cue"):
        first -= 1
    if text[toks[lo].start : toks[first].start].strip().count(" ") < 1:
        return None  # a one-word subject ("It was said by …") says nothing
    return trim(text, toks[lo].start, toks[first].start), cue, agent, "subject-passive-by"


def indirect_speech(doc: Doc, used_cues: set[int]) -> list[tuple[Span, Span, Mention, str]]:
    """(content, cue, speaker, rule) for unquoted reported speech."""
    text, toks = doc.text, doc.tokens
    lex = load()
    forms = lex.cue_forms
    # next_comma[i]: index of the first "," token at or after i (one backward pass,
    # so finding each cue's tail does not rescan a long sentence).
    next_comma = [len(toks)] * (len(toks) + 1)
    for n in range(len(toks) - 1, -1, -1):
        next_comma[n] = n if toks[n].text == "," else next_comma[n + 1]
    stops: dict[bool, list[int]] = {}
    out = []
    for s_start, s_end in doc.sents:
        lo, hi = doc.tok_index(s_start), doc.tok_index(s_end)
        end = sentence_body(text, s_start, s_end)
        acc = according_to(doc, lo, hi)
        if acc and acc[0].start not in used_cues:
            acc_cue, source = acc
            if acc_cue.start == s_start:
                comma = text.find(",", source.end, end)
                if comma > 0:
                    out.append((trim(text, comma + 1, end), acc_cue, source, "according-to-clause"))
            else:
                stop = text.rfind(",", s_start, acc_cue.start)
                if stop > s_start:
                    out.append((trim(text, s_start, stop), acc_cue, source, "clause-according-to"))
            continue
        last_subject: Mention | None = None
        last_bare_ing = False
        for i in range(lo, hi):
            if toks[i].lower not in forms or toks[i].start in used_cues or doc.quoted[i]:
                continue
            hit = cue_at(toks, i, i < doc.headline_tokens)
            if hit is None:
                if (passive := _passive_by(doc, i, lo, hi, end)) is not None:
                    out.append(passive)
                continue
            if hit.cue.complement == "it":
                continue  # "As the chief executive, X, put it, “…”": words quoted, not a clause
            m = subject(text, toks, hit.first, lo)
            if (
                m is None
                and i > lo
                and toks[hit.first - 1].lower == "and"
                and not (last_bare_ing and not toks[i].lower.endswith("ing"))
            ):
                m = last_subject  # "X praised the plan and said …"
            if m is None and i > lo and toks[hit.first - 1].lower == "to":
                if refused_infinitive(doc, hit.first - 1, hi):
                    continue  # "declined to say whether …": nothing said
                m = infinitive_subject(text, toks, hit.first - 1, lo)  # "X went on to say …"
            if m is not None and inverted_after_comma(doc, hit, lo, hi):
                m = None  # "…, said Steve Elmendorf, a strategist.": the name after the cue
            participle = i > lo and participle_after_comma(toks, hit)
            if participle:
                # "…, arguing that …", "…, eventually saying …": the main clause's subject,
                # not a phrase before the comma ("turned against Mr. Trump, saying").
                m = (
                    clause_subject(doc, lo, hit.first)
                    or last_subject
                    or main_subject(doc, lo, hit.first)
                    or m
                )
            if m is not None and _in_question(doc, m, lo):
                continue
            cue = hit.span(text, toks)
            # The tail after the cue runs to the sentence end or to a comma that
            # starts another clause ("…, lawmakers said Friday, as they …").
            # After the whole cue phrase: "for" of "calling for" opens no adverbial tail.
            after = hit.index + 1
            tail_end = min(next_comma[after], hi)
            takes_np = hit.cue.complement == "np" or hit.cue.frame == "describe"
            closing = adverbial_tail(toks, after, tail_end, takes_np) and not any(
                toks[n].lower == "that" or doc.quoted[n] for n in range(after, tail_end)
            )
            # "…, X said (on Friday)." closes the sentence: the content is what comes before.
            # ", who said": a relative clause's subject; what precedes is not its claim.
            relative = m is not None and m.text.lower() in lex.words("relative")
            if (
                m is not None
                and closing
                and not relative
                and not participle  # its subject stands further back: "…, Y, saying"
                and _char_before(text, s_start, m.start) == ","
            ):
                stop = text.rfind(",", s_start, m.start)
                # "At one point, a woman asked …" opens with an adverbial, not a claim.
                if len(text[s_start:stop].split()) >= MIN_CLAIM_WORDS:
                    out.append((trim(text, s_start, stop), cue, m, "clause-subject-cue"))
                    last_subject = m
                    continue
            if m is None and i > lo and toks[i - 1].text == "," and i + 1 < hi:
                m2 = np_after(text, toks, i + 1)
                if m2 is not None and m2.pronoun in ("it", "they"):
                    m2 = None  # "…, called it “…”": the object, never an inverted subject
                after_name = doc.tok_index(m2.end) if m2 else hi
                if m2 and (
                    hi - after_name <= MAX_TAIL_TOKENS
                    # "…, said Steve Elmendorf, a deputy campaign manager for …": an appositive
                    or (after_name < hi and toks[after_name].text == "," and m2.name)
                ):
                    stop = text.rfind(",", s_start, toks[i].start)
                    if stop - s_start >= MIN_CLAUSE_CHARS:
                        out.append((trim(text, s_start, stop), cue, m2, "clause-cue-subject"))
                        last_subject = m2
                        continue
            if m is None:
                continue
            last_subject = m
            # "vented about Hale vowing to fight on and said": a bare -ing form is no
            # clause's verb; a finite cue after "and" does not share its subject (another
            # -ing form does: "Hispanics telling their stories and criticizing …").
            last_bare_ing = (
                toks[i].lower.endswith("ing") and hit.first == hit.index and not participle
            )  # "X attacked Y, saying …, and reminded": the comma's participle is X's
            # "The plan, X said, is too late": the claim is the sentence around the aside.
            if (
                m is not None
                and not relative
                and not participle
                and _char_before(text, s_start, m.start) == ","
                and i + 1 < hi
                and toks[i + 1].text == ","
            ):
                out.append((trim(text, s_start, end), cue, m, "aside-subject-cue"))
                continue
            if (
                m is not None
                and hit.index + 1 < hi
                and toks[hit.index + 1].text == ","
                and (b := doc.tok_index(m.start) - 1) >= lo
                and toks[b].lower in lex.words("adverbial_opener")
            ):
                continue  # "After Clinton testified, Gowdy …": the main clause, not her words
            if (
                last_bare_ing
                and hit.cue.frame == "cognition"
                and doc.tok_index(m.end) == i
                and m.pronoun is None
            ):
                # "emails from people planning acts of …", "notices seeking the arrest of
                # …": a noun's modifier, no belief reported ("a report saying" is speech).
                continue
            k = clause_after(doc, hit, hi)
            if k is None or _no_statement(doc, hit, hi):
                continue
            if toks[k].lower in lex.words("adverbial_opener"):
                continue  # "has said while stumping for his wife", "said when he announced
                # the steps": when and how it was said, not what
            phrase = hit.cue.complement == "np" or hit.cue.frame == "describe"
            as_phrase = phrase and toks[k].lower != "that"
            if as_phrase not in stops:
                stops[as_phrase] = clause_stops(doc, as_phrase)
            stop = clause_end(doc, k, hi, end, stops[as_phrase], as_phrase)
            comma = next_comma[k]
            b = doc.tok_index(m.start) - 1
            if comma < hi and b >= lo and ends_at_comma(toks, lo, b, k, comma):
                # The cue stands in an adverbial clause; what follows its comma is the
                # main clause, not what was said.
                stop = min(stop, toks[comma].start)
            if stop - toks[k].start < MIN_CLAUSE_CHARS:
                continue
            out.append((trim(text, toks[k].start, stop), cue, m, "subject-cue-clause"))
    return out
