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
