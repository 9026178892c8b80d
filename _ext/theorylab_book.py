"""Sphinx extension of the theorylab book (``book.yml``: ``sphinx.local_extensions``).

What it does, so that a reader offline sees a complete page:

1. **Theorem numbers per page, from the claim ids.** sphinx-proof numbers
   ``{prf:theorem}`` & co. across the whole book ("Theorem 17" on the fifth notebook),
   which a reader confuses with the paper's own numbering. A block labelled
   ``<slug>-c3`` is shown as "Theorem C3" (the id it has in the claims ledger); a block
   without such a label is numbered from 1 on its page.
2. **No unused thebe scripts.** Jupyter Book always loads sphinx-thebe, which puts its
   configuration script on every page twice (a console error, "Identifier
   'THEBE_JS_URL' has already been declared") and names a remote bundle. The book has
   no live kernels (``launch_buttons.thebe: false``), so both scripts are dropped.
3. **Local assets only.** A page whose script or stylesheet list still holds a remote
   URL is reported as a warning (an error under ``-W``). MathJax comes from the
   ``sphinx-mathjax-offline`` package, copied into the build's ``_static/mathjax``.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

CLAIM_LABEL = re.compile(r"-(c\d+[a-z0-9]*)$", re.IGNORECASE)
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def _order_key(number: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(x if isinstance(x, int) else 0 for x in number)


def number_proofs_per_page(app, env) -> list[str]:
    """``env-get-updated`` (after Sphinx assigned its book-wide numbers): renumber every
    sphinx-proof block per page — the claim id from its label, else 1, 2, … in reading order."""
    try:
        from sphinx_proof.nodes import NODE_TYPES
    except ImportError:  # pragma: no cover - sphinx-proof is a book dependency
        return []
    kinds = set(NODE_TYPES)
    changed = []
    for docname, figtypes in env.toc_fignumbers.items():
        for figtype, numbers in list(figtypes.items()):
            if figtype not in kinds or not numbers:
                continue
            new: dict[str, tuple[Any, ...]] = {}
            seq = 0
            for node_id in sorted(numbers, key=lambda i: _order_key(numbers[i])):
                m = CLAIM_LABEL.search(node_id)
                if m:
                    new[node_id] = (m.group(1).upper(),)
                else:
                    seq += 1
                    new[node_id] = (seq,)
            if new != numbers:
                figtypes[figtype] = new
                changed.append(docname)
    return sorted(set(changed))


def _asset(entry: Any) -> tuple[str, str]:
    """(filename, inline body) of a Sphinx script/stylesheet entry (object or str)."""
    filename = getattr(entry, "filename", entry)
    attrs = getattr(entry, "attributes", {}) or {}
    return str(filename or ""), str(attrs.get("body", ""))


def _is_thebe(entry: Any) -> bool:
    filename, body = _asset(entry)
    return filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def local_assets_only(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: drop the thebe scripts; warn about any remote asset."""
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = [s for s in scripts if not _is_thebe(s)]
    for key in ("script_files", "css_files"):
        for entry in context.get(key) or []:
            filename, _ = _asset(entry)
            if REMOTE.match(filename):
                logger.warning("page %s would load a remote asset %s; the book must build offline",
                               pagename, filename, type="theorylab", subtype="remote")


def setup(app) -> dict[str, Any]:
    app.connect("env-get-updated", number_proofs_per_page, priority=900)
    app.connect("html-page-context", local_assets_only, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
