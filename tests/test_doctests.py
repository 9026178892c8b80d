"""Every docstring example of the package runs (issue 13: defaults work out of the box).

Each public module of ``theorylab`` is run through :mod:`doctest` with its own globals
(so ``np`` is available as in the module); a failing example fails its module's test.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import theorylab


def _modules() -> list[str]:
    names = ["theorylab"]
    for info in pkgutil.walk_packages(theorylab.__path__, "theorylab."):
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("modname", _modules())
def test_docstring_examples_run(modname, tmp_path, monkeypatch):
    monkeypatch.setenv("THEORYLAB_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("THEORYLAB_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("THEORYLAB_CACHE_DIR", str(tmp_path / "cache"))
    mod = importlib.import_module(modname)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, modname) if t.examples]
    # only the examples written in this module (re-exports are tested where they are defined)
    tests = [t for t in tests if getattr(t, "filename", None) == getattr(mod, "__file__", None)]
    if not tests:
        pytest.skip("no docstring examples")
    out: list[str] = []
    for t in tests:
        runner.run(t, out=out.append)
    res = runner.summarize(verbose=False)
    assert res.failed == 0, "".join(out)
