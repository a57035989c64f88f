"""W3C Web Annotation and schema.org ClaimReview exports: schemas, JSON-LD, selectors, ratings."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as hst
from jsonschema import Draft202012Validator
from sqlmodel import select
from typer.testing import CliRunner

from provenance.cli import app
from provenance.conflicts import list_conflicts
from provenance.export import write_export
from provenance.export.claimreview import SCALE
from provenance.export.webanno import Utf16
from provenance.ingest import ingest
from provenance.review import review
from provenance.store import Store, list_quotes, open_store
from provenance.tables import DocumentRow, QuoteRow
from provenance.trace import trace
from tests.support import SAMPLES, expand, terms, undefined_terms

runner = CliRunner()
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
OA = "http://www.w3.org/ns/oa#"
SDO = "http://schema.org/"
PV = "urn:provenance:vocab#"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _export(st: Store, fmt: str, **kw: Any) -> tuple[dict[str, Any], int]:
    out = io.StringIO()
    with st.session() as s:
        n = write_export(s, fmt, out, **kw)
    return json.loads(out.getvalue()), n


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo corpus with three reviews: verified, disputed, retracted (and one undone)."""
    st = open_store(str(tmp_path_factory.mktemp("standards") / "demo.db"))
    assert ingest(st, [SAMPLES]).ok
    with st.session() as s:
        drift = trace(s, "will rest only when every family is back home")
        bell = trace(s, "most dangerous fire this department has fought")
        lone = next(q for q in list_quotes(s) if q.cluster_id is None)
        kxrv = next(a for a in drift.appearances if a.diff)
        review(s, kxrv.quote_id, "disputed", "The recording has “will not rest”", by="Ana Ruiz")
        review(s, bell.first_appearance.quote_id, "verified", "", by="Ana Ruiz")
        review(s, lone.id, "retracted", "Outlet withdrew the story", by="Tom Okafor")
        undone = bell.appearances[1].quote_id
        review(s, undone, "verified", "", by="Tom Okafor")
        review(s, undone, "unreviewed", "clicked the wrong one", by="Tom Okafor")
    yield st
    st.dispose()


# ---- W3C Web Annotation ---------------------------------------------------------------------


def test_web_annotation_validates_and_has_one_annotation_per_span(demo: Store) -> None:
    page, n = _export(demo, "web-annotation")
    assert not list(_validator("web-annotation").iter_errors(page))
    assert page["type"] == "AnnotationPage" and len(page["items"]) == n > 0
    assert "code points" in page["offsetUnits"] and "UTF-16" in page["offsetUnits"]
    with demo.session() as s:
        rows = s.exec(select(QuoteRow).where(QuoteRow.kind != "nonspeech")).all()
    want = Counter(
        {
            "content": len(rows),
            "speaker": sum(r.speaker_start is not None for r in rows),
            "cue": sum(r.cue_start is not None for r in rows),
        }
    )
    assert Counter(a["body"]["role"] for a in page["items"]) == want
    assert len({a["id"] for a in page["items"]}) == n


def test_every_selector_finds_its_span_in_the_stored_text(demo: Store) -> None:
    page, _ = _export(demo, "web-annotation")
    with demo.session() as s:
        texts = {d.id: d.text for d in s.exec(select(DocumentRow))}
    for a in page["items"]:
        source = a["target"]["source"]
        text = texts[source["sha256"]]
        assert source["id"] == f"urn:provenance:document:{source['sha256']}"
        quote, position = a["target"]["selector"]
        start, end = position["start"], position["end"]
        assert quote["exact"] == text[start:end] != ""
        assert quote["prefix"] == text[max(0, start - 32) : start]
        assert quote["suffix"] == text[end : end + 32]
        units = text.encode("utf-16-le")
        assert (
            units[2 * position["utf16Start"] : 2 * position["utf16End"]].decode("utf-16-le")
            == quote["exact"]
        )


def test_body_carries_kind_speaker_rule_confidence_and_review(demo: Store) -> None:
    page, _ = _export(demo, "web-annotation")
    ramirez = [
        a["body"]
        for a in page["items"]
        if a["body"]["role"] == "speaker" and a["body"].get("mention") == "Ramires"
    ]
    assert ramirez, "the Valley Courier's misspelt mention is annotated"
    body = ramirez[0]
    assert body["speaker"]["name"] == "Alicia Ramírez" and body["speaker"]["type"] == "Person"
    assert body["speaker"]["id"].startswith("urn:provenance:speaker:")
    assert body["kind"] in ("direct", "mixed", "indirect") and body["rule"]
    assert 0 < body["confidence"] <= 1
    assert {a["body"]["reviewStatus"] for a in page["items"]} >= {
        "disputed",
        "verified",
        "retracted",
        "unreviewed",
    }


def test_web_annotation_expands_with_the_bundled_contexts(demo: Store) -> None:
    page, _ = _export(demo, "web-annotation", speaker="Ramírez")
    assert not undefined_terms(page, terms(page["@context"]))
    [expanded] = expand(page)
    items = expanded["http://www.w3.org/ns/activitystreams#items"][0]["@list"]
    first = items[0]
    assert first["@type"] == [OA + "Annotation"]
    assert first[OA + "motivatedBy"] == [{"@id": OA + "classifying"}]
    target = first[OA + "hasTarget"][0]
    selectors = target[OA + "hasSelector"]
    assert [sel["@type"] for sel in selectors] == [
        [OA + "TextQuoteSelector"],
        [OA + "TextPositionSelector"],
    ]
    position = selectors[1]
    assert (
        position[OA + "start"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
    )
    assert PV + "utf16Start" in position and PV + "utf16End" in position
    body = first[OA + "hasBody"][0]
    assert body["@type"] == [PV + "Attribution"]
    assert (
        body[PV + "speaker"][0]["http://xmlns.com/foaf/0.1/name"][0]["@value"] == "Alicia Ramírez"
    )


def test_utf16_offsets_count_astral_characters_twice(store: Store, tmp_path: Path) -> None:
    text = (
        "🔥 Fire crews 🚒 reached Elm Street before dawn.\n\n"
        "“We saved the 🏠 on the corner and the 🐕 inside it,” Fire Chief Ada Quinn said.\n"
    )
    path = tmp_path / "emoji.txt"
    path.write_text(text, encoding="utf-8")
    assert ingest(store, [path], source="Elm Gazette").ok
    page, _ = _export(store, "web-annotation")
    by_role = {a["body"]["role"]: a["target"]["selector"] for a in page["items"]}
    quote, position = by_role["content"]
    assert quote["exact"] == "We saved the 🏠 on the corner and the 🐕 inside it,"
    # Two emoji before the quote: each one code point, two UTF-16 code units.
    assert position["utf16Start"] == position["start"] + 2
    assert position["utf16End"] == position["end"] + 4
    assert text[position["start"] : position["end"]] == quote["exact"]
    js = text.encode("utf-16-le")
    assert (
        js[2 * position["utf16Start"] : 2 * position["utf16End"]].decode("utf-16-le")
        == quote["exact"]
    )
    _, cue = by_role["cue"]
    assert cue["utf16Start"] - cue["start"] == 4 and text[cue["start"] : cue["end"]] == "said"


# ---- schema.org ClaimReview -----------------------------------------------------------------


def test_claimreview_validates_and_reviews_each_decision_and_flag(demo: Store) -> None:
    doc, n = _export(demo, "claimreview")
    assert not list(_validator("claimreview").iter_errors(doc))
    graph = doc["@graph"]
    assert len(graph) == n
    reviews = [x for x in graph if x["@type"] == "ClaimReview"]
    with demo.session() as s:
        flags = list_conflicts(s)
        quotes = s.exec(select(QuoteRow).where(QuoteRow.kind != "nonspeech")).all()
    by_person = [r for r in reviews if r["author"]["@type"] == "Person"]
    by_check = [r for r in reviews if r["author"]["@type"] == "Organization"]
    # The review set back to unreviewed is not a ClaimReview.
    assert sorted(r["reviewRating"]["alternateName"] for r in by_person) == [
        "Disputed",
        "Retracted",
        "Verified",
    ]
    assert len(by_check) == len(flags) > 0
    assert {r["reviewRating"]["alternateName"] for r in by_check} >= {"Misquoted", "Misattributed"}
    for r in reviews:
        rating = r["reviewRating"]
        assert (rating["worstRating"], rating["bestRating"]) == (1, 3)
        assert (rating["ratingValue"], rating["alternateName"]) in SCALE.values()
        claim = r["itemReviewed"]
        assert claim["@type"] == "Claim" and claim["firstAppearance"] in claim["appearance"]
    quotations = [x for x in graph if x["@type"] == "Quotation"]
    assert len(quotations) == len(quotes)


def test_disputed_misquote_names_the_governor_and_the_first_appearance(demo: Store) -> None:
    doc, _ = _export(demo, "claimreview")
    [disputed] = [
        x
        for x in doc["@graph"]
        if x["@type"] == "ClaimReview"
        and x["author"].get("name") == "Ana Ruiz"
        and x["reviewRating"]["alternateName"] == "Disputed"
    ]
    assert disputed["claimReviewed"].startswith("We will rest only when every family is back home")
    assert disputed["reviewRating"]["ratingValue"] == 2
    assert disputed["reviewRating"]["ratingExplanation"] == "The recording has “will not rest”"
    claim = disputed["itemReviewed"]
    assert claim["author"]["name"] == "Alicia Ramírez"
    first = claim["firstAppearance"]
    assert first["publisher"]["name"] == "State Wire" and first["datePublished"] == "2026-03-13"
    assert first["url"].startswith("https://statewire.example/")
    assert len(claim["appearance"]) == 4
    [misquote] = [
        x
        for x in doc["@graph"]
        if x["@type"] == "ClaimReview"
        and x["reviewRating"]["alternateName"] == "Misquoted"
        and "Ramírez" in x["reviewRating"]["ratingExplanation"]
    ]
    assert "{+only when+}" in misquote["reviewRating"]["ratingExplanation"]


def test_quotations_name_creator_and_document(demo: Store) -> None:
    doc, _ = _export(demo, "claimreview")
    with demo.session() as s:
        rows = {q.id: q for q in list_quotes(s)}
    for node in (x for x in doc["@graph"] if x["@type"] == "Quotation"):
        q = rows[node["@id"].removeprefix("urn:provenance:quote:")]
        assert node["text"] == q.text
        assert node["isBasedOn"]["@id"] == f"urn:provenance:document:{q.document}"
        assert node.get("creator", {}).get("name") == q.speaker


def test_claimreview_expands_with_the_bundled_schema_org_context(demo: Store) -> None:
    doc, _ = _export(demo, "claimreview")
    assert not undefined_terms(doc, terms(doc["@context"]) | {"@graph"})
    expanded = expand(doc)
    types = Counter(t for node in expanded for t in node.get("@type", []))
    assert types[SDO + "ClaimReview"] >= 4 and types[SDO + "Quotation"] > 0
    review = next(x for x in expanded if x["@type"] == [SDO + "ClaimReview"])
    for prop in ("claimReviewed", "itemReviewed", "reviewRating", "author"):
        assert SDO + prop in review
    claim = review[SDO + "itemReviewed"][0]
    assert SDO + "firstAppearance" in claim and SDO + "appearance" in claim


def test_cli_writes_both_formats_and_rejects_an_unknown_one(demo: Store, tmp_path: Path) -> None:
    db = ["--db", demo.url.removeprefix("sqlite:///")]
    out = tmp_path / "anno.jsonld"
    result = runner.invoke(app, ["export", "--format", "web-annotation", "-o", str(out), *db])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "AnnotationPage"
    result = runner.invoke(app, ["export", "--format", "claimreview", *db])
    assert result.exit_code == 0 and json.loads(result.output)["@context"] == "https://schema.org"
    bad = runner.invoke(app, ["export", "--format", "rdf-xml", *db])
    assert bad.exit_code == 2 and "rdf-xml" in bad.output


def test_the_term_check_catches_what_expansion_would_drop() -> None:
    known = terms(["http://www.w3.org/ns/anno.jsonld", {"utf16Start": "urn:x#u"}])
    node = {
        "type": "Annotation",
        "target": {
            "selector": [{"type": "TextPositionSelector", "start": 1, "utf16Start": 1, "offset": 3}]
        },
        "bodyy": {"type": "Attributin"},
    }
    assert undefined_terms(node, known) == {"offset", "bodyy", "type Attributin"}


@given(hst.text(alphabet=hst.sampled_from("ab é\n“”😀🏠𝄞\u200d"), max_size=60), hst.data())
def test_utf16_offset_is_the_length_of_the_prefix_in_utf16(text: str, data: hst.DataObject) -> None:
    offset = data.draw(hst.integers(min_value=0, max_value=len(text)))
    assert Utf16(text)(offset) == len(text[:offset].encode("utf-16-le")) // 2
