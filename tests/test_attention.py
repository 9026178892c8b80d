"""Tests of theorylab.attention (random-feature attention, Fu et al. 2023, arXiv:2307.11353).

Every kernel is checked against an independent reference: the loop-based
``rfa_features_reference`` (a direct transcription of the model), Monte-Carlo over
heads with a standard-error tolerance, 1-D/2-D quadrature of Gaussian expectations,
and closed-form Hermite values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorylab import attention as A


def _rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- samplers
def test_sample_tokens_on_unit_sphere():
    x0, X = A.sample_tokens(7, 5, 4, rng=_rng())
    assert x0.shape == (7, 4) and X.shape == (7, 5, 4)
    np.testing.assert_allclose(np.linalg.norm(x0, axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(X, axis=2), 1.0, atol=1e-14)


def test_sample_qk_weights_moments():
    # mean and variance of the entries: MC with 5-SE tolerance
    W = A.sample_qk_weights(4000, 3, mean=0.7, scale=2.0, rng=_rng(1))
    se_mean = 2.0 / math.sqrt(4000)
    assert np.all(np.abs(W.mean(0) - 0.7 * np.eye(3)) < 5 * se_mean)
    se_var = 4.0 * math.sqrt(2 / 4000)
    assert np.all(np.abs(W.var(0) - 4.0) < 5 * se_var)


def test_same_seed_same_weights():
    a = A.sample_qk_weights(3, 4, rng=_rng(5))
    b = A.sample_qk_weights(3, 4, rng=_rng(5))
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- features
@pytest.mark.parametrize("activation", A.ACTIVATIONS)
@pytest.mark.parametrize("value_bias", [False, True])
@pytest.mark.parametrize("mean", [0.0, 0.8])
def test_features_match_slow_reference(activation, value_bias, mean):
    """Source: the model definition, transcribed loop by loop (rfa_features_reference)."""
    rng = _rng(2)
    x0, X = A.sample_tokens(4, 3, 5, rng=rng)
    W = A.sample_qk_weights(6, 5, mean=mean, rng=rng)
    F = A.rfa_features(x0, X, W, activation=activation, value_bias=value_bias)
    R = A.rfa_features_reference(x0, X, W, activation=activation, value_bias=value_bias)
    np.testing.assert_allclose(F, R, rtol=1e-12, atol=1e-14)


def test_features_blocked_equal_unblocked_and_gram():
    rng = _rng(3)
    x0, X = A.sample_tokens(23, 4, 3, rng=rng)
    W = A.sample_qk_weights(10, 3, rng=rng)
    F = A.rfa_features(x0, X, W)
    Fb = A.rfa_features(x0, X, W, block_size=5)
    np.testing.assert_allclose(Fb, F, rtol=1e-14, atol=0)
    K = A.rfa_gram(x0, X, W, head_block=3)
    np.testing.assert_allclose(K, F @ F.T, rtol=1e-12, atol=1e-14)


def test_softmax_weights_sum_to_one():
    """With the value constant, the last coordinate of each head is sum_i a_i / sqrt(M) = 1/sqrt(M)."""
    rng = _rng(4)
    x0, X = A.sample_tokens(5, 6, 3, rng=rng)
    W = A.sample_qk_weights(7, 3, scale=3.0, rng=rng)
    F = A.rfa_features(x0, X, W, activation="softmax", value_bias=True).reshape(5, 7, 4)
    np.testing.assert_allclose(F[:, :, -1], 1 / math.sqrt(7), rtol=1e-13)


@pytest.mark.parametrize("activation", A.ACTIVATIONS)
def test_permutation_invariance_to_roundoff(activation):
    rng = _rng(6)
    x0, X = A.sample_tokens(50, 9, 4, rng=rng)
    W = A.sample_qk_weights(20, 4, mean=0.3, rng=rng)
    perm = rng.permuted(np.tile(np.arange(9), (50, 1)), axis=1)
    Xp = np.take_along_axis(X, perm[:, :, None], axis=1)
    F = A.rfa_features(x0, X, W, activation=activation, value_bias=True)
    Fp = A.rfa_features(x0, Xp, W, activation=activation, value_bias=True)
    assert np.abs(F - Fp).max() <= 100 * np.finfo(float).eps * np.abs(F).max()


def test_features_not_invariant_to_query_change():
    """Guard against a vacuous invariance test: changing the query does change the features."""
    rng = _rng(7)
    x0, X = A.sample_tokens(5, 4, 3, rng=rng)
    W = A.sample_qk_weights(8, 3, rng=rng)
    F = A.rfa_features(x0, X, W)
    F2 = A.rfa_features(x0[::-1], X, W)
    assert np.abs(F - F2).max() > 1e-3


def test_odd_under_joint_sign_flip_without_value_constant():
    rng = _rng(8)
    x0, X = A.sample_tokens(10, 4, 3, rng=rng)
    W = A.sample_qk_weights(5, 3, mean=1.0, rng=rng)
    for act in A.ACTIVATIONS:
        F = A.rfa_features(x0, X, W, activation=act)
        np.testing.assert_allclose(A.rfa_features(-x0, -X, W, activation=act), -F, atol=1e-14)


# --------------------------------------------------------------------------- kernels
def _gauss_pair_expectation(f, mu1, mu2, s1, s2, c, n=120):
    """E[f(u) f(u')] for a bivariate Gaussian by 2-D Gauss-Hermite quadrature (reference, smooth f)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    rho = c / (s1 * s2)
    Z1, Z2 = np.meshgrid(z, z, indexing="ij")
    U1 = mu1 + s1 * Z1
    U2 = mu2 + s2 * (rho * Z1 + math.sqrt(max(1 - rho**2, 0.0)) * Z2)
    return float(np.einsum("i,j,ij->", w, w, f(U1) * f(U2)))


def _relu_pair_expectation(s1, s2, c):
    """E[ReLU(u) ReLU(u')], zero means, by adaptive 1-D quadrature over z = u/s1 > 0 of
    ReLU(u) E[ReLU(u') | u] (conditional Gaussian, E ReLU(m + t w) = m Phi(m/t) + t phi(m/t))."""
    from scipy import integrate, stats
    rho = c / (s1 * s2)
    t = s2 * math.sqrt(max(1 - rho**2, 0.0))

    def g(z):
        m = s2 * rho * z
        inner = m * stats.norm.cdf(m / t) + t * stats.norm.pdf(m / t) if t > 0 else max(m, 0.0)
        return s1 * z * inner * stats.norm.pdf(z)

    val, _ = integrate.quad(g, 0.0, np.inf, epsabs=1e-14, epsrel=1e-12)
    return val


@pytest.mark.parametrize("activation,mean", [("exp", 0.0), ("exp", 0.9), ("relu", 0.0)])
def test_kernel_exact_matches_quadrature(activation, mean):
    """Reference: the kernel sum over token pairs with each Gaussian expectation by quadrature."""
    rng = _rng(9)
    d, N = 3, 2
    x0, X = A.sample_tokens(2, N, d, rng=rng)
    x0 = 1.3 * x0  # non-unit norms exercise the variance formula
    K = A.rfa_kernel_exact(x0[:1], X[:1], x0[1:], X[1:], activation=activation, mean=mean, scale=0.8,
                           value_bias=True)
    f = np.exp if activation == "exp" else (lambda u: np.maximum(u, 0.0))
    W0 = mean * np.eye(d)
    tot = 0.0
    for i in range(N):
        for j in range(N):
            a, b = X[0, i], X[1, j]
            s1 = 0.8 * np.linalg.norm(x0[0]) * np.linalg.norm(a)
            s2 = 0.8 * np.linalg.norm(x0[1]) * np.linalg.norm(b)
            c = 0.64 * (x0[0] @ x0[1]) * (a @ b)
            if activation == "exp":
                e = _gauss_pair_expectation(f, x0[0] @ W0 @ a, x0[1] @ W0 @ b, s1, s2, c)
            else:
                e = _relu_pair_expectation(s1, s2, c)
            tot += e * (a @ b + 1.0)
    # exp: 120-node GH is exact to ~1e-12 for this smooth integrand; relu: adaptive quad at rtol 1e-12
    rtol = 1e-10
    np.testing.assert_allclose(K[0, 0], tot / N**2, rtol=rtol)


def test_relu_kernel_known_values():
    """Arc-cosine kernel (Cho & Saul 2009): rho = 1 gives s^2/2, rho = 0 gives s^2/(2 pi)."""
    e = np.array([[1.0, 0.0]])
    X = np.array([[[1.0, 0.0]]])
    K11 = A.rfa_kernel_exact(e, X, e, X, activation="relu")
    np.testing.assert_allclose(K11, 0.5, rtol=1e-14)
    e2 = np.array([[0.0, 1.0]])
    K12 = A.rfa_kernel_exact(e, X, e2, X, activation="relu")  # covariance 0, value gram 1
    np.testing.assert_allclose(K12, 1 / (2 * np.pi), rtol=1e-14)


@pytest.mark.parametrize("activation,mean", [("exp", 0.0), ("exp", 0.5), ("relu", 0.0)])
def test_kernel_mc_converges_at_inverse_sqrt_heads(activation, mean):
    """Finite-head kernel -> infinite-head kernel: the mean squared relative error is exactly
    proportional to 1/M (error ~ M^-1/2); fitted slope within 3 bootstrap SEs (8 repetitions) of -1.
    Entries within 5 MC standard errors at M = 4000."""
    rng = _rng(10)
    x0, X = A.sample_tokens(20, 4, 4, rng=rng)
    # scale 0.5: the exp score's per-head kernel is lognormal; at scale 1 its 4th moments are so
    # heavy-tailed that an 8-repetition mean of squared errors is noisier than its bootstrap SE says
    K = A.rfa_kernel_exact(x0, X, x0, X, activation=activation, mean=mean, scale=0.5)
    Ms = np.array([50, 200, 800, 3200])
    errs = np.array([[np.linalg.norm(A.rfa_kernel_mc(x0, X, x0, X, activation=activation, mean=mean,
                                                     scale=0.5, n_samples=int(M), rng=rng) - K) ** 2
                      / np.linalg.norm(K) ** 2 for M in Ms] for _ in range(8)])
    from theorylab.stats import bootstrap_loglog_slope
    fit = bootstrap_loglog_slope(Ms, errs, rng=rng)
    assert abs(fit["slope"] + 1.0) <= 3 * fit["boot_se"], fit
    # entrywise: per-head kernels, CLT
    M = 4000
    W = A.sample_qk_weights(M, 4, mean=mean, scale=0.5, rng=rng)
    F = A.rfa_features(x0, X, W, activation=activation).reshape(20, M, 4)
    Kh = np.einsum("pmk,qmk->mpq", F, F) * M
    se = Kh.std(0, ddof=1) / math.sqrt(M)
    assert np.all(np.abs(Kh.mean(0) - K) <= 5 * se)


def test_kernel_exact_symmetric_psd():
    rng = _rng(11)
    x0, X = A.sample_tokens(30, 3, 4, rng=rng)
    for act, mean in (("exp", 0.0), ("exp", 1.0), ("relu", 0.0)):
        K = A.rfa_kernel_exact(x0, X, x0, X, activation=act, mean=mean, value_bias=True)
        np.testing.assert_allclose(K, K.T, rtol=1e-12)
        assert np.linalg.eigvalsh(K).min() > -1e-10 * np.abs(K).max()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.integers(1, 5), N=st.integers(1, 4),
       scale=st.floats(0.0, 2.0), mean=st.floats(-1.0, 1.0))
def test_exp_kernel_cauchy_schwarz_property(seed, d, N, scale, mean):
    """For every input pair, |K(a, b)| <= sqrt(K(a, a) K(b, b)) (K is a Gram matrix)."""
    rng = np.random.default_rng(seed)
    x0, X = A.sample_tokens(2, N, d, rng=rng)
    K = A.rfa_kernel_exact(x0, X, x0, X, mean=mean, scale=scale, value_bias=True)
    assert abs(K[0, 1]) <= math.sqrt(K[0, 0] * K[1, 1]) * (1 + 1e-12) + 1e-300


# --------------------------------------------------------------------------- baseline and targets
def test_rfmlp_features_reference():
    rng = _rng(12)
    x0, X = A.sample_tokens(3, 2, 2, rng=rng)
    Wm = A.sample_mlp_weights(5, 6, rng=rng)
    F = A.rfmlp_features(x0, X, Wm)
    for s in range(3):
        z = np.concatenate([x0[s], X[s, 0], X[s, 1]])
        for k in range(5):
            assert abs(F[s, k] - max(Wm[k] @ z / math.sqrt(3), 0) / math.sqrt(5)) < 1e-15


@pytest.mark.parametrize("k,expected", [(0, 1.0), (1, 0.5), (2, 0.5**2 - 1), (3, 0.5**3 - 1.5), (4, 0.5**4 - 6 * 0.25 + 3)])
def test_hermite_known_values(k, expected):
    """He_k(1/2) from the explicit polynomials He_2 = t^2-1, He_3 = t^3-3t, He_4 = t^4-6t^2+3."""
    assert abs(float(A.hermite_he(k, 0.5)) - expected) < 1e-15


def test_target_is_permutation_invariant_and_matches_formula():
    rng = _rng(13)
    x0, X = A.sample_tokens(6, 5, 4, rng=rng)
    beta = np.array([1.0, 0, 0, 0])
    y = A.target_hermite(x0, X, k=2, beta=beta)
    t = 2.0 * np.einsum("pd,pid->pi", x0, X)
    np.testing.assert_allclose(y, ((t**2 - 1) * 2.0 * X[:, :, 0]).mean(1), rtol=1e-13)
    np.testing.assert_allclose(A.target_hermite(x0, X[:, ::-1], k=2, beta=beta), y, rtol=1e-13)


# --------------------------------------------------------------------------- bad input
def test_bad_inputs_raise_naming_argument():
    rng = _rng(14)
    x0, X = A.sample_tokens(3, 2, 4, rng=rng)
    W = A.sample_qk_weights(2, 4, rng=rng)
    with pytest.raises(ValueError, match="X token dimension"):
        A.rfa_features(x0, X[:, :, :3], W)
    with pytest.raises(ValueError, match="N >= 1"):
        A.rfa_features(x0, X[:, :0, :], W)
    with pytest.raises(ValueError, match="W must hold at least one head"):
        A.rfa_features(x0, X, W[:0])
    with pytest.raises(ValueError, match="n_heads"):
        A.sample_qk_weights(0, 4, rng=rng)
    with pytest.raises(ValueError, match="scale"):
        A.sample_qk_weights(2, 4, scale=-1.0, rng=rng)
    with pytest.raises(ValueError, match="scale"):
        A.rfa_kernel_exact(x0, X, x0, X, scale=-0.5)
    with pytest.raises(ValueError, match="n_keys"):
        A.sample_tokens(3, 0, 4, rng=rng)
    with pytest.raises(ValueError, match="activation"):
        A.rfa_features(x0, X, W, activation="tanh")
    with pytest.raises(ValueError, match="softmax"):
        A.rfa_kernel_exact(x0, X, x0, X, activation="softmax")
    with pytest.raises(ValueError, match="mean"):
        A.rfa_kernel_exact(x0, X, x0, X, activation="relu", mean=1.0)
    with pytest.raises(ValueError, match="W must have shape"):
        A.rfa_features(x0, X, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="x0"):
        A.rfa_features(x0[:, None], X, W)
    with pytest.raises(ValueError, match="x0 contains nan"):
        A.rfa_features(np.full_like(x0, np.nan), X, W)
    with pytest.raises(ValueError, match="Wmlp"):
        A.rfmlp_features(x0, X, np.zeros((3, 5)))
    with pytest.raises(TypeError, match="rng"):
        A.sample_qk_weights(2, 4, rng=0)
    with pytest.raises(TypeError, match="n_samples"):
        A.rfa_kernel_mc(x0, X, x0, X, n_samples=2.5, rng=rng)
    with pytest.raises(ValueError, match="beta"):
        A.target_hermite(x0, X, k=1, beta=np.ones(3))
