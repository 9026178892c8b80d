import json

import numpy as np
import pytest

from theorylab import plotting


def _fig():
    fig, ax = plotting.figure()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x**2, label="x^2")
    ax.set_xlabel("x")
    ax.legend()
    return fig


def test_save_is_byte_deterministic(tmp_path):
    svg1, png1 = plotting.save(_fig(), "slug-a", "fig", folder=tmp_path)
    b1 = svg1.read_bytes(), png1.read_bytes()
    svg2, png2 = plotting.save(_fig(), "slug-a", "fig", folder=tmp_path)
    assert (svg2.read_bytes(), png2.read_bytes()) == b1
    text = svg1.read_text()
    assert "<dc:date>" not in text
    assert svg1.parent == tmp_path / "slug-a"


@pytest.mark.parametrize("name", ["", "../up", "a b", "x/y"])
def test_bad_names(tmp_path, name):
    with pytest.raises(ValueError, match="name"):
        plotting.save(_fig(), "slug", name, folder=tmp_path)


def test_not_a_figure(tmp_path):
    with pytest.raises(TypeError, match="Figure"):
        plotting.save("nope", "slug", "x", folder=tmp_path)


def test_save_returns_paths_that_unpack(tmp_path):
    out = plotting.save(_fig(), "slug-b", "fig", folder=tmp_path, show=False)
    svg, png = out
    assert (out.svg, out.png) == (svg, png) == (tmp_path / "slug-b" / "fig.svg", tmp_path / "slug-b" / "fig.png")
    assert svg.stat().st_size > 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_show(tmp_path):
    with pytest.raises(TypeError, match="show"):
        plotting.save(_fig(), "slug", "x", folder=tmp_path, show="yes")


def _run_cells(cells, tmp_path, env=None):
    """Execute code cells in a real Jupyter kernel; return the executed notebook."""
    import os

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


SETUP = """
from theorylab import plotting
def make():
    fig, ax = plotting.figure()
    ax.plot([0, 1, 2], [0, 1, 4], label="x^2")
    ax.set_xlabel("x")
    return fig
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["inline", "Agg"])
def test_notebook_shows_each_figure_once_and_no_paths(tmp_path, backend):
    """In a kernel, save() displays the saved SVG once (whatever the matplotlib backend),
    and its return value prints nothing: no tuple of absolute paths on the page."""
    env = {"MPLBACKEND": "Agg"} if backend == "Agg" else {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    folder = str(tmp_path / "figs")
    nb = _run_cells([
        SETUP,
        f"plotting.save(make(), 's', 'last-line', folder={folder!r})",
        f"svg, png = plotting.save(make(), 's', 'unpacked', folder={folder!r})\nsvg.name",
        f"plotting.SVG_INLINE_MAX_BYTES = 10\nplotting.save(make(), 's', 'as-png', folder={folder!r})",
        f"plotting.save(make(), 's', 'quiet', folder={folder!r}, show=False)",
    ], tmp_path, env)
    outs = [c.outputs for c in nb.cells]
    assert outs[0] == []
    for i, mime in ((1, "image/svg+xml"), (2, "image/svg+xml"), (3, "image/png")):
        images = [o for o in outs[i] if o["output_type"] == "display_data"]
        assert len(images) == 1, f"cell {i}: expected one figure, got {outs[i]}"
        assert set(images[0]["data"]) == {mime}, images[0]["data"].keys()
    # the SVG shown is byte for byte the SVG saved
    assert outs[1][0]["data"]["image/svg+xml"] == (tmp_path / "figs" / "s" / "last-line.svg").read_text()
    # no repr of the SavedFigure / PosixPath leaks; the explicit expression still shows
    text = json.dumps(outs)
    assert "PosixPath" not in text and str(tmp_path) not in text
    assert [o["data"]["text/plain"] for o in outs[2] if o["output_type"] == "execute_result"] == ["'unpacked.svg'"]
    # show=False writes the files only; the figure stays open for the backend to handle
    assert not [o for o in outs[4] if o["output_type"] == "execute_result"]
    if backend == "Agg":
        assert outs[4] == []


@pytest.mark.slow
def test_notebook_figure_output_is_deterministic(tmp_path):
    cells = [SETUP, f"plotting.save(make(), 's', 'd', folder={str(tmp_path)!r})"]
    a = _run_cells(cells, tmp_path).cells[1].outputs
    b = _run_cells(cells, tmp_path).cells[1].outputs
    assert a == b and a
