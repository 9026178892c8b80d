"""Render the whole book with notebook execution switched off and warnings as errors,
so a broken page, cross-reference or citation fails `make test`."""

import pytest

from theorylab import runner


@pytest.mark.book
def test_book_renders_without_execution(tmp_path):
    runner.write_generated_pages()
    proc = runner.build_html(execute_notebooks="off", output=tmp_path, quiet=True)
    log = (proc.stdout or "") + (proc.stderr or "")
    problems = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert proc.returncode == 0, "jupyter-book build failed:\n" + "\n".join(problems or log.splitlines()[-40:])
    assert (tmp_path / "_build" / "html" / "notebooks" / "ledger.html").is_file()
