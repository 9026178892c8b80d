"""Tests of theorylab.pde.random_features: analytic derivatives against central finite
differences, exact periodicity, the least-squares system against a direct residual."""

from __future__ import annotations

import numpy as np
import pytest

from theorylab.pde import random_features as rf


@pytest.fixture
def params():
    return rf.sample_periodic_tanh_params(7, rng=np.random.default_rng(3), time_scale=2.0)


def test_derivatives_match_central_differences(params):
    rng = np.random.default_rng(0)
    x, t = rng.uniform(0, 2 * np.pi, 9), rng.uniform(0, 1, 9)
    h = 1e-6
    phi, px, pt = rf.periodic_tanh_features(x, t, params)
    fx = (rf.periodic_tanh_features(x + h, t, params)[0] - rf.periodic_tanh_features(x - h, t, params)[0]) / (2 * h)
    ft = (rf.periodic_tanh_features(x, t + h, params)[0] - rf.periodic_tanh_features(x, t - h, params)[0]) / (2 * h)
    # central-difference error ~ h^2 |phi'''| + eps/h ~ 1e-9 for these O(10) slopes
    np.testing.assert_allclose(px, fx, atol=1e-7)
    np.testing.assert_allclose(pt, ft, atol=1e-7)


def test_features_are_periodic_in_x(params):
    x = np.linspace(0, 1, 5)
    a = rf.periodic_tanh_features(x, x, params)
    b = rf.periodic_tanh_features(x + 2 * np.pi, x, params)
    for u, w in zip(a, b):
        np.testing.assert_allclose(u, w, atol=1e-13)


def test_system_rows_are_the_weighted_residuals(params):
    rng = np.random.default_rng(1)
    xr, tr_ = rng.uniform(0, 6, 11), rng.uniform(0, 1, 11)
    x0 = np.linspace(0, 6, 5)
    u0 = np.cos(x0)
    beta = rng.standard_normal(7)
    A, y = rf.advection_pinn_system(4.0, xr, tr_, x0, u0, params, ic_weight=3.0)
    _, px, pt = rf.periodic_tanh_features(xr, tr_, params)
    phi0, _, _ = rf.periodic_tanh_features(x0, np.zeros(5), params)
    direct = np.concatenate([(pt @ beta + 4.0 * (px @ beta)) / np.sqrt(11), np.sqrt(3.0 / 5) * (phi0 @ beta - u0)])
    np.testing.assert_allclose(A @ beta - y, direct, atol=1e-12)


def test_representable_steady_solution_is_recovered():
    # with w = 0 every feature is time-independent, so u_t = 0 holds exactly and c = 0
    # (the Lagrangian residual) is solved by fitting the initial condition alone
    rng = np.random.default_rng(2)
    p = rf.sample_periodic_tanh_params(6, rng=rng)
    p["w"] = np.zeros(6)
    beta_true = rng.standard_normal(6)
    x0 = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    u0 = rf.periodic_tanh_features(x0, np.zeros(40), p)[0] @ beta_true
    xr, tr_ = np.meshgrid(x0[::4], np.linspace(0, 1, 5))
    A, y = rf.advection_pinn_system(0.0, xr.ravel(), tr_.ravel(), x0, u0, p)
    np.testing.assert_allclose(rf.fit_least_squares(A, y), beta_true, atol=1e-8)


def test_fit_least_squares_matches_numpy():
    rng = np.random.default_rng(4)
    A, y = rng.standard_normal((20, 5)), rng.standard_normal(20)
    np.testing.assert_allclose(rf.fit_least_squares(A, y), np.linalg.lstsq(A, y, rcond=None)[0], atol=1e-12)


def test_sampling_is_reproducible_and_scaled():
    a = rf.sample_periodic_tanh_params(5000, rng=np.random.default_rng(9), space_scale=3.0, time_scale=2.0,
                                       c_scale=5.0)
    b = rf.sample_periodic_tanh_params(5000, rng=np.random.default_rng(9), space_scale=3.0, time_scale=2.0,
                                       c_scale=5.0)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    # sample standard deviations within 4 SE (SE of a sd ~ sd / sqrt(2n) = 1%)
    assert abs(a["a"].std() / 3.0 - 1) < 0.04 and abs(a["w"].std() / 10.0 - 1) < 0.04


@pytest.mark.parametrize("call,exc", [
    (lambda: rf.sample_periodic_tanh_params(3, rng=0), TypeError),
    (lambda: rf.sample_periodic_tanh_params(0, rng=np.random.default_rng(0)), ValueError),
    (lambda: rf.periodic_tanh_features([0.0], [0.0], {"a": [1.0]}), TypeError),
    (lambda: rf.periodic_tanh_features([0.0], [0.0], {"a": [1.0], "b": [1.0], "w": [1.0], "d": [1.0, 2.0]}),
     ValueError),
    (lambda: rf.advection_pinn_system(1.0, [0.0], [0.0], [0.0], [1.0, 2.0],
                                      rf.sample_periodic_tanh_params(2, rng=np.random.default_rng(0))), ValueError),
    (lambda: rf.fit_least_squares(np.eye(2), [1.0]), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()


def test_precomputed_features_give_the_same_system(params):
    rng = np.random.default_rng(5)
    xr, tr_ = rng.uniform(0, 6, 8), rng.uniform(0, 1, 8)
    x0 = np.linspace(0, 6, 4)
    feats = rf.pinn_features(xr, tr_, x0, params)
    for c in (0.0, 3.0):
        A1, y1 = rf.advection_pinn_system(c, xr, tr_, x0, np.sin(x0), params)
        A2, y2 = rf.advection_pinn_system(c, xr, tr_, x0, np.sin(x0), params, features=feats)
        np.testing.assert_array_equal(A1, A2)
        np.testing.assert_array_equal(y1, y2)
    with pytest.raises(ValueError):
        rf.advection_pinn_system(1.0, xr, tr_, x0[:2], np.sin(x0[:2]), params, features=feats)


def test_singular_values_give_the_top_hessian_eigenvalue():
    A = np.random.default_rng(6).standard_normal((30, 6))
    _, sig = rf.fit_least_squares(A, np.ones(30), return_singular_values=True)
    np.testing.assert_allclose(sig[0] ** 2, np.linalg.eigvalsh(A.T @ A)[-1], rtol=1e-12)
