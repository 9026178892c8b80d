import json

import pytest

from theorylab import claims, cli


@pytest.fixture
def build(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORYLAB_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("THEORYLAB_PROFILE", raising=False)
    return tmp_path


def test_list(build, capsys):
    assert cli.main(["list"]) == 0
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
