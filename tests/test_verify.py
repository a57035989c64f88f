"""provenance verify: passes on an untouched store, fails on each kind of tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance import audit
from provenance.cli import app
from provenance.conflicts import list_conflicts
from provenance.crosscheck import rebuild
from provenance.review import review
from provenance.store import open_store
from provenance.verify import verify, verify_log_file
from tests.support import copy_db, raw_one, raw_sql, template_fixture

runner = CliRunner()


template = template_fixture("verify")


@pytest.fixture()
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    copy_db(template, path).dispose()
    return path


def _verify(db: Path, expect_head: str | None = None) -> list[tuple[str, str, str]]:
    store = open_store(str(db))
    with store.session() as s:
        report = verify(s, expect_head)
    store.dispose()
    return [(p.check, p.record, p.detail) for p in report.problems]


def test_untouched_store_verifies(db: Path) -> None:
    store = open_store(str(db))
    with store.session() as s:
        report = verify(s)
    store.dispose()
    assert report.ok, report.problems
    assert report.entries > 0 and report.documents == 7
    assert report.spans > report.records > 0
    assert report.head_seq == report.entries


A_QUOTE = "SELECT id FROM quotes WHERE kind = 'direct' ORDER BY id LIMIT 1"
LAST_DOC_RUN = "SELECT max(seq) FROM audit_log WHERE action = 'extraction.run'"
A_CONFLICT = "SELECT id FROM conflicts ORDER BY score DESC, id LIMIT 1"
# A quote sharing its cluster with another, so that the cluster outlives a move.
A_CLUSTERED = (
    "SELECT quote_id FROM cluster_members WHERE cluster_id IN (SELECT cluster_id "
    "FROM cluster_members GROUP BY cluster_id HAVING count(*) > 1) "
    "AND cluster_id != (SELECT max(id) FROM clusters) ORDER BY quote_id LIMIT 1"
)
A_CLAIM = "SELECT id FROM claims WHERE high IS NOT NULL ORDER BY id LIMIT 1"

# name, SQL run directly on the file (?: the id from the lookup), lookup, check, record kind
TAMPERING = [
    (
        "quote text edited",
        "UPDATE quotes SET text = 'X' || substr(text, 2) WHERE id = ?",
        A_QUOTE,
        {"span", "record"},
        "quote",
    ),
    (
        "quote offsets moved",
        "UPDATE quotes SET start = start + 1, end = end + 1 WHERE id = ?",
        A_QUOTE,
        {"span", "record"},
        "quote",
    ),
    (
        "quote confidence raised",
        "UPDATE quotes SET confidence = 1.0 WHERE id = ?",
        A_QUOTE,
        {"record"},
        "quote",
    ),
    (
        "quote rule renamed",
        "UPDATE quotes SET rule = 'manual' WHERE id = ?",
        A_QUOTE,
        {"record"},
        "quote",
    ),
    ("quote deleted", "DELETE FROM quotes WHERE id = ?", A_QUOTE, {"record"}, "quote"),
    (
        "quote speaker changed",
        "UPDATE quotes SET speaker_id = 1 WHERE id = ?",
        "SELECT id FROM quotes WHERE speaker_id > 1 LIMIT 1",
        {"record"},
        "quote",
    ),
    (
        "document text edited",
        "UPDATE documents SET text = replace(text, 'Riverton', 'Rivertown') WHERE id = ?",
        "SELECT id FROM documents ORDER BY id LIMIT 1",
        {"document", "span"},
        "document",
    ),
    (
        "document path rewritten",
        "UPDATE documents SET path = 'elsewhere.txt' WHERE id = ?",
        "SELECT id FROM documents ORDER BY id LIMIT 1",
        {"record"},
        "document",
    ),
    (
        "log row deleted",
        "DELETE FROM audit_log WHERE seq = ?",
        "SELECT seq FROM audit_log WHERE seq = 5",
        {"chain"},
        "log",
    ),
    (
        "log payload edited",
        "UPDATE audit_log SET payload = replace(payload, '\"rules-', '\"manual-') WHERE seq = ?",
        LAST_DOC_RUN,
        {"chain"},
        "log",
    ),
    (
        "log actor edited",
        "UPDATE audit_log SET actor = 'person:Mallory' WHERE seq = ?",
        "SELECT 3",
        {"chain"},
        "log",
    ),
    (
        "log entry rehashed after an edit",
        (
            "UPDATE audit_log SET payload = replace(payload, '\"rules-', '\"manual-'), "
            "hash = '" + "f" * 64 + "' WHERE seq = ?"
        ),
        "SELECT 2",
        {"chain"},
        "log",
    ),
    (
        "speaker row with no log entry",
        "INSERT INTO speakers (id, name, kind, titles, created_at) "
        "VALUES (?, 'Ghost Writer', 'person', '[]', '2026-03-12')",
        "SELECT max(id) + 1 FROM speakers",
        {"record"},
        "speaker",
    ),
    (
        "speaker renamed",
        "UPDATE speakers SET name = 'Someone Else' WHERE id = ?",
        "SELECT min(id) FROM speakers",
        {"record"},
        "speaker",
    ),
    (
        "merge record forged",
        "UPDATE merges SET score = 99.9 WHERE id = ?",
        "SELECT min(id) FROM merges",
        {"record"},
        "merge",
    ),
    (
        "conflict score raised",
        "UPDATE conflicts SET score = score + 10 WHERE id = ?",
        A_CONFLICT,
        {"record"},
        "conflict",
    ),
    (
        "conflict explanation reworded",
        "UPDATE conflicts SET explanation = 'All sources agree.' WHERE id = ?",
        A_CONFLICT,
        {"record"},
        "conflict",
    ),
    (
        "conflict record text edited",
        'UPDATE conflicts SET records = replace(records, \'"text": "\', \'"text": "Not \') '
        "WHERE id = ?",
        A_CONFLICT,
        {"record"},
        "conflict",
    ),
    (
        "conflict records made unreadable",
        "UPDATE conflicts SET records = replace(records, '\"start\":', '\"start\": 1')"
        " WHERE id = ?",
        A_CONFLICT,
        {"record"},
        "conflict",
    ),
    (
        "conflict kind changed",
        "UPDATE conflicts SET kind = 'misattribution' WHERE id = ?",
        "SELECT id FROM conflicts WHERE kind = 'misquote' ORDER BY id LIMIT 1",
        {"record"},
        "conflict",
    ),
    (
        "conflict flag deleted",
        "DELETE FROM conflicts WHERE id = ?",
        A_CONFLICT,
        {"record"},
        "conflict",
    ),
    (
        "conflict flag forged",
        "INSERT INTO conflicts (id, kind, scope, score, explanation, records, raised_at) "
        "SELECT 'forged' || ?, kind, scope, score, explanation, records, raised_at FROM conflicts "
        "ORDER BY id LIMIT 1",
        "SELECT 1",
        {"record"},
        "conflict",
    ),
    (
        "quote moved to another cluster",
        "UPDATE cluster_members SET cluster_id = (SELECT max(id) FROM clusters) WHERE quote_id = ?",
        A_CLUSTERED,
        {"record"},
        "quote",
    ),
    (
        "quote taken out of its cluster",
        "DELETE FROM cluster_members WHERE quote_id = ?",
        A_CLUSTERED,
        {"record"},
        "quote",
    ),
    (
        "claim figure changed",
        "UPDATE claims SET low = low * 2, high = high * 2 WHERE id = ?",
        A_CLAIM,
        {"record"},
        "claim",
    ),
    ("claim deleted", "DELETE FROM claims WHERE id = ?", A_CLAIM, {"record"}, "claim"),
]


@pytest.mark.parametrize(
    ("name", "sql", "lookup", "checks", "kind"), TAMPERING, ids=[t[0] for t in TAMPERING]
)
def test_each_kind_of_tampering_is_reported(
    db: Path, name: str, sql: str, lookup: str, checks: set[str], kind: str
) -> None:
    (target,) = raw_one(db, lookup)
    assert raw_sql(db, sql, (target,)) == 1, name
    problems = _verify(db)
    assert problems, f"{name}: verify passed"
    assert {c for c, _, _ in problems} >= checks
    assert any(r.startswith(f"{kind}:") for _, r, _ in problems)
    if kind in ("quote", "document", "conflict", "claim"):
        named = f"conflict:forged{target}" if name == "conflict flag forged" else f"{kind}:{target}"
        assert any(r == named for _, r, _ in problems), problems


def test_deleting_the_last_log_entries_is_caught_by_records_and_by_the_head(db: Path) -> None:
    (head,) = raw_one(db, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert not _verify(db, expect_head=str(head))
    (last_run,) = raw_one(db, LAST_DOC_RUN)
    raw_sql(db, "DELETE FROM audit_log WHERE seq >= ?", (last_run,))
    problems = _verify(db, expect_head=str(head))
    assert any(c == "record" and "no extraction.run entry" in d for c, _, d in problems)
    assert any(c == "chain" and "expected head" in d for c, _, d in problems)


def test_a_review_status_edited_behind_the_logs_back_is_reported(db: Path) -> None:
    (qid,) = raw_one(db, A_QUOTE)
    store = open_store(str(db))
    with store.session() as s:
        review(s, str(qid), "disputed", "the recording says otherwise", "Ana Ruiz")
    store.dispose()
    assert not _verify(db)
    raw_sql(db, "UPDATE reviews SET status = 'verified' WHERE quote_id = ?", (qid,))
    problems = _verify(db)
    assert [(c, r) for c, r, _ in problems] == [("record", f"quote:{qid}")]
    assert "'disputed'" in problems[0][2]


def test_cli_verify_exits_zero_then_four_listing_the_mismatch(db: Path) -> None:
    ok = runner.invoke(app, ["verify", "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("ok:")
    (qid,) = raw_one(db, A_QUOTE)
    raw_sql(db, "UPDATE quotes SET text = 'We never said that' WHERE id = ?", (qid,))
    bad = runner.invoke(app, ["verify", "--db", str(db), "--format", "jsonl"])
    assert bad.exit_code == 4
    rows = [json.loads(line) for line in bad.stdout.splitlines()]
    assert {r["record"] for r in rows} == {f"quote:{qid}"}
    assert {r["check"] for r in rows} == {"span", "record"}
    assert "Traceback" not in bad.output


def test_an_exported_log_verifies_without_the_database(db: Path, tmp_path: Path) -> None:
    out = runner.invoke(app, ["log", "--db", str(db), "--format", "jsonl"])
    assert out.exit_code == 0
    trail = tmp_path / "trail.jsonl"
    trail.write_text(out.stdout, encoding="utf-8")
    report = verify_log_file(trail)
    assert report.ok and report.entries == len(out.stdout.splitlines())
    lines = out.stdout.splitlines()
    entry = json.loads(lines[3])
    entry["actor"] = "person:Mallory"
    lines[3] = json.dumps(entry, ensure_ascii=False)
    trail.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [p.record for p in verify_log_file(trail).problems] == [f"log:{entry['seq']}"]
    cli = runner.invoke(app, ["verify", "--log", str(trail)])
    assert cli.exit_code == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "trail.jsonl:1: not JSON"),
        ('{"seq": 1}\n[1, 2]\n', "trail.jsonl:2: not a log entry"),
    ],
)
def test_a_broken_log_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    trail = tmp_path / "trail.jsonl"
    trail.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["verify", "--log", str(trail)])
    assert result.exit_code == 1
    # rich wraps stderr at the terminal width; the message is one line before wrapping.
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_a_rebuild_and_a_deletion_keep_clusters_and_flags_verifiable(db: Path) -> None:
    store = open_store(str(db))
    with store.session() as s:
        before = {c.id: (c.kind, c.score) for c in list_conflicts(s)}
        head = audit.head(s)
        rebuild(s)
        s.commit()
        after_rebuild = [e for e in audit.iter_entries(s) if head and e.seq > head.seq]
        rebuilt = verify(s)
        assert {c.id: (c.kind, c.score) for c in list_conflicts(s)} == before
    actions = [e.action for e in after_rebuild]
    assert actions[0] == audit.CLUSTER_RESET
    assert actions.count(audit.FLAG_CLEARED) == actions.count(audit.FLAG_RAISED) == len(before)
    assert rebuilt.ok, rebuilt.problems
    store.dispose()
    # The flag's log entries alone, without its row, are a deletion verify reports.
    (fid,) = raw_one(db, A_CONFLICT)
    raw_sql(db, "DELETE FROM conflicts WHERE id = ?", (fid,))
    problems = _verify(db)
    assert [(c, r) for c, r, _ in problems] == [("record", f"conflict:{fid}")]
    assert "never cleared" in problems[0][2]
