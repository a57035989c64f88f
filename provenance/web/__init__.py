"""``provenance serve``: review pages in the browser (Starlette, Jinja2; no JavaScript).

:func:`create_app` takes an open :class:`~provenance.store.Store`. Route handlers call
one library function each (:mod:`provenance.browse` to read, :mod:`provenance.review`
to decide) and render a template; reviews go through the same calls as the CLI, so
the audit log and ``provenance verify`` cover them.
"""

from provenance.web.app import create_app

__all__ = ["create_app"]
