"""Recorded full-profile results (``results/full/<slug>.json``, ``theorylab record``).

Checked without running the full profile:

* every committed result parses, names its notebook, and holds only claim ids that the
  notebook declares (read from its code: ledger-call ids, f-string templates, literals);
* the stale marker: a result is fresh for the code it came from, stale after a change
  to the notebook's code or to a theorylab module it reaches (directly or through
  another module, or claims.py), and *not* stale after a prose edit or a change to an
  unrelated module;
* the ledger page shows the quick and the recorded full verdict side by side, with the
  evidence's date and commit, and the stale marker;
* ``theorylab record`` end to end on a one-cell notebook at the quick profile: it writes
  the result file, skips it when fresh, re-runs it when stale.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from theorylab import cli, results, runner
from tests._notebooks import MYST_HEADER

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = sorted((ROOT / "results").glob("*/*.json"))


# --------------------------------------------------------------------------- #
# the committed results
# --------------------------------------------------------------------------- #
def test_there_are_committed_full_results():
    assert any(p.parent.name == "full" for p in COMMITTED), "no results/full/<slug>.json committed"


@pytest.mark.parametrize("path", COMMITTED, ids=[f"{p.parent.name}/{p.stem}" for p in COMMITTED])
def test_committed_result_parses_and_matches_its_notebook(path):
    res = results.load_result(path)  # schema, required fields, records of this slug and profile
    assert res["profile"] == path.parent.name
    nb = ROOT / "notebooks" / res["part"] / f"{res['slug']}.md"
    assert nb.is_file(), f"{path.name}: no notebook {nb.relative_to(ROOT)}"
    # a failed run is recorded too (the book shows it as failed, with its error); it may have
    # stopped before its first check
    assert res["records"] or (not res["ok"] and res["error"]), f"{path.name}: no ledger records"
    ids = [r["claim"] for r in res["records"]]
    assert len(ids) == len(set(ids)), f"{path.name}: a claim id recorded twice"
    assert not results.undeclared_claims(res, ROOT), (
        f"{path.name}: claim ids the notebook does not declare: {results.undeclared_claims(res, ROOT)}")
    # the provenance a reader is shown
    assert len(res["commit"] or "") == 40 and res["date"].endswith("Z") and res["seconds"] > 0
    assert res["machine"]["cores"] >= 1 and res["machine"]["memory_gb"] > 0
    assert res["digest"] == results.digest(res["dependencies"])
    assert any(k.endswith("#code") for k in res["dependencies"])
    assert "theorylab/claims.py" in res["dependencies"]
    results.freshness(res, ROOT)  # computable (fresh or not: other engineers keep changing code)


def test_undeclared_claim_is_caught(tmp_path):
    res = results.load_result(COMMITTED[0])
    res["records"] = [*res["records"], {**res["records"][0], "claim": "C99zz"}]
    assert results.undeclared_claims(res, ROOT) == ["C99zz"]


def test_a_result_of_another_slug_or_profile_is_refused(tmp_path):
    data = json.loads(COMMITTED[0].read_text(encoding="utf-8"))
    bad = tmp_path / "other-slug.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="holds slug"):
        results.load_result(bad)
    data["records"][0]["profile"] = "quick"
    bad = tmp_path / f"{data['slug']}.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="record"):
        results.load_result(bad)
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        results.load_result(bad)


# --------------------------------------------------------------------------- #
# the dependency digest and the stale marker, on a small package of its own
# --------------------------------------------------------------------------- #
NOTEBOOK = MYST_HEADER + """
Prose that does not change the result.

```{code-cell} ipython3
:tags: [hide-input]
import numpy as np
from theorylab import claims, alpha
from theorylab.gamma import thing
```

```{code-cell} ipython3
ledger = claims.Ledger("tiny", seed=0)
ledger.identity("C1", "one is one", role="implementation", measured=1.0, expected=1.0)
for cid in ("C2a", "C2b"):
    ledger.report(cid, "shown", measured=2.0, why="not checkable")
ledger.report(f"C3-{alpha.NAME}", "templated", measured=3.0, why="not checkable")
```
"""

PACKAGE = {
    "__init__.py": "",
    "claims.py": "from . import config\n",
    "config.py": "import os\n",
    "alpha.py": "NAME = 'a'\ndef f():\n    from .beta import g  # a lazy import counts too\n    return g()\n",
    "beta.py": "from theorylab import delta\ndef g():\n    return 1\n",
    "delta.py": "X = 1\n",
    "gamma/__init__.py": "from ._impl import thing\n",
    "gamma/_impl.py": "from .. import config\nthing = 1\n",
    "unrelated.py": "Y = 2\n",
}


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "repo"
    for name, text in PACKAGE.items():
        f = root / "theorylab" / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    nb = root / "notebooks" / "mechanisms" / "tiny.md"
    nb.parent.mkdir(parents=True)
    nb.write_text(NOTEBOOK, encoding="utf-8")
    return root, nb


def test_dependencies_follow_imports_transitively(tiny):
    root, nb = tiny
    deps = results.dependencies(nb, root)
    files = sorted(k for k in deps if not k.endswith("#code"))
    assert files == ["theorylab/__init__.py", "theorylab/alpha.py", "theorylab/beta.py", "theorylab/claims.py",
                     "theorylab/config.py", "theorylab/delta.py", "theorylab/gamma/__init__.py",
                     "theorylab/gamma/_impl.py"]
    assert "notebooks/mechanisms/tiny.md#code" in deps


def _fake_result(root: Path, nb: Path) -> dict:
    job = runner.NotebookJob(slug="tiny", part="mechanisms", path=nb)
    meta = results._meta(job, "full", root)
    return results._result(meta, ok=True, error="", seconds=12.0,
                           records=[{"slug": "tiny", "claim": "C1", "verdict": "reproduced", "profile": "full"}])


@pytest.mark.parametrize("edit, stale, why", [
    (("notebook", "Prose that does not change", "Prose, edited, that does not change"), False, ""),
    (("theorylab/unrelated.py", "Y = 2", "Y = 3"), False, ""),
    (("notebook", "seed=0", "seed=1"), True, "the notebook's code changed"),
    (("theorylab/delta.py", "X = 1", "X = 2"), True, "theorylab/delta.py"),          # two imports away
    (("theorylab/gamma/_impl.py", "thing = 1", "thing = 2"), True, "theorylab/gamma/_impl.py"),
    (("theorylab/claims.py", "\n", "\nimport sys\n"), True, "theorylab/claims.py"),
    (("theorylab/beta.py", "def g", "from . import unrelated\ndef g"), True, "now also imports: theorylab/unrelated.py"),
])
def test_stale_marker(tiny, edit, stale, why):
    root, nb = tiny
    res = _fake_result(root, nb)
    assert results.freshness(res, root) == {"stale": False, "changed": [], "added": [], "removed": [], "why": ""}
    where, old, new = edit
    f = nb if where == "notebook" else root / where
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    fr = results.freshness(res, root)
    assert fr["stale"] is stale, fr
    assert why in fr["why"]
    f.write_text(text, encoding="utf-8")  # undo: fresh again
    assert not results.freshness(res, root)["stale"]


def test_declared_claims_of_the_tiny_notebook(tiny):
    root, nb = tiny
    res = _fake_result(root, nb)
    res["records"] = [{"slug": "tiny", "claim": c, "verdict": "reported", "profile": "full"}
                      for c in ("C1", "C2a", "C2b", "C3-a", "C4")]
    assert results.undeclared_claims(res, root) == ["C4"]


# --------------------------------------------------------------------------- #
# the ledger page
# --------------------------------------------------------------------------- #
def _rec(claim, verdict, profile, expected=None, criterion="1 in [0, 2]"):
    return {"slug": "cross-entropy-hconsistency", "claim": claim, "statement": f"statement {claim}",
            "role": "claim", "kind": "in_interval", "grade": "moderate", "criterion": criterion,
            "control": {"variant": "wrong", "rejected": True}, "verdict": verdict,
            "expected": expected or verdict, "profile": profile}


def test_ledger_page_shows_quick_and_full_side_by_side():
    rows = [r for r in __import__("theorylab").registry.status() if r["slug"] == "cross-entropy-hconsistency"]
    row = {**rows[0], "records": [_rec("C1", "reproduced", "quick"),
                                  _rec("C2", "not-reproduced", "quick", "not-reproduced")]}
    rec = {"slug": row["slug"], "part": row["part"], "profile": "full", "ok": True, "error": "",
           "commit": "0123456789abcdef" * 2 + "01234567", "dirty": False, "date": "2026-05-01T10:00:00Z",
           "seconds": 600.0, "machine": {"cores": 8}, "records": [_rec("C1", "reproduced", "full", criterion="at full"),
                                                                   _rec("C2", "reproduced", "full")]}
    fresh = {"stale": False, "why": ""}
    page = runner.ledger_markdown([row], {row["slug"]: rec}, {row["slug"]: fresh})
    assert "full profile (recorded)" in page and "full verdict (recorded)" in page
    assert "2026-05-01, 01234567, 10 min on 8 cores" in page
    assert "at full" in page  # the full criterion is shown beside the quick one
    assert "tl-stale" not in page
    assert "cross-entropy-hconsistency C2 (not reproduced (declared) at quick, reproduced at full)" in page
    stale = runner.ledger_markdown([row], {row["slug"]: rec},
                                   {row["slug"]: {"stale": True, "why": "changed since: theorylab/losses/_core.py"}})
    assert stale.count('tl-verdict tl-stale">stale') == 3  # the paper and each of its two claims
    assert "changed since: theorylab/losses/\\_core.py" in stale
    assert "1 of them stale" in stale
    none = runner.ledger_markdown([row], {}, {})
    assert "not recorded yet" in none and "0 of 1 notebooks" in none
    # a paper without a recorded result: its check table has no full-verdict column
    assert "full verdict (recorded)" not in none and "quick verdict" in none


# --------------------------------------------------------------------------- #
# theorylab record, end to end, on a one-cell notebook (quick profile: seconds)
# --------------------------------------------------------------------------- #
RUNNABLE = NOTEBOOK.replace("from theorylab import claims, alpha\nfrom theorylab.gamma import thing\n",
                            "from theorylab import claims\n").replace(
    'ledger.report(f"C3-{alpha.NAME}", "templated", measured=3.0, why="not checkable")\n', "")


@pytest.mark.slow
def test_record_writes_skips_and_reruns(tmp_path, monkeypatch, capsys):
    root = tmp_path / "repo"
    nb = root / "notebooks" / "mechanisms" / "tiny.md"
    nb.parent.mkdir(parents=True)
    nb.write_text(RUNNABLE, encoding="utf-8")
    # no theorylab/ folder in this root: the digests are of the installed package
    for var in ("THEORYLAB_BUILD_DIR", "THEORYLAB_FIGURES_DIR", "THEORYLAB_RESULTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("THEORYLAB_ROOT", str(root))
    jobs = runner.discover(root)
    assert [j.slug for j in jobs] == ["tiny"]
    lines: list[str] = []
    out = results.record(jobs, profile="quick", jobs_parallel=1, timeout=120, root=root, echo=lines.append)
    f = root / "results" / "quick" / "tiny.json"
    assert f.is_file() and len(out) == 1
    res = results.load_result(f)
    assert res["ok"] and [r["claim"] for r in res["records"]] == ["C1", "C2a", "C2b"]
    assert res["commit"] is None  # not a git checkout
    assert not results.undeclared_claims(res, root)
    # the quick build the book shows is untouched: the run wrote under _build/record-quick
    assert not (root / "_build" / "ledger").exists()
    assert (root / "_build" / "record-quick" / "ledger" / "tiny.json").is_file()
    # fresh: skipped
    lines.clear()
    results.record(jobs, profile="quick", jobs_parallel=1, timeout=120, root=root, echo=lines.append)
    assert any("fresh recorded result" in ln for ln in lines) and not any("to run" in ln for ln in lines)
    assert results.load_result(f)["date"] == res["date"]
    # stale after a code change: re-run
    nb.write_text(RUNNABLE.replace("seed=0", "seed=5"), encoding="utf-8")
    assert results.plan(jobs, "quick", root)[0].state == "stale"
    lines.clear()
    results.record(jobs, profile="quick", jobs_parallel=1, timeout=120, root=root, echo=lines.append)
    assert any("stale: the notebook's code changed" in ln for ln in lines)
    assert results.load_result(f)["records"][0]["seed"] == 5
    assert results.plan(jobs, "quick", root)[0].state == "fresh"
    # the CLI's status view of the same folder
    capsys.readouterr()
    assert cli.main(["record", "--profile", "quick", "--status", "--wide"]) == 0
    out = capsys.readouterr().out
    assert "mechanisms/tiny" in out and "1 fresh" in out


def test_record_status_and_bad_slugs(capsys):
    assert cli.main(["record", "--status", "--wide"]) == 0
    out = capsys.readouterr().out
    assert "structure-preserving-operator-learning" in out and ("fresh" in out or "stale" in out)
    assert cli.main(["record", "cross-entropy-hconsistenc"]) == 2
    assert "did you mean" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["record", "--jobs", "0"])
    assert e.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_docstring_commands_exist():
    # the commands the module docstring and the README give a reader
    text = textwrap.dedent(results.__doc__ or "")
    for cmd in ("theorylab record", "--status", "--jobs"):
        assert cmd in text
