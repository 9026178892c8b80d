"""Tests of theorylab.pde.gaussians: x-derivatives and parameter Jacobians against central
finite differences (and sympy for the second-derivative formulas), the least-squares
baselines against numpy, and the adaptive fit on an exactly representable solution."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theorylab.pde import gaussians as ga

RNG = np.random.default_rng(0)
N = 4
W, MU, LS = RNG.standard_normal(N), RNG.uniform(0.2, 0.8, N), np.log(RNG.uniform(0.05, 0.2, N))
X = np.linspace(0, 1, 13)


def test_second_derivative_parameter_formulas_match_sympy():
    x, mu, ell = sp.symbols("x mu ell", real=True)
    G = sp.exp(-((x - mu) * sp.exp(-ell)) ** 2 / 2)
    G2 = sp.diff(G, x, 2)
    vals = {x: 0.37, mu: 0.5, ell: np.log(0.13)}
    for sym, col in ((mu, 1), (ell, 2)):
        ref = float(sp.diff(G2, sym).subs(vals))
        J = ga.gaussian_field_jacobian([0.37], [1.0], [0.5], [np.log(0.13)], deriv=2)
        np.testing.assert_allclose(J[0, col], ref, rtol=1e-12)


@pytest.mark.parametrize("deriv", [1, 2])
def test_x_derivatives_match_central_differences(deriv):
    h = 1e-5
    lo = ga.gaussian_features(X - h, MU, LS, deriv - 1)
    hi = ga.gaussian_features(X + h, MU, LS, deriv - 1)
    # error ~ h^2 |G'''| / 6 with |G'''| ~ s^-3 ~ 1e4: ~2e-7 relative to |G''| ~ 400
    np.testing.assert_allclose(ga.gaussian_features(X, MU, LS, deriv), (hi - lo) / (2 * h), rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("deriv", [0, 1, 2])
def test_parameter_jacobian_matches_central_differences(deriv):
    th = ga.pack(W, MU, LS)
    J = ga.gaussian_field_jacobian(X, W, MU, LS, deriv)
    h = 1e-6
    for i in range(th.size):
        e = np.zeros_like(th)
        e[i] = h
        fd = (ga.gaussian_field(X, *ga.unpack(th + e), deriv) - ga.gaussian_field(X, *ga.unpack(th - e), deriv)) / (2 * h)
        scale = np.abs(J).max()
        np.testing.assert_allclose(J[:, i], fd, atol=1e-6 * scale)


def test_residual_jacobian_matches_central_differences():
    th = ga.pack(W, MU, LS)
    f = np.sin(X)
    kw = dict(residual_scale=0.01, bc_weight=10.0)
    J = ga.poisson_residual_jacobian(th, X, f, [0.0, 1.0], [0.1, -0.1], **kw)
    h = 1e-6
    for i in range(th.size):
        e = np.zeros_like(th)
        e[i] = h
        fd = (ga.poisson_residual(th + e, X, f, [0.0, 1.0], [0.1, -0.1], **kw)
              - ga.poisson_residual(th - e, X, f, [0.0, 1.0], [0.1, -0.1], **kw)) / (2 * h)
        np.testing.assert_allclose(J[:, i], fd, atol=1e-6 * np.abs(J).max())


def test_fixed_gaussian_fit_is_the_linear_least_squares_solution():
    x = np.linspace(0, 1, 30)
    f = np.exp(x)
    mu, ls = np.linspace(0, 1, 8), np.full(8, np.log(0.15))
    w = ga.fit_fixed_gaussians(mu, ls, x, f, [0.0, 1.0], [1.0, 2.0], residual_scale=0.5, bc_weight=4.0)
    A = np.vstack([-0.5 / np.sqrt(30) * ga.gaussian_features(x, mu, ls, 2), 2.0 * ga.gaussian_features([0.0, 1.0], mu, ls)])
    y = np.concatenate([0.5 / np.sqrt(30) * f, 2.0 * np.array([1.0, 2.0])])
    np.testing.assert_allclose(w, np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-8)


def test_adaptive_fit_recovers_a_representable_solution():
    # u = two Gaussians (manufactured), f = -u'': the adaptive model with N = 2 can be exact
    w0, mu0, ls0 = np.array([1.0, -0.5]), np.array([0.35, 0.7]), np.log([0.08, 0.12])
    x = np.linspace(0, 1, 200)
    f = -ga.gaussian_field(x, w0, mu0, ls0, 2)
    g = ga.gaussian_field([0.0, 1.0], w0, mu0, ls0)
    th0 = ga.pack([0.8, -0.3], [0.3, 0.75], np.log([0.1, 0.1]))
    res = ga.fit_pig_poisson(th0, x, f, [0.0, 1.0], g, residual_scale=0.01)
    w, mu, ls = ga.unpack(res.x)
    err = np.max(np.abs(ga.gaussian_field(x, w, mu, ls) - ga.gaussian_field(x, w0, mu0, ls0)))
    assert err < 1e-8


def test_log_width_lower_bound_is_respected():
    x = np.linspace(0, 1, 50)
    th0 = ga.pack(np.ones(3), [0.2, 0.5, 0.8], np.full(3, -3.0))
    res = ga.fit_pig_poisson(th0, x, 1e4 * np.sign(x - 0.5), [0.0, 1.0], [0.0, 0.0], log_s_min=-3.5, max_nfev=50)
    assert np.all(ga.unpack(res.x)[2] >= -3.5 - 1e-12)


@pytest.mark.parametrize("call,exc", [
    (lambda: ga.gaussian_features(X, MU, LS, deriv=3), ValueError),
    (lambda: ga.gaussian_features(X, MU, LS[:2]), ValueError),
    (lambda: ga.gaussian_field(X, W[:2], MU, LS), ValueError),
    (lambda: ga.unpack(np.ones(4)), ValueError),
    (lambda: ga.poisson_residual(ga.pack(W, MU, LS), X, X[:3], [0.0], [0.0]), ValueError),
    (lambda: ga.poisson_residual(ga.pack(W, MU, LS), X, X, [0.0], [0.0], bc_weight=0.0), ValueError),
    (lambda: ga.fit_pig_poisson(ga.pack(W, MU, LS), X, X, [0.0], [0.0], jac="3-point"), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()
