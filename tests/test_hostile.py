"""Issue 10: nothing lost, nothing injected. Every case of the issue's "Why", written
as the hostile file or call it names, through the CLI or the public API.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import provenance.ingest as ingest_module
from provenance.cli import app
from provenance.extract import extract
from provenance.models import Attribution

GOOD = "“The water is safe to drink,” said Mayor Lena Ortiz.\n"
OTHER = "“We will reopen the bridge in May,” Councilwoman Ana Ruiz told reporters.\n"


def _ingest(runner: CliRunner, *args: str) -> object:
    return runner.invoke(app, ["ingest", "--workers", "1", *args])


def _lines(stderr: str, label: str = "error:") -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith(label)]


def _json(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---- 1. every document that can be read is stored -----------------------------------

def _doubling_extract(text: str) -> list[Attribution]:
    """The PolNeAR bug's shape: two rules reaching one span give two records, one id."""
    found = extract(text)
    return found + found[:1] if "DUPLICATE" in text else found


def test_deterministic_failure_is_one_internal_error_not_retried_and_logged(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "extract", _doubling_extract)
    sleeps: list[float] = []
    monkeypatch.setattr(ingest_module.time, "sleep", sleeps.append)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text("DUPLICATE. " + OTHER, encoding="utf-8")
    (folder / "c.jsonl").write_text(json.dumps({"text": "Plain. " + OTHER}) + "\n"
                                    + json.dumps({"text": "DUPLICATE. " + GOOD}) + "\n",
                                    encoding="utf-8")
    started = time.monotonic()
    result = _ingest(runner, str(folder))
    assert time.monotonic() - started < 30
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert sleeps == []  # a constraint violation is not retried
    internal = _lines(result.stderr, "internal error:")  # type: ignore[attr-defined]
    assert len(internal) == 2, result.stderr  # type: ignore[attr-defined]
    assert internal[0].startswith(f"internal error: {folder / 'b.txt'}: not stored")
    assert internal[1].startswith(f"internal error: {folder / 'c.jsonl'}:2: not stored")
    assert all("IntegrityError" in ln and "[document " in ln and "hint:" in ln
               and "document.failed" in ln for ln in internal)
    assert "documents: 2 new, 0 unchanged, 2 failed" in result.stdout  # type: ignore[attr-defined]
    failed = _json(runner, "log", "--action", "document.failed")
    assert [(e["payload"]["path"], e["payload"]["line"], e["payload"]["error"])  # type: ignore[index]
            for e in failed] == [(str(folder / "b.txt"), None, "IntegrityError"),
                                 (str(folder / "c.jsonl"), 2, "IntegrityError")]
    assert runner.invoke(app, ["verify"]).exit_code == 0
    # The fix shipped: the same command stores what failed and skips the rest.
    monkeypatch.setattr(ingest_module, "extract", extract)
    again = _ingest(runner, str(folder))
    assert "documents: 2 new, 2 unchanged, 0 failed" in again.stdout  # type: ignore[attr-defined]


def test_extraction_crash_costs_only_its_document(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crashing(text: str) -> list[Attribution]:
        if "CRASH" in text:
            raise ValueError("unexpected token")
        return extract(text)

    monkeypatch.setattr(ingest_module, "extract", crashing)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"text": t}) for t in (GOOD, "CRASH " + GOOD, OTHER))
                    + "\n", encoding="utf-8")
    result = _ingest(runner, str(feed))
    assert result.exit_code == 1
    internal = _lines(result.stderr, "internal error:")  # type: ignore[attr-defined]
    assert len(internal) == 1 and internal[0].startswith(f"internal error: {feed}:2: not stored "
                                                         "(extract): ValueError: unexpected token")
    assert "documents: 2 new" in result.stdout  # type: ignore[attr-defined]


def test_transient_and_deterministic_errors_are_told_apart() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    unique = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: quotes.id"))
    disk = OperationalError("INSERT", {}, Exception("disk I/O error"))
    assert ingest_module.transient(locked)
    assert not ingest_module.transient(unique)
    assert not ingest_module.transient(disk)
    assert not ingest_module.transient(ValueError("bad"))


# Sentences as news writes them; the generator recombines and mutates them the way
# real archives did (two rules on one span, cut-off quotes, runs without a full stop).
SENTENCES = [
    "“The water is safe to drink,” said Mayor Lena Ortiz.",
    "Ortiz said the city would test the pipes again, calling it “a precaution.”",
    "Councilwoman Ana Ruiz told reporters that the bridge “will reopen in May.”",
    "According to police, 14 people were arrested on Tuesday.",
    "He said that “this is a serious breach of state sovereignty” and demanded it be rescinded.",
    "“We are not going anywhere,” she said, adding that workers’ pay “must rise.”",
    "The senator, who said the bill was “dead on arrival,” did not return calls.",
    "Officials said the plan, which they called “unworkable,” would cost $3 million.",
    "Trump told Fox News: ‘It’s a disgrace.’",
    "A spokeswoman for the governor said Newsom “has been clear.”",
    # Two rules (a clause around a quote, subject-cue-clause) reach one span here:
    # before extract kept one record per span, such documents were not stored.
    "The county’s health officer is calling the outbreak “largely contained.”",
    "Mayor Lena Ortiz is promising cleaner streets and “more buses, more buses,” but she "
    "has also raised fares.",
]


def _mutate(text: str, how: str, at: int) -> str:
    cut = at % (len(text) + 1)
    if how == "cut":
        return text[:cut]
    if how == "no-stops":
        return text.replace(".", " ").replace("”", "")
    if how == "double":
        return text[:cut] + text[cut:cut + 40] + text[cut:]
    if how == "open-quote":
        return text[:cut] + "“" + text[cut:]
    return text


@pytest.fixture(scope="module")
def property_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from provenance.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("prop") / "p.db"))
    yield store
    store.dispose()


def test_generated_and_mutated_news_is_always_stored(property_store, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from provenance.ingest import ingest
    from provenance.models import document_id
    from provenance.store import has_document

    article = st.tuples(
        st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8),
        st.sampled_from([" ", "\n", "\n\n"]),
        st.sampled_from(["none", "cut", "no-stops", "double", "open-quote"]),
        st.integers(0, 2000)).map(lambda t: _mutate(t[1].join(t[0]), t[2], t[3]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(article, min_size=1, max_size=5))
    def check(texts: list[str]) -> None:
        folder = tmp_path_factory.mktemp("docs")
        texts = [t for t in texts if t.strip()] or [GOOD]
        (folder / "feed.jsonl").write_text(
            "".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        report = ingest(property_store, [folder], match=False)
        assert report.failed == 0, report.problems
        with property_store.session() as s:
            assert all(has_document(s, document_id(t)) for t in texts)

    check()


# ---- 2. one bad item costs only itself ---------------------------------------------

def test_non_utf8_file_name_among_good_articles(runner: CliRunner, tmp_path: Path) -> None:
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(5):
        (folder / f"good{n}.txt").write_text(f"Story {n}. " + GOOD, encoding="utf-8")
    bad = os.path.join(os.fsencode(folder), b"caf\xe9 \xff.txt")
    with open(bad, "wb") as fh:
        fh.write(OTHER.encode("utf-8"))
    result = _ingest(runner, str(folder))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "documents: 6 new" in result.stdout  # type: ignore[attr-defined]
    assert "caf\\xe9 \\xff.txt: file name is not valid UTF-8" in result.stderr  # type: ignore[attr-defined]
    paths = {q["path"] for q in _json(runner, "quotes", "--all")}
    assert f"{folder}/caf\\xe9 \\xff.txt" in paths
    assert runner.invoke(app, ["verify"]).exit_code == 0


POISON = [
    ("deep nesting", '{"text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested too deeply"),
    ("5,000-digit integer", '{"text": "Words, she said.", "n": ' + "9" * 5000 + "}",
     "refused: Exceeds the limit"),
    ("huge integer as date", '{"text": "Words, she said.", "date": ' + "7" * 5000 + "}",
     "refused: Exceeds the limit"),
    ("lone surrogate in text", '{"text": "Mayor said \\ud800 no."}', "lone surrogate (\\ud800)"),
    ("lone surrogate in title", '{"text": "Fine, she said.", "title": "\\udfff"}',
     "\"title\" holds a lone surrogate"),
]


@pytest.mark.parametrize(("line", "message"), [p[1:] for p in POISON],
                         ids=[p[0] for p in POISON])
def test_jsonl_poison_line_is_refused_alone(runner: CliRunner, tmp_path: Path, line: str,
                                            message: str) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([json.dumps({"text": GOOD}), line, json.dumps({"text": OTHER})])
                    + "\n", encoding="utf-8")
    result = _ingest(runner, str(feed))
    assert result.exit_code == 1
    errors = _lines(result.stderr)  # type: ignore[attr-defined]
    assert len(errors) == 1 and errors[0].startswith(f"error: {feed}:2: ") \
        and message in errors[0], result.stderr  # type: ignore[attr-defined]
    assert "documents: 2 new, 0 unchanged, 1 failed" in result.stdout  # type: ignore[attr-defined]
    extracted = runner.invoke(app, ["extract", str(feed)])
    assert extracted.exit_code == 1 and len(_lines(extracted.stderr)) == 1


def test_unreadable_folder_is_reported(runner: CliRunner, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(OTHER, encoding="utf-8")
    (folder / "ok.txt").write_text(GOOD, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        # Tests run as root here, whom chmod 000 does not stop: refuse as the OS would.
        if os.fspath(path).endswith("locked"):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    result = _ingest(runner, str(folder))
    assert result.exit_code == 1
    assert _lines(result.stderr) == [  # type: ignore[attr-defined]
        f"error: {folder / 'locked'}: cannot read folder: Permission denied"]
    assert "documents: 1 new" in result.stdout  # type: ignore[attr-defined]


def test_symlink_leaving_the_folder_is_not_followed(runner: CliRunner, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("“The root password is hunter2,” the admin said.\n", encoding="utf-8")
    (tmp_path / "outside" / "more.txt").write_text(OTHER, encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(GOOD, encoding="utf-8")
    (folder / "inner.txt").symlink_to(folder / "ok.txt")  # inside the tree: fine
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    result = _ingest(runner, str(folder))
    assert result.exit_code == 1
    errors = _lines(result.stderr)  # type: ignore[attr-defined]
    assert errors == [f"error: {folder / 'elsewhere'}: symbolic link to outside the input "
                      "folder, not followed (use --follow-links to read it)",
                      f"error: {folder / 'passwd.txt'}: symbolic link to outside the input "
                      "folder, not followed (use --follow-links to read it)"]
    assert "hunter2" not in json.dumps(_json(runner, "quotes", "--all"))
    followed = _ingest(runner, "--follow-links", str(folder))
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]
    assert "documents: 2 new" in followed.stdout  # type: ignore[attr-defined]
