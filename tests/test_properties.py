"""Property tests: for any text, extraction returns, keeps every span exact, and does linear work.

"Linear" is checked by counting work, not by timing: the number of lines of
provenance code executed (a deterministic count) for a text made of ``k``
copies of a generated unit and for ``4k`` copies. Linear code does at most
about four times the work; the quadratic scans this guards against did
sixteen times and more.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import provenance
from provenance.extract import extract
from provenance.models import Attribution

PACKAGE = str(Path(provenance.__file__).parent)
MARKS = "“”‘’\"'«»„"
WORDS = [
    "said",
    "says",
    "told",
    "according",
    "to",
    "the",
    "mayor",
    "Mr.",
    "Dr.",
    "she",
    "he",
    "Lena",
    "Ortiz",
    "O’Brien",
    "workers’",
    "it’s",
    "that",
    "added",
    "Police",
    "a",
    "spokeswoman",
    ",",
    ".",
    ":",
    "?",
    "!",
    "—",
    "(",
    ")",
    "’90s",
    "U.S.",
    "St.",
]

settings.register_profile(
    "provenance", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("provenance")


def assert_spans_exact(text: str, found: list[Attribution]) -> None:
    for att in found:
        for span in att.spans():
            assert 0 <= span.start <= span.end <= len(text)
            assert text[span.start : span.end] == span.text, (att.rule, span)
        assert 0.0 <= att.confidence <= 1.0
        assert att.speaker_name is None or att.speaker_name.strip()  # issue 13: no empty name
        if att.kind == "nonspeech":
            assert att.resolved is None


def token() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(list(MARKS)),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=6),
    )


def news_like() -> st.SearchStrategy[str]:
    """Words, quote marks and punctuation in sentences and paragraphs (any line endings)."""
    sentence = st.lists(token(), min_size=1, max_size=25).map(" ".join)
    paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
    return st.tuples(
        st.lists(paragraph, min_size=1, max_size=6),
        st.sampled_from(["\n", "\n\n", "\r\n", "\r\n\r\n", "\u2028", " "]),
    ).map(lambda pair: pair[1].join(pair[0]))


@given(st.text())
def test_any_unicode_text(text: str) -> None:
    assert_spans_exact(text, extract(text))


@given(st.text(alphabet=st.sampled_from([*MARKS, " ", "\n", "a", "s", "."]), max_size=300))
def test_any_arrangement_of_quote_marks(text: str) -> None:
    assert_spans_exact(text, extract(text))


@given(news_like())
def test_news_like_text(text: str) -> None:
    found = extract(text)
    assert_spans_exact(text, found)
    starts = [a.content.start for a in found]
    assert starts == sorted(starts)  # document order


def work(text: str) -> int:
    """Lines of provenance code executed by ``extract(text)``: deterministic, unlike time."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(PACKAGE) else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        extract(text)
    finally:
        sys.settrace(previous)
    return count


# name: (text before, unit repeated k and 4k times)
ADVERSARIAL = {
    "many quotations in one sentence": ("", "“alpha beta” gamma "),
    "quotations with a cue, no full stop": ("", "Word said “alpha beta gamma delta” and "),
    "unbalanced opening marks": ("", "“a "),
    "abbreviations without sentence ends": ("", "Mr. "),
    "plural possessives": ("", "the workers’ union’s s’ "),
    "possessives inside one open quotation": ("‘", "dogs’ "),
    "cue verbs without quotes": ("", "the mayor said that "),
    "one long paragraph of sentences": ("", "“It works,” she said. "),
    "many short paragraphs": ("", "“Open quote\n\n"),
}


def _ratio(unit: str, k: int = 10, prefix: str = "") -> float:
    extract("“Warm up,” she said.")  # lexicons and caches load once, outside the counts
    small = work(prefix + unit * k)
    return work(prefix + unit * 4 * k) / max(1, small)


def test_adversarial_inputs_do_linear_work() -> None:
    ratios = {name: _ratio(unit, prefix=prefix) for name, (prefix, unit) in ADVERSARIAL.items()}
    assert all(r <= 5.0 for r in ratios.values()), ratios


@settings(max_examples=40)
@given(st.lists(token(), min_size=1, max_size=8).map(" ".join))
def test_generated_units_do_linear_work(unit: str) -> None:
    assert _ratio(unit + " ", k=8) <= 6.0
