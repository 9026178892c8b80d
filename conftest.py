"""pytest plugin: every jupytext notebook under ``notebooks/`` is a test.

Each ``notebooks/<part>/<slug>.md`` that carries a jupytext ``kernelspec`` header is
converted by jupytext into ``_build/nbmake/<part>/<slug>.ipynb`` and executed by
nbmake's runner at the quick profile (``THEORYLAB_PROFILE=quick`` unless the caller
set another), with a per-notebook timeout (``--nb-timeout``, default 300 s); a notebook that passes
is written back there executed, for ``tests/test_browser.py`` to reuse. With
``pytest -n 2`` (pytest-xdist) notebooks run in parallel. A failing claim raises
``theorylab.claims.ClaimFailed`` inside the notebook, which fails its test and shows
the notebook's traceback.
"""

from __future__ import annotations

import json
import os
import time

# pytest-xdist runs one worker per core; an oversubscribed multi-threaded BLAS in each
# worker (and in each notebook kernel, which inherits this environment) slows the
# suite several-fold. One BLAS thread per process is the fast setting here.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
from pathlib import Path

import pytest

from theorylab.runner import is_notebook

try:  # numpy may already be imported by a plugin: limit its pool too
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    pass

ROOT = Path(__file__).resolve().parent
NB_DIR = ROOT / "notebooks"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--nb-timeout", type=int, default=300,
        help="per-notebook execution timeout in seconds (default 300)",
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if NB_DIR in file_path.parents and is_notebook(file_path):
        return MystNotebookFile.from_parent(parent, path=file_path)
    return None


class MystNotebookFile(pytest.File):
    def collect(self):
        yield MystNotebookItem.from_parent(self, name=self.path.stem)


class MystNotebookItem(pytest.Item):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_marker(pytest.mark.notebook)

    def runtest(self) -> None:
        import jupytext
        import nbformat
        from nbmake.nb_run import NotebookRun

        src: Path = self.path
        rel = src.relative_to(NB_DIR).with_suffix(".ipynb")
        out = ROOT / "_build" / "nbmake" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        nb = jupytext.read(src)
        nbformat.write(nb, out)
        os.environ.setdefault("THEORYLAB_PROFILE", "quick")
        os.environ.setdefault("THEORYLAB_ROOT", str(ROOT))
        timeout = self.config.getoption("--nb-timeout")
        ledger_file = ROOT / "_build" / "ledger" / f"{src.stem}.json"
        started = time.time()
        # as in the runner and the book build, the kernel shows no sweep progress bars (their
        # stderr would be on the page when tests/test_browser.py shows this execution); only
        # the kernel's environment: the unit tests in this worker keep the default
        before = os.environ.get("THEORYLAB_PROGRESS")
        os.environ["THEORYLAB_PROGRESS"] = "0"
        try:
            res = NotebookRun(out, timeout).execute()
        finally:
            if before is None:
                os.environ.pop("THEORYLAB_PROGRESS", None)
            else:
                os.environ["THEORYLAB_PROGRESS"] = before
        if res.error is not None:
            raise NotebookFailed(res.error.summary, res.error.trace)
        # the notebook must have written its ledger, with one record per claim id
        if not ledger_file.exists() or ledger_file.stat().st_mtime < started - 1:
            raise NotebookFailed("no ledger written", f"{src.stem}: expected {ledger_file} from claims.Ledger")
        records = json.loads(ledger_file.read_text(encoding="utf-8"))["records"]
        if not records:
            raise NotebookFailed("empty ledger", f"{src.stem}: the notebook checked no claim")
        for cell in res.nb.cells:
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream" and "checked again" in o.get("text", ""):
                    raise NotebookFailed("claim id checked twice", o["text"])
        # keep the executed notebook: tests/test_browser.py (run after this suite by
        # `make test`) shows it instead of executing the notebook a second time
        nbformat.write(res.nb, out)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, NotebookFailed):
            summary, trace = excinfo.value.args
            return f"notebook {self.path.relative_to(ROOT)} failed: {summary}\n\n{trace}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"notebook {self.path.relative_to(ROOT)}"


class NotebookFailed(Exception):
    """A notebook cell raised (e.g. a claim did not reproduce)."""
