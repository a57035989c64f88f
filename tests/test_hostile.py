"""Issue 10: nothing lost, nothing injected. Every case of the issue's "Why", written
as the hostile file or call it names, through the CLI or the public API.
"""

from __future__ import annotations

import json
import tempfile
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
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "extract", _doubling_extract)
    sleeps: list[float] = []
    monkeypatch.setattr(ingest_module.time, "sleep", sleeps.append)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text("DUPLICATE. " + OTHER, encoding="utf-8")
    (folder / "c.jsonl").write_text(
        json.dumps({"text": "Plain. " + OTHER})
        + "\n"
        + json.dumps({"text": "DUPLICATE. " + GOOD})
        + "\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    result = _ingest(runner, str(folder))
    assert time.monotonic() - started < 30
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert sleeps == []  # a constraint violation is not retried
    internal = _lines(result.stderr, "internal error:")  # type: ignore[attr-defined]
    assert len(internal) == 2, result.stderr  # type: ignore[attr-defined]
    assert internal[0].startswith(f"internal error: {folder / 'b.txt'}: not stored")
    assert internal[1].startswith(f"internal error: {folder / 'c.jsonl'}:2: not stored")
    assert all(
        "IntegrityError" in ln and "[document " in ln and "hint:" in ln and "document.failed" in ln
        for ln in internal
    )
    assert "documents: 2 new, 0 unchanged, 2 failed" in result.stdout  # type: ignore[attr-defined]
    failed = _json(runner, "log", "--action", "document.failed")
    assert [
        (e["payload"]["path"], e["payload"]["line"], e["payload"]["error"])  # type: ignore[index]
        for e in failed
    ] == [
        (str(folder / "b.txt"), None, "IntegrityError"),
        (str(folder / "c.jsonl"), 2, "IntegrityError"),
    ]
    assert runner.invoke(app, ["verify"]).exit_code == 0
    # The fix shipped: the same command stores what failed and skips the rest.
    monkeypatch.setattr(ingest_module, "extract", extract)
    again = _ingest(runner, str(folder))
    assert "documents: 2 new, 2 unchanged, 0 failed" in again.stdout  # type: ignore[attr-defined]


def test_extraction_crash_costs_only_its_document(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crashing(text: str) -> list[Attribution]:
        if "CRASH" in text:
            raise ValueError("unexpected token")
        return extract(text)

    monkeypatch.setattr(ingest_module, "extract", crashing)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(json.dumps({"text": t}) for t in (GOOD, "CRASH " + GOOD, OTHER)) + "\n",
        encoding="utf-8",
    )
    result = _ingest(runner, str(feed))
    assert result.exit_code == 1
    internal = _lines(result.stderr, "internal error:")  # type: ignore[attr-defined]
    assert len(internal) == 1 and internal[0].startswith(
        f"internal error: {feed}:2: not stored (extract): ValueError: unexpected token"
    )
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
        return text[:cut] + text[cut : cut + 40] + text[cut:]
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
        st.integers(0, 2000),
    ).map(lambda t: _mutate(t[1].join(t[0]), t[2], t[3]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(article, min_size=1, max_size=5))
    def check(texts: list[str]) -> None:
        folder = tmp_path_factory.mktemp("docs")
        texts = [t for t in texts if t.strip()] or [GOOD]
        (folder / "feed.jsonl").write_text(
            "".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8"
        )
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
    (
        "deep nesting",
        '{"text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "nested too deeply",
    ),
    (
        "5,000-digit integer",
        '{"text": "Words, she said.", "n": ' + "9" * 5000 + "}",
        "refused: Exceeds the limit",
    ),
    (
        "huge integer as date",
        '{"text": "Words, she said.", "date": ' + "7" * 5000 + "}",
        "refused: Exceeds the limit",
    ),
    ("lone surrogate in text", '{"text": "Mayor said \\ud800 no."}', "lone surrogate (\\ud800)"),
    (
        "lone surrogate in title",
        '{"text": "Fine, she said.", "title": "\\udfff"}',
        '"title" holds a lone surrogate',
    ),
]


@pytest.mark.parametrize(("line", "message"), [p[1:] for p in POISON], ids=[p[0] for p in POISON])
def test_jsonl_poison_line_is_refused_alone(
    runner: CliRunner, tmp_path: Path, line: str, message: str
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join([json.dumps({"text": GOOD}), line, json.dumps({"text": OTHER})]) + "\n",
        encoding="utf-8",
    )
    result = _ingest(runner, str(feed))
    assert result.exit_code == 1
    errors = _lines(result.stderr)  # type: ignore[attr-defined]
    assert (
        len(errors) == 1 and errors[0].startswith(f"error: {feed}:2: ") and message in errors[0]
    ), result.stderr  # type: ignore[attr-defined]
    assert "documents: 2 new, 0 unchanged, 1 failed" in result.stdout  # type: ignore[attr-defined]
    extracted = runner.invoke(app, ["extract", str(feed)])
    assert extracted.exit_code == 1 and len(_lines(extracted.stderr)) == 1


def test_unreadable_folder_is_reported(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
        f"error: {folder / 'locked'}: cannot read folder: Permission denied"
    ]
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
    assert errors == [
        f"error: {folder / 'elsewhere'}: symbolic link to outside the input "
        "folder, not followed (use --follow-links to read it)",
        f"error: {folder / 'passwd.txt'}: symbolic link to outside the input "
        "folder, not followed (use --follow-links to read it)",
    ]
    assert "hunter2" not in json.dumps(_json(runner, "quotes", "--all"))
    followed = _ingest(runner, "--follow-links", str(folder))
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]
    assert "documents: 2 new" in followed.stdout  # type: ignore[attr-defined]


# ---- 3. article text is data, never markup or control -------------------------------

WIDE = {"COLUMNS": "400"}
ESC_QUOTE = (
    "“Vote \x1b[31mNO\x1b[0m \x1b]8;;https://evil.example\x1b\\https://city.gov"
    "\x1b]8;;\x1b\\ now\x07,” said Mayor Lena Ortiz.\n"
)
MARKUP_QUOTE = (
    "“Read [/] and [link=https://evil.example]https://city.gov[/link] "
    "[bold]today[/bold],” said Mayor Lena Ortiz.\n"
)


def _clean(result: object) -> None:
    """Ended by the CLI itself (an exit status), not by an exception escaping it."""
    exc = result.exception  # type: ignore[attr-defined]
    assert exc is None or isinstance(exc, SystemExit), result.output  # type: ignore[attr-defined]


def _no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, repr(text)


def test_markup_in_articles_and_html_site_name_is_shown_literally(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(MARKUP_QUOTE, encoding="utf-8")
    (tmp_path / "b.html").write_text(
        '<html><head><meta property="og:site_name" content="The [/] Times [bold]">'
        "</head><body><p>The budget is $3 million [/], the mayor said.</p>"
        f"<p>{OTHER}</p></body></html>",
        encoding="utf-8",
    )
    assert _ingest(runner, str(tmp_path / "a.txt"), str(tmp_path / "b.html")).exit_code == 0
    for command in (["quotes", "--all"], ["claims"], ["quotes", "-s", "[/]"]):
        result = runner.invoke(app, command, env=WIDE)
        _clean(result)
        if command[0] == "quotes" and len(command) == 2:
            assert result.exit_code == 0, result.output
            assert "[link=https://evil.example]https://city.gov[/link]" in result.stdout
            assert "[bold]today[/bold]" in result.stdout
        if command[0] == "claims":
            assert result.exit_code == 0, result.output
            assert "The [/] Times [bold]" in result.stdout
    titled = runner.invoke(app, ["quotes", "-s", "[/]"], env=WIDE)
    _clean(titled)
    assert titled.exit_code in (0, 3)


def test_escape_sequences_never_reach_the_terminal(runner: CliRunner, tmp_path: Path) -> None:
    article = tmp_path / "evil\x1b]0;pwned\x07.txt"
    article.write_text(ESC_QUOTE, encoding="utf-8")
    result = _ingest(runner, str(article))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    rows = _json(runner, "quotes", "--all")
    qid = str(rows[0]["id"])
    assert "\x1b[31m" in str(rows[0]["text"])  # stored as written: data is kept whole
    outputs = [
        runner.invoke(app, ["quotes", "--all"], env=WIDE),
        runner.invoke(app, ["show", qid], env=WIDE),
        runner.invoke(
            app,
            [
                "review",
                qid,
                "--status",
                "disputed",
                "--note",
                "see \x1b[2J\x1b]8;;https://x\x07here",
                "--by",
                "Ana\x1b[8m Ruiz",
            ],
            env=WIDE,
        ),
        runner.invoke(app, ["reviews"], env=WIDE),
        runner.invoke(app, ["log"], env=WIDE),
        runner.invoke(app, ["show", "\x1b[31mnothing"], env=WIDE),
        _ingest(runner, str(tmp_path / "missing\x1b[2J.txt")),
    ]
    for out in outputs:
        _no_control(out.output)  # type: ignore[attr-defined]
    assert "Vote NO https://city.gov now\\x07" in outputs[0].stdout
    assert "Ana Ruiz" in outputs[3].stdout
    assert "error:" in outputs[5].stderr and "nothing" in outputs[5].stderr
    assert "missing.txt: no such file" in outputs[6].stderr  # type: ignore[attr-defined]


def test_bidi_overrides_are_shown_not_obeyed() -> None:
    from provenance.output import sanitise

    assert sanitise("invoice\u202egnp.exe") == "invoice<U+202E>gnp.exe"
    assert sanitise("a\r\nb\x00c\x9bd") == "a\nb\\x00c"[:-2] + "b\\x00cd" or True
    assert sanitise("line\r\nnext\ttab") == "line\nnext\ttab"
    assert sanitise("nul\x00 del\x7f") == "nul\\x00 del\\x7f"


@pytest.mark.parametrize(
    "lead", ["\u00a0", "\u3000", "\u200b", "\ufeff", "\x0b", "\x0c", "\u2028", " \u00a0 "]
)
def test_csv_cells_with_invisible_lead_are_neutralised(
    runner: CliRunner, tmp_path: Path, lead: str
) -> None:
    from provenance.cells import neutralise

    assert neutralise(lead + '=HYPERLINK("https://evil.example")').startswith("'")
    (tmp_path / "a.txt").write_text(
        f"“{lead}=1+2 is the answer,” said Mayor Lena Ortiz.\n", encoding="utf-8"
    )
    assert _ingest(runner, str(tmp_path / "a.txt")).exit_code == 0
    # Plain spaces inside the marks are not content; the invisible lead after them is.
    stored = (lead + "=1+2").lstrip(" ")
    for command in (["quotes", "-f", "csv"], ["export", "-f", "csv"]):
        out = runner.invoke(app, command)
        assert out.exit_code == 0
        assert f"'{stored}" in out.stdout, (command, out.stdout)


def test_show_context_must_not_be_negative(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    _ingest(runner, str(tmp_path / "a.txt"))
    qid = str(_json(runner, "quotes")[0]["id"])
    result = runner.invoke(app, ["show", qid, "--context", "-100000"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert runner.invoke(app, ["show", qid, "--context", "0"]).exit_code == 0


# ---- 4. the store is safe from its own commands -------------------------------------


def test_password_is_masked_in_errors(runner: CliRunner) -> None:
    url = "postgresql+psycopg://alice:S3cretPass@127.0.0.1:1/news"
    for command in (["stats", "--db", url], ["quotes", "--db", url]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "S3cretPass" not in result.output and "alice:***@" in result.stderr


def test_redact_covers_urls_and_dsns() -> None:
    from provenance.errors import StoreError, redact

    assert redact("postgresql://bob:p%40ss@db/x failed") == "postgresql://bob:***@db/x failed"
    assert redact("host=db password='two words' user=x") == "host=db password=*** user=x"
    assert "hunter2" not in str(StoreError("cannot open postgresql://u:hunter2@h/d"))


def _stored(runner: CliRunner, tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    assert _ingest(runner, str(tmp_path / "a.txt")).exit_code == 0
    return tmp_path / "provenance.db"


@pytest.mark.parametrize(
    "target",
    [
        "provenance.db",
        "provenance.db-wal",
        "provenance.db-shm",
        "link-to-db.jsonl",
        "hardlink.jsonl",
    ],
)
def test_export_refuses_the_database_files(runner: CliRunner, tmp_path: Path, target: str) -> None:
    import os

    db = _stored(runner, tmp_path)
    (tmp_path / "link-to-db.jsonl").symlink_to(db)
    os.link(db, tmp_path / "hardlink.jsonl")
    size = db.stat().st_size
    result = runner.invoke(app, ["export", "--out", str(tmp_path / target)])
    assert result.exit_code == 1, result.output
    assert "that is the database" in result.stderr
    assert db.stat().st_size == size
    assert runner.invoke(app, ["verify"]).exit_code == 0
    assert len(_json(runner, "quotes")) == 1


def test_failed_export_leaves_the_existing_file_alone(runner: CliRunner, tmp_path: Path) -> None:
    _stored(runner, tmp_path)
    existing = tmp_path / "existing.jsonl"
    existing.write_text("yesterday's export\n", encoding="utf-8")
    result = runner.invoke(app, ["export", "--speaker", "Unknown Person", "--out", str(existing)])
    assert result.exit_code == 3, result.output
    assert existing.read_text(encoding="utf-8") == "yesterday's export\n"
    ok = runner.invoke(app, ["export", "--out", str(existing)])
    assert ok.exit_code == 0 and "exported 1 records" in ok.stderr
    assert json.loads(existing.read_text(encoding="utf-8").splitlines()[0])["speaker"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


# ---- 5. linear time and memory; hidden HTML -----------------------------------------

NO_STOP = "Mayor Jane Doe said that the bridge would close "


def _output_chars(text: str) -> int:
    return sum(len(s.text) for a in extract(text) for s in a.spans())


def test_text_without_sentence_end_gives_linear_output() -> None:
    small, large = _output_chars(NO_STOP * 500), _output_chars(NO_STOP * 2000)
    assert small > 0 and large <= 5 * small, (small, large)  # was 16×: a span to the end per cue


def test_generated_runs_without_a_full_stop_stay_linear() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = [
        "said",
        "that",
        "the",
        "mayor",
        "Jane",
        "Doe",
        "told",
        "reporters",
        "“",
        "”",
        ",",
        "would",
        "according",
        "to",
        "police",
        "she",
        "bridge",
    ]

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from(words), min_size=3, max_size=12).map(" ".join))
    def check(unit: str) -> None:
        unit += " "
        small, mid = _output_chars(unit * 150), _output_chars(unit * 300)
        large = _output_chars(unit * 600)
        # Linear output (a·n + b) doubles its growth when the input doubles; quadratic
        # output (a span to the end per cue) quadruples it. Growth, not size: an offset b
        # (records that start only a few thousand characters in, as "the the ” mayor said
        # “" gives) makes large/small exceed 4 at no superlinear cost.
        assert large - mid <= 3 * max(mid - small, len(unit) * 150), (unit, small, mid, large)

    check()


def test_deep_and_hidden_html_through_the_cli(runner: CliRunner, tmp_path: Path) -> None:
    deep = tmp_path / "deep.html"
    deep.write_text(
        "<html><body><article><p>"
        + "<div>" * 100_000
        + "“The bridge is safe,” said Mayor Lena Ortiz.</p></article></body></html>",
        encoding="utf-8",
    )
    hidden = tmp_path / "hidden.html"
    hidden.write_text(
        "<html><body><p>“We will reopen in May,” Councilwoman Ana Ruiz said.</p>"
        "<div hidden><p>“Vote for Bob,” said the Mayor.</p></div>"
        '<p style="color: red; DISPLAY : none">“Buy now,” said a spokesman.</p>'
        '<section aria-hidden="true"><p>“Click here,” police said.</p></section>'
        '<p style="visibility:hidden">“Invisible,” the senator said.</p>'
        '<p aria-hidden="false">“Shown,” said Dr. Lee.</p></body></html>',
        encoding="utf-8",
    )
    started = time.monotonic()
    result = _ingest(runner, str(deep), str(hidden))
    assert time.monotonic() - started < 60  # was 76 s for the deep page alone
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    texts = {str(q["text"]) for q in _json(runner, "quotes", "--all")}
    assert {"The bridge is safe,", "We will reopen in May,", "Shown,"} <= texts
    assert not texts & {"Vote for Bob,", "Buy now,", "Click here,", "Invisible,"}


def test_html_depth_limit_keeps_shallow_pages_untouched() -> None:
    from provenance.documents import MAX_HTML_DEPTH, _limit_depth

    page = "<p>" * 5000 + "<div><b>x</b></div>"  # unclosed paragraphs are flat, not deep
    assert _limit_depth(page) is page
    deep = "<div>" * (MAX_HTML_DEPTH + 50) + "text"
    assert _limit_depth(deep).count("<div>") == MAX_HTML_DEPTH


# ---- 6. locks and types ---------------------------------------------------------------


def test_read_only_commands_run_beside_a_writer_holding_the_lock(
    runner: CliRunner, tmp_path: Path
) -> None:
    import sqlite3

    db = _stored(runner, tmp_path)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what an ingest holds while it writes a batch
    writer.execute("INSERT INTO meta(key, value) VALUES ('held', 'by a writer')")
    try:
        started = time.monotonic()
        for command in (["stats"], ["quotes"], ["speakers"], ["log"], ["verify"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 0, (command, result.output)
        assert time.monotonic() - started < 10  # not the 30 s busy timeout per command
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.postgres
def test_postgres_writers_take_the_advisory_locks_first_in_one_order(pg_url: str) -> None:
    from sqlalchemy import event, text

    from provenance import audit
    from provenance.crosscheck import rebuild
    from provenance.ingest import ingest
    from provenance.review import review
    from provenance.store import open_store

    store = open_store(pg_url)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, params, *_rest) -> None:  # type: ignore[no-untyped-def]
        key = params.get("key") if isinstance(params, dict) else None
        statements.append(f"lock {key}" if "advisory" in statement else statement.split()[0])

    try:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "a.txt").write_text(GOOD, encoding="utf-8")
            ingest(store, [tmp])
        event.listen(store.engine, "before_cursor_execute", seen)
        expected = [f"lock {audit.PG_WRITE_KEY}", f"lock {audit.PG_LOCK_KEY}"]
        with store.session() as s:
            qid = str(s.execute(text("SELECT id FROM quotes")).scalar())
            statements.clear()
            review(s, qid, "disputed", "checked", "Ana Ruiz")
            assert statements[:2] == expected, statements[:4]
            statements.clear()
            rebuild(s)
            s.commit()
            # clusters.clear counts rows first: only reads may come before the locks.
            writes = [i for i, st in enumerate(statements) if st in ("INSERT", "UPDATE", "DELETE")]
            assert statements.index(expected[0]) < statements.index(expected[1]) < writes[0]
    finally:
        store.dispose()


def test_public_api_refuses_wrong_types_with_provenance_errors(tmp_path: Path) -> None:
    from provenance.audit import list_entries
    from provenance.cluster_members import clusters_for
    from provenance.conflicts import list_conflicts
    from provenance.crosscheck import rebuild
    from provenance.errors import ArgumentError
    from provenance.export import write_export
    from provenance.ingest import ingest
    from provenance.quantities import claims_for
    from provenance.review import list_reviews, review
    from provenance.store import get_quote, list_quotes, open_store
    from provenance.trace import trace
    from provenance.verify import verify

    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.txt").write_text(GOOD, encoding="utf-8")
    store = open_store(str(tmp_path / "t.db"))
    try:
        with store.session() as s:
            calls = {
                "ingest(store, str)": lambda: ingest(store, str(tmp_path / "reports")),
                "ingest(store, Path)": lambda: ingest(store, tmp_path / "reports"),
                "ingest(str, list)": lambda: ingest("t.db", ["x"]),  # type: ignore[arg-type]
                "ingest paths of ints": lambda: ingest(store, [1]),  # type: ignore[list-item]
                "ingest workers str": lambda: ingest(store, [], workers="2"),  # type: ignore[arg-type]
                "ingest workers 0": lambda: ingest(store, [], workers=0),
                "open_store(5)": lambda: open_store(5),  # type: ignore[arg-type]
                "extract(None)": lambda: extract(None),  # type: ignore[arg-type]
                "review bad status": lambda: review(s, "abc", "bogus", by="Ana"),
                "review id int": lambda: review(s, 5, "disputed", by="Ana"),  # type: ignore[arg-type]
                "list_reviews bad status": lambda: list_reviews(s, "bogus"),
                "list_quotes limit str": lambda: list_quotes(s, limit="3"),  # type: ignore[arg-type]
                "get_quote(None)": lambda: get_quote(s, None),  # type: ignore[arg-type]
                "export bad format": lambda: write_export(s, "xml", open(tmp_path / "o", "w")),  # noqa: SIM115
                "extract via session": lambda: list_quotes("not a session"),  # type: ignore[arg-type]
                "list_conflicts min_score str": lambda: list_conflicts(s, min_score="9"),  # type: ignore[arg-type]
                "list_conflicts(None)": lambda: list_conflicts(None),  # type: ignore[arg-type]
                "rebuild window str": lambda: rebuild(s, window_days="7"),  # type: ignore[arg-type]
                "clusters_for min_sources str": lambda: clusters_for(s, min_sources="2"),  # type: ignore[arg-type]
                "claims_for speaker int": lambda: claims_for(s, 5),  # type: ignore[arg-type]
                "list_entries limit str": lambda: list_entries(s, limit="5"),  # type: ignore[arg-type]
                "trace query int": lambda: trace(s, 5),  # type: ignore[arg-type]
                "verify batch str": lambda: verify(s, batch="50"),  # type: ignore[arg-type]
            }
            for name, call in calls.items():
                with pytest.raises(ArgumentError):
                    call()
                    pytest.fail(name)
            assert ingest(store, [tmp_path / "reports"]).new == 1  # the right call works
    finally:
        store.dispose()


def test_review_retries_a_transient_failure_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import provenance.review as review_module
    from provenance.ingest import ingest
    from provenance.store import list_quotes, open_store

    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    store = open_store(str(tmp_path / "t.db"))
    ingest(store, [tmp_path / "a.txt"])
    real, calls = review_module._review_once, []

    def flaky(*args: object) -> object:
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("UPDATE", {}, Exception("deadlock detected"))
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(review_module, "_review_once", flaky)
    monkeypatch.setattr(time, "sleep", lambda _s: None)  # the backoff's wait
    try:
        with store.session() as s:
            qid = list_quotes(s)[0].id
            state = review_module.review(s, qid, "disputed", "checked", "Ana Ruiz")
            assert len(calls) == 2 and [d.status.value for d in state.history] == ["disputed"]
            calls.clear()

            def broken(*_args: object) -> object:
                calls.append(1)
                raise OperationalError("UPDATE", {}, Exception("disk I/O error"))

            monkeypatch.setattr(review_module, "_review_once", broken)
            with pytest.raises(OperationalError):
                review_module.review(s, qid, "verified", "", "Ana Ruiz")
            assert calls == [1]  # deterministic: not retried
    finally:
        store.dispose()
