import json

import pytest

from theorylab import claims, cli
from tests._notebooks import MYST_HEADER


@pytest.fixture
def build(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORYLAB_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("THEORYLAB_PROFILE", raising=False)
    return tmp_path


def test_list(build, capsys):
    assert cli.main(["list", "--wide"]) == 0  # one line per paper, whatever the terminal
    out = capsys.readouterr().out
    assert "cross-entropy-hconsistency" in out and "58 papers" in out
    assert "not checkable on CPU" in out


def test_unknown_slug_suggests(build, capsys):
    assert cli.main(["run", "cross-entropy-hconsistenc"]) == 2
    assert "did you mean 'cross-entropy-hconsistency'" in capsys.readouterr().err


def test_bad_profile(build, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["run", "cross-entropy-hconsistency", "--profile", "huge"])
    assert e.value.code == 2
    assert "quick" in capsys.readouterr().err


def test_ledger_json_fields_and_exit_status(build, capsys):
    led = claims.Ledger("adaptive-data-analysis", seed=3)
    led.identity("C1", "fine", role="claim", measured=1.0, expected=1.0, reference="exact arithmetic")
    led.report("C2", "shown", measured=2.0, why="not checkable here")
    assert cli.main(["ledger", "--json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert [r["claim"] for r in recs] == ["C1", "C2"]
    need = {"slug", "claim", "statement", "role", "kind", "grade", "measured", "criterion", "control",
            "verdict", "expected", "profile", "seed", "seconds"}
    assert need <= set(recs[0])
    assert recs[0]["verdict"] == "reproduced" and recs[0]["expected"] == "reproduced"
    # an unexpected verdict makes the exit status non-zero
    with pytest.raises(claims.ClaimFailed):
        led.identity("C3", "broken", role="implementation", measured=1.0, expected=2.0)
    assert cli.main(["ledger"]) == 1
    assert "NOT REPRODUCED (unexpected)" in capsys.readouterr().out


def test_ledger_empty(build, capsys):
    assert cli.main(["ledger"]) == 0
    assert "no ledger records" in capsys.readouterr().out


def test_cache_command(build, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("THEORYLAB_CACHE_DIR", str(tmp_path / "c"))
    assert cli.main(["cache"]) == 0
    assert "0 runs" in capsys.readouterr().out
    assert cli.main(["cache", "--clear"]) == 0


@pytest.mark.parametrize("argv, option", [
    (["run", "cross-entropy-hconsistency", "--timeout", "0"], "--timeout"),
    (["run", "cross-entropy-hconsistency", "--timeout", "-5"], "--timeout"),
    (["book", "--timeout", "0"], "--timeout"),
    (["book", "--jobs", "0"], "--jobs"),
    (["book", "-j", "-1"], "--jobs"),
    (["book", "--jobs", "two"], "--jobs"),
])
def test_bad_timeout_and_jobs_name_the_option(build, capsys, argv, option):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and ("> 0" in err or ">= 1" in err), err


def test_runner_refuses_bad_jobs_and_timeout():
    from theorylab import runner

    with pytest.raises(ValueError, match="jobs_parallel"):
        runner.execute([], jobs_parallel=0)
    with pytest.raises(ValueError, match="timeout"):
        runner.execute([], timeout=0)


@pytest.mark.parametrize("slug, words, hide", [
    # every checkable paper has a notebook now: hide one to see the message a reader gets
    ("grokking-lazy-rich", "no notebook exists yet", True),      # class M
    ("fscil-bag-of-tricks", "not checkable on a CPU", False),     # class X
])
def test_ledger_slug_without_notebook(build, capsys, monkeypatch, slug, words, hide):
    from theorylab import registry

    if hide:
        real = registry.notebook_path
        monkeypatch.setattr(registry, "notebook_path",
                            lambda s, root=None: None if s == slug else real(s, root))
    assert registry.notebook_path(slug) is None
    for argv in (["ledger", "--slug", slug], ["ledger", "--slug", slug, "--json"]):
        assert cli.main(argv) != 0
        cap = capsys.readouterr()
        assert words in cap.err and slug in cap.err and cap.out == ""


LONG = ("fitted slope -0.498 in [-0.55, -0.45] over 4 decades of n with a bootstrap interval "
        "[-0.512, -0.487] inside the window (catalogue criterion, frozen)")


def _long_record(build):
    led = claims.Ledger("adaptive-data-analysis", seed=3)
    led.check("C9", "a long criterion", role="claim", passed=True, measured=1.0, criterion=LONG,
              no_control="test record")


def test_ledger_wraps_long_criteria_instead_of_cutting(build, capsys, monkeypatch):
    _long_record(build)
    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["ledger"]) == 0
    out = capsys.readouterr().out
    table = out.splitlines()
    assert "…" not in out
    assert max(map(len, table)) <= 100, max(table, key=len)
    # every word of the criterion is there, in order, across the wrapped lines
    assert " ".join(out.split()).count("inside the window (catalogue criterion, frozen)") == 1
    assert cli.main(["ledger", "--wide"]) == 0
    wide = capsys.readouterr().out
    assert any(LONG in line for line in wide.splitlines())


def test_list_wraps_reasons(build, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "110")
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    assert max(len(ln) for ln in out.splitlines()) <= 110
    assert cli.main(["list", "--wide"]) == 0
    assert any("CIFAR-100, CUB-200 and miniImageNet" in ln for ln in capsys.readouterr().out.splitlines())


NOTEBOOK = MYST_HEADER + """
```{code-cell} ipython3
x = 1 + 1
```

```{code-cell} ipython3
print("value", x)
```
"""


@pytest.mark.slow
def test_run_shows_cell_progress_and_no_kernel_tcp_warning(build, tmp_path, capfd, monkeypatch):
    from theorylab import runner

    nb = tmp_path / "nbs" / "tiny.md"
    nb.parent.mkdir()
    nb.write_text(NOTEBOOK, encoding="utf-8")
    job = runner.NotebookJob(slug="tiny", part="nbs", path=nb)
    [res] = runner.execute([job], jobs_parallel=1, timeout=120, force=True, cell_progress=True)
    err = capfd.readouterr().err
    assert res.ok, res.error
    assert "2/2" in err and "cell" in err, err            # a bar over the code cells
    assert "TCP" not in err and "encryption" not in err, err
    assert not list(nb.parent.glob("kernel-*")), "IPC sockets left in the notebook folder"
    executed = (build / "executed" / "nbs" / "tiny.ipynb").read_text(encoding="utf-8")
    assert "value 2" in executed
