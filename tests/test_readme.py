"""The README's Python example works as a reader uses it: as a script, and pasted line by
line into a plain ``python`` console (where a blank line must close a ``def`` block)."""

import code
import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("**Import the helpers in your own work.**")
    m = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert m, "the README's 'Import the helpers' section has no ```python block"
    return m.group(1)


class _Console(code.InteractiveConsole):
    """A plain console that records tracebacks instead of printing them."""

    def __init__(self):
        super().__init__(locals={"__name__": "__main__"})
        self.errors: list[str] = []

    def showtraceback(self):  # noqa: D102
        import traceback

        self.errors.append("".join(traceback.format_exc()))

    def showsyntaxerror(self, filename=None, **kwargs):  # noqa: D102
        import traceback

        self.errors.append("".join(traceback.format_exc()))


def _check_values(ns: dict) -> None:
    from theorylab import claims, losses

    # numbers the README's comments state
    assert float(losses.cstar(np.array([0.5, 0.3, 0.2]), tau=1.0)) == pytest.approx(1.0297, abs=5e-5)
    assert ns["K"].shape == ns["Theta"].shape == (100, 100)
    slope = claims.fit_loglog(ns["m"]["n"], ns["m"]["err"])["slope"]
    assert -0.6 < slope < -0.4, f"README says 'about -0.5'; got {slope}"


@pytest.mark.slow
def test_readme_example_as_a_script(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing the example writes lands in the repository
    ns: dict = {"__name__": "__main__"}
    exec(compile(_example(), "README.md", "exec"), ns)
    _check_values(ns)


@pytest.mark.slow
def test_readme_example_pasted_into_a_console(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    console = _Console()
    out = io.StringIO()
    more = False
    with contextlib.redirect_stdout(out):
        for line in _example().splitlines():
            more = console.push(line)
        if more:
            console.push("")
    assert not console.errors, "pasting the README example into `python` fails:\n" + "\n".join(console.errors)
    shown = out.getvalue()
    assert "1.0296" in shown                      # losses.cstar(...) echoed by the console
    _check_values(console.locals)
