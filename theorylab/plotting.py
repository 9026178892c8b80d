"""House plotting style and deterministic figure saving.

Every figure in a notebook is saved *and* shown through :func:`save`, which writes
``figures/<slug>/<name>.svg`` and ``.png`` and, inside a Jupyter kernel, displays the
figure once in the cell's output (the SVG, or the PNG when the SVG is larger than
:data:`SVG_INLINE_MAX_BYTES`), then closes it so the inline backend does not show it a
second time. Saving is byte-for-byte deterministic: no date in the SVG metadata, a
fixed SVG hash salt for element ids, and no software/date chunks in the PNG, so
re-running a notebook changes no file and the executed notebook embeds the same bytes.

:func:`save` returns a :class:`SavedFigure` (the two paths); it has no notebook
representation, so ``plotting.save(...)`` as the last line of a cell prints nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib

from . import config

__all__ = ["STYLE", "use_style", "save", "figure", "COLORS", "SavedFigure", "SVG_INLINE_MAX_BYTES"]

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


SVG_INLINE_MAX_BYTES: int = 400_000
"""An SVG larger than this (a dense scatter plot) is shown as its PNG instead."""


class SavedFigure(NamedTuple):
    """The files :func:`save` wrote. Unpacks as ``svg, png = plotting.save(...)``.

    In a notebook it displays as nothing: the figure itself was already shown by
    :func:`save`, and the paths (absolute, machine-specific) do not belong on a page.
    """

    svg: Path
    png: Path

    def _ipython_display_(self) -> None:  # IPython: handled, show nothing
        return None


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (not a plain or terminal IPython session)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _show(svg: Path, png: Path) -> None:
    """Publish the saved file in the cell's output: one mime type, the saved bytes."""
    from IPython.display import display

    data = svg.read_bytes()
    if len(data) <= SVG_INLINE_MAX_BYTES:
        display({"image/svg+xml": data.decode("utf-8")}, raw=True)
    else:
        import base64

        display({"image/png": base64.b64encode(png.read_bytes()).decode("ascii")}, raw=True)


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def save(fig, slug: str, name: str, *, folder: str | Path | None = None,
         show: bool | None = None) -> SavedFigure:
    """Write ``<figures>/<slug>/<name>.svg`` and ``.png`` deterministically, and show
    the figure in the notebook.

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
    show
        Display the figure in the cell's output and close it. ``None`` (default): when
        running inside a Jupyter kernel. ``False``: only write the files.

    Returns
    -------
    SavedFigure
        ``(svg, png)`` paths; displays as nothing in a notebook.

    Examples
    --------
    >>> import tempfile
    >>> from theorylab import plotting
    >>> fig, ax = plotting.figure()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     svg, png = plotting.save(fig, "example", "line", folder=tmp)
    ...     print(svg.name, png.name, svg.parent.name)
    line.svg line.png example
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    for arg, value in (("slug", slug), ("name", name)):
        if not isinstance(value, str) or not _NAME.match(value):
            raise ValueError(f"{arg} must be a simple file name (letters, digits, -_.); got {value!r}")
    if show is not None and not isinstance(show, bool):
        raise TypeError(f"show must be True, False or None; got {type(show).__name__}")
    root = Path(folder) if folder is not None else config.figures_dir()
    out = root / slug
    out.mkdir(parents=True, exist_ok=True)
    svg, png = out / f"{name}.svg", out / f"{name}.png"
    with matplotlib.rc_context({"svg.hashsalt": "theorylab"}):
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(png, format="png", metadata={"Software": None})
    if show is None:
        show = _in_kernel()
    if show:
        import matplotlib.pyplot as plt

        _show(svg, png)
        plt.close(fig)  # the inline backend would otherwise show it again
    return SavedFigure(svg, png)
