"""The Starlette application behind ``provenance serve``."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from provenance import browse
from provenance.conflicts import CONFLICT_KINDS
from provenance.errors import NotFoundError, ProvenanceError
from provenance.review import (
    FlagDecision,
    ReviewStatus,
    reassign_speaker,
    review,
    review_flag,
)
from provenance.store import Store, stats

TEMPLATES = Path(__file__).parent / "templates"
CSRF_COOKIE = "provenance_csrf"
REVIEWER_COOKIE = "provenance_reviewer"


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: a form cannot send the reviewer elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def _same_origin(request: Request) -> bool:
    """The Origin header (or, without one, the Referer) names this server."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    parts = urlsplit(claimed)
    return parts.scheme in ("http", "https") and parts.netloc == request.headers.get("host")


def create_app(store: Store, title: str = "provenance") -> Starlette:
    """Review pages over ``store``; the caller owns the store (and disposes of it)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.globals["title"] = title
    env.filters["basename"] = lambda p: PurePath(str(p)).name

    def page_url(request: Request, **changes: Any) -> str:
        params = dict(request.query_params)
        params.update({k: str(v) for k, v in changes.items()})
        return f"{request.url.path}?{urlencode(params)}"

    env.globals["page_url"] = page_url

    def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        html = env.get_template(name).render(
            request=request, csrf=token, reviewer=request.cookies.get(REVIEWER_COOKIE, ""), **ctx
        )
        response = HTMLResponse(html, status_code=status_code)
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def failed(request: Request, exc: ProvenanceError) -> Response:
        suggestions = getattr(exc, "suggestions", [])
        return render(
            request,
            "error.html",
            status_code=404 if isinstance(exc, NotFoundError) else 400,
            message=str(exc),
            suggestions=suggestions,
        )

    def offset_limit(request: Request, default: int = browse.DEFAULT_LIMIT) -> tuple[int, int]:
        return browse.clamp(
            _int(request.query_params.get("offset")),
            _int(request.query_params.get("limit"), default),
        )

    def home(request: Request) -> Response:
        with store.session() as s:
            counts = stats(s)
        return render(request, "home.html", stats=counts)

    def speakers(request: Request) -> Response:
        query = request.query_params.get("q") or None
        offset, limit = offset_limit(request)
        try:
            with store.session() as s:
                page = browse.speakers_page(s, query, offset, limit)
        except ProvenanceError as exc:
            return failed(request, exc)
        return render(request, "speakers.html", page=page, q=query or "")

    def speaker(request: Request) -> Response:
        offset, limit = offset_limit(request)
        try:
            with store.session() as s:
                who = browse.get_speaker(s, _int(request.path_params["speaker_id"], -1))
                page = browse.speaker_quotes(s, who.id, offset, limit)
        except ProvenanceError as exc:
            return failed(request, exc)
        return render(request, "speaker.html", speaker=who, page=page)

    def documents(request: Request) -> Response:
        offset, limit = offset_limit(request)
        with store.session() as s:
            page = browse.documents_page(s, offset, limit)
        return render(request, "documents.html", page=page)

    def document(request: Request) -> Response:
        try:
            with store.session() as s:
                view = browse.document_view(s, request.path_params["doc_id"])
        except ProvenanceError as exc:
            return failed(request, exc)
        return render(request, "document.html", view=view)

    def quote(request: Request) -> Response:
        try:
            with store.session() as s:
                view = browse.quote_view(s, request.path_params["quote_id"])
        except ProvenanceError as exc:
            return failed(request, exc)
        return render(request, "quote.html", view=view, statuses=list(ReviewStatus))

    def trace_page(request: Request) -> Response:
        query = request.path_params.get("quote_id") or request.query_params.get("q", "")
        if not query.strip():
            return render(request, "trace.html", view=None, query="")
        try:
            with store.session() as s:
                view = browse.trace_view(s, query.strip())
        except ProvenanceError as exc:
            return failed(request, exc)
        return render(request, "trace.html", view=view, query=query)

    def clusters(request: Request) -> Response:
        offset, limit = offset_limit(request, 20)
        min_members = max(2, _int(request.query_params.get("min"), 2))
        with store.session() as s:
            page = browse.clusters_page(s, min_members, offset, limit)
        return render(request, "clusters.html", page=page)

    def conflicts(request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in CONFLICT_KINDS:
            return failed(
                request, ProvenanceError(f"kind {kind!r}: want one of {', '.join(CONFLICT_KINDS)}")
            )
        offset, limit = offset_limit(request, 20)
        with store.session() as s:
            page = browse.conflicts_page(s, kind, offset, limit)
        return render(
            request,
            "conflicts.html",
            page=page,
            kind=kind or "",
            kinds=CONFLICT_KINDS,
            decisions=[d for d in FlagDecision],
        )

    async def checked_form(request: Request) -> dict[str, str] | Response:
        """The POSTed form if it passes the cross-site checks, else a 403 response."""
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not (
            _same_origin(request) and cookie and hmac.compare_digest(cookie, form.get("csrf", ""))
        ):
            return HTMLResponse("cross-site request refused", status_code=403)
        return form

    def after_post(request: Request, form: dict[str, str], fallback: str) -> Response:
        response = RedirectResponse(_safe_next(form.get("next"), fallback), status_code=303)
        response.set_cookie(
            REVIEWER_COOKIE, form.get("by", "").strip()[:100], httponly=True, samesite="strict"
        )
        return response

    async def review_quote(request: Request) -> Response:
        form = await checked_form(request)
        if isinstance(form, Response):
            return form
        qid = request.path_params["quote_id"]
        try:
            with store.session() as s:
                review(
                    s, qid, form.get("status", ""), form.get("note", "").strip(), form.get("by", "")
                )
        except ValueError:
            return failed(request, ProvenanceError(f"unknown status {form.get('status')!r}"))
        except ProvenanceError as exc:
            return failed(request, exc)
        return after_post(request, form, f"/quotes/{qid}")

    async def reassign(request: Request) -> Response:
        form = await checked_form(request)
        if isinstance(form, Response):
            return form
        qid = request.path_params["quote_id"]
        try:
            with store.session() as s:
                reassign_speaker(
                    s,
                    qid,
                    form.get("speaker", ""),
                    form.get("note", "").strip(),
                    form.get("by", ""),
                )
        except ProvenanceError as exc:
            return failed(request, exc)
        return after_post(request, form, f"/quotes/{qid}")

    async def review_conflict(request: Request) -> Response:
        form = await checked_form(request)
        if isinstance(form, Response):
            return form
        try:
            with store.session() as s:
                review_flag(
                    s,
                    request.path_params["flag_id"],
                    form.get("decision", ""),
                    form.get("note", "").strip(),
                    form.get("by", ""),
                )
        except ValueError:
            return failed(request, ProvenanceError(f"unknown decision {form.get('decision')!r}"))
        except ProvenanceError as exc:
            return failed(request, exc)
        return after_post(request, form, "/conflicts")

    routes = [
        Route("/", home),
        Route("/speakers", speakers),
        Route("/speakers/{speaker_id}", speaker),
        Route("/documents", documents),
        Route("/documents/{doc_id}", document),
        Route("/quotes/{quote_id}", quote),
        Route("/quotes/{quote_id}/review", review_quote, methods=["POST"]),
        Route("/quotes/{quote_id}/speaker", reassign, methods=["POST"]),
        Route("/trace", trace_page),
        Route("/trace/{quote_id}", trace_page),
        Route("/clusters", clusters),
        Route("/conflicts", conflicts),
        Route("/conflicts/{flag_id}/review", review_conflict, methods=["POST"]),
    ]
    return Starlette(routes=routes)
