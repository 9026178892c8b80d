import numpy as np
import pytest

from theorylab import stats


def test_bootstrap_slope_covers_truth():
    rng = np.random.default_rng(0)
    x = np.array([100, 300, 1000, 3000, 10000.0])
    Y = 2 * x**0.5 * np.exp(rng.normal(0, 0.2, size=(30, x.size)))
    res = stats.bootstrap_loglog_slope(x, Y, n_boot=1000, rng=np.random.default_rng(1))
    assert res["lo"] < 0.5 < res["hi"]
    assert abs(res["slope"] - 0.5) < 0.05


def test_mean_se_matches_numpy():
    a = np.arange(10.0).reshape(5, 2)
    m, se = stats.mean_se(a)
    assert np.allclose(m, a.mean(0))
    assert np.allclose(se, a.std(0, ddof=1) / np.sqrt(5))


def test_bad_input():
    with pytest.raises(TypeError, match="rng"):
        stats.bootstrap_loglog_slope([1, 2, 3], np.ones((3, 3)), rng=0)
    with pytest.raises(ValueError, match="shape"):
        stats.bootstrap_loglog_slope([1, 2, 3], np.ones((3, 2)), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 2"):
        stats.mean_se(np.ones((1, 3)))
