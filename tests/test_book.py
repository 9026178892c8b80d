"""Render the whole book with notebook execution switched off and warnings as errors,
so a broken page, cross-reference or citation fails `make test`."""

import pytest

from theorylab import runner


@pytest.mark.book
def test_book_renders_without_execution(tmp_path):
    runner.write_generated_pages()
    proc = runner.build_html(execute_notebooks="off", output=tmp_path, quiet=True)
    log = (proc.stdout or "")[-4000:] + (proc.stderr or "")[-4000:]
    assert proc.returncode == 0, f"jupyter-book build failed:\n{log}"
    assert (tmp_path / "_build" / "html" / "notebooks" / "ledger.html").is_file()
