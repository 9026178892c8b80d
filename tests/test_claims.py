"""The claims ledger itself: verdicts, strict not-reproduced, JSON records, bad input."""

import json

import numpy as np
import pytest

from theorylab import claims


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORYLAB_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("THEORYLAB_PROFILE", raising=False)
    return claims.Ledger("unit-test", seed=7)


def test_failures_are_assertion_errors():
    assert issubclass(claims.ClaimFailed, AssertionError)
    assert issubclass(claims.UnexpectedlyReproduced, AssertionError)


def test_identity_pass_and_deliberately_wrong_claim_turns_red(ledger):
    rec = ledger.identity("C1", "2 + 2 = 4", measured=2.0 + 2.0, expected=4.0, rationale="exact")
    assert rec.verdict == "reproduced" and rec.passed
    # a deliberately wrong claim (2 + 2 = 5) must fail loudly
    with pytest.raises(claims.ClaimFailed, match="C2"):
        ledger.identity("C2", "2 + 2 = 5", measured=4.0, expected=5.0, atol=0.5)
    assert ledger.records[-1].verdict == "not-reproduced"


def test_identity_tolerances_elementwise(ledger):
    m = np.array([1.0, 2.0, 3.0 + 1e-9])
    ledger.identity("C1", "vector identity", measured=m, expected=[1, 2, 3], atol=1e-8)
    with pytest.raises(claims.ClaimFailed):
        ledger.identity("C2", "relative", measured=[100.0, 1.0], expected=[101.0, 1.0], rtol=1e-3)
    ledger.identity("C3", "relative ok", measured=[100.0, 1.0], expected=[100.05, 1.0], rtol=1e-3)


def test_declared_not_reproduced_is_strict(ledger):
    rec = ledger.identity(
        "C4", "a claim that fails", measured=1.0, expected=2.0, atol=0.1,
        expect="not-reproduced", reason="measured 1, paper says 2",
    )
    assert rec.verdict == "not-reproduced" and rec.expected == "not-reproduced"
    with pytest.raises(claims.UnexpectedlyReproduced):
        ledger.identity("C5", "now holds", measured=2.0, expected=2.0,
                        expect="not-reproduced", reason="was wrong")
    with pytest.raises(ValueError, match="reason"):
        ledger.identity("C6", "no reason", measured=1.0, expected=2.0, expect="not-reproduced")


def test_bound_directions(ledger):
    ledger.bound("C1", "lhs <= rhs", lhs=[0.1, 0.2], rhs=[0.2, 0.2], tol=0.0)
    ledger.bound("C2", "lhs >= rhs", lhs=[0.3, 0.2], rhs=[0.2, 0.2], direction=">=")
    with pytest.raises(claims.ClaimFailed):
        ledger.bound("C3", "violated", lhs=[0.1, 0.3], rhs=[0.2, 0.2], tol=1e-3)
    assert ledger.records[-1].measured["n_violations"] == 1


def test_scaling_recovers_exponent(ledger):
    x = np.logspace(1, 3, 7)
    rec = ledger.scaling("C1", "y ~ x^2", x=x, y=3 * x**2, expected=2.0, tol=1e-9)
    assert abs(rec.measured["slope"] - 2.0) < 1e-12
    with pytest.raises(claims.ClaimFailed):
        ledger.scaling("C2", "y ~ x^1 (wrong)", x=x, y=3 * x**2, expected=1.0, tol=0.1)


def test_fit_loglog_reference():
    # independent reference: numpy polyfit in log space
    rng = np.random.default_rng(0)
    x = np.logspace(0, 2, 10)
    y = 2 * x**-0.5 * np.exp(rng.normal(0, 0.05, x.size))
    fit = claims.fit_loglog(x, y)
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    assert fit["slope"] == pytest.approx(slope, abs=1e-12)
    assert fit["intercept"] == pytest.approx(intercept, abs=1e-12)
    assert fit["lo"] < fit["slope"] < fit["hi"]
    with pytest.raises(ValueError, match="positive"):
        claims.fit_loglog([1, 2, 3], [1, -1, 2])
    with pytest.raises(ValueError, match="at least 3"):
        claims.fit_loglog([1, 2], [1, 2])


def test_comparison_invariant_limit_interval_report(ledger):
    ledger.comparison("C1", "a beats b", better=[1.0, 2.0], worse=[2.0, 3.0], margin=0.5, names=("a", "b"))
    with pytest.raises(claims.ClaimFailed):
        ledger.comparison("C2", "a beats b by 2", better=[1.0, 2.0], worse=[2.0, 3.0], margin=2.0)
    ledger.comparison("C3", "accuracy higher", better=[0.9], worse=[0.8], lower_is_better=False)
    ledger.invariant("C4", "all positive", holds=np.array([True, True]))
    with pytest.raises(claims.ClaimFailed):
        ledger.invariant("C5", "all positive", holds=np.array([True, False]))
    with pytest.raises(TypeError):
        ledger.invariant("C6", "needs bools", holds=np.array([1, 0]))
    ledger.limit("C7", "1/n -> 0", measured=1 / np.arange(1, 1001), target=0.0, atol=2e-3)
    ledger.in_interval("C8", "slope", measured=1.02, lo=0.9, hi=1.1, kind="scaling")
    rec = ledger.report("C9", "GPU-scale experiment", measured={"acc": 0.5}, note="toy only")
    assert rec.verdict == "reported" and rec.passed is None


def test_json_records_written_and_fresh(ledger, tmp_path):
    ledger.identity("C1", "one", measured=1.0, expected=1.0)
    ledger.report("C2", "two", measured=np.float64(2.0))
    data = json.loads((tmp_path / "ledger" / "unit-test.json").read_text())
    assert [r["claim"] for r in data["records"]] == ["C1", "C2"]
    r = data["records"][0]
    for key in ("slug", "claim", "statement", "kind", "measured", "criterion", "verdict",
                "expected", "profile", "seed", "seconds"):
        assert key in r
    assert r["profile"] == "quick" and r["seed"] == 7
    # a new ledger for the same slug starts a fresh file
    claims.Ledger("unit-test", seed=7)
    assert json.loads((tmp_path / "ledger" / "unit-test.json").read_text())["records"] == []
    loaded = claims.load_all_records(tmp_path / "ledger")
    assert loaded == []


def test_records_deterministic_apart_from_time(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORYLAB_BUILD_DIR", str(tmp_path))

    def run():
        led = claims.Ledger("det", seed=1)
        rng = np.random.default_rng(1)
        led.identity("C1", "mean", measured=rng.normal(size=100).mean(), expected=0.0, atol=0.5)
        return [{k: v for k, v in r.to_json().items() if k != "seconds"} for r in led.records]

    assert run() == run()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(measured=float("nan"), expected=1.0), ValueError, "non-finite"),
        (dict(measured=[1.0, 2.0], expected=[1.0, 2.0, 3.0]), ValueError, "broadcast"),
        (dict(measured=1.0, expected=1.0, atol=-1), ValueError, "atol"),
        (dict(measured="abc", expected=1.0), TypeError, "measured"),
    ],
)
def test_bad_input(ledger, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ledger.identity("C1", "statement", **kwargs)


def test_bad_ids(ledger, tmp_path):
    with pytest.raises(ValueError, match="claim"):
        ledger.identity("", "statement", measured=1.0, expected=1.0)
    with pytest.raises(ValueError, match="statement"):
        ledger.identity("C1", " ", measured=1.0, expected=1.0)
    with pytest.raises(ValueError, match="slug"):
        claims.Ledger("bad slug/x")
    with pytest.raises(ValueError, match="kind"):
        ledger.check("C1", "s", kind="vibes", passed=True, measured=1, criterion="c")


def test_summary_table(ledger):
    ledger.identity("C1", "one", measured=1.0, expected=1.0)
    table = ledger.summary()
    assert table.splitlines()[0].startswith("| claim")
    assert "reproduced" in table


def test_rechecking_a_claim_replaces_its_record(ledger):
    ledger.identity("C1", "first", measured=1.0, expected=1.0)
    with pytest.warns(UserWarning, match="checked again"):
        ledger.identity("C1", "second", measured=2.0, expected=2.0)
    assert [r.statement for r in ledger.records] == ["second"]
