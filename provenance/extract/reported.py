"""Indirect speech: reported claims without quotation marks.

"X said (Tuesday / in a statement) (that) …", "…, X said (on Friday).", "…,
said X.", "The plan, X said, is …", "X told reporters …", "X accused Y of …",
"X urged Y to …", "X called for …", "…, arguing that …". A cue's complement
(``data/lexicons/cues.tsv``) decides what may follow it: any clause after
"say", a clause with a subject and a finite verb after "announce" (so
"announced a plan" is no claim), an addressee after "tell", or the rest of the
clause after "cite" or "want".
"""

from __future__ import annotations

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
from provenance.extract.mentions import (
    Mention,
    generic_np_after,
    generic_np_before,
    np_after,
    np_before,
)
from provenance.extract.segment import Token
from provenance.extract.subjects import (
    clause_subject,
    infinitive_subject,
    main_subject,
    participle_after_comma,
    subject,
)
from provenance.lexicon import PARTICLES, load, word_class
from provenance.models import Span, SpeakerKind

MAX_TAIL_TOKENS = 8  # tokens after a sentence-final cue ("…, she said in a statement Friday.")
MAX_THAT_DISTANCE = 9  # tokens between a cue and its "that" ("said in a statement Friday that")
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


def _adverbial_tail(toks: list[Token], lo: int, hi: int, takes_np: bool = False) -> bool:
    """Whether ``toks[lo:hi]`` after a cue is empty or only says when, where or to whom.

    "…, she said on Friday." / "…, he told CNN." qualify; "…, she acknowledged
    their battle." does not (an object, so the cue is not reporting the clause), nor,
    after a cue whose content is a noun phrase (``takes_np``: "endorsed", "praised"),
    a name: "…, the senator, Ana Voss, had endorsed Clinton." reports an endorsement.
    """
    while hi > lo and not toks[hi - 1].is_word:
        hi -= 1  # the sentence's final punctuation and closing marks
    if hi - lo > MAX_TAIL_TOKENS:
        return False
    if lo >= hi:
        return True
    first = toks[lo]
    lex = load()
    return (
        # "…, he’s sought to protect breaks": after "sought", "wanted", "to" is the content
        (
            first.lower in word_class("preposition_after_cue")
            and not (takes_np and first.lower == "to")
        )
        or first.lower in lex.words("time")
        or (first.is_cap and not takes_np)
        or (
            first.lower in ("reporters", "them", "him", "her", "us")
            # "…, X called her to get together again.": an infinitive, not an addressee
            and not any(t.lower == "to" for t in toks[lo + 1 : hi])
        )
        or first.text in ",("
    )


def _clause_like(doc: Doc, k: int, hi: int, strict: bool) -> bool:
    """Whether ``tokens[k:hi]`` reads as a reported clause (subject and verb)."""
    lex = load()
    toks = doc.tokens
    if k >= hi or (doc.quoted[k] and doc.quote_at(toks[k].start) is None):
        return False
    first = toks[k].lower
    if first == "about" and k + 1 < hi and toks[k + 1].text[:1].isdigit():
        return True  # "said about 20 people …": a number, not a topic
    if first in word_class("preposition_after_cue") or not (
        toks[k].is_word or toks[k].text in "“\"‘'"
    ):
        return False
    if first in lex.words("finite"):
        return False  # "everything Trump says is a lie": the cue sits in a relative clause
    if (first in lex.pronouns and first not in ("it",)) or first in ("i", "we", "you", "there"):
        return True
    finite = lex.words("finite")
    for j in range(k + 1, min(hi, k + 10)):
        low = toks[j].lower
        if toks[j].text in ",;:" and strict:
            return False
        if low in finite or (
            low.endswith("ed")
            and len(low) > 4
            and not toks[j].is_cap
            and toks[j - 1].lower not in word_class("determiner")
        ):
            return True
    return not strict


def _inverted_after_comma(doc: Doc, hit: CueHit, lo: int, hi: int) -> bool:
    """Whether a finite cue right after a comma is followed by its speaker's name and then
    only an appositive or a short tail ("… catch Clinton, said Steve Elmendorf, a
    strategist."): the speaker is that name, not the phrase before the comma; not "Mr.
    Smith, a lawyer, said Jones was wrong" (a verb follows the name)."""
    toks = doc.tokens
    if (
        hit.first <= lo
        or hit.first != hit.index  # "…, has endorsed Sen. Ted Cruz": no inversion
        or toks[hit.first - 1].text != ","
        or toks[hit.index].lower.endswith("ing")
        or hit.cue.frame not in ("speech", "written")
        or hit.cue.complement in ("np", "object", "of")  # "…, endorsed Cruz", "told Cruz"
    ):
        return False
    m = np_after(doc.text, toks, hit.index + 1)
    if m is None or not m.name or m.pronoun or m.kind is not SpeakerKind.person:
        return False
    k = doc.tok_index(m.end)
    return k >= hi or not toks[k].is_word or _adverbial_tail(toks, k, hi)


def _ends_at_comma(toks: list[Token], lo: int, b: int, k: int, comma: int) -> bool:
    """Whether a cue's clause starting at ``toks[k]`` ends at the comma ``toks[comma]``:
    its subject follows an adverbial opener at ``toks[b]`` that is concessive ("While
    he’s said he’ll fight on, Sanders must …") or opens the sentence ("When Sanders
    accused her of being reliant on banks, she said …"), or a verb comes before the
    comma, so the clause is whole there ("…, when he asked supporters to run, 21,000
    said …"); not "after he told the paper that despite the hype, he …", where the comma
    falls inside what was told."""
    low = toks[b].lower
    if low not in load().words("adverbial_opener"):
        return False
    lead = word_class("before_opener")
    if low in word_class("concessive") or all(not t.is_word or t.lower in lead for t in toks[lo:b]):
        return True
    finite = load().words("finite")
    determiners = word_class("determiner")
    for j in range(k, comma):
        low = toks[j].lower
        if low in finite or (low == "to" and j + 1 < comma and toks[j + 1].is_word):
            return True  # "asked supporters to run for office, …"
        if (
            low.endswith("ed")
            and len(low) > 4
            and "-" not in low  # "the self-described Islamic State, or ISIS, …"
            and not toks[j].is_cap
            and toks[j - 1].lower not in determiners
        ):
            return True
    return False


def _clause_after(doc: Doc, hit: CueHit, hi: int) -> int | None:
    """Token index where the reported clause after a cue starts, or None."""
    lex = load()
    toks = doc.tokens
    k = hit.index + 1
    comp = hit.cue.complement
    if k >= hi or comp == "none" or comp in PARTICLES:
        return None
    # "said that", "said Tuesday that", "said in a statement that", "pointed out that".
    for j in range(k, min(hi, k + MAX_THAT_DISTANCE)):
        low = toks[j].lower
        if doc.quoted[j] or toks[j].text in ";:" or (toks[j].text == "," and j > k):
            break
        if (
            low == "that"
            and j + 1 < hi
            and (toks[j + 1].is_word or toks[j + 1].text == ",")
            and toks[j + 1].lower not in lex.words("finite")
        ):
            return j  # "noted that, like him, …" too
        if low in lex.words("finite") or (low in lex.cue_forms and j > k):
            break
    if comp == "of":
        for j in range(k, min(hi, k + 6)):
            if toks[j].lower == "of":
                return j + 1 if j + 1 < hi else None
        return None
    while k < hi and (
        (toks[k].lower in lex.words("time") and toks[k].lower not in ("at", "in", "on", "during"))
        or toks[k].text == ","
    ):
        k += 1  # "said Tuesday he would", "said, however, …"
    if (
        k > hit.index + 1
        and toks[k - 1].text == ","
        and k < hi
        and toks[k].lower in ("and", "but", "or")
    ):
        return None  # "feelings in many Asian states, and it has …": a new clause, not content
    if comp == "np" or (hit.cue.frame == "describe" and hit.cue.lemma != "call"):
        # "cited derogatory comments", "wants to triple …", "called for new rules"
        if k < hi and toks[k].lower == "to" and hit.cue.lemma not in lex.words("takes_infinitive"):
            return None  # "a star likened to …": a participle, not a speaker's act
        if (
            k < hi
            and (toks[k].is_word or toks[k].text in "“\"‘'")
            and toks[k].lower not in ("by", "as", "with", "from", "in", "on", "at")
        ):
            return k
        return None
    if comp == "object":
        # "told reporters he …", "warned Democrats the bill …": skip the addressee.
        start = k
        m = np_after(doc.text, toks, k)
        if m is None and k < hi and toks[k].lower in word_class("object_pronoun"):
            k += 1
        elif m is not None:
            k = doc.tok_index(m.end)
        elif k < hi and toks[k].lower in word_class("determiner"):
            # "told his advisers to …": a common-noun addressee of a few words.
            j = k + 1
            while (
                j < min(hi, k + 4)
                and toks[j].is_word
                and toks[j].lower != "to"
                and toks[j].lower not in lex.words("finite")
            ):
                j += 1
            k = j
        if k > start and k < hi and toks[k].lower == "to":
            return start  # "urged Republicans to join …": addressee and infinitive
        return k if _clause_like(doc, k, hi, strict=True) else None
    return k if _clause_like(doc, k, hi, strict=comp != "clause") else None


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


def _clause_end(doc: Doc, k: int, hi: int, end: int, stops: list[int], phrase: bool = False) -> int:
    """Where a reported clause starting at token ``k`` ends: the sentence end, a
    semicolon, the comma before a participle cue (", arguing that …"), or "and"/"but"
    before a new verb of the speaker ("… and has since left"). A noun-phrase
    content also ends at its first comma. ``stops`` is :func:`_clause_stops` for
    the kind of content (one lookup, not a scan to the sentence end per cue)."""
    j = stops[k + 1] if k + 1 < len(stops) else len(doc.tokens)
    if j >= hi or doc.tokens[j].start >= end:
        return end
    stop = _stop_at(doc, j, hi, phrase)
    return end if stop is None else stop  # None: its test needed a token past the sentence


def _stop_at(doc: Doc, j: int, hi: int, phrase: bool = False) -> int | None:
    """The offset where a clause ends if token ``j`` ends it, else None."""
    toks = doc.tokens
    if toks[j].text in CLOSING_MARKS and j > 0 and toks[j - 1].text == ",":
        # "… by fostering “growth and investment,” Ben Carson said Monday.": the
        # quotation's comma opens the closing attribution
        return toks[j].end if _closing_attribution(doc, j) else None
    if doc.quoted[j]:
        return None
    if toks[j].text == ";" or (phrase and toks[j].text in ",—–―"):
        return toks[j].start
    if (
        toks[j].lower in ("and", "but")
        and j + 1 < hi
        and toks[j + 1].lower in word_class("finite")
        and toks[j + 1].lower not in ("is", "are", "was", "were")
    ):
        return toks[j - 1].start if toks[j - 1].text == "," else toks[j].start
    if (
        toks[j].text == ","
        and j + 1 < hi
        and toks[j + 1].lower.endswith("ing")
        and cue_at(toks, j + 1) is not None
    ):
        return toks[j].start
    if toks[j].lower in ("and", "but") and j + 1 < hi and cue_at(toks, j + 1) is not None:
        # "… too early, but noted that …": a second statement of the same speaker.
        return toks[j - 1].start if toks[j - 1].text == "," else toks[j].start
    if toks[j].text == "," and _closing_attribution(doc, j):
        return toks[j].start
    return None


CLOSING_MARKS = frozenset({"”", '"', "''", "»"})
CLOSING_SPEAKER_TOKENS = 6  # "…, the Chicago Sun-Times reported.": the source's tokens


def _closing_attribution(doc: Doc, j: int) -> bool:
    """Whether the comma at ``tokens[j]`` opens the attribution that closes its
    sentence ("organizers added 160 guards, the Tribune reported."): the clause inside
    ends there; the words before the comma are the closing source's claim."""
    toks = doc.tokens
    n = len(toks)
    forms = load().cue_forms
    for c in range(j + 2, min(n, j + 2 + CLOSING_SPEAKER_TOKENS)):
        if toks[c].lower not in forms or doc.quoted[c]:
            continue
        hit = cue_at(toks, c)
        if hit is None or hit.cue.frame not in ("speech", "written"):
            return False
        m = np_before(doc.text, toks, hit.first) or generic_np_before(doc.text, toks, hit.first)
        if m is None or m.start != toks[j + 1].start or m.pronoun:
            return False
        e = hit.index + 1
        while e < n and toks[e].text not in ".!?":
            if e - hit.index > MAX_TAIL_TOKENS or toks[e].lower in ("to", "that"):
                return False  # "…, Bill Clinton called her to get together again."
            e += 1
        return e < n and _adverbial_tail(toks, hit.index + 1, e)
    return False


def _clause_stops(doc: Doc, phrase: bool) -> list[int]:
    """For each token index, the first token at or after it that ends a clause."""
    n = len(doc.tokens)
    out = [n] * (n + 1)
    for j in range(n - 1, -1, -1):
        # Stops are judged with the document as the bound; _clause_end re-checks
        # the sentence bound, and a stop's tests only look one token ahead.
        out[j] = j if _stop_at(doc, j, n, phrase) is not None else out[j + 1]
    return out


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
            if m is not None and _inverted_after_comma(doc, hit, lo, hi):
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
            closing = _adverbial_tail(toks, after, tail_end, takes_np) and not any(
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
            k = _clause_after(doc, hit, hi)
            if k is None or _no_statement(doc, hit, hi):
                continue
            if toks[k].lower in lex.words("adverbial_opener"):
                continue  # "has said while stumping for his wife", "said when he announced
                # the steps": when and how it was said, not what
            phrase = hit.cue.complement == "np" or hit.cue.frame == "describe"
            as_phrase = phrase and toks[k].lower != "that"
            if as_phrase not in stops:
                stops[as_phrase] = _clause_stops(doc, as_phrase)
            stop = _clause_end(doc, k, hi, end, stops[as_phrase], as_phrase)
            comma = next_comma[k]
            b = doc.tok_index(m.start) - 1
            if comma < hi and b >= lo and _ends_at_comma(toks, lo, b, k, comma):
                # The cue stands in an adverbial clause; what follows its comma is the
                # main clause, not what was said.
                stop = min(stop, toks[comma].start)
            if stop - toks[k].start < MIN_CLAUSE_CHARS:
                continue
            out.append((trim(text, toks[k].start, stop), cue, m, "subject-cue-clause"))
    return out
