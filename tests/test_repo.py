"""Repository hygiene: every notebook in toc.yml and in the registry, no outputs committed."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from theorylab import registry, runner

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = runner.discover(ROOT)


def _toc_files():
    toc = yaml.safe_load((ROOT / "toc.yml").read_text())
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return files


def test_toc_lists_every_notebook():
    listed = set(_toc_files())
    missing = [f"notebooks/{j.part}/{j.slug}" for j in NOTEBOOKS if f"notebooks/{j.part}/{j.slug}" not in listed]
    assert not missing, f"notebooks missing from toc.yml: {missing}"
    for f in listed:
        assert (ROOT / f"{f}.md").is_file(), f"toc.yml lists {f} but {f}.md does not exist"


def test_no_ipynb_committed():
    try:
        out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert out.stdout.strip() == "", f"committed .ipynb files: {out.stdout}"


@pytest.mark.parametrize("job", NOTEBOOKS, ids=lambda j: j.slug)
def test_notebook_conventions(job):
    text = job.path.read_text(encoding="utf-8")
    paper = registry.get(job.slug)  # the file name is a registered slug
    assert paper.part == job.part, f"{job.slug} belongs in notebooks/{paper.part}/"
    assert "format_name: myst" in text
    # no outputs: a jupytext MyST file holds none; make sure nobody pasted an .ipynb JSON
    assert '"outputs"' not in text and '"execution_count"' not in text
    assert "claims.Ledger(" in text and job.slug in text, "no claims.Ledger for this slug"
    assert "config.profile()" in text
    assert "{footbibliography}" in text, "close the page with a {footbibliography}"
    # every notebook is under the v2 ledger contract (roles, grades, controls, computed tolerances)
    assert "legacy=True" not in text, "notebooks are born under the v2 contract: no claims.Ledger(..., legacy=True)"
