"""Tests of theorylab.kernels.dual: closed forms vs quadrature vs Monte-Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorylab.kernels import dual

PI = np.pi

# ----------------------------------------------------------------------------- known values
# (activation, k11, k12, k22, value, source)
KNOWN = [
    ("relu", 1.0, 0.0, 1.0, 1 / (2 * PI), "Cho & Saul 2009, order-1 arc-cosine at theta = pi/2"),
    ("relu", 1.0, 1.0, 1.0, 0.5, "E[relu(z)^2] = 1/2"),
    ("relu", 4.0, -2.0, 1.0, 0.0, "rho = -1: relu(u) relu(-u) = 0"),
    ("step", 1.0, 0.0, 1.0, 0.25, "independent half-lines"),
    ("step", 2.0, 2.0, 2.0, 0.5, "P(z > 0)"),
    ("abs", 1.0, 1.0, 1.0, 1.0, "E[z^2]"),
    ("abs", 1.0, 0.0, 1.0, 2 / PI, "(E|z|)^2"),
    ("erf", 0.5, 0.5, 0.5, 2 / PI * np.arcsin(0.5), "Williams 1997 with 2k/(1+2k) = 1/2"),
    ("identity", 3.0, 1.5, 2.0, 1.5, "covariance"),
    ("square", 1.0, 0.5, 2.0, 2.0 + 0.5, "Isserlis: k11 k22 + 2 k12^2"),
    ("cube", 1.0, 1.0, 1.0, 15.0, "E[z^6] = 15"),
    ("sin", 0.7, 0.7, 0.7, (1 - np.exp(-1.4)) / 2, "<sin^2>_K = (1 - e^{-2K})/2 (catalogue)"),
    ("cos", 0.3, 0.0, 0.5, np.exp(-0.15) * np.exp(-0.25), "independent: E cos u E cos v"),
]


@pytest.mark.parametrize("act,k11,k12,k22,value,source", KNOWN)
def test_known_values(act, k11, k12, k22, value, source):
    assert dual.dual_exact(act, k11, k12, k22) == pytest.approx(value, rel=1e-13, abs=1e-15), source


KNOWN_DERIV = [
    ("relu", 1.0, 0.0, 1.0, 0.25, "P(u>0, v>0) independent"),
    ("relu", 1.0, 1.0, 1.0, 0.5, "P(z>0)"),
    ("step", 1.0, 0.0, 1.0, 1 / (2 * PI), "N(0, I) density at 0"),
    ("abs", 1.0, 1.0, 1.0, 1.0, "sign^2"),
    ("erf", 0.0, 0.0, 0.0, 4 / PI, "erf'(0)^2"),
    ("identity", 1.0, 0.3, 1.0, 1.0, "phi' = 1"),
    ("cube", 1.0, 1.0, 1.0, 27.0, "9 E z^4"),
    ("sin", 1.0, 1.0, 1.0, (1 + np.exp(-2.0)) / 2, "<cos^2>_K = (1 + e^{-2K})/2"),
]


@pytest.mark.parametrize("act,k11,k12,k22,value,source", KNOWN_DERIV)
def test_known_deriv_values(act, k11, k12, k22, value, source):
    assert dual.dual_deriv_exact(act, k11, k12, k22) == pytest.approx(value, rel=1e-13), source


# ------------------------------------------------------------------- grid of covariances
def _grid():
    k11 = np.array([0.3, 1.0, 2.5, 1.0, 0.8])
    k22 = np.array([0.5, 1.0, 0.7, 4.0, 0.8])
    rho = np.array([0.2, -0.6, 0.95, 0.0, 0.999])
    return k11, rho * np.sqrt(k11 * k22), k22


SMOOTH_EXACT = ["erf", "identity", "square", "cube", "sin", "cos"]


@pytest.mark.parametrize("act", SMOOTH_EXACT)
def test_exact_vs_quadrature_smooth(act):
    # entire integrands: 2-D Gauss-Hermite converges geometrically; with 100 nodes the
    # slowest case (erf at variance 4, index 3) is at 4e-10 relative, so rtol 1e-8
    a, c, b = _grid()
    np.testing.assert_allclose(dual.dual_quad(act, a, c, b, n_nodes=100), dual.dual_exact(act, a, c, b),
                               rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(dual.dual_deriv_quad(act, a, c, b, n_nodes=100),
                               dual.dual_deriv_exact(act, a, c, b), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("act", ["relu", "abs"])
def test_exact_vs_quadrature_kinked(act):
    # kinks: tensor Gauss-Hermite converges only algebraically (measured: relu 8% at 20
    # nodes, 2.5% at 60, 1% at 150); require monotone improvement and < 2% at 150 nodes
    a, c, b = _grid()
    ex = dual.dual_exact(act, a, c, b)
    errs = [np.max(np.abs(dual.dual_quad(act, a, c, b, n_nodes=q) / ex - 1)) for q in (20, 60, 150)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 2e-2


@pytest.mark.parametrize("act", sorted(dual.EXACT_DUALS))
def test_exact_vs_monte_carlo(act):
    # independent reference: MC mean within 5 standard errors (fails w.p. ~6e-7 per entry)
    rng = np.random.default_rng(11)
    a, c, b = _grid()
    m, se = dual.dual_mc(act, a, c, b, 200_000, rng=rng, return_se=True)
    assert np.all(np.abs(m - dual.dual_exact(act, a, c, b)) <= 5 * se + 1e-12)


@pytest.mark.parametrize("act", sorted(k for k in dual.EXACT_DERIV_DUALS if k != "step"))
def test_deriv_exact_vs_monte_carlo(act):
    rng = np.random.default_rng(12)
    a, c, b = _grid()
    m, se = dual.dual_deriv_mc(act, a, c, b, 200_000, rng=rng, return_se=True)
    assert np.all(np.abs(m - dual.dual_deriv_exact(act, a, c, b)) <= 5 * se + 1e-12)


def test_step_deriv_is_density_limit():
    # E[delta(u)delta(v)] = lim E[phi_eps'(u) phi_eps'(v)] for erf(z/eps)/2 smoothing
    a, c, b = 1.0, 0.4, 2.0
    eps = 1e-3
    # d/dz erf(z/eps)/2 -> delta; its dual is (1/4)*erf-derivative dual at k/eps^2 times 1/eps^2
    approx = 0.25 * dual.dual_deriv_exact("erf", a / eps**2, c / eps**2, b / eps**2) / eps**2
    assert dual.dual_deriv_exact("step", a, c, b) == pytest.approx(approx, rel=1e-5)


QUAD_ONLY = ["tanh", "gelu", "softplus", "swish", "sigmoid", "sin"]


@pytest.mark.parametrize("act", QUAD_ONLY)
def test_quadrature_vs_monte_carlo(act):
    rng = np.random.default_rng(13)
    a, c, b = _grid()
    q = dual.dual_quad(act, a, c, b, n_nodes=80)
    m, se = dual.dual_mc(act, a, c, b, 200_000, rng=rng, return_se=True)
    assert np.all(np.abs(m - q) <= 5 * se + 1e-12)
    qd = dual.dual_deriv_quad(act, a, c, b, n_nodes=80)
    md, sed = dual.dual_deriv_mc(act, a, c, b, 200_000, rng=rng, return_se=True)
    assert np.all(np.abs(md - qd) <= 5 * sed + 1e-12)


@pytest.mark.parametrize("act", QUAD_ONLY)
def test_quadrature_converges(act):
    # analytic in a strip only (tanh/sigmoid poles at i*pi/2): convergence ~exp(-c sqrt(n));
    # measured for tanh' at variance 4: 3e-6 at 100 nodes vs 150, so atol 1e-5
    a, c, b = _grid()
    np.testing.assert_allclose(dual.dual_quad(act, a, c, b, n_nodes=100),
                               dual.dual_quad(act, a, c, b, n_nodes=150), rtol=0, atol=1e-7)
    np.testing.assert_allclose(dual.dual_deriv_quad(act, a, c, b, n_nodes=100),
                               dual.dual_deriv_quad(act, a, c, b, n_nodes=150), rtol=0, atol=1e-5)


def test_quad_accepts_callables_and_chunks():
    a, c, b = _grid()
    full = dual.dual_quad(np.tanh, a, c, b, n_nodes=40)
    chunked = dual.dual_quad(np.tanh, a, c, b, n_nodes=40, chunk=10)
    np.testing.assert_allclose(full, chunked, rtol=1e-14, atol=1e-17)  # only summation order differs
    np.testing.assert_allclose(full, dual.dual_quad("tanh", a, c, b, n_nodes=40), rtol=0, atol=0)


def test_broadcasting_shapes():
    k = np.linspace(0.1, 2.0, 6).reshape(2, 3)
    out = dual.dual_exact("relu", k, 0.05, k[:1])
    assert out.shape == (2, 3)
    assert dual.dual_quad("tanh", k, 0.05, k, n_nodes=10).shape == (2, 3)


def test_gaussian_expectation_known():
    K = np.array([0.1, 1.0, 3.0])
    np.testing.assert_allclose(dual.gaussian_expectation(lambda z: z**4, K), 3 * K**2, rtol=1e-13)
    # kink at 0: 120 nodes give 3.4e-3 relative error for E[relu] (algebraic convergence)
    np.testing.assert_allclose(dual.gaussian_expectation("relu", K), np.sqrt(K / (2 * PI)), rtol=5e-3)
    # symmetric nodes make even powers of relu exact: <relu^4>_K = 3K^2/2 (catalogue)
    np.testing.assert_allclose(dual.gaussian_expectation(lambda z: np.maximum(z, 0) ** 4, K),
                               1.5 * K**2, rtol=1e-13)


def test_clipping_at_rho_one():
    # k12 slightly above sqrt(k11 k22) by round-off must not give NaN
    k = 0.1 + 0.2
    out = dual.dual_exact("relu", k, k * (1 + 1e-12), k)
    assert np.isfinite(out) and out == pytest.approx(k / 2)


# ---------------------------------------------------------------------- properties
cov = st.tuples(st.floats(1e-3, 1e3), st.floats(-1.0, 1.0), st.floats(1e-3, 1e3))


@settings(max_examples=60, deadline=None)
@given(cov)
def test_cauchy_schwarz_and_sign(t):
    a, r, b = t
    c = r * np.sqrt(a * b)
    for act in ["relu", "erf", "abs", "sin", "step"]:
        e = dual.dual_exact(act, a, c, b)
        bound = np.sqrt(dual.dual_exact(act, a, a, a) * dual.dual_exact(act, b, b, b))
        assert abs(e) <= bound * (1 + 1e-12) + 1e-300
    assert dual.dual_exact("relu", a, c, b) >= 0
    assert 0 <= dual.dual_deriv_exact("relu", a, c, b) <= 0.5 + 1e-15


@settings(max_examples=40, deadline=None)
@given(st.floats(-1.0, 1.0), st.floats(-1.0, 1.0))
def test_relu_dual_monotone_in_rho(r1, r2):
    lo, hi = min(r1, r2), max(r1, r2)
    assert dual.dual_exact("relu", 1.0, lo, 1.0) <= dual.dual_exact("relu", 1.0, hi, 1.0) + 1e-15


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call,exc,word",
    [
        (lambda: dual.dual_exact("relu", np.nan, 0.0, 1.0), ValueError, "k11"),
        (lambda: dual.dual_exact("relu", 1.0, np.inf, 1.0), ValueError, "k12"),
        (lambda: dual.dual_exact("relu", -1.0, 0.0, 1.0), ValueError, "k11"),
        (lambda: dual.dual_exact("relu", 1.0, 0.0, -1.0), ValueError, "k22"),
        (lambda: dual.dual_exact("relu", 1.0, 2.0, 1.0), ValueError, "k12"),
        (lambda: dual.dual_exact("tanh", 1.0, 0.0, 1.0), ValueError, "activation"),
        (lambda: dual.dual_exact(3, 1.0, 0.0, 1.0), TypeError, "activation"),
        (lambda: dual.dual_exact("relu", "a", 0.0, 1.0), TypeError, "k11"),
        (lambda: dual.dual_exact("relu", np.ones(2), np.ones(3), 1.0), ValueError, "broadcast"),
        (lambda: dual.dual_quad("nope", 1.0, 0.0, 1.0), ValueError, "activation"),
        (lambda: dual.dual_quad(5, 1.0, 0.0, 1.0), TypeError, "fn"),
        (lambda: dual.dual_quad("tanh", 1.0, 0.0, 1.0, n_nodes=400), ValueError, "n_nodes"),
        (lambda: dual.dual_deriv_quad("step", 1.0, 0.0, 1.0), ValueError, "step"),
        (lambda: dual.dual_mc("tanh", 1.0, 0.0, 1.0, 100, rng=0), TypeError, "rng"),
        (lambda: dual.dual_mc("tanh", 1.0, 0.0, 1.0, 1, rng=np.random.default_rng(0)), ValueError, "n_samples"),
        (lambda: dual.gaussian_expectation("tanh", -1.0), ValueError, "K"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
