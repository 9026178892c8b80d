"""Tests for theorylab.kernels.infinite_depth (infinite-depth NNGP/NTK classifiers).

References: closed-form duals of theorylab.kernels.dual (ReLU / erf), Gauss-Hermite
quadrature of the Hermite activation realising a polynomial dual, the Gaussian identity
E[sin(bu) sin(bv)] = e^{-b^2} sinh(b^2 rho), mpmath high-precision evaluations near
rho = 1, and the authors' linear-space recursion (uhlerlab/inf_depth_ntks models.py)
at depths where it does not underflow.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import eval_hermitenorm

from theorylab import numdiff
from theorylab.kernels import infinite_depth as idp
from theorylab.kernels.dual import dual_deriv_exact, dual_exact, dual_quad

ALL = ["relu", "erf", "2d_opt", "3d_opt", "5d_opt", "9d_opt", "sine_1", "sine_2.676", "sine_13.8258", "hermite_2"]
RHO = np.array([0.0, 0.1, 0.37, 0.5, 0.61, 0.9, 0.999, 1.0])


def _mp_xi(name: str, rho: mpmath.mpf) -> mpmath.mpf:
    """Independent high-precision dual (sum of c_i rho^i, or the named closed forms)."""
    if name == "relu":
        return (mpmath.sqrt(1 - rho**2) + (mpmath.pi - mpmath.acos(rho)) * rho) / mpmath.pi
    if name == "erf":
        return mpmath.asin(2 * rho / 3) / mpmath.asin(mpmath.mpf(2) / 3)
    if name.startswith("sine_"):
        a = mpmath.mpf(name.split("_")[1])
        return mpmath.sinh(a * rho) / mpmath.sinh(a)
    if name.startswith("hermite_"):
        return rho ** int(name.split("_")[1])
    return sum(mpmath.mpf(c) * rho**i for i, c in enumerate(idp.NAMED_DUALS[name]))


# ----------------------------------------------------------------- the duals --
def test_relu_and_erf_match_closed_form_duals_of_kernels_dual():
    # normalised dual = E[phi(u)phi(v)] / E[phi(u)^2] at unit variances (theorylab.kernels.dual)
    for name in ("relu", "erf"):
        d = idp.named_dual(name)
        ref = dual_exact(name, 1.0, RHO, 1.0) / dual_exact(name, 1.0, 1.0, 1.0)
        np.testing.assert_allclose(d.xi(RHO), ref, rtol=1e-13, atol=1e-15)
        dref = dual_deriv_exact(name, 1.0, RHO[:-1], 1.0) / dual_exact(name, 1.0, 1.0, 1.0)
        np.testing.assert_allclose(d.dxi(RHO[:-1]), dref, rtol=1e-12)


@pytest.mark.parametrize("name", ["2d_opt", "3d_opt", "5d_opt", "9d_opt"])
def test_polynomial_dual_is_dual_of_hermite_activation(name):
    # phi = sum sqrt(c_i) He_i / sqrt(i!) has E[phi(u)phi(v)] = sum c_i rho^i (Gauss-Hermite exact)
    c = np.array(idp.NAMED_DUALS[name])

    def phi(z):
        return sum(math.sqrt(ci) * eval_hermitenorm(i, z) / math.sqrt(math.factorial(i)) for i, ci in enumerate(c) if ci)

    ref = dual_quad(phi, 1.0, RHO, 1.0, n_nodes=40)
    np.testing.assert_allclose(idp.named_dual(name).xi(RHO), ref, rtol=1e-11, atol=1e-13)


def test_sine_dual_is_dual_of_sine_activation():
    # E[sin(b u) sin(b v)] = e^{-b^2} sinh(b^2 rho): normalised -> sinh(a rho)/sinh(a), a = b^2
    a = 2.676
    phi = lambda z: np.sin(math.sqrt(a) * z)  # noqa: E731
    ref = dual_quad(phi, 1.0, RHO, 1.0, n_nodes=80) / dual_quad(phi, 1.0, 1.0, 1.0, n_nodes=80)
    np.testing.assert_allclose(idp.named_dual("sine_2.676").xi(RHO), ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_log_xi_near_one_matches_mpmath(name):
    # the co-dual branch keeps 1 - xi(rho) to full relative precision at 1 - rho = 1e-12 .. 1e-1
    mpmath.mp.dps = 40
    d = idp.named_dual(name)
    gaps = np.array([1e-12, 1e-9, 1e-6, 1e-3, 0.1, 0.35])
    got = -np.expm1(d.log_xi(np.log1p(-gaps)))  # 1 - xi
    ref = np.array([float(1 - _mp_xi(name, 1 - mpmath.mpf(g))) for g in gaps])
    np.testing.assert_allclose(got, ref, rtol=1e-9)


@pytest.mark.parametrize("name", ALL)
def test_log_xi_far_from_one_matches_mpmath_including_underflow(name):
    mpmath.mp.dps = 40
    d = idp.named_dual(name)
    logs = np.array([-800.0, -300.0, -40.0, -5.0, -1.0, -0.6])
    got = d.log_xi(logs)
    ref = np.array([float(mpmath.log(_mp_xi(name, mpmath.exp(mpmath.mpf(u))))) for u in logs])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_derivative_matches_finite_differences(name):
    d = idp.named_dual(name)
    r = np.array([0.2, 0.45, 0.7, 0.9])
    fd = numdiff.jacobian_fd(d.xi, r, batch_dims=1)  # elementwise central differences
    np.testing.assert_allclose(d.dxi(r), fd, rtol=1e-7)


@pytest.mark.parametrize(
    "name, s0, s1, regime, gamma",
    [  # catalogue table (spec C3) and closed forms
        ("2d_opt", 0.5, 4.0, "singular", 0.5),
        ("3d_opt", 0.5, 2.0, "singular", 1.0),
        ("5d_opt", 0.25, 2.0, "singular", 2.0),
        ("9d_opt", 1 / 16, 2.0, "singular", 4.0),
        ("relu", 0.5, 1.0, "majority", None),
        ("hermite_2", 0.0, 2.0, "1-nn", math.inf),
        ("hermite_3", 0.0, 3.0, "1-nn", math.inf),
    ],
)
def test_slopes_regimes_and_exponents(name, s0, s1, regime, gamma):
    d = idp.named_dual(name)
    assert d.slope0 == pytest.approx(s0, abs=1e-15)
    assert d.slope1 == pytest.approx(s1, rel=1e-14)
    assert idp.dual_regime(d) == regime
    if gamma is None:
        with pytest.raises(ValueError):
            idp.singular_exponent(d)
    else:
        assert idp.singular_exponent(d) == pytest.approx(2 * gamma, rel=1e-14)
        assert idp.singular_exponent(d, kernel="ntk") == pytest.approx(2 * (1 + gamma), rel=1e-14)


def test_sine_gamma_values_from_catalogue():
    for a, g in [(2.676, 0.99998), (6.13539, 1.999999), (13.8258, 3.99999)]:
        assert idp.singular_exponent(idp.SinhDual(a)) / 2 == pytest.approx(g, abs=2e-5)


# --------------------------------------------------------------- the iteration --
def _naive(rho, name, L):
    """The authors' linear-space recursion (models.py nngp_kernel / ntk_kernel)."""
    d = idp.named_dual(name)
    r, K = rho.copy(), rho.copy()
    for _ in range(L):
        r_new = np.clip(d.xi(r), 0, 1)
        K = r_new + K * d.dxi(r)
        r = r_new
    return r, K


@pytest.mark.parametrize("name", ["relu", "erf", "2d_opt", "9d_opt", "sine_2.676", "hermite_2"])
def test_log_iteration_matches_linear_recursion(name):
    rho = np.array([0.0, 0.05, 0.3, 0.8, 0.99, 1.0])
    for L in (1, 3, 12):
        r, K = _naive(rho, name, L)
        with np.errstate(divide="ignore"):
            dk = idp.deep_kernels_log(np.log(rho), idp.named_dual(name), depths=[L])
        np.testing.assert_allclose(dk.nngp[0], r, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(dk.ntk[0], K, rtol=1e-11, atol=1e-300)


def test_linear_tail_closed_form_matches_step_by_step_iteration():
    # 2d_opt at L = 60: entries frozen in the exactly linear regime vs the naive recursion,
    # which is still representable (0.5^60 ~ 1e-18)
    rho = np.array([0.02, 0.2, 0.5, 0.9, 0.999])
    r, K = _naive(rho, "2d_opt", 60)
    dk = idp.deep_kernels_log(np.log(rho), idp.named_dual("2d_opt"), depths=[30, 60])
    np.testing.assert_allclose(dk.nngp[1], r, rtol=1e-12)
    np.testing.assert_allclose(dk.ntk[1], K, rtol=1e-12)


def test_deep_kernel_diagonals():
    d = idp.named_dual("3d_opt")
    dk = idp.deep_kernels_log(np.zeros(2), d, depths=[5, 40])
    assert np.all(dk.log_nngp == 0)
    np.testing.assert_allclose(dk.ntk[:, 0], [2**6 - 1, 2**41 - 1], rtol=1e-13)  # sum_{l<=L} 2^l


@settings(max_examples=40, deadline=None)
@given(rho=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
       name=st.sampled_from(["relu", "2d_opt", "5d_opt", "sine_6.13539", "erf"]),
       L=st.integers(1, 40))
def test_kernel_bounds_property(rho, name, L):
    # 0 <= Sigma_L <= 1 and Theta_L >= Sigma_L (Theta_{l+1} = Sigma_{l+1} + Theta_l xi' >= Sigma_{l+1})
    with np.errstate(divide="ignore"):
        dk = idp.deep_kernels_log(np.log(np.array(rho)), idp.named_dual(name), depths=[L])
    assert np.all(dk.log_nngp <= 0)
    assert np.all(dk.log_ntk >= dk.log_nngp - 1e-12)


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.0, 1.0), b=st.floats(0.0, 1.0), name=st.sampled_from(ALL))
def test_dual_monotone_property(a, b, name):
    d = idp.named_dual(name)
    lo, hi = min(a, b), max(a, b)
    assert d.xi(lo) <= d.xi(hi) + 1e-15


# --------------------------------------------------------------- classifiers --
def _data(n, m, seed):
    rng = np.random.default_rng(seed)
    X, y, S = idp.dirichlet_circle_sample(n + m, rng=rng)
    return X[:n], y[:n], X[n:], y[n:], S[n:]


def test_monomial_dual_limit_is_one_nearest_neighbour():
    Xa, ya, Xb, _, _ = _data(60, 200, 1)
    dt = idp.deep_kernels(Xa, dual=idp.named_dual("hermite_2"), depths=[70], ntk=False)
    de = idp.deep_kernels(Xb, Xa, dual=idp.named_dual("hermite_2"), depths=[70], ntk=False)
    pred = idp.interpolating_classifier(dt.log_nngp[0], de.log_nngp[0], ya)
    np.testing.assert_array_equal(pred, idp.one_nn_classifier(Xa, ya, Xb))


def test_singular_limit_is_nadaraya_watson_with_the_hilbert_kernel():
    Xa, ya, Xb, _, _ = _data(80, 300, 2)
    d = idp.named_dual("2d_opt")
    dt = idp.deep_kernels(Xa, dual=d, depths=[200])
    de = idp.deep_kernels(Xb, Xa, dual=d, depths=[200])
    pred = idp.interpolating_classifier(dt.log_nngp[0], de.log_nngp[0], ya)
    # K_train = I to ~1e-50: interpolant == NW with the same weights, exactly
    np.testing.assert_array_equal(pred, idp.nadaraya_watson_classifier(de.log_nngp[0], ya))
    # and the weights are ||x - z||^-1 up to O(1 - rho) corrections
    agree = np.mean(pred == idp.hilbert_kernel_classifier(Xa, ya, Xb, alpha=1.0))
    assert agree >= 0.97


def test_relu_deep_limit_moves_to_majority_vote():
    Xa, ya, Xb, _, _ = _data(6, 40, 3)
    ya = np.array([1, 1, 1, 1, -1, -1.0])
    both = idp.deep_kernels(np.concatenate([Xa, Xb]), Xa, dual=idp.named_dual("relu"), depths=[3, 20_000])
    maj = idp.majority_vote_classifier(ya, len(Xb))
    fr = [np.mean(idp.interpolating_classifier(both.log_ntk[i, :6], both.log_ntk[i, 6:], ya) == maj) for i in range(2)]
    # convergence is slow (gap ~ 1/L^2): most, not yet all, predictions at L = 2e4 for n = 6
    assert fr[0] < 0.9 <= fr[1]


def test_centred_solve_equals_plain_solve_when_well_conditioned():
    # bordered system for 11^T - Delta is algebraically identical to K^{-1} y
    Xa, ya, Xb, _, _ = _data(15, 30, 4)
    d = idp.named_dual("relu")
    dt = idp.deep_kernels(Xa, dual=d, depths=[2])
    de = idp.deep_kernels(Xb, Xa, dual=d, depths=[2])
    K, T = dt.nngp[0], de.nngp[0]
    assert K.min() > 0.5  # the centred branch is the one used
    f_plain = T @ np.linalg.solve(K, ya)
    keep = np.abs(f_plain) > 1e-6
    pred = idp.interpolating_classifier(dt.log_nngp[0], de.log_nngp[0], ya)
    np.testing.assert_array_equal(pred[keep], np.where(f_plain >= 0, 1.0, -1.0)[keep])


def test_dirichlet_bayes_rule_and_accuracy():
    rng = np.random.default_rng(5)
    _, y, S = idp.dirichlet_circle_sample(20_000, rng=rng)
    pred = idp.dirichlet_bayes_rule(S)
    np.testing.assert_array_equal(pred, np.where(S[:, 0] < 0.4, 1.0, -1.0))
    acc = np.mean(pred == y)
    se = math.sqrt(0.76 * 0.24 / y.size)
    assert abs(acc - 0.76) <= 4 * se  # population Bayes accuracy 0.4*0.64 + 0.6*0.84


def test_one_nn_and_majority_on_tiny_set():
    Xa = np.array([[1.0, 0.0], [0.0, 1.0], [math.sqrt(0.5), math.sqrt(0.5)]])
    ya = np.array([1.0, -1.0, -1.0])
    Xb = np.array([[math.cos(0.1), math.sin(0.1)], [math.cos(1.5), math.sin(1.5)]])
    np.testing.assert_array_equal(idp.one_nn_classifier(Xa, ya, Xb), [1.0, -1.0])
    np.testing.assert_array_equal(idp.majority_vote_classifier(ya, 2), [-1.0, -1.0])


# ---------------------------------------------------------------- bad input --
def test_bad_inputs():
    d = idp.named_dual("2d_opt")
    with pytest.raises(ValueError, match="depths"):
        idp.deep_kernels_log(np.zeros(3), d, depths=[0])
    with pytest.raises(ValueError, match="depths"):
        idp.deep_kernels_log(np.zeros(3), d, depths=[5, 3])
    with pytest.raises(ValueError, match="log_rho"):
        idp.deep_kernels_log(np.array([0.1]), d, depths=[1])
    with pytest.raises(TypeError, match="dual"):
        idp.deep_kernels_log(np.zeros(3), "relu", depths=[1])
    with pytest.raises(ValueError, match="empty"):
        idp.majority_vote_classifier([], 3)
    with pytest.raises(ValueError, match="empty"):
        idp.interpolating_classifier(np.zeros((0, 0)), np.zeros((2, 0)), [])
    with pytest.raises(ValueError, match="unit norm"):
        idp.log_cosines(np.array([[1.0, 1.0]]))
    with pytest.raises(ValueError, match=">= 0"):
        idp.log_cosines(np.array([[1.0, 0.0]]), np.array([[-1.0, 0.0]]))
    with pytest.raises(ValueError, match="labels"):
        idp.one_nn_classifier(np.array([[1.0, 0.0]]), [0.5], np.array([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="sum to 1"):
        idp.PolynomialDual([0.5, 0.6])
    with pytest.raises(ValueError, match="unknown"):
        idp.named_dual("tanh")
    with pytest.raises(ValueError, match="rho"):
        d.xi(1.5)
    with pytest.raises(TypeError, match="rng"):
        idp.dirichlet_circle_sample(5, rng=0)
    with pytest.raises(ValueError, match="alpha"):
        idp.hilbert_kernel_classifier(np.array([[1.0, 0.0]]), [1.0], np.array([[0.0, 1.0]]), alpha=-1.0)
