"""House plotting style and deterministic figure saving.

Every figure in a notebook is shown *and* saved through :func:`save`, which writes
``figures/<slug>/<name>.svg`` and ``.png``. Saving is byte-for-byte deterministic:
no date in the SVG metadata, a fixed SVG hash salt for element ids, and no
software/date chunks in the PNG, so re-running a notebook changes no file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

from . import config

__all__ = ["STYLE", "use_style", "save", "figure", "COLORS"]

COLORS: tuple[str, ...] = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
)
"""The house colour cycle (colour-blind-tolerant tab10 subset)."""

STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "svg.hashsalt": "theorylab",
    "svg.fonttype": "path",
    "path.simplify": True,
}


def use_style() -> None:
    """Apply the house style to matplotlib's rcParams."""
    from cycler import cycler

    matplotlib.rcParams.update(STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=list(COLORS))


def figure(nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """``plt.subplots`` with the house style applied (``constrained`` layout)."""
    import matplotlib.pyplot as plt

    use_style()
    kwargs.setdefault("layout", "constrained")
    if "figsize" not in kwargs and (nrows, ncols) != (1, 1):
        kwargs["figsize"] = (3.4 * ncols + 0.6, 3.0 * nrows + 0.4)
    return plt.subplots(nrows, ncols, **kwargs)


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def save(fig, slug: str, name: str, *, folder: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``<figures>/<slug>/<name>.svg`` and ``.png`` deterministically.

    Parameters
    ----------
    fig
        A matplotlib figure.
    slug
        The paper's slug (sub-folder).
    name
        File stem: letters, digits, ``-``, ``_``, ``.``.
    folder
        Override of the figures root (default :func:`theorylab.config.figures_dir`).

    Returns
    -------
    (svg_path, png_path)
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    for arg, value in (("slug", slug), ("name", name)):
        if not isinstance(value, str) or not _NAME.match(value):
            raise ValueError(f"{arg} must be a simple file name (letters, digits, -_.); got {value!r}")
    root = Path(folder) if folder is not None else config.figures_dir()
    out = root / slug
    out.mkdir(parents=True, exist_ok=True)
    svg, png = out / f"{name}.svg", out / f"{name}.png"
    with matplotlib.rc_context({"svg.hashsalt": "theorylab"}):
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(png, format="png", metadata={"Software": None})
    return svg, png
