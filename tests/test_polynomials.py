"""Tests for theorylab.polynomials: Hermite tools, hierarchical targets, projections.

References: numpy.polynomial.hermite_e (independent implementation of the
probabilists' Hermite polynomials), Gauss-Hermite quadrature (exact for polynomials),
sympy Gaussian integrals, the closed forms of the catalogue entry
``hierarchical-polys-three-layer`` (derived), Monte Carlo with standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial import hermite_e as He
from threadpoolctl import threadpool_limits

from theorylab import polynomials as poly


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices: one BLAS thread avoids oversubscription on the shared 2-core machine."""
    with threadpool_limits(1):
        yield


LINK = poly.hermite_link([0.0, 1.0, 0.5])
LINK3 = poly.hermite_link([0.0, 1.0, 0.0, 1 / math.sqrt(6)])


def gauss_expect(fun, n_nodes=60):
    """E_{z~N(0,1)} fun(z) by probabilists' Gauss-Hermite quadrature (exact for deg < 2n)."""
    x, w = He.hermegauss(n_nodes)
    return np.sum(w * fun(x)) / math.sqrt(2 * math.pi)


# --------------------------------------------------------------------------- Hermite
@pytest.mark.parametrize(
    "j, closed",  # source: catalogue "closed-form reference values"
    [
        (0, lambda z: np.ones_like(z)),
        (1, lambda z: z),
        (2, lambda z: z**2 - 1),
        (3, lambda z: z**3 - 3 * z),
        (4, lambda z: z**4 - 6 * z**2 + 3),
    ],
)
def test_hermite_known_closed_forms(j, closed):
    z = np.linspace(-4, 4, 33)
    np.testing.assert_allclose(poly.hermite(j, z), closed(z), atol=1e-12)


@pytest.mark.parametrize("j", range(12))
def test_hermite_matches_numpy_hermite_e(j):
    z = np.linspace(-5, 5, 41)
    coef = np.zeros(j + 1)
    coef[j] = 1.0
    ref = He.hermeval(z, coef)
    np.testing.assert_allclose(poly.hermite(j, z), ref, rtol=1e-12, atol=1e-9 * max(1.0, np.abs(ref).max()))


def test_normalised_hermite_orthonormal_by_quadrature():
    G = np.array([[gauss_expect(lambda z, i=i, j=j: poly.hermite_normalized(i, z) * poly.hermite_normalized(j, z))
                   for j in range(8)] for i in range(8)])
    np.testing.assert_allclose(G, np.eye(8), atol=1e-12)


@pytest.mark.parametrize("m, value", [(2, 2), (3, 8), (4, 60)])  # catalogue: E He2^2=2, E He2^3=8, E He2^4=60
def test_he2_moments_sympy_and_quadrature(m, value):
    z = sp.symbols("z", real=True)
    sym = sp.integrate((z**2 - 1) ** m * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo))
    assert sp.simplify(sym - value) == 0
    assert gauss_expect(lambda t: poly.hermite(2, t) ** m) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("d, k", [(1, 3), (2, 2), (2, 3), (3, 2)])
def test_hermite_features_orthonormal_by_tensor_quadrature(d, k):
    x, w = He.hermegauss(12)
    grids = np.meshgrid(*([x] * d), indexing="ij")
    X = np.column_stack([g.ravel() for g in grids])
    W = np.prod(np.meshgrid(*([w] * d), indexing="ij"), axis=0).ravel() / (2 * math.pi) ** (d / 2)
    Phi = poly.hermite_features(X, k)
    assert Phi.shape[1] == poly.n_hermite_features(d, k) == math.comb(d + k, k)
    np.testing.assert_allclose(Phi.T @ (W[:, None] * Phi), np.eye(Phi.shape[1]), atol=1e-11)


def test_hermite_features_known_columns():
    X = np.array([[0.3, -1.2, 2.0]])
    Phi = poly.hermite_features(X, 2)[0]
    # order: 1, x1, x2, x3, then (i<=j) pairs (0,0),(0,1),(0,2),(1,1),(1,2),(2,2)
    x1, x2, x3 = X[0]
    expected = [1, x1, x2, x3, (x1**2 - 1) / math.sqrt(2), x1 * x2, x1 * x3, (x2**2 - 1) / math.sqrt(2),
                x2 * x3, (x3**2 - 1) / math.sqrt(2)]
    np.testing.assert_allclose(Phi, expected, atol=1e-14)


def test_random_orthogonal():
    Q = poly.random_orthogonal(7, 4, rng=np.random.default_rng(0))
    np.testing.assert_allclose(Q.T @ Q, np.eye(4), atol=1e-12)
    with pytest.raises(ValueError, match="n_vectors"):
        poly.random_orthogonal(3, 4, rng=np.random.default_rng(0))


# --------------------------------------------------------------------------- links
def test_link_values_and_mean_derivative():
    z = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(LINK(z), z + 0.5 * (z**2 - 1), atol=1e-14)
    np.testing.assert_allclose(LINK.derivative(z), 1 + z, atol=1e-14)
    assert LINK.degree == 2
    assert gauss_expect(LINK.derivative) == pytest.approx(LINK.mean_derivative)
    assert gauss_expect(LINK) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize(
    "coeffs, match",
    [
        ([0.0], "q must be >= 1"),
        ([0.5, 1.0], "c_0 = 0"),
        ([0.0, 0.0, 1.0], "information exponent"),  # the even link He2, excluded by the paper
        ([0.0, 1.0, 0.0], "leading coefficient"),
        ([[0.0, 1.0]], "1-D"),
        ([0.0, np.nan], "coeffs contains nan"),
    ],
)
def test_link_bad_input(coeffs, match):
    with pytest.raises(ValueError, match=match):
        poly.hermite_link(coeffs)


# --------------------------------------------------------------------------- features
@pytest.mark.parametrize("maker, k", [(poly.orthogonal_decomposable_feature, 2),
                                      (poly.orthogonal_decomposable_feature, 3),
                                      (poly.sparse_parity_feature, 2),
                                      (poly.sparse_parity_feature, 3)])
def test_feature_normalisation_monte_carlo(maker, k):
    rng = np.random.default_rng(1)
    feat = maker(12, k, rng=rng)
    p = feat(rng.standard_normal((200_000, 12)))
    n = p.size
    assert abs(p.mean()) <= 4 * p.std() / math.sqrt(n)
    se2 = np.std(p**2) / math.sqrt(n)
    assert abs(np.mean(p**2) - 1.0) <= 4 * se2


def test_feature_latent_shortcut_matches_rotation():
    """sample_latent draws z = V^T x directly: same law as rotating x (check 2nd moments)."""
    rng = np.random.default_rng(2)
    feat = poly.orthogonal_decomposable_feature(9, 2, n_terms=5, rng=rng)
    X = rng.standard_normal((5, 9))
    np.testing.assert_allclose(feat.latent(X), X @ feat.V)
    np.testing.assert_allclose(feat(X), feat.from_psi(feat.psi_from_latent(X @ feat.V)))


def test_parity_blocks_disjoint():
    feat = poly.sparse_parity_feature(11, 3, rng=np.random.default_rng(3))
    assert feat.blocks.shape == (3, 3)
    assert len(set(feat.blocks.ravel())) == 9


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda r: poly.orthogonal_decomposable_feature(5, 0, rng=r), ValueError, "k must be >= 1"),
        (lambda r: poly.orthogonal_decomposable_feature(2, 3, rng=r), ValueError, "dim must be >= k"),
        (lambda r: poly.orthogonal_decomposable_feature(4, 2, n_terms=5, rng=r), ValueError, "n_terms"),
        (lambda r: poly.orthogonal_decomposable_feature(4, 2, signs=np.zeros(4), rng=r), ValueError, "signs"),
        (lambda r: poly.orthogonal_decomposable_feature(4, 2, signs="weird", rng=r), ValueError, "signs"),
        (lambda r: poly.sparse_parity_feature(5, 2, n_terms=3, rng=r), ValueError, "n_terms"),
        (lambda r: poly.sparse_parity_feature(2, 3, rng=r), ValueError, "dim must be >= k"),
        (lambda r: poly.orthogonal_decomposable_feature(4, 2, rng=0), TypeError, "rng"),
        (lambda r: poly.orthogonal_decomposable_feature(4.0, 2, rng=r), TypeError, "dim"),
        (lambda r: poly.hermite_features(np.ones(3), 2), ValueError, "X must be a 2-D"),
        (lambda r: poly.hermite_features(np.full((2, 2), np.nan), 2), ValueError, "X contains nan"),
        (lambda r: poly.hermite(-1, 0.0), ValueError, "j must be >= 0"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(np.random.default_rng(0))


def test_exact_forms_reject_unsupported():
    rng = np.random.default_rng(0)
    f3 = poly.orthogonal_decomposable_feature(6, 3, rng=rng)
    with pytest.raises(ValueError, match="feature"):
        poly.stein_error_exact(f3, LINK)
    f2 = poly.orthogonal_decomposable_feature(6, 2, rng=rng)
    with pytest.raises(ValueError, match="link"):
        poly.degree2_floor_exact(f2, LINK3)
    with pytest.raises(TypeError, match="link"):
        poly.stein_error_exact(f2, lambda z: z)


# --------------------------------------------------------------------------- projections
@pytest.mark.parametrize(
    "L, link, expected",  # catalogue C1 closed forms (derived), lambda = +-1 balanced
    [(8, LINK, math.sqrt(2 / 8)), (32, LINK, math.sqrt(2 / 32)), (8, LINK3, 12 / math.sqrt(6) / 8),
     (50, LINK3, 12 / math.sqrt(6) / 50)],
)
def test_stein_error_closed_form_values(L, link, expected):
    feat = poly.orthogonal_decomposable_feature(L, 2, rng=np.random.default_rng(L))
    assert poly.stein_error_exact(feat, link) == pytest.approx(expected, rel=1e-12)
    assert poly.lower_degree_norm_exact(feat, link) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("L", [6, 10, 40])
def test_degree2_floor_is_one_third(L):  # catalogue C3: Var h = 3/2 + 3/L, ||P2 h||^2 = 1 + 2/L
    feat = poly.orthogonal_decomposable_feature(L, 2, rng=np.random.default_rng(L))
    fl = poly.degree2_floor_exact(feat, LINK)
    assert fl["var"] == pytest.approx(1.5 + 3 / L, rel=1e-13)
    assert fl["proj_norm2"] == pytest.approx(1 + 2 / L, rel=1e-13)
    assert fl["rel_floor"] == pytest.approx(1 / 3, rel=1e-12)


def test_positive_signs_symmetric_case():
    """catalogue: lambda_i = 1, g = z + He2/2 gives P2 h = (1 + sqrt(2/d)) p exactly."""
    d = 9
    feat = poly.orthogonal_decomposable_feature(d, 2, signs="positive", rng=np.random.default_rng(0))
    a = poly.feature_coefficients_exact(feat, LINK)
    np.testing.assert_allclose(a, (1 + math.sqrt(2 / d)) * feat.lam / math.sqrt(d), rtol=1e-13)
    # E p^3 = sqrt(8/d), E p^4 = 3 + 12/d -> Var h = 1 + (2 + 12/d)/4 + sqrt(8/d)
    assert poly.degree2_floor_exact(feat, LINK)["var"] == pytest.approx(1 + (2 + 12 / d) / 4 + math.sqrt(8 / d))


@pytest.mark.parametrize("L", [4, 10])  # small L: the c2, c3 terms are large, so the test has power
@pytest.mark.parametrize("link", [LINK, LINK3])
def test_coefficients_exact_vs_monte_carlo(link, L):
    rng = np.random.default_rng(7)
    feat = poly.orthogonal_decomposable_feature(L, 2, signs="random", rng=rng)
    exact = poly.feature_coefficients_exact(feat, link)
    mc = poly.feature_coefficients_mc(feat, link, n_samples=200_000, rng=rng)
    assert mc.mean.shape == exact.shape
    assert np.all(np.abs(mc.mean - exact) <= 4.5 * mc.se)  # 10 z-scores, false alarm ~7e-5


@pytest.mark.parametrize("link", [LINK, LINK3])
def test_stein_error_mc_vs_exact(link):
    rng = np.random.default_rng(11)
    feat = poly.orthogonal_decomposable_feature(16, 2, rng=rng)
    mc = poly.stein_error_mc(feat, link, n_samples=200_000, rng=rng, n_batches=40)
    assert abs(mc.mean - poly.stein_error_exact(feat, link)) <= 4 * mc.se


def test_hermite_projection_mc_recovers_known_coefficients():
    rng = np.random.default_rng(5)
    d = 3
    f = lambda X: 2.0 * X[:, 0] + (X[:, 1] ** 2 - 1) / math.sqrt(2) - 0.5 * X[:, 0] * X[:, 2]
    est = poly.hermite_projection_mc(f, lambda X: poly.hermite_features(X, 2), d, n_samples=100_000,
                                     rng=rng, chunk_size=30_000)
    expected = np.zeros(10)
    expected[1] = 2.0          # x1
    expected[7] = 1.0          # (x2^2 - 1)/sqrt 2
    expected[6] = -0.5         # x1 x3
    assert np.all(np.abs(est.mean - expected) <= 5 * est.se + 1e-12)


def test_target_sample_shapes_and_determinism():
    feat = poly.orthogonal_decomposable_feature(5, 2, rng=np.random.default_rng(0))
    tgt = poly.HierarchicalTarget(feat, LINK)
    X, y, p = tgt.sample(7, rng=np.random.default_rng(1))
    _, y2, _ = tgt.sample(7, rng=np.random.default_rng(1))
    assert X.shape == (7, 5) and y.shape == (7,) and p.shape == (7,)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_allclose(y, LINK(p))
    np.testing.assert_allclose(tgt(X), y)


# --------------------------------------------------------------------------- properties
@settings(max_examples=50, deadline=None)
@given(lam=st.lists(st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-3), min_size=2, max_size=12),
       c2=st.floats(-2, 2, allow_nan=False))
def test_property_stein_formula_and_floor_bounds(lam, c2):
    L = len(lam)
    feat = poly.orthogonal_decomposable_feature(L, 2, signs=np.array(lam), rng=np.random.default_rng(0))
    assert np.sum(feat.lam**2) == pytest.approx(L)
    link = poly.hermite_link([0.0, 1.0, c2]) if c2 != 0 else poly.hermite_link([0.0, 1.0])
    err = poly.stein_error_exact(feat, link)
    assert err == pytest.approx(2 * math.sqrt(2) * abs(c2) * math.sqrt(np.sum(feat.lam**4)) / L, abs=1e-12)
    fl = poly.degree2_floor_exact(feat, link)
    # the projection cannot have more energy than h: 0 <= floor <= 1
    assert -1e-12 <= fl["rel_floor"] <= 1 + 1e-12


@pytest.mark.parametrize("L", [2, 3])
@pytest.mark.parametrize("link", [LINK, LINK3, poly.hermite_link([0.0, -0.7, 0.3, 0.2])])
def test_coefficients_exact_vs_tensor_quadrature(link, L):
    """Independent exact reference: E[g(p) psi_i] is a polynomial Gaussian integral in the
    L latent coordinates, computed exactly by an L-dimensional Gauss-Hermite grid."""
    rng = np.random.default_rng(L)
    feat = poly.orthogonal_decomposable_feature(L, 2, signs=rng.uniform(0.3, 2.0, L) * rng.choice([-1, 1], L),
                                                rng=rng)
    x, w = He.hermegauss(12)
    Z = np.stack(np.meshgrid(*([x] * L), indexing="ij"), -1).reshape(-1, L)
    W = np.prod(np.meshgrid(*([w] * L), indexing="ij"), axis=0).ravel() / (2 * math.pi) ** (L / 2)
    Psi = feat.psi_from_latent(Z)
    h = link(feat.from_psi(Psi))
    np.testing.assert_allclose(feat_coef := Psi.T @ (W * h), poly.feature_coefficients_exact(feat, link),
                               atol=1e-11)
    # and E h = P_0 h, |P_0 h| = lower_degree_norm_exact
    assert abs(W @ h) == pytest.approx(poly.lower_degree_norm_exact(feat, link), abs=1e-11)
    assert feat_coef.shape == (L,)
    if link.degree <= 2:
        var = W @ h**2 - (W @ h) ** 2
        assert poly.degree2_floor_exact(feat, link)["var"] == pytest.approx(var, abs=1e-11)
