"""Each quote-attribution rule of ``provenance.extract.quotes.QUOTE_RULES`` alone.

One sentence per rule (written for this test): the rule finds a cue and speaker on
its own, :func:`attribute_quote` picks it (no earlier rule claims the quotation), and
``extract`` stores the rule's name as the record's ``rule``. A final check keeps the
table and the documented rule names in step with what extraction emits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.documents import read_paths
from provenance.extract import extract
from provenance.extract.cues import Doc
from provenance.extract.document import RULE_NAMES
from provenance.extract.quotes import QUOTE_RULES, QuoteContext, attribute_quote
from provenance.models import DocumentIn

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

CASES = [
    (
        "title",
        "The agency published a report titled “Safer Storage Now” last spring.",
        "Safer Storage Now",
        None,
    ),
    (
        "show",
        "“We are not done,” Mayor Dana Ortiz said on WRVN’s “Riverton Tonight” on Sunday.",
        "Riverton Tonight",
        None,
    ),
    (
        "speaker-colon-in-quote",
        "The transcript reads in part:\n\n“HARRIS: We are ready to govern from the first day.”",
        "HARRIS: We are ready",
        "HARRIS",
    ),
    (
        "quote-then-subject-cue",
        "“We will rebuild the bridge by the spring,” the mayor said on Tuesday.",
        "We will rebuild",
        "the mayor",
    ),
    (
        "quote-then-cue-subject",
        "“We will rebuild the bridge by the spring,” said Mayor Dana Ortiz.",
        "We will rebuild",
        "Mayor Dana Ortiz",
    ),
    (
        "quote-dash-speaker",
        "“Every vote counts in this county and every voice matters.” ― Dana Ortiz",
        "Every vote",
        "Dana Ortiz",
    ),
    (
        "quote-then-subject-aside-cue",
        "“We will rebuild the bridge,” Dana Ortiz, the director of the regional transit "
        "authority, said on Monday.",
        "We will rebuild",
        "Dana Ortiz",
    ),
    (
        "according-to",
        "“The bridge will reopen in May,” according to Dana Ortiz.",
        "The bridge will",
        "Dana Ortiz",
    ),
    (
        "same-sentence-speaker",
        "Ortiz called the delay “a disgrace to this city and its people” and warned that the "
        "council would “pay for it in November.”",
        "pay for it",
        "Ortiz",
    ),
    (
        "subject-cue-quote",
        "Ortiz said: “The money is there and the work begins in May.”",
        "The money",
        "Ortiz",
    ),
    (
        "speaker-dash-quote",
        "Dana Ortiz ― “The money is there and the work begins.”",
        "The money",
        "Dana Ortiz",
    ),
    (
        "speaker-colon",
        "Ortiz: The council needs to ‘stop stalling on the bridge’ before the vote.",
        "stop stalling",
        "Ortiz",
    ),
    (
        "colon-lead-in",
        "A teacher at the school in Dayton offered more background:\n\n"
        "“We had no heat for three weeks this winter and nobody came.”",
        "We had no heat",
        None,
    ),
]


def _quotation(doc: Doc, opening: str) -> int:
    hits = [n for n, q in enumerate(doc.quotes) if doc.text[q.start : q.end].startswith(opening)]
    assert len(hits) == 1, opening
    return hits[0]


@pytest.mark.parametrize(("rule", "text", "opening", "speaker"), CASES, ids=[c[0] for c in CASES])
def test_rule_alone(rule: str, text: str, opening: str, speaker: str | None) -> None:
    records = extract(text)
    record = next(a for a in records if a.content.text.startswith(opening))
    assert record.rule == rule
    if speaker is not None:
        assert record.speaker is not None and record.speaker.text == speaker
    doc = Doc(text)
    q = doc.quotes[_quotation(doc, opening)]
    # The previous speech record, as extract passes it (the same-sentence rule reads it).
    previous = next(
        (
            a
            for a in records
            if a.kind != "nonspeech" and a.kind != "indirect" and a.content.end <= q.open
        ),
        None,
    )
    table = dict(QUOTE_RULES)
    assert table[rule](QuoteContext(doc, q, previous)) is not None
    assert attribute_quote(doc, q, previous)[2] == rule


def test_every_rule_has_a_case_and_a_unique_name() -> None:
    names = [r.name for r in QUOTE_RULES]
    assert len(names) == len(set(names))
    assert {c[0] for c in CASES} == set(names)


def test_rules_that_do_not_apply_find_nothing() -> None:
    doc = Doc("The council met on Tuesday and voted to delay the bridge.")
    assert doc.quotes == []
    doc = Doc("Nobody spoke. “Quiet streets tonight.”")
    context = QuoteContext(doc, doc.quotes[0], None)
    assert [r.name for r in QUOTE_RULES if r.find(context) is not None] == []


def test_every_rule_value_extracted_from_the_samples_is_a_named_rule() -> None:
    seen: set[str] = set()
    for doc in read_paths([SAMPLES]):
        assert isinstance(doc, DocumentIn), doc
        seen |= {a.rule.removesuffix("+unbalanced") for a in extract(doc.text)}
    assert seen, "the samples gave no records"
    assert seen <= RULE_NAMES
