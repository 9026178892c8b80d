import re

import pytest

from theorylab import registry


def test_collection_has_58_papers():
    ps = registry.papers()
    assert len(ps) == 58
    assert len({p.slug for p in ps}) == 58


@pytest.mark.parametrize("paper", registry.papers(), ids=lambda p: p.slug)
def test_fields(paper):
    assert paper.part in registry.PARTS
    assert paper.cls in {"T", "M", "X"}
    assert re.fullmatch(r"\d{4}\.\d{4,5}", paper.arxiv)
    assert paper.title and paper.authors
    assert paper.year is None or 1990 < paper.year < 2030
    assert (paper.cls == "X") == bool(paper.x_reason)


def test_known_entry():
    p = registry.get("cross-entropy-hconsistency")
    assert p.arxiv == "2304.07288" and p.year == 2023 and "Mohri" in p.authors


def test_unknown_slug_suggests():
    with pytest.raises(registry.UnknownPaper, match="cross-entropy-hconsistency"):
        registry.get("cross-entropy")
    assert issubclass(registry.UnknownPaper, ValueError)


def test_status_rows(tmp_path):
    rows = registry.status(ledger_folder=tmp_path)
    assert len(rows) == 58
    states = {r["state"] for r in rows}
    assert states <= {"reproduced", "attention", "not-run", "not-written", "not-checkable"}
    assert sum(r["state"] == "not-checkable" for r in rows) == sum(p.cls == "X" for p in registry.papers())
