"""Render the whole book with notebook execution switched off and warnings as errors,
so a broken page, cross-reference or citation fails `make test`.

A few properties of the rendered pages are checked here too, without a browser (the
browser test, tests/test_browser.py, checks them as a reader sees them): MathJax is
bundled in the build, no page names a CDN or the unused thebe scripts, theorem blocks
are numbered by claim id per page."""

import re

import pytest

from theorylab import runner


@pytest.mark.book
def test_book_renders_without_execution(tmp_path):
    runner.write_generated_pages()
    proc = runner.build_html(execute_notebooks="off", output=tmp_path, quiet=True)
    log = (proc.stdout or "") + (proc.stderr or "")
    problems = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert proc.returncode == 0, "jupyter-book build failed:\n" + "\n".join(problems or log.splitlines()[-40:])
    html = tmp_path / "_build" / "html"
    assert (html / "notebooks" / "ledger.html").is_file()

    # math is typeset from the build itself: the bundled MathJax and its fonts
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    pages = sorted(html.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for bad in ("cdn.jsdelivr.net", "unpkg.com", "THEBE_JS_URL", "googleapis.com"):
            assert bad not in text, f"{page.relative_to(html)} names {bad}"
    ce = (html / "notebooks" / "learning-theory" / "cross-entropy-hconsistency.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in ce
    # theorem blocks carry the claim id of their label, not a book-wide counter
    numbers = re.findall(r'<span class="caption-number">(\w+) (\S+) </span>', ce)
    assert numbers and all(re.fullmatch(r"C\d+\w*", n) for _, n in numbers), numbers
