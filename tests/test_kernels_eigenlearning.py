"""Tests for theorylab.kernels.eigenlearning against direct kernel regression.

Reference: a finite input distribution (uniform on M points) where the Mercer
decomposition is exact (eigenvalues of K_M / M, eigenfunctions sqrt(M) u_k), and
kernel ridge(less) regression with theorylab.regression.kernel_ridge_path averaged over
many random training sets; plus limiting cases in closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorylab.kernels import cnn
from theorylab.kernels.eigenlearning import effective_ridge, eigenlearning_risk
from theorylab.regression import kernel_ridge_path


def _direct_risk(K_M, y_M, n, ridge, n_trials, rng):
    M = K_M.shape[0]
    idx = np.array([rng.choice(M, size=n, replace=False) for _ in range(n_trials)])  # (trials, n)
    errs = []
    for t in range(n_trials):
        i = idx[t]
        alpha = kernel_ridge_path(K_M[np.ix_(i, i)], y_M[i], [ridge])[0]
        errs.append(np.mean((K_M[:, i] @ alpha - y_M) ** 2))
    errs = np.array(errs)
    return errs.mean(), errs.std(ddof=1) / math.sqrt(n_trials)


@pytest.mark.parametrize("n, ridge", [
    (40, 1e-3),
    (80, 1e-4),
    pytest.param(80, 0.0, marks=pytest.mark.xfail(
        strict=True, reason="ridgeless on 1-D inputs (spectrum ~k^-2): measured 0.0085 vs predicted 0.0065 (+30%); "
                            "the ratio grows continuously as the ridge -> 0 (1.02 at 1e-3, 1.16 at 1e-4, 1.3 at <= 1e-5), "
                            "so this is the approximation's known weakness in low dimension, not the solver")),
])
def test_eigenlearning_matches_direct_regression_on_a_torus_kernel(n, ridge):
    # M = 1000 uniform points on the circle, one-patch tree NTK; target = random combination of modes
    rng = np.random.default_rng(0)
    M = 1000
    th = 2 * np.pi * rng.random(M)
    C = np.cos(th[:, None] - th[None, :])[None]
    K_M = cnn.tree_kernels_from_cosines(C, (2,))[1]
    w, U = np.linalg.eigh(K_M)
    lam = np.maximum(w, 0) / M
    v = rng.standard_normal(M) * np.sqrt(np.maximum(lam, 0))  # GRF-like target power ~ lambda
    y_M = math.sqrt(M) * (U @ v)
    pred = float(eigenlearning_risk(lam, v**2, n, ridge=ridge))
    meas, se = _direct_risk(K_M, y_M, n, ridge, 200, rng)
    # eigenlearning is accurate to O(1/n) relative corrections: allow 15% plus 4 MC standard errors
    assert abs(meas - pred) <= 0.15 * pred + 4 * se


def test_effective_ridge_limits():
    lam = 1.0 / np.arange(1, 2001) ** 2
    # huge ridge: kappa -> (delta + sum lambda) / n with delta = n * ridge
    assert effective_ridge(lam, 10, ridge=1e3) == pytest.approx((1e4 + np.sum(lam)) / 10, rel=1e-3)
    # the defining equation holds
    k = effective_ridge(lam, 50, ridge=1e-4)
    assert np.sum(lam / (lam + k)) + 50 * 1e-4 / k == pytest.approx(50, rel=1e-10)


def test_risk_limits_closed_form():
    # a single mode, n -> large with ridge 0 is impossible (<= n eigenvalues): ValueError;
    # with flat spectrum of M equal eigenvalues and ridgeless: L = n/M, E0 = n/(n - n^2/M) = M/(M - n),
    # risk = E0 (1 - n/M)^2 * total power = (1 - n/M) * total power
    M, n = 100, 30
    lam = np.ones(M)
    v2 = np.full(M, 0.01)
    assert float(eigenlearning_risk(lam, v2, n)) == pytest.approx((1 - n / M) * 1.0, rel=1e-10)


def test_bad_inputs():
    with pytest.raises(ValueError, match="empty"):
        eigenlearning_risk([], [], 10)
    with pytest.raises(ValueError, match="same length"):
        eigenlearning_risk([1.0, 0.5], [1.0], 1)
    with pytest.raises(ValueError, match="more than n"):
        eigenlearning_risk([1.0, 0.5], [1.0, 1.0], 5)
    with pytest.raises(ValueError, match="n_samples"):
        effective_ridge([1.0, 0.5], 0)
    with pytest.raises(ValueError, match=">= 0"):
        eigenlearning_risk([1.0, -0.5], [1.0, 1.0], 1, ridge=0.1)
