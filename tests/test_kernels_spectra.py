"""Tests of theorylab.kernels.spectra: Gram eigendecomposition and sphere Mercer spectra."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from theorylab.kernels import dual, spectra


def test_gram_eigh_descending_and_reconstructs():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 5))
    K = A @ A.T
    ev, V = spectra.gram_eigh(K)
    assert np.all(np.diff(ev) <= 0)
    np.testing.assert_allclose(V @ np.diag(ev) @ V.T, K, atol=1e-11)
    np.testing.assert_allclose(V.T @ V, np.eye(30), atol=1e-12)
    assert np.sum(ev > 1e-9 * ev[0]) == 5  # rank 5


# (dim, degrees, multiplicities, source)
MULT = [
    (3, 4, [1, 3, 5, 7, 9], "2l + 1 on S^2"),
    (2, 3, [1, 2, 2, 2], "cos/sin pairs on the circle"),
    (4, 3, [1, 4, 9, 16], "(l + 1)^2 on S^3"),
]


@pytest.mark.parametrize("dim,L,expected,source", MULT)
def test_multiplicities(dim, L, expected, source):
    np.testing.assert_array_equal(spectra.sphere_multiplicity(dim, L), expected)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 30), st.integers(0, 12))
def test_multiplicities_sum_to_polynomial_dimension(dim, L):
    # harmonics of degree <= L span the polynomials of degree <= L restricted to the sphere:
    # C(L + d - 1, d - 1) + C(L + d - 2, d - 1)
    N = spectra.sphere_multiplicity(dim, L)
    total = special.comb(L + dim - 1, dim - 1, exact=True) + special.comb(L + dim - 2, dim - 1, exact=True)
    assert N.sum() == pytest.approx(total, rel=1e-12)


def test_legendre_matches_gegenbauer():
    t = np.linspace(-1, 1, 9)
    for d in (3, 5, 10):
        P = spectra.legendre_sphere(d, 6, t)
        a = (d - 2) / 2
        for ell in range(7):
            ref = special.eval_gegenbauer(ell, a, t) / special.eval_gegenbauer(ell, a, 1.0)
            np.testing.assert_allclose(P[ell], ref, atol=1e-13)
    np.testing.assert_allclose(spectra.legendre_sphere(2, 5, t)[5], special.eval_chebyt(5, t), atol=1e-13)


def test_monomial_spectrum_closed_form():
    # f(t) = t on S^{d-1}: t = d * mu_1 * P_1(t), so mu_1 = 1/d and all others vanish
    for d in (3, 7):
        mu, _ = spectra.sphere_mercer_spectrum(lambda t: t, d, 4, n_nodes=50)
        np.testing.assert_allclose(mu, [0, 1 / d, 0, 0, 0], atol=1e-14)


@pytest.mark.parametrize("dim", [2, 3, 10])
def test_series_reconstructs_smooth_kernel(dim):
    f = lambda t: np.exp(2 * t)
    mu, N = spectra.sphere_mercer_spectrum(f, dim, 40, n_nodes=400)
    t = np.linspace(-1, 1, 11)
    recon = (mu * N) @ spectra.legendre_sphere(dim, 40, t)
    # round-off ~1e-16 per mu_l, amplified by sum_l N(d, l) |P_l| ~ 1e5 -> rtol 1e-9
    np.testing.assert_allclose(recon, f(t), rtol=1e-9)
    # exp(2t) has positive Taylor coefficients -> positive spectrum (Schoenberg); beyond
    # l ~ 15 the true mu_l < 1e-16 are below quadrature round-off
    assert np.all(mu[:15] > 0)


def test_spectrum_vs_monte_carlo_gram():
    # eigenvalues of K/n on n uniform points on S^2 estimate mu_l with multiplicity 2l+1;
    # the ReLU NNGP of unit inputs: f(t) = 2 * relu dual = arc-cosine J(t).
    rng = np.random.default_rng(1)
    d, n = 3, 400
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    f = lambda t: 2 * dual.dual_exact("relu", 1.0, np.clip(t, -1, 1), 1.0)
    mu, N = spectra.sphere_mercer_spectrum(f, d, 4)
    # closed form (sympy integral of J(t) P_l(t)/2 on [-1, 1], done once by hand in the
    # PR; vanishing odd degrees >= 3 as in Bach 2017): mu_0 = 3/8, mu_1 = 1/6,
    # mu_2 = 3/128 and vanishing odd degrees >= 3; Jacobi quadrature of the kink at t = -1
    # is accurate to ~1e-13 here
    np.testing.assert_allclose(mu[:4], [3 / 8, 1 / 6, 3 / 128, 0.0], atol=1e-10)
    ev = np.linalg.eigvalsh(f(X @ X.T) / n)[::-1]
    # group the top eigenvalues by multiplicity; sampling error O(1/sqrt(n)) relative,
    # measured <= 0.8% at n = 1000 over 4 seeds -> 5% at n = 400 leaves a 2.5x margin
    start = 0
    for ell in range(3):
        grp = ev[start:start + int(N[ell])]
        start += int(N[ell])
        assert grp.mean() == pytest.approx(mu[ell], rel=0.05)


@pytest.mark.parametrize(
    "call,exc,word",
    [
        (lambda: spectra.gram_eigh(np.ones((2, 3))), ValueError, "square"),
        (lambda: spectra.gram_eigh(np.array([[1.0, 2.0], [0.0, 1.0]])), ValueError, "symmetric"),
        (lambda: spectra.gram_eigh(np.full((2, 2), np.nan)), ValueError, "K contains nan"),
        (lambda: spectra.sphere_mercer_spectrum(np.exp, 1, 3), ValueError, "dim"),
        (lambda: spectra.sphere_mercer_spectrum(np.exp, 3, -1), ValueError, "max_degree"),
        (lambda: spectra.sphere_mercer_spectrum(3.0, 3, 2), TypeError, "f"),
        (lambda: spectra.sphere_mercer_spectrum(np.exp, 3.5, 2), TypeError, "dim"),
        (lambda: spectra.sphere_mercer_spectrum(lambda t: np.full_like(t, np.nan), 3, 2), ValueError, "non-finite"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
