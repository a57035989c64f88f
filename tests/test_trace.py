"""`provenance trace`: a statement's reports in order and how each changed from the first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from provenance.cli import app
from provenance.errors import NotFoundError
from provenance.ingest import ingest
from provenance.store import Store, get_quote, list_quotes, open_store
from provenance.trace import Change, find_quote, text_change, trace
from tests.support import SAMPLES

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = open_store(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    report = ingest(st, [SAMPLES], workers=1)
    assert report.ok and report.new == 7
    yield st
    st.dispose()


@pytest.mark.parametrize(
    ("first", "later", "change"),
    [
        (
            "We will not rest until every family is home,",
            "We will not rest until every family is home.",
            Change.identical,
        ),
        (
            "“The levee held, and it will hold again,”",
            "the levee held — and it will hold again!",
            Change.identical,
        ),
        (
            "This is the most dangerous fire this department has fought in a generation.",
            "the most dangerous fire this department has fought in a generation",
            Change.truncated,
        ),
        (
            "The water is safe to drink. We switched to the reservoir before any runoff arrived.",
            "The water is safe to drink.",
            Change.truncated,
        ),
        (
            "We will not rest until every family is home",
            "We will not rest until every single family is back home",
            Change.inserted,
        ),
        (
            "The bridge will reopen on Monday after a full inspection",
            "The bridge will reopen after a full inspection",
            Change.removed,
        ),
        (
            "We will not rest until every family is home",
            "We will rest only when every family is back home",
            Change.substituted,
        ),
        (
            "Eight people were arrested on Main Street",
            "Eighteen people were arrested on Main Street",
            Change.substituted,
        ),
        # A possessive written two ways is one word: the report only lost its start.
        ("She is becoming Riverton’s best advocate,", "Riverton' best advocate.", Change.truncated),
        (
            "It is the county's worst flood in decades",
            "It is the county’s worst flood in decades",
            Change.identical,
        ),
    ],
)
def test_text_change_names_the_drift(first: str, later: str, change: Change) -> None:
    assert text_change(first, later) is change


def test_misquote_drift_of_the_governor_on_the_demo_corpus(demo: Store) -> None:
    with demo.session() as s:
        t = trace(s, "will rest only when every family is back home")
    assert t.match_score is not None and t.match_score >= 95
    # The State Wire is the only dated report (2026-03-13): it comes first.
    assert (t.first_appearance.outlet, t.first_appearance.published) == (
        "State Wire",
        date(2026, 3, 13),
    )
    assert t.first_appearance.change is Change.identical
    assert t.first_appearance.text.startswith("We will not rest until every family is home")
    drift = [a for a in t.appearances if a.change is not Change.identical]
    assert len(drift) == 1
    kxrv = drift[0]
    assert kxrv.path is not None and kxrv.path.endswith("03_kxrv_news.html")
    assert kxrv.change is Change.substituted and not kxrv.reattributed
    assert kxrv.speaker == "Alicia Ramírez" and kxrv.speaker_as_reported == "Ramirez"
    assert kxrv.diff == (
        "We will [-not-] rest [-until-] {+only when+} every family is {+back+} home,"
    )
    assert {a.speaker_as_reported for a in t.appearances} >= {"Ramírez", "Ramires", "Ramirez"}
    assert t.sources == 4 and [a.position for a in t.appearances] == [1, 2, 3, 4]


def test_corroborated_quote_first_appearance_and_a_truncated_report(demo: Store) -> None:
    with demo.session() as s:
        t = trace(s, "most dangerous fire this department has fought")
        quotes = {q.id: q for q in list_quotes(s, speaker="Marcus Bell")}
    first = t.first_appearance
    assert (first.outlet, first.published, first.speaker) == (
        "State Wire",
        date(2026, 3, 13),
        "Marcus Bell",
    )
    assert t.sources == 4 and t.speakers == ["Marcus Bell"]
    # Eastside Herald (2026-03-14) dropped "This is": cut at the start.
    second = t.appearances[1]
    assert second.published == date(2026, 3, 14) and second.change is Change.truncated
    assert second.diff is not None and second.diff.startswith("[-This is-]")
    # Undated reports follow the dated ones.
    assert all(a.published is None for a in t.appearances[2:])
    # `quotes` says which report came first and how many outlets carry the statement.
    members = [quotes[a.quote_id] for a in t.appearances]
    assert [q.first_appearance for q in members] == [True, False, False, False]
    assert {q.sources for q in members} == {4}
    assert {q.cluster_id for q in members} == {t.cluster_id}


def test_same_words_from_another_speaker_are_re_attributed(demo: Store) -> None:
    with demo.session() as s:
        t = trace(s, "The air quality readings are improving")
    assert [a.speaker for a in t.appearances] == ["Dana Whitfield", "Lena Ortiz"]
    later = t.appearances[1]
    assert later.change is Change.reattributed and later.reattributed
    assert later.text_change is Change.identical and later.diff is None


def test_id_and_prefix_find_the_quote_and_a_lone_quote_is_its_own_first(demo: Store) -> None:
    with demo.session() as s:
        lone = next(q for q in list_quotes(s) if q.cluster_id is None)
        by_id = trace(s, lone.id[:12])
        shown, _ = get_quote(s, lone.id[:12])
    assert by_id.quote_id == lone.id and by_id.match_score is None
    assert by_id.cluster_id is None and len(by_id.appearances) == 1 and by_id.sources == 1
    assert shown.first_appearance and shown.sources == 1


def test_unknown_text_fails_with_the_closest_quotes(demo: Store) -> None:
    with demo.session() as s, pytest.raises(NotFoundError) as exc:
        find_quote(s, "zebra crossing at midnight")
    assert len(exc.value.suggestions) == 3
    assert all(
        "“" in hint and hint.rstrip(")").split("(")[-1].isdigit() for hint in exc.value.suggestions
    )


def test_a_short_quote_inside_a_long_query_is_not_a_match(demo: Store) -> None:
    # "home" alone appears in many quotes; a sentence around it must not match them.
    with demo.session() as s, pytest.raises(NotFoundError):
        find_quote(s, "The committee will vote next week on a bill about zoning near home")


def test_undated_reports_keep_ingest_order_and_dated_ones_come_first(
    store: Store, tmp_path: Path
) -> None:
    said = "“Every street will be swept before the parade starts,” Mayor Ada Quinn said."
    # Ingested in this order; only the last is dated.
    for name, lead, outlet, day in (
        ("beta.txt", "Crews worked overnight.", "Beta Post", None),
        ("alpha.txt", "The parade is on Sunday.", "Alpha Times", None),
        ("gamma.txt", "Sweepers were out early.", "Gamma Daily", date(2026, 5, 2)),
    ):
        path = tmp_path / name
        path.write_text(f"{lead}\n\n{said}\n", encoding="utf-8")
        assert ingest(store, [path], source=outlet, published=day).ok
    with store.session() as s:
        t = trace(s, "Every street will be swept before the parade starts")
    assert [a.outlet for a in t.appearances] == ["Gamma Daily", "Beta Post", "Alpha Times"]
    assert t.appearances[1].ingest_seq < t.appearances[2].ingest_seq  # type: ignore[operator]


def test_cli_trace_in_every_format_and_error_exits(demo: Store, tmp_path: Path) -> None:
    db = ["--db", demo.url.removeprefix("sqlite:///")]
    table = runner.invoke(app, ["trace", "will rest only when", *db], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "first: State Wire 2026-03-13" in table.output
    assert "words substituted" in table.output and "{+only when+}" in table.output
    as_json = runner.invoke(app, ["trace", "will rest only when", "-f", "json", *db])
    data = json.loads(as_json.output)
    assert data["first_appearance"]["outlet"] == "State Wire" and len(data["appearances"]) == 4
    lines = runner.invoke(app, ["trace", "will rest only when", "-f", "jsonl", *db]).output
    assert [json.loads(x)["change"] for x in lines.splitlines()].count("words substituted") == 1
    csv_out = runner.invoke(app, ["trace", "will rest only when", "-f", "csv", *db]).output
    assert csv_out.splitlines()[0].startswith("position,quote_id,document,outlet")
    missing = runner.invoke(app, ["trace", "zebra crossing at midnight", *db])
    assert missing.exit_code == 3 and "did you mean" in missing.output
    empty = runner.invoke(app, ["trace", "  ", *db])
    assert empty.exit_code == 1 and "error:" in empty.output
    listing = runner.invoke(app, ["quotes", "-f", "csv", "--speaker", "Marcus Bell", *db]).output
    header = listing.splitlines()[0].split(",")
    assert header[:6] == ["id", "speaker", "text", "kind", "document", "start"]
    assert {"first", "sources"} <= set(header)


def test_trace_json_and_jsonl_validate_against_their_schemas(demo: Store) -> None:
    schemas = Path(__file__).resolve().parents[1] / "schemas"

    def validator(name: str) -> Draft202012Validator:
        return Draft202012Validator(
            json.loads((schemas / f"{name}.schema.json").read_text(encoding="utf-8"))
        )

    db = ["--db", demo.url.removeprefix("sqlite:///")]
    whole = json.loads(
        runner.invoke(app, ["trace", "most dangerous fire", "-f", "json", *db]).output
    )
    assert not list(validator("trace").iter_errors(whole))
    lines = runner.invoke(app, ["trace", "most dangerous fire", "-f", "jsonl", *db]).output
    rows = [json.loads(x) for x in lines.splitlines()]
    assert len(rows) == 4
    for row in rows:
        assert not list(validator("trace-appearance").iter_errors(row))
    broken = {**rows[0], "change": "paraphrased"}
    assert list(validator("trace-appearance").iter_errors(broken))


def test_only_named_speakers_set_or_break_the_attribution(store: Store, tmp_path: Path) -> None:
    said = "The new bridge will carry its first cars before the winter storms arrive"
    # A pronoun nobody resolves, then a named mayor, a description, another named person.
    for i, (lead, tail, day) in enumerate(
        (
            ("Crews poured the last deck section on Monday.", "she said", date(2026, 4, 1)),
            ("Mayor Ada Quinn toured the site.", "Mayor Ada Quinn said", date(2026, 4, 2)),
            ("The bridge opens soon.", "a city official said", date(2026, 4, 3)),
            ("State Sen. Bo Park visited the river.", "Sen. Bo Park said", date(2026, 4, 4)),
        )
    ):
        path = tmp_path / f"bridge{i}.txt"
        path.write_text(f"{lead}\n\n“{said},” {tail}.\n", encoding="utf-8")
        assert ingest(store, [path], source=f"Outlet {i}", published=day).ok
    with store.session() as s:
        t = trace(s, said)
    assert len(t.appearances) == 4, [a.speaker for a in t.appearances]
    assert [a.speaker_kind for a in t.appearances] == [None, "person", "anonymous", "person"], [
        (a.speaker, a.speaker_kind) for a in t.appearances
    ]
    assert t.attributed_to == "Ada Quinn"
    assert [a.reattributed for a in t.appearances] == [False, False, False, True]
    assert t.appearances[3].change is Change.reattributed and t.appearances[3].speaker == "Bo Park"


def test_a_short_phrase_in_other_mouths_is_not_re_attributed(store: Store, tmp_path: Path) -> None:
    for i, (text, day) in enumerate(
        (
            (
                "Officials met on Friday.\n\n“Rock bottom,” Mayor Ada Quinn said of the budget.\n",
                date(2026, 6, 1),
            ),
            (
                "The council voted late.\n\n“Rock bottom,” Sen. Bo Park said of the budget.\n",
                date(2026, 6, 2),
            ),
        )
    ):
        path = tmp_path / f"phrase{i}.txt"
        path.write_text(text, encoding="utf-8")
        assert ingest(store, [path], source=f"Outlet {i}", published=day).ok
    with store.session() as s:
        t = trace(s, "Rock bottom")
    # A two-word phrase seeds no cluster (issue 14), so each report traces alone and
    # neither can be called a re-attribution of the other.
    assert len(t.appearances) == 1
    assert t.appearances[0].speaker in ("Ada Quinn", "Bo Park")
    assert all(a.change is not Change.reattributed for a in t.appearances)


def test_a_common_phrase_inside_another_statement_is_not_re_attributed(
    store: Store, tmp_path: Path
) -> None:
    for i, (text, day) in enumerate(
        (
            (
                "Taxes were the topic.\n\nEveryone should pay “their fair share of taxes,” "
                "Mayor Ada Quinn said.\n",
                date(2026, 7, 1),
            ),
            (
                "The debate ran late.\n\n“Large landlords do not pay their fair share of "
                "taxes and never have,” Sen. Bo Park said.\n",
                date(2026, 7, 2),
            ),
            (
                "The council met again.\n\n“Everyone should pay their fair share of taxes, "
                "every single year,” Sen. Bo Park said.\n",
                date(2026, 7, 3),
            ),
        )
    ):
        path = tmp_path / f"levy{i}.txt"
        path.write_text(text, encoding="utf-8")
        assert ingest(store, [path], source=f"Outlet {i}", published=day).ok
    with store.session() as s:
        t = trace(s, "their fair share of taxes")
    # A five-word phrase inside another speaker's longer statements is not her quote:
    # it joins no cluster of theirs (issue 14), so nothing is re-attributed.
    assert t.attributed_to == "Ada Quinn"
    assert [a.outlet for a in t.appearances] == ["Outlet 0"]
    assert [a.reattributed for a in t.appearances] == [False]
