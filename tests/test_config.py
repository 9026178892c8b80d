import pytest

from theorylab import config


def test_default_is_quick(monkeypatch):
    monkeypatch.delenv("THEORYLAB_PROFILE", raising=False)
    p = config.profile()
    assert p.name == "quick" and p.quick and not p.full
    assert p.pick(quick=1, full=2) == 1


def test_env_full(monkeypatch):
    monkeypatch.setenv("THEORYLAB_PROFILE", "FULL")
    assert config.profile().pick(quick=1, full=2) == 2


@pytest.mark.parametrize("value", ["medium", "qick", "1"])
def test_bad_profile_lists_valid(monkeypatch, value):
    monkeypatch.setenv("THEORYLAB_PROFILE", value)
    with pytest.raises(ValueError, match="'quick', 'full'"):
        config.profile()
    with pytest.raises(ValueError, match="quick"):
        config.profile(value)


def test_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("THEORYLAB_BUILD_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("THEORYLAB_FIGURES_DIR", str(tmp_path / "f"))
    assert config.ledger_dir() == tmp_path / "b" / "ledger"
    assert config.figures_dir() == tmp_path / "f"
    monkeypatch.delenv("THEORYLAB_ROOT", raising=False)
    assert (config.repo_root() / "book.yml").is_file()
