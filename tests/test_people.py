"""The authority file (issue 13 item 3): canonical names and identifiers from people.csv."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.authority import name_key
from provenance.cli import app
from provenance.export import write_export
from provenance.export.webanno import write_web_annotation
from provenance.ingest import ingest
from provenance.people import import_people, list_people
from provenance.store import Store, list_quotes, list_speakers
from provenance.verify import verify

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "people.example.csv"

# Our own article: the governor's surname misspelt as local copy often has it.
ARTICLE = """Governor Weighs In On Port Closure

SACRAMENTO — Gavin Newson said on Tuesday that the closure "will cost the state dearly."

"We will not let the port sit empty," Newson told reporters outside the Capitol.

Rep. Nanette Barragan said the federal order "ignores the people who work there."
"""


@pytest.fixture
def newsroom(store: Store, tmp_path: Path) -> Store:
    article = tmp_path / "port.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    report = ingest(store, [article])
    assert report.ok, report.problems
    return store


def test_example_file_gives_names_and_qids(newsroom: Store) -> None:
    with newsroom.session() as s:
        report = import_people(s, EXAMPLE, by="Desk Editor")
        assert (report.imported, report.updated, report.errors) == (4, 0, [])
        speakers = {sp.name: sp for sp in list_speakers(s)}
        assert speakers["Gavin Newsom"].identifier == "Q461391"
        assert "Gavin Newson" in speakers["Gavin Newsom"].aliases  # the stored spelling stays
        assert speakers["Nanette Barragán"].identifier == "Q16106297"
        quotes = list_quotes(s, speaker="Newsom")
        assert quotes and {(q.speaker, q.speaker_identifier) for q in quotes} == {
            ("Gavin Newsom", "Q461391")
        }
        assert verify(s).ok


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Gavin Newsom", "Gavin Newsom"),  # the authority's spelling finds the misspelt row
        ("gavin newsom", "Gavin Newsom"),
        ("Nanette Barragán", "Nanette Barragán"),
        ("Nanette Barragan", "Nanette Barragán"),
    ],
)
def test_speaker_queries_by_authority_name(newsroom: Store, query: str, name: str) -> None:
    with newsroom.session() as s:
        import_people(s, EXAMPLE)
        assert {q.speaker for q in list_quotes(s, speaker=query)} == {name}


def test_exports_carry_the_identifier(newsroom: Store) -> None:
    with newsroom.session() as s:
        import_people(s, EXAMPLE)
        out = io.StringIO()
        write_export(s, "jsonl", out)
        records = [json.loads(line) for line in out.getvalue().splitlines()]
        newsom = [r for r in records if r["speaker"] == "Gavin Newsom"]
        assert newsom and all(r["speaker_identifier"] == "Q461391" for r in newsom)
        page = io.StringIO()
        write_web_annotation(s, page)
        bodies = [
            b
            for a in json.loads(page.getvalue())["items"]
            for b in ([a["body"]] if isinstance(a["body"], dict) else a["body"])
        ]
        ids = {
            b["speaker"]["identifier"]
            for b in bodies
            if b.get("speaker") and b["speaker"]["name"] == "Gavin Newsom"
        }
        assert ids == {"Q461391"}


def test_without_authority_nothing_changes(newsroom: Store) -> None:
    with newsroom.session() as s:
        assert {q.speaker_identifier for q in list_quotes(s)} == {None}
        assert "Gavin Newsom" not in {sp.name for sp in list_speakers(s)}


def test_bad_lines_are_reported_and_the_rest_imported(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "name,aliases,identifier,gender,title\n"
        "Karen Bass,,Q461307,female,Mayor\n"
        ",Nobody,Q1,,\n"
        "Alex Padilla,,Q4719046,sometimes,Senator\n"
        "Gavin Newsom,Gavin Newson,Q461391,male,Governor,extra\n"
        "Donald Trump,Donald J. Trump,Q22686,male,President\n",
        encoding="utf-8",
    )
    with store.session() as s:
        report = import_people(s, path)
        assert [p.name for p in list_people(s)] == ["Donald Trump", "Karen Bass"]
        assert verify(s).ok
    assert report.imported == 2 and len(report.errors) == 3
    assert [e.split(": ")[0] for e in report.errors] == [f"{path}:{n}" for n in (3, 4, 5)]
    assert all("\n" not in e for e in report.errors)


def test_reimport_replaces_by_name_and_verify_follows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Karen Bass,,Q1,female,Mayor\n", encoding="utf-8")
    with store.session() as s:
        import_people(s, path)
        path.write_text("karen bass,Rep. Karen Bass,Q461307,female,Mayor\n", encoding="utf-8")
        report = import_people(s, path)
        assert (report.imported, report.updated) == (0, 1)
        [p] = list_people(s)
        assert (p.name, p.identifier, p.aliases) == ("karen bass", "Q461307", ["Rep. Karen Bass"])
        assert verify(s).ok


def test_an_alias_two_entries_claim_means_neither(newsroom: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "Gavin Christopher Newsom,Gavin Newson,Q461391,,\nGavin Newsom Sr.,Gavin Newson,Q999,,\n",
        encoding="utf-8",
    )
    with newsroom.session() as s:
        import_people(s, path)
        assert {q.speaker_identifier for q in list_quotes(s, speaker="Newson")} == {None}


def test_seed_corpus(shared: Path, store: Store) -> None:
    ingest(store, [shared / "corpus"])
    with store.session() as s:
        import_people(s, EXAMPLE)
        names = {q.speaker: q.speaker_identifier for q in list_quotes(s, speaker="Newsom")}
        assert names == {"Gavin Newsom": "Q461391"}
        assert verify(s).ok


def test_cli_import_then_listings(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "port.txt").write_text(ARTICLE, encoding="utf-8")
    assert runner.invoke(app, ["ingest", "a"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8") + "Jane Doe,,Q1,unknown,\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["people", "import", str(bad), "--by", "Desk"])
    assert result.exit_code == 1
    assert f"{bad}:6: gender 'unknown'" in result.stderr
    result = runner.invoke(app, ["speakers", "--format", "json"])
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["Gavin Newsom"]["identifier"] == "Q461391"
    result = runner.invoke(app, ["quotes", "--speaker", "Newsom", "--format", "json"])
    assert result.exit_code == 0
    assert {(q["speaker"], q["speaker_identifier"]) for q in json.loads(result.stdout)} == {
        ("Gavin Newsom", "Q461391")
    }
    table = runner.invoke(app, ["quotes", "--speaker", "Newsom"], env={"COLUMNS": "400"}).stdout
    assert "Gavin Newsom" in table and "Q461391" in table
    result = runner.invoke(app, ["people", "list", "--format", "json"])
    assert [p["identifier"] for p in json.loads(result.stdout)] == [
        "Q22686",
        "Q461391",
        "Q461307",
        "Q16106297",
    ]
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_cli_missing_file_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["people", "import", "nowhere.csv"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "nowhere.csv" in result.stderr


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Gavin Newsom’s", "gavin newsom"),
        ("Nanette Barragán", "NANETTE BARRAGAN"),
        ("Beto O’Rourke", "Beto O'Rourke"),
        ("Bernie Sanders’", "Bernie Sanders"),
    ],
)
def test_name_keys_ignore_accents_case_apostrophes_possessives(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("Ivana Trump", "Ivanka Trump"), ("Gavin Newsom", "Gavin Newson")]
)
def test_name_keys_keep_different_names_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_review_pages_show_the_authority_name(newsroom: Store) -> None:
    from starlette.testclient import TestClient

    from provenance.web import create_app

    with newsroom.session() as s:
        import_people(s, EXAMPLE)
        [sid] = [sp.id for sp in list_speakers(s) if sp.name == "Gavin Newsom"]
    with TestClient(create_app(newsroom)) as client:
        assert "Gavin Newsom" in client.get("/speakers").text
        page = client.get(f"/speakers/{sid}").text
        assert "Gavin Newsom" in page


def test_trace_claims_and_claimreview_show_the_authority_name(newsroom: Store) -> None:
    from provenance.export.claimreview import write_claimreview
    from provenance.quantities import claims_for
    from provenance.review import review
    from provenance.trace import trace

    with newsroom.session() as s:
        import_people(s, EXAMPLE)
        t = trace(s, "We will not let the port sit empty")
        assert [(a.speaker, a.speaker_identifier) for a in t.appearances] == [
            ("Gavin Newsom", "Q461391")
        ]
        assert t.speakers == ["Gavin Newsom"] and t.attributed_to == "Gavin Newsom"
        claims = claims_for(s, "Gavin Newsom")
        assert claims and {(c.speaker, c.speaker_identifier) for c in claims} == {
            ("Gavin Newsom", "Q461391")
        }
        assert all(c.speaker_id is not None for c in claims)
        review(s, t.quote_id, "verified", by="Desk Editor")
        out = io.StringIO()
        write_claimreview(s, out)
        graph = json.loads(out.getvalue())["@graph"]
        (checked,) = [n for n in graph if n["@type"] == "ClaimReview"]
        assert checked["itemReviewed"]["author"]["name"] == "Gavin Newsom"
        assert checked["itemReviewed"]["author"]["identifier"] == "Q461391"
        creators = {
            (n["creator"]["name"], n["creator"].get("identifier"))
            for n in graph
            if n["@type"] == "Quotation" and "Newsom" in n["creator"]["name"]
        }
        assert creators == {("Gavin Newsom", "Q461391")}


def test_trace_and_claims_without_authority_show_the_stored_name(newsroom: Store) -> None:
    from provenance.quantities import claims_for
    from provenance.trace import trace

    with newsroom.session() as s:
        t = trace(s, "We will not let the port sit empty")
        assert [(a.speaker, a.speaker_identifier) for a in t.appearances] == [
            ("Gavin Newson", None)
        ]
        assert {(c.speaker, c.speaker_identifier) for c in claims_for(s, "Newson")} == {
            ("Gavin Newson", None)
        }


def test_two_rows_the_authority_names_one_person_are_no_re_attribution(tmp_path: Path) -> None:
    from provenance.trace import Change, trace
    from tests.support import build_sample_db, copy_db

    store = copy_db(build_sample_db(tmp_path / "samples.db"), tmp_path / "s.db")
    people = tmp_path / "people.csv"
    # As if the samples' two officials were one person the desk knows under two names.
    people.write_text("Lena Ortiz,Dana Whitfield,Q1,,\n", encoding="utf-8")
    with store.session() as s:
        before = trace(s, "The air quality readings are improving")
        assert before.appearances[1].change is Change.reattributed
        import_people(s, people)
        after = trace(s, "The air quality readings are improving")
        assert [a.speaker for a in after.appearances] == ["Lena Ortiz", "Lena Ortiz"]
        assert not any(a.reattributed for a in after.appearances)
    store.dispose()
