"""The collection: the 58 papers theorylab covers, and where each stands.

The registry is one data file, ``theorylab/data/papers.json``: for every paper its slug,
title, authors, year, arXiv id, venue, part,
class (``T`` theory with checkable theorems, ``M`` empirical paper whose mechanism is
checkable at toy scale, ``X`` nothing honestly checkable on a CPU) and, for class X,
the reason.

:func:`status` joins it with the notebooks present under ``notebooks/`` and the ledger
records under ``_build/ledger/`` to say, for every paper, whether its claims
reproduced, its notebook is not yet written, or it is not checkable on a CPU.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import _validate as V
from . import claims, config

__all__ = ["Paper", "PARTS", "papers", "get", "notebook_path", "status", "suggest", "UnknownPaper"]

PARTS: dict[str, str] = {
    "kernels": "Kernels and infinite width",
    "learning-theory": "Learning theory",
    "bandits-rl": "Bandits and reinforcement learning",
    "mechanisms": "Mechanisms",
}
"""Part slug → caption, in book order."""


class UnknownPaper(ValueError):
    """A slug that is not in the registry (the message suggests close names)."""


@dataclass(frozen=True)
class Paper:
    slug: str
    title: str
    authors: str
    year: int | None
    arxiv: str
    venue: str
    part: str
    cls: str
    x_reason: str = ""

    @property
    def checkable(self) -> bool:
        """False for class X papers."""
        return self.cls != "X"


@lru_cache(maxsize=1)
def papers() -> tuple[Paper, ...]:
    """All papers of the collection, in catalogue order."""
    raw = json.loads(resources.files("theorylab").joinpath("data/papers.json").read_text(encoding="utf-8"))
    return tuple(Paper(**p) for p in raw["papers"])


def suggest(slug: str, n: int = 3) -> list[str]:
    """Closest registered slugs to ``slug`` (at most ``n``).

    Examples
    --------
    >>> suggest("cross-entropy", n=1)
    ['cross-entropy-hconsistency']
    """
    V.text("slug", slug, nonempty=False)
    n = V.count("n", n, low=0, high=10_000)
    slugs = [p.slug for p in papers()]
    close = difflib.get_close_matches(slug, slugs, n=n, cutoff=0.4)
    if not close:
        close = [s for s in slugs if slug and slug.split("-")[0] in s][:n]
    return close


def get(slug: str) -> Paper:
    """The paper with this slug; :class:`UnknownPaper` (a ``ValueError``) otherwise.

    Examples
    --------
    >>> get("cross-entropy-hconsistency").part
    'learning-theory'
    """
    V.text("slug", slug)
    for p in papers():
        if p.slug == slug:
            return p
    hint = suggest(slug)
    msg = f"unknown paper slug {slug!r}"
    if hint:
        msg += "; did you mean " + ", ".join(repr(h) for h in hint) + "?"
    raise UnknownPaper(msg)


def notebook_path(slug: str, root: Path | None = None) -> Path | None:
    """``notebooks/<part>/<slug>.md`` under ``root`` (default: the repository root) if it
    exists, else ``None``.

    Examples
    --------
    >>> notebook_path('cross-entropy-hconsistency').name
    'cross-entropy-hconsistency.md'
    """
    p = get(slug)
    if root is not None and not isinstance(root, (str, Path)):
        raise TypeError(f"root must be a path; got {type(root).__name__}")
    root = Path(root) if root is not None else None
    base = (root or config.repo_root()) / "notebooks"
    path = base / p.part / f"{slug}.md"
    return path if path.is_file() else None


def status(root: Path | None = None, ledger_folder: Path | None = None) -> list[dict[str, Any]]:
    """One row per paper: the registry fields plus

    - ``notebook``: relative path of the notebook or ``None``;
    - ``state``: ``reproduced`` (all checks as expected), ``attention`` (a claim
      expected to reproduce did not), ``not-run`` (notebook present, no records yet),
      ``not-written``, or ``not-checkable``;
    - ``counts``: verdict → number of records;
    - ``records``: the ledger records of that paper.

    Examples
    --------
    >>> rows = status()
    >>> len(rows) == len(papers()), sorted(rows[0])[:3]
    (True, ['arxiv', 'authors', 'cls'])
    """
    root = root or config.repo_root()
    recs = claims.load_all_records(ledger_folder)
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        by_slug.setdefault(r["slug"], []).append(r)
    rows = []
    for p in papers():
        nb = notebook_path(p.slug, root)
        rs = by_slug.get(p.slug, [])
        counts: dict[str, int] = {}
        for r in rs:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
        if not p.checkable:
            state = "not-checkable"
        elif nb is None:
            state = "not-written"
        elif not rs:
            state = "not-run"
        elif any(r["verdict"] != r["expected"] for r in rs):
            state = "attention"
        else:
            state = "reproduced"
        rows.append(
            {
                **p.__dict__,
                "notebook": str(nb.relative_to(root)) if nb else None,
                "state": state,
                "counts": counts,
                "records": rs,
            }
        )
    return rows
