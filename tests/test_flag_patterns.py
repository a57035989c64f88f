"""Failure patterns of the flags on real news, each on sentences written for this test.

Every case here is a pattern seen on a real archive (issue 14): show titles and
scare quotes in quote marks, chains of partial overlaps, unrelated statements by
one speaker, pronoun attributions, and figures from different events.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app
from provenance.cluster_members import list_clusters
from provenance.conflicts import _contained, content_changes, is_statement, list_conflicts
from provenance.ingest import ingest
from provenance.models import Conflict
from provenance.relations import (
    is_title,
    joins,
    matchable,
    normalize,
    one_wording,
    relation,
    stock_phrase,
)
from provenance.store import Store


def _store(tmp_path: Path, articles: list[tuple[str | None, str]]) -> Store:
    """One file per (date or None, text) article; dated by a leading date line."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i, (day, text) in enumerate(articles):
        body = text if day is None else f"date {day}\n\n{text}"
        (folder / f"outlet{i}.txt").write_text(body + "\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 't.db'}").init()
    report = ingest(store, [folder])
    assert report.ok and not report.problems
    return store


def _flags(store: Store, kind: str | None = None) -> list[Conflict]:
    with store.session() as s:
        return list_conflicts(s, kind)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Meet the Press", True),
        ("“Fox and Friends,”", True),
        ("State of the Union.", True),
        ("This Week With George Stephanopoulos.", True),
        ("The Harbor Town Hall Forum", True),  # title case with a cue word
        ("Makes You Want To Retch.", False),  # a headline's quote, no cue word
        ("We will win this election", False),
        ("the press is dishonest", False),
    ],
)
def test_is_title(text: str, title: bool) -> None:
    assert is_title(text) is title


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("fair", False),
        ("No.", False),
        ("Troubling.", False),
        ("rigged system", False),  # two words: corroborates nothing on its own
        ("Morning Joe", False),
        ("the system is rigged", True),
    ],
)
def test_matchable(text: str, ok: bool) -> None:
    assert matchable(text) is ok


@pytest.mark.parametrize(
    ("a", "b", "changed"),
    [
        ("We will not raise taxes.", "we will not raise taxes", []),  # case and punctuation
        ("No, no, no, we will not raise taxes", "No, we will not raise taxes", []),  # repetition
        (
            "We will not raise taxes on families this year",
            "We will not raise taxes … this year",
            [],
        ),  # the cut is marked
        ("We will not raise taxes", "We will raise taxes", ["not"]),
        (
            "We will raise taxes on the rich",
            "We will raise taxes on everyone",
            ["the", "rich", "everyone"][1:],
        ),
        ("The plan is a disaster", "The plan was a disaster", []),  # an auxiliary only
        (
            "By the way, if she wins, nothing you can do",
            "if she wins, nothing you can do",
            [],
        ),  # quoted from later in the sentence
        (
            "Let's dispel this fiction",
            "And let's dispel once and for all this fiction",
            ["once", "all"],
        ),
    ],
)
def test_content_changes(a: str, b: str, changed: list[str]) -> None:
    assert content_changes(a, b) == changed


@pytest.mark.parametrize(
    ("text", "statement"),
    [
        ("We lost the vote.", True),  # a whole sentence
        ("we will cut taxes for every family", True),  # six words
        ("fair", False),
        ("a hell of a lot,", False),
        ("That makes me smart,", False),  # four words, not closed: a part of a sentence
        ("temperamentally unfit to be commander-in-chief.", False),  # five words as written
    ],
)
def test_is_statement(text: str, statement: bool) -> None:
    assert is_statement(text) is statement


DAY = "2026-04-02"


def test_show_titles_and_scare_quotes_raise_nothing(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "Senator Carla Mendez told “Meet the Press” on Sunday that the bill would pass. "
                "She called the plan “fair.”",
            ),
            (
                DAY,
                "Governor Paul Brandt said on “Meet the Press” that he would veto the bill. "
                "Brandt called the plan “fair,” but not finished.",
            ),
            (
                DAY,
                "Mayor Ruth Abbott went on “Fox and Friends” to talk about the budget, "
                "which she called “Troubling.”",
            ),
            (DAY, "Council members called the budget “troubling” in a statement on Friday."),
        ],
    )
    assert _flags(store) == []
    with store.session() as s:
        clustered = {normalize(r.text) for c in list_clusters(s) for r in c.sources}
    assert not clustered & {"meet the press", "fair", "troubling", "fox and friends"}


def test_partial_overlaps_do_not_chain(tmp_path: Path) -> None:
    """Two speeches sharing a stock phrase are two statements, whatever comes first."""
    short = "“We will win this,” Senator Carla Mendez said on Tuesday."
    one = "“We will win this election because voters want change,” Mendez said."
    other = "“We will win this fight against the new highway plan,” Governor Paul Brandt said."
    for order in ([short, one, other], [one, short, other]):
        tmp = tmp_path / str(len(list(tmp_path.iterdir())))
        tmp.mkdir()
        store = _store(tmp, [(DAY, t) for t in order])
        with store.session() as s:
            for c in list_clusters(s):
                words = {normalize(r.text) for r in c.sources}
                assert not (
                    any("voters" in w for w in words) and any("highway" in w for w in words)
                ), words
        assert _flags(store, "misattribution") == []
        store.dispose()


def test_unrelated_statements_by_one_speaker_are_not_misquotes(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“We will cut taxes for every working family in this state,” "
                "Senator Carla Mendez said on Tuesday.",
            ),
            (
                DAY,
                "“We will fund every school in this state before we cut a single tax,” "
                "Senator Carla Mendez said on Tuesday.",
            ),
            (DAY, "“This has nothing to do with the budget,” Senator Carla Mendez said."),
            (DAY, "“This has everything to do with the budget,” Senator Carla Mendez said."),
        ],
    )
    # The last two differ in one content word at high similarity: that one is flagged.
    found = _flags(store, "misquote")
    assert all("cut" not in r.text for c in found for r in c.records)
    assert len(found) == 1 and found[0].diff is not None
    assert "nothing" in found[0].diff and "everything" in found[0].diff


def test_misquote_needs_content_words(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (DAY, "“No, no, no. We will not close the Eastside library,” Mayor Ruth Abbott said."),
            (DAY, "“No. We will not close the Eastside library,” Mayor Ruth Abbott said."),
        ],
    )
    assert _flags(store, "misquote") == []


ORTIZ = "“Our schools need more teachers, not more tests,” said Senator Carla Mendez."
BRANDT = "“Our schools need more teachers, not more tests,” Governor Paul Brandt said."


@pytest.mark.parametrize(
    ("second", "flagged"),
    [
        pytest.param(
            "“Our schools need more teachers, not more tests,” Governor Paul Brandt "
            "said on Tuesday.",
            True,
            id="named-both-sides",
        ),
        pytest.param(
            "Governor Paul Brandt spoke next. “Our schools need more teachers, not more "
            "tests,” he said.",
            False,
            id="pronoun",
        ),
        pytest.param(
            "Governor Paul Brandt spoke next.\n\n“Our schools need more teachers, not more tests.”",
            False,
            id="paragraph-distance",
        ),
        pytest.param(
            "“Our schools need more teachers, not more tests,” Senator Carla Mendez "
            "said again on Tuesday.",
            False,
            id="same-person",
        ),
    ],
)
def test_misattribution_needs_explicit_names(tmp_path: Path, second: str, flagged: bool) -> None:
    store = _store(tmp_path, [(DAY, ORTIZ), (DAY, second)])
    found = _flags(store, "misattribution")
    assert bool(found) is flagged
    for c in found:
        assert {r.speaker for r in c.records} == {"Carla Mendez", "Paul Brandt"}
        assert 0 < c.score <= 100


@pytest.mark.parametrize(
    ("first", "second", "flagged"),
    [
        pytest.param(
            (
                DAY,
                "Police said 14 people were killed in the shooting at a Harbor City "
                "office party on Wednesday.",
            ),
            (
                "2026-04-03",
                "Fourteen people were killed in the Harbor City shooting on "
                "Wednesday, and 21 were wounded.",
            ),
            False,
            id="agree",
        ),
        pytest.param(
            (
                DAY,
                "Police said 14 people were killed in the shooting at a Harbor City office party.",
            ),
            ("2026-04-03", "Police said 12 people were killed in the Harbor City shooting."),
            True,
            id="same-event-disagree",
        ),
        pytest.param(
            (
                DAY,
                "Police said 14 people were killed in the shooting at a Harbor City office party.",
            ),
            (
                "2026-08-20",
                "Police said 49 people were killed in the shooting at a Lakeview nightclub.",
            ),
            False,
            id="months-apart",
        ),
        pytest.param(
            (
                None,
                "Police said 14 people were killed in the shooting at a Harbor City office party.",
            ),
            (
                None,
                "Officials said 41 people were killed in the crackdown in the northern provinces.",
            ),
            False,
            id="undated-no-shared-place",
        ),
    ],
)
def test_numeric_needs_one_event(
    tmp_path: Path, first: tuple[str | None, str], second: tuple[str | None, str], flagged: bool
) -> None:
    store = _store(tmp_path, [first, second])
    assert bool(_flags(store, "numeric")) is flagged


def test_numeric_window_is_configurable(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (DAY, "Police said 14 people were killed in the Harbor City shooting."),
            ("2026-04-12", "Police said 12 people were killed in the Harbor City shooting."),
        ],
    )
    assert _flags(store, "numeric") == []  # ten days apart: not compared by default
    result = CliRunner().invoke(app, ["match", "--db", store.url, "--window-days", "14"])
    assert result.exit_code == 0, result.output
    assert len(_flags(store, "numeric")) == 1


def test_conflicts_most_confident_first_and_min_score(samples: Store) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["conflicts", "--db", samples.url, "--format", "json"])
    assert result.exit_code == 0, result.output
    scores = [c["score"] for c in json.loads(result.output)]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 3
    cut = sorted(scores)[len(scores) // 2]
    result = runner.invoke(
        app, ["conflicts", "--db", samples.url, "--format", "json", "--min-score", str(cut)]
    )
    assert result.exit_code == 0
    kept = [c["score"] for c in json.loads(result.output)]
    assert kept and all(s >= cut for s in kept) and len(kept) <= len(scores)
    result = runner.invoke(app, ["conflicts", "--db", samples.url, "--min-score", "150"])
    assert result.exit_code == 1
    assert "--min-score" in result.output


def test_past_events_named_in_passing_are_not_compared(tmp_path: Path) -> None:
    """One week's news recalls other attacks; their tolls are not reports of one event."""
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "The mayor laid flowers at the Lakeview nightclub, where 49 people were killed "
                "in June by a lone gunman.",
            ),
            (
                "2026-04-04",
                "France was shaken in November, when attackers killed 130 people at "
                "cafes and a concert hall in Paris.",
            ),
        ],
    )
    assert _flags(store, "numeric") == []


@pytest.mark.parametrize(
    "articles",
    [
        pytest.param(
            [
                "“Crooked Senator Carla Mendez and her staff ‘were extremely careless with the "
                "committee’s money.’ Not fit!” Governor Paul Brandt wrote on Tuesday.",
                "Auditor Nina Okafor said Mendez and her staff “were extremely careless with the "
                "committee’s money.”",
            ],
            id="quoting-someone",
        ),
        pytest.param(
            [
                "Brandt on Mendez: ‘We Do Not Fund Campaigns With Tax Money.’\n\n"
                "Governor Paul Brandt "
                "rejected the request. “We do not fund campaigns with tax money,” said Treasurer "
                "Lou Fenn on Monday."
            ],
            id="one-document-headline",
        ),
    ],
)
def test_misattribution_patterns_not_flagged(tmp_path: Path, articles: list[str]) -> None:
    store = _store(tmp_path, [(DAY, t) for t in articles])
    assert _flags(store, "misattribution") == []


def test_a_line_repeated_in_one_article_is_no_misquote(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“We will not close the Eastside library this year,” Mayor Ruth Abbott said.\n\n"
                "Later she repeated it. “We will never close the Eastside library,” "
                "Mayor Ruth Abbott said.",
            ),
        ],
    )
    assert _flags(store, "misquote") == []


def test_a_stock_phrase_does_not_merge_statements(tmp_path: Path) -> None:
    """“commander in chief” sits inside many statements; it must not bridge them."""
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“I do not see how anyone can trust her as commander in chief,” "
                "Senator Carla Mendez said.",
            ),
            (
                DAY,
                "“He is temperamentally unfit to be commander in chief,” Governor Paul Brandt "
                "said.",
            ),
            (DAY, "Mayor Ruth Abbott said the next “commander in chief” would face the choice."),
        ],
    )
    with store.session() as s:
        for c in list_clusters(s):
            words = {normalize(r.text) for r in c.sources}
            assert not (any("trust" in w for w in words) and any("unfit" in w for w in words))


def test_a_dismissed_flag_stays_down_until_its_evidence_changes(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (DAY, ORTIZ),
            (DAY, BRANDT),
        ],
    )
    (flag,) = _flags(store, "misattribution")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "review-flag",
            flag.id[:10],
            "--status",
            "dismissed",
            "--by",
            "Ana Ruiz",
            "--db",
            store.url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert _flags(store, "misattribution") == []
    # Another document on another subject, then a full rebuild: still down.
    more = tmp_path / "more"
    more.mkdir()
    (more / "late.txt").write_text(f"date {DAY}\n\nThe weather was mild.\n", encoding="utf-8")
    assert ingest(store, [more]).ok
    assert runner.invoke(app, ["match", "--db", store.url]).exit_code == 0
    assert _flags(store, "misattribution") == []
    assert runner.invoke(app, ["verify", "--db", store.url]).exit_code == 0
    # New evidence: a third report of the same words by a third person.
    third = tmp_path / "third"
    third.mkdir()
    (third / "third.txt").write_text(
        f"date {DAY}\n\n“Our schools need more teachers, not more tests,” said Mayor Ruth "
        "Abbott.\n",
        encoding="utf-8",
    )
    assert ingest(store, [third]).ok
    assert _flags(store, "misattribution")


def test_review_flag_errors(tmp_path: Path) -> None:
    store = _store(tmp_path, [(DAY, ORTIZ)])
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["review-flag", "feedbeef", "--status", "dismissed", "--by", "Ana Ruiz", "--db", store.url],
    )
    assert result.exit_code == 3
    assert "no flag" in result.output
    result = runner.invoke(
        app, ["review-flag", "feedbeef", "--status", "maybe", "--by", "Ana Ruiz", "--db", store.url]
    )
    assert result.exit_code == 2  # a choice typer checks, like --kind


def test_a_stock_phrase_by_two_speakers_is_not_one_statement(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (DAY, "“Jobs, jobs, jobs,” Senator Carla Mendez told the crowd."),
            (DAY, "“Jobs, jobs, jobs,” Governor Paul Brandt said at the plant."),
        ],
    )
    with store.session() as s:
        assert not [
            c for c in list_clusters(s, min_sources=2) if "jobs jobs jobs" in normalize(c.text)
        ]


def test_a_shared_weekday_is_not_a_shared_event(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "The interior minister said on Friday that 80 people were killed and 18 were "
                "hurt on the seafront.",
            ),
            (
                "2026-04-05",
                "The senator visited the Lakeview nightclub on Friday, where 49 people "
                "were killed in June.",
            ),
        ],
    )
    assert _flags(store, "numeric") == []


def test_a_line_the_speaker_repeated_is_no_misquote(tmp_path: Path) -> None:
    """One report shows the speaker saying a talking point twice in different words."""
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“Let us be clear about the budget: the governor knows exactly what he is doing "
                "with it,” Senator Carla Mendez said.\n\nLater she said it again. “Let us be "
                "clear about this budget: the governor knows exactly what he is doing,” "
                "Senator Carla Mendez said.",
            ),
            (
                DAY,
                "“And let us be clear once and for all about the budget: the governor knows "
                "exactly what he is doing with it,” Senator Carla Mendez said.",
            ),
        ],
    )
    assert _flags(store, "misquote") == []


def test_a_short_phrase_does_not_join_another_persons_statement(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“I have been vetted. I have been at this for decades and despite all the "
                "attacks I am still here,” Senator Carla Mendez said.",
            ),
            (DAY, "“I am still here,” Governor Paul Brandt said after the vote."),
        ],
    )
    with store.session() as s:
        assert list_clusters(s, min_sources=2) == []


def test_one_report_against_one_in_other_words_is_no_misquote(tmp_path: Path) -> None:
    """Two interviews, two wordings of one claim: not a misquote without more reports."""
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "Asked what he meant, Governor Paul Brandt replied: “No, I meant he is the "
                "father of the deficit.”",
            ),
            (
                DAY,
                "“I meant exactly that. He is the father of the deficit,” Governor Paul Brandt "
                "told a radio host.",
            ),
        ],
    )
    assert _flags(store, "misquote") == []


def test_a_persons_three_words_join_no_cluster(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“Senator Mendez is back in charge, and I am so happy to see that,” Governor "
                "Paul Brandt told reporters.",
            ),
            (DAY, "Governor Paul Brandt said he was “happy to see” the new budget pass."),
        ],
    )
    with store.session() as s:
        assert list_clusters(s, min_sources=2) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("He is becoming the party’s best recruiter", "becoming the party' best recruiter"),
        ("We’re going to build a new school", "We are going to build a new school"),
        ("but he [Brandt] is being used in some", "but he is being used in some"),
    ],
)
def test_spelling_is_not_a_content_change(a: str, b: str) -> None:
    assert content_changes(a, b) == []


def test_a_swapped_order_is_a_misquote_even_weeks_later(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                "2026-03-02",
                "“We are going to put a lot of coal miners and coal companies out of "
                "business,” Senator Carla Mendez said at the town hall.",
            ),
            (
                "2026-04-20",
                "Mendez once said: “We are going to put a lot of coal companies and coal "
                "miners out of business.”",
            ),
        ],
    )
    (flag,) = _flags(store, "misquote")
    assert flag.diff is not None and "[-" in flag.diff


def test_a_dismissal_survives_a_rebuild_that_renumbers_clusters(tmp_path: Path) -> None:
    """``provenance match`` numbers clusters by publication date, not ingest order: the
    flag's id (scope and records) changes, the dismissed evidence does not."""
    ferry = (
        "“The ferry will run every hour from May until the end of September,” "
        "Harbor Master Ines Brennan said."
    )
    brandt = "“Our schools need more teachers, not more tests,” Governor Paul Brandt said."
    store = _store(tmp_path, [("2026-04-10", ferry)])  # cluster 1 until the rebuild
    later = tmp_path / "later"
    later.mkdir()
    for name, text in (("a.txt", ORTIZ), ("b.txt", brandt)):
        (later / name).write_text(f"date {DAY}\n\n{text}\n", encoding="utf-8")
    assert ingest(store, [later]).ok
    (flag,) = _flags(store, "misattribution")
    runner = CliRunner()
    db = ["--db", store.url]
    result = runner.invoke(
        app, ["review-flag", flag.id[:12], "--status", "dismissed", "--by", "Ana Ruiz", *db]
    )
    assert result.exit_code == 0, result.output
    with store.session() as s:
        before = {c.id: {r.text for r in c.sources} for c in list_clusters(s, min_sources=1)}
    assert runner.invoke(app, ["match", *db]).exit_code == 0
    with store.session() as s:
        after = {c.id: {r.text for r in c.sources} for c in list_clusters(s, min_sources=1)}
    assert sorted(map(sorted, before.values())) == sorted(map(sorted, after.values()))
    assert before != after  # the same clusters under other numbers
    assert _flags(store, "misattribution") == []
    assert runner.invoke(app, ["verify", *db]).exit_code == 0
    # New evidence (a third person says the same words) brings a flag back after a rebuild.
    (tmp_path / "in" / "outlet9.txt").write_text(
        f"date {DAY}\n\n“Our schools need more teachers, not more tests,” said Mayor Ruth "
        "Abbott.\n",
        encoding="utf-8",
    )
    assert ingest(store, [tmp_path / "in"]).ok
    assert runner.invoke(app, ["match", *db]).exit_code == 0
    assert _flags(store, "misattribution")
    store.dispose()


@pytest.mark.parametrize(
    ("phrase", "kinds", "stock"),
    [
        ("happy to see", ("organization", "person"), True),  # a paper's summary, an adviser
        ("happy to see", ("person", "person"), True),
        ("happy to see", ("document", "person"), False),  # a memo quoted in part
        ("an imminent hazard", ("document", "document"), False),
        ("very happy to see it", ("organization", "person"), False),  # four words
        ("very happy to see it", ("person", "person"), True),
    ],
)
def test_stock_phrase(phrase: str, kinds: tuple[str, str], stock: bool) -> None:
    assert stock_phrase(normalize(phrase), False, 1, 2, dict(enumerate(kinds, 1))) is stock
    assert not stock_phrase(normalize(phrase), False, 1, 1, {1: kinds[0]})  # one speaker


@pytest.mark.parametrize(
    ("a", "b", "one"),
    [
        (
            "No, I meant the bridge is the problem",
            "I meant exactly that. The bridge is the problem",
            False,
        ),
        (
            "We will close the coal plants and the gas plants",
            "We will close the gas plants and the coal plants",
            True,
        ),
        (
            "This has nothing to do with the budget",
            "This has everything to do with the budget",
            True,
        ),
        (
            "We will fix the roads this year and every year",
            "We will fix the roads every year",
            True,
        ),  # a cut
    ],
)
def test_one_wording(a: str, b: str, one: bool) -> None:
    assert one_wording(normalize(a), normalize(b)) is one


DAYS_APART = [
    pytest.param("2026-04-03", True, id="two-days"),
    pytest.param("2026-07-20", False, id="months"),
]


@pytest.mark.parametrize(("later", "joined"), DAYS_APART)
def test_a_line_said_again_months_later_is_another_occasion(
    tmp_path: Path, later: str, joined: bool
) -> None:
    """A speaker's stump line, a part of it or a short repeat months later, is another
    utterance; two days later it is a report of the same one."""
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "“We are going to fix every road in this county. Believe me, every "
                "single road,” Governor Paul Brandt said at the fair.",
            ),
            (later, "“We are going to fix every road in this county,” Brandt said."),
            (later, "“We will win this county,” Governor Paul Brandt said at the rally."),
            (DAY, "“We will win this county,” Brandt told supporters."),
        ],
    )
    with store.session() as s:
        texts = [{normalize(r.text) for r in c.sources} for c in list_clusters(s)]
    road = [t for t in texts if any("road" in w for w in t)]
    win = [t for t in texts if any("win this county" in w for w in t)]
    assert (len(road) == 1) is joined and (len(win) == 1) is joined, texts
    store.dispose()


def test_a_long_statement_quoted_again_weeks_later_is_one_statement(tmp_path: Path) -> None:
    line = (
        "“The county will not sell the water works to any private company while I am "
        "in office,” Governor Paul Brandt said."
    )
    store = _store(tmp_path, [(DAY, line), ("2026-05-30", line)])
    with store.session() as s:
        (cluster,) = list_clusters(s)
    assert len({r.document for r in cluster.sources}) == 2


def test_two_answers_in_one_day_are_no_misquote(tmp_path: Path) -> None:
    """ "I meant exactly that. He's the founder" on television and "No, I meant he's the
    founder" on the radio, both reported: two utterances, not one changed."""
    store = _store(
        tmp_path,
        [
            (DAY, "“No, I meant the harbor plan is a disaster,” Mayor Ruth Abbott told the host."),
            (DAY, "Abbott told the radio host: “No, I meant the harbor plan is a disaster.”"),
            (DAY, "“I meant exactly that. The harbor plan is a disaster,” Mayor Ruth Abbott said."),
        ],
    )
    assert _flags(store, "misquote") == []
    store.dispose()


def test_an_ad_lib_on_a_prepared_text_is_no_misquote(tmp_path: Path) -> None:
    """Excerpts released before a speech and the speech as delivered: words only added."""
    excerpt = "“Nobody has ever been more ready to lead this state than Ruth Abbott,”"
    store = _store(
        tmp_path,
        [
            (DAY, f"{excerpt} Governor Paul Brandt said on Monday."),
            (DAY, f"{excerpt} Brandt said."),
            (
                DAY,
                "“Nobody has ever been, not me, not you, not anyone, more ready to lead this "
                "state than Ruth Abbott,” Governor Paul Brandt said.",
            ),
        ],
    )
    assert _flags(store, "misquote") == []
    store.dispose()


@pytest.mark.parametrize(
    ("a", "b", "inside"),
    [
        ("Not going to go into that.", "not going to go into what my staff is planning.", False),
        (
            "our schools need more teachers",
            "I said our schools need more teachers, not tests",
            False,
        ),
        (
            "our schools need more teachers and fewer tests",
            "I said our schools need more teachers and fewer tests, and I meant it",
            True,
        ),
    ],
)
def test_contained(a: str, b: str, inside: bool) -> None:
    assert _contained(normalize(a), normalize(b)) is inside


def test_a_stock_opening_said_by_two_people_is_no_misattribution(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        [
            (
                DAY,
                "Senator Carla Mendez said she was “not going to go into what my staff is "
                "planning for the fall.”",
            ),
            (DAY, "Asked about the arrest, Chief Olu Bello said, “Not going to go into that.”"),
        ],
    )
    assert _flags(store, "misattribution") == []
    store.dispose()


def test_another_persons_statement_holding_the_words_is_not_one_statement(
    tmp_path: Path,
) -> None:
    """A second speaker repeating the first one's line inside their own sentence."""
    store = _store(
        tmp_path,
        [
            (DAY, "“Our budget is balanced and every school is open,” Governor Paul Brandt said."),
            (
                DAY,
                "“He keeps saying our budget is balanced and every school is open, and none "
                "of it is true,” Senator Carla Mendez said.",
            ),
        ],
    )
    with store.session() as s:
        found = list_clusters(s)
    assert len(found) == 2 and all(len(c.sources) == 1 for c in found)
    assert _flags(store) == []
    store.dispose()


def test_joins_needs_the_canonical_wording_across_occasions() -> None:
    canon = (normalize("We are going to fix every road in this county"), 1)
    part = normalize("We are going to fix every road")
    assert joins(part, 1, "fragment", canon[0], canon, days=2) == "inside"
    assert joins(part, 1, "fragment", canon[0], canon, days=60) is None
    assert joins(part, 1, "same", part, (part, 1), days=60) is None  # seven words
    long = (normalize("The county will not sell the water works to any private company"), 1)
    assert joins(long[0], 2, "same", long[0], long, days=60) == "canon"
    # The relation to the canonical wording, when the caller has it, decides the same.
    for args in [
        (part, 1, "fragment", canon[0], canon, 2),
        (long[0], 2, "same", long[0], long, 60),
    ]:
        given_rel = relation(args[0], args[4][0], args[1] == args[4][1])
        assert joins(*args, canon_rel=given_rel) == joins(*args)


def test_a_talking_point_said_twice_in_one_article_is_two_statements(tmp_path: Path) -> None:
    """One report quoting a speaker's two wordings of a talking point: two utterances,
    whichever outlet later repeats one of them."""
    first = "Let us stop pretending that the mayor does not know what she is doing."
    second = "This idea that the mayor does not know what she is doing is simply wrong."
    store = _store(
        tmp_path,
        [
            (
                DAY,
                f"“{first} She knows exactly what she is doing,” Senator Carla Mendez said. "
                f"Minutes later she said it again: “{second} She knows exactly what she "
                "is doing.”",
            ),
            (
                DAY,
                f"“{first} She knows exactly what she is doing,” Senator Carla Mendez said "
                "at the debate.",
            ),
            (
                DAY,
                "“And let us stop pretending once and for all that the mayor does not know "
                "what she is doing. She knows exactly what she is doing,” Mendez said.",
            ),
        ],
    )
    with store.session() as s:
        texts = [{normalize(r.text) for r in c.sources} for c in list_clusters(s)]
    # The third report is the first wording (same) and a variant of the second: it
    # joins the first and merges nothing.
    assert not any(
        any("pretending" in w for w in t) and any("simply wrong" in w for w in t) for t in texts
    ), texts
    assert any(len(t) == 2 and any("once and for all" in w for w in t) for t in texts), texts
    store.dispose()


def test_words_given_to_three_people_are_one_misattribution_flag(tmp_path: Path) -> None:
    """Seen on generated archives: a line given to many people raised a flag per pair of
    them (n·(n−1)/2 flags for one question: whose words are these?)."""
    store = _store(
        tmp_path,
        [
            (DAY, ORTIZ),
            (DAY, BRANDT),
            (DAY, "“Our schools need more teachers, not more tests,” said Mayor Ruth Abbott."),
        ],
    )
    (flag,) = _flags(store, "misattribution")
    assert {r.speaker for r in flag.records} == {"Carla Mendez", "Paul Brandt", "Ruth Abbott"}
    assert len({r.document for r in flag.records}) == 3
    for name in ("Carla Mendez", "Paul Brandt", "Ruth Abbott"):
        assert name in flag.explanation
    assert flag.explanation.count(" and to ") == 1
    runner = CliRunner()
    assert runner.invoke(app, ["verify", "--db", store.url]).exit_code == 0


def test_two_people_keep_the_pair_flag_wording(tmp_path: Path) -> None:
    store = _store(tmp_path, [(DAY, ORTIZ), (DAY, BRANDT)])
    (flag,) = _flags(store, "misattribution")
    assert flag.explanation.startswith("The same words “Our schools need more teachers, not")
    assert " are attributed to Carla Mendez by " in flag.explanation
    assert " and to Paul Brandt by " in flag.explanation


RAMIREZ = "said Governor Alicia Ramírez."
PROMISE = f"“We will not rest until every family in the valley is home,” {RAMIREZ}"
CHANGED = f"“We will not stop until every family in the valley is safe,” {RAMIREZ}"


def _more(store: Store, folder: Path, *texts: str) -> None:
    folder.mkdir()
    for i, text in enumerate(texts):
        # A sentence of its own: the same text again would be the same document.
        body = f"date {DAY}\n\n{text} The hearing ran late into the evening.\n"
        (folder / f"late{i}.txt").write_text(body, encoding="utf-8")
    assert ingest(store, [folder]).ok


def _actions(store: Store, flag_id: str) -> list[str]:
    from provenance.audit import list_entries

    with store.session() as s:
        return [e.action for e in list_entries(s, f"conflict:{flag_id}")]


@pytest.mark.parametrize(
    ("first", "later", "kind"),
    [
        pytest.param([PROMISE, PROMISE, CHANGED], [PROMISE], "misquote", id="misquote"),
        pytest.param([ORTIZ, BRANDT], [BRANDT], "misattribution", id="misattribution-report"),
        pytest.param(
            [ORTIZ, BRANDT],
            ["“Our schools need more teachers, not more tests,” said Mayor Ruth Abbott."],
            "misattribution",
            id="misattribution-person",
        ),
    ],
)
def test_a_flag_whose_evidence_grows_keeps_its_id_and_review(
    tmp_path: Path, first: list[str], later: list[str], kind: str
) -> None:
    """A further outlet with the canonical wording (or the statement given to one more
    person) used to clear the flag and raise a new one: the reviewer's decision was
    left on a flag that no longer existed."""
    store = _store(tmp_path, [(DAY, t) for t in first])
    (flag,) = _flags(store, kind)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["review-flag", flag.id, "--status", "confirmed", "--by", "Ana Ruiz", "--db", store.url],
    )
    assert result.exit_code == 0, result.output
    _more(store, tmp_path / "more", *later)
    (grown,) = _flags(store, kind)
    assert grown.id == flag.id
    assert len(grown.records) == len(flag.records) + 1
    assert _actions(store, flag.id) == ["flag.raised", "flag.reviewed", "flag.updated"]
    assert runner.invoke(app, ["verify", "--db", store.url]).exit_code == 0
