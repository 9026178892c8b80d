"""Tests of theorylab.explain: Shapley values against a brute-force average over
permutations, KernelSHAP-as-regression against exact Shapley values (Lundberg & Lee 2017),
gradients against finite differences, integrated gradients against adaptive quadrature,
Stein's lemma by Monte Carlo, the Chebyshev LP against equioscillation closed forms."""

from itertools import permutations
from math import comb

import numpy as np
import pytest
from scipy.integrate import quad

from theorylab import explain


@pytest.fixture(scope="module")
def f():
    return explain.random_tanh_mlp((5, 16, 16), rng=np.random.default_rng(0))


def test_mlp_gradient_finite_differences(f):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 5))
    h = 1e-6
    num = np.stack([(f.value(X + h * e) - f.value(X - h * e)) / (2 * h) for e in np.eye(5)], axis=1)
    assert np.max(np.abs(f.grad(X) - num)) < 1e-8
    assert f.grad(X[0]).shape == (5,)


def _shapley_by_permutations(v, d):
    phi = np.zeros(d)
    perms = list(permutations(range(d)))
    for p in perms:
        S = 0
        for i in p:
            phi[i] += v(S | (1 << i)) - v(S)
            S |= 1 << i
    return phi / len(perms)


def test_shapley_values_against_permutations(f):
    x0 = np.random.default_rng(2).normal(size=5)
    M = explain.all_masks(5)
    vals = f.value(x0 * M)
    phi = explain.shapley_values(lambda M: f.value(x0 * M), 5)
    ref = _shapley_by_permutations(lambda S: vals[S], 5)
    assert np.max(np.abs(phi - ref)) < 1e-12
    # efficiency: sum phi = v(full) - v(empty)
    assert phi.sum() == pytest.approx(vals[-1] - vals[0], abs=1e-12)


def test_kernel_shap_regression_is_shapley(f):
    x0 = np.random.default_rng(3).normal(size=5)
    M = explain.all_masks(5)
    y = f.value(x0 * M)
    w, b = explain.weighted_least_squares(M, y, explain.shapley_kernel(M))
    phi = explain.shapley_values(lambda M: f.value(x0 * M), 5)
    assert np.max(np.abs(w - phi)) < 1e-10 and b == pytest.approx(y[0], abs=1e-12)
    # the LFA code's finite surrogate weight 1e6 is close but not exact
    k = explain.shapley_kernel(M)
    w6, _ = explain.weighted_least_squares(M, y, np.where(np.isinf(k), 1e6, k))
    assert np.max(np.abs(w6 - phi)) < 1e-4


def test_shapley_kernel_formula():
    M = explain.all_masks(4)
    k = explain.shapley_kernel(M)
    s = M.sum(1).astype(int)
    for ki, si in zip(k, s):
        if si in (0, 4):
            assert np.isinf(ki)
        else:
            assert ki == pytest.approx(3 / (comb(4, si) * si * (4 - si)))


def test_wls_against_normal_equations():
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(30, 3))
    y = rng.normal(size=30)
    pi = rng.uniform(0.1, 2.0, size=30)
    w, b = explain.weighted_least_squares(Z, y, pi)
    D = np.c_[Z, np.ones(30)]
    ref = np.linalg.solve(D.T @ (pi[:, None] * D), D.T @ (pi * y))
    assert np.allclose(np.r_[w, b], ref, atol=1e-12)
    w0, b0 = explain.weighted_least_squares(Z, y, intercept=False)
    assert b0 == 0.0 and np.allclose(w0, np.linalg.lstsq(Z, y, rcond=None)[0])


def test_integrated_gradients_against_quad(f):
    x0 = np.random.default_rng(5).normal(size=5)
    ig = explain.integrated_gradients(f.grad, x0, n_points=64)
    ref = np.array([x0[i] * quad(lambda t: f.grad(t * x0)[i], 0, 1, epsabs=1e-13)[0] for i in range(5)])
    assert np.max(np.abs(ig - ref)) < 1e-11
    # completeness (baseline 0): sum IG = f(x0) - f(0)
    assert ig.sum() == pytest.approx(f.value(x0) - f.value(np.zeros(5)), abs=1e-11)
    # U(a, 1) average
    iga = explain.integrated_gradients(f.grad, x0, low=0.5, n_points=64)
    ref = np.array([x0[i] * quad(lambda t: f.grad(t * x0)[i], 0.5, 1, epsabs=1e-13)[0] / 0.5
                    for i in range(5)])
    assert np.max(np.abs(iga - ref)) < 1e-11


def test_stein_clime_equals_smoothgrad_in_expectation(f):
    # OLS with intercept of f(x0 + xi) on xi estimates E[grad f(x0 + xi)]; MC within 4 SE
    rng = np.random.default_rng(6)
    x0 = rng.normal(size=5)
    sig, N = 0.3, 200_000
    Xi = explain.gaussian_perturbations(N, 5, sigma=sig, rng=rng)
    w, _ = explain.weighted_least_squares(Xi, f.value(x0 + Xi))
    G = f.grad(x0 + explain.gaussian_perturbations(N, 5, sigma=sig, rng=rng))
    sg = explain.gradient_matching(G)
    # SE of the OLS slope ~ sd(residual)/(sigma sqrt N); of the mean gradient ~ sd(G)/sqrt N
    resid = f.value(x0 + Xi) - f.value(x0 + Xi).mean() - (Xi @ w)
    se = np.sqrt(resid.var() / (sig**2 * N) + G.var(axis=0) / N)
    assert np.all(np.abs(w - sg) < 4 * se)


def test_chebyshev_fit_closed_forms():
    x = np.linspace(-2, 2, 2001)
    a, b, t = explain.chebyshev_affine_fit(x, np.abs(x))
    assert (a, b, t) == pytest.approx((1.0, 0.0, 1.0), abs=1e-9)
    a, b, t = explain.chebyshev_affine_fit(x, 3 * x - 1)
    assert (a, b, t) == pytest.approx((-1.0, 3.0, 0.0), abs=1e-9)


def test_samplers_and_kernels():
    rng = np.random.default_rng(7)
    M = explain.bernoulli_masks(20_000, 3, rng=rng, p=0.3)
    assert abs(M.mean() - 0.3) < 4 * np.sqrt(0.21 / M.size)
    O = explain.one_hot_masks(100, 4, rng=rng)
    assert np.all(O.sum(1) == 1)
    u = explain.uniform_path(10_000, low=0.2, rng=rng)
    assert u.min() >= 0.2 and abs(u.mean() - 0.6) < 4 * np.sqrt(0.8**2 / 12 / 10_000)
    x0 = np.array([1.0, -2.0, 0.5])
    k = explain.exponential_kernel(np.array([[0.0, 1.0, 1.0]]), x0, width=2.0)
    assert k[0] == pytest.approx(np.exp(-1 / 4))
    assert explain.all_masks(3).shape == (8, 3)


def test_validation():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="weights"):
        explain.weighted_least_squares(np.zeros((3, 1)), np.zeros(3), np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="y"):
        explain.weighted_least_squares(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="low"):
        explain.uniform_path(3, low=1.0, rng=rng)
    with pytest.raises(ValueError, match="p"):
        explain.bernoulli_masks(3, 2, rng=rng, p=1.5)
    with pytest.raises(TypeError, match="rng"):
        explain.gaussian_perturbations(3, 2, sigma=1.0, rng=1)
    with pytest.raises(ValueError, match="value_fn"):
        explain.shapley_values(lambda M: np.zeros(3), 3)
    with pytest.raises(ValueError, match="dim"):
        explain.all_masks(25)
    with pytest.raises(ValueError, match="x0"):
        explain.exponential_kernel(np.zeros((2, 3)), np.zeros(2))
